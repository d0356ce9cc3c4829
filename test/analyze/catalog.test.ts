import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOG, isLive } from "../../lib/analyze/catalog";
import { RULES } from "../../lib/analyze/rules";
import { catalogMarkdown } from "../../scripts/gen-catalog-docs";

describe("finding catalog", () => {
  it("has every code of the spec exactly once, in the spec's order", () => {
    const spec = readFileSync(new URL("../../../shared/spec/findings.md", import.meta.url), "utf8");
    const specCodes = [...spec.matchAll(/^\| ([A-Z]+\d{3}) \| (\w+) \|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(specCodes.length).toBeGreaterThan(10);
    expect(CATALOG.map((e) => [e.code, e.name])).toEqual(specCodes);
  });

  it("has exactly one rule per live code", () => {
    const ruleCodes = RULES.map((r) => r.code).sort();
    const live = CATALOG.filter(isLive)
      .map((e) => e.code)
      .sort();
    expect(ruleCodes).toEqual(live);
  });

  it("has no rule for a pending code (whoever adds the rule removes `pending`)", () => {
    // Since NET001–NET003 and TGT006 every code of catalog 1.1 has its rule; a code added as
    // pending later must not be raised before its rule exists.
    const pending = CATALOG.filter((e) => e.pending).map((e) => e.code);
    const ruleCodes = new Set(RULES.map((r) => r.code));
    expect(pending.filter((code) => ruleCodes.has(code))).toEqual([]);
  });

  it("docs/findings.md is generated from the current catalog (run `npm run docs`)", () => {
    const docs = readFileSync(new URL("../../docs/findings.md", import.meta.url), "utf8");
    expect(docs).toBe(catalogMarkdown());
  });
});
