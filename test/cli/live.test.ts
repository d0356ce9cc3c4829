import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const README = read("README.md");

/** The AWS API calls the collectors can make: every SDK command lib/collect imports. */
function collectorCalls(): Set<string> {
  const calls = new Set<string>();
  for (const file of readdirSync(new URL("../../lib/collect/", import.meta.url))) {
    if (!file.endsWith(".ts")) continue;
    for (const [, name] of read(`lib/collect/${file}`).matchAll(/\b([A-Z]\w+)Command\b/g))
      calls.add(name!);
  }
  return calls;
}

describe("the CLI's documented IAM grant", () => {
  const paragraph = README.split("\n\n").find((p) => p.startsWith("Live mode reads with your own"));

  it("names exactly the calls live mode makes: nothing missing, nothing extra", () => {
    expect(paragraph).toBeDefined();
    const granted = new Set(
      [...paragraph!.matchAll(/`(?:[a-z0-9]+:)?((?:Describe|Get|List)\w+)`/g)].map((m) => m[1]!),
    );
    granted.delete("GetCallerIdentity"); // named as the token, which needs no grant
    // The CloudWatch prefilter is the Lambda's: the CLI never turns it on.
    expect(read("lib/cli/live.ts")).not.toMatch(/prefilter/);
    const calls = collectorCalls();
    calls.delete("GetMetricData");
    expect([...granted].sort()).toEqual([...calls].sort());
  });
});
