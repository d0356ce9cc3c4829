/**
 * A test is found from the file it tests: test/ mirrors the tree (test/analyze/rules/ tests
 * lib/analyze/rules/, test/functions/ tests functions/, test/infra/ tests infra/). Only support/
 * and fixtures/ have no counterpart.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const OWN = new Set(["support", "fixtures"]);

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !OWN.has(e.name))
    .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))]);
}

const counterpart = (folder: string): boolean => {
  const path = relative(join(ROOT, "test"), folder);
  return existsSync(join(ROOT, "lib", path)) || existsSync(join(ROOT, path));
};

describe("test/ layout", () => {
  it("has a folder only where lib/ (or the repository root) has the same one", () => {
    const orphans = folders(join(ROOT, "test"))
      .filter((f) => !counterpart(f))
      .map((f) => relative(ROOT, f));
    expect(orphans).toEqual([]);
  });

  it("keeps test files in those folders (at the top only what tests the repository as a whole)", () => {
    const top = readdirSync(join(ROOT, "test")).filter((f) => f.endsWith(".test.ts"));
    expect(top).toEqual(["examples.test.ts", "layout.test.ts"]);
  });
});
