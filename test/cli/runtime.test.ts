import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));

describe("the Node runtime the tests run on", () => {
  // npm scripts put node_modules/.bin first on PATH, where the `node` devDependency's binary is:
  // the suite runs on the Lambda's runtime line whatever Node the machine has.
  it("is Node 22, the nodejs22.x line the Lambda runs", () => {
    expect(Number(process.versions.node.split(".")[0])).toBe(22);
    expect(pkg.devDependencies.node.split(".")[0]).toBe("22");
  });

  it("is a version the package says it supports", () => {
    const minimum = /^>=(\d+)$/.exec(pkg.engines.node)?.[1];
    expect(minimum).toBeDefined();
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(Number(minimum));
  });
});
