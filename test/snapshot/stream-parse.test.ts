import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSnapshot } from "../../bench/generator";
import { readSnapshotFile } from "../../lib/snapshot/read";
import { JsonStreamError, parseJsonFile } from "../../lib/snapshot/stream-parse";

const dir = mkdtempSync(join(tmpdir(), "alb-audit-stream-"));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `doc-${n++}.json`);
  writeFileSync(path, text);
  return path;
};

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".json"))
  .map((f) => readFileSync(`examples/${f}`, "utf8"));
const synthetic = JSON.stringify(
  generateSnapshot({ targetGroups: 6, nodes: 10, pods: 40, seed: 5, faults: 0.5 }).snapshot,
  null,
  2,
);

// Lists are cut at their top-level commas; everything that could fool a byte scanner is here.
const trickyValue = {
  version: 1,
  "odd key, with [brackets]": { "x]": ["a,b", "c\\"], n: [[1, 2], { "}": "{" }] },
  aws: {
    targetGroups: [
      { TargetGroupArn: 'quote " comma , bracket ] brace } backslash \\', Tags: [] },
      { TargetGroupArn: "ünïcødé 🔴 — 日本", Port: 8080 },
      "a string item",
      42,
      null,
      [[], {}],
    ],
    loadBalancers: [],
  },
  kubernetes: { pods: [{}], nodes: [] },
  list: [1, 2, 3],
  gaps: [{ source: "kubernetes.pods", message: "x" }],
};
const tricky = JSON.stringify(trickyValue);

describe("parsing a snapshot file in pieces", () => {
  it("gives what JSON.parse gives, at any chunk size", () => {
    for (const text of [...examples, synthetic, tricky, JSON.stringify(trickyValue, null, 1)]) {
      const path = file(text);
      const expected = JSON.parse(text);
      expect(parseJsonFile(path)).toEqual(expected);
      for (const size of [1, 3, 64]) expect(parseJsonFile(path, size)).toEqual(expected);
    }
  });

  it("keeps the last of duplicate keys, as JSON.parse does", () => {
    const text = '{"aws":{"targetGroups":[1],"targetGroups":[2,3]},"kubernetes":{}}';
    expect(parseJsonFile(file(text))).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"aws":{"targetGroups":[1,]}}', "a trailing comma"],
    ['{"aws":{"targetGroups":[,1]}}', "a leading comma"],
    ['{"aws":{"targetGroups":[1 2]}}', "two values in one item"],
    ['{"aws":{"targetGroups":[{"a":1]}}', "a wrong closing bracket"],
    ['{"aws":{"targetGroups":[{"a":1}', "a cut-off document"],
    ['{"aws":{"targetGroups":["open]}}', "an unterminated string"],
    ['{"aws":{"targetGroups":[]}} x', "text after the document"],
    ["", "an empty file"],
  ])("rejects %j (%s) like JSON.parse", (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parseJsonFile(file(text))).toThrow(JsonStreamError);
  });

  it("a malformed snapshot is reported with JSON.parse's own message", async () => {
    const text = '{"version":1,"aws":{"targetGroups":[{"TargetGroupArn":"a"},]}}';
    const path = file(text);
    let message = "";
    try {
      JSON.parse(text);
    } catch (err) {
      message = (err as Error).message;
    }
    await expect(readSnapshotFile(path)).rejects.toThrow(`${path}: not valid JSON (${message})`);
  });
});
