/**
 * Whoever opens a rule file learns within its first lines what it detects and why on-call cares,
 * then what it reads: two comment lines, then (after its imports) the declaration.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../../lib/analyze/rules";

const DIR = join(__dirname, "../../lib/analyze/rules");
const files = readdirSync(DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts");

describe("rule files", () => {
  it("are one per rule, named for its code", () => {
    const codes = files.map((f) => f.split("-")[0]!.toUpperCase()).sort();
    expect(codes).toEqual(RULES.map((r) => r.code).sort());
  });

  it.each(files)("%s opens with what it detects and why it matters to on-call", (file) => {
    const [first = "", second = "", third = ""] = readFileSync(join(DIR, file), "utf8").split("\n");
    const code = file.split("-")[0]!.toUpperCase();
    expect(first).toMatch(new RegExp(`^// ${code} detects \\S`));
    expect(second).toMatch(/^\/\/ \S/);
    expect(third.startsWith("//")).toBe(false);
  });

  it.each(files)("%s declares its rule before any other code", (file) => {
    const text = readFileSync(join(DIR, file), "utf8");
    const body = text.split("\n").filter((l) => !/^(\/\/|\/\*\*|\s\*|import|\s|}|$)/.test(l));
    expect(body[0]).toMatch(/^export const \w+: Rule = \{$/);
  });
});
