import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPTIONS, USAGE } from "../../lib/cli/args";
import { DEFAULT_EC2_CALLS_PER_SECOND } from "../../lib/collect/ec2";
import { DEFAULT_ELB_CALLS_PER_SECOND } from "../../lib/collect/rate-limit";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const flags = Object.keys(OPTIONS).map((name) => `--${name}`);

/** The options README's tables of options name, table by table. */
function readmeTables(): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of README.split("\n")) {
    if (/^\| option\s+\|/.test(line)) tables.push((current = []));
    else if (!line.startsWith("|")) current = undefined;
    else if (current) current.push(...(line.split("|")[1]!.match(/--[a-z][a-z-]*/g) ?? []));
  }
  return tables;
}

describe("the documented options", () => {
  it("--help names every option the parser takes", () => {
    expect(flags.filter((flag) => !USAGE.includes(flag))).toEqual([]);
  });

  it("README has one table of options: every option, and none the parser lacks", () => {
    const tables = readmeTables();
    expect(tables).toHaveLength(1);
    const documented = new Set(tables[0]);
    expect(flags.filter((flag) => !documented.has(flag))).toEqual([]);
    expect([...documented].filter((flag) => !flags.includes(flag))).toEqual([]);
  });

  it("--help gives the collectors' own defaults and the variables the CLI reads", () => {
    expect(USAGE).toContain(
      `(default ${DEFAULT_ELB_CALLS_PER_SECOND} and ${DEFAULT_EC2_CALLS_PER_SECOND} a second)`,
    );
    for (const variable of ["NO_COLOR", "$DOCS_BASE_URL", "$KUBECONFIG"])
      expect(USAGE).toContain(variable);
  });
});
