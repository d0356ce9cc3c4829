/**
 * Catalog 1.1: an optional list that is absent was not collected. The rules that need it do not
 * run, the summary says so in `notRun`, and it is no gap (no AUDIT001); a list that was collected
 * but could not be read is a gap as always.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze";
import { buildModel } from "../../lib/analyze/model";
import { type Rule } from "../../lib/analyze/rule";
import { RULES } from "../../lib/analyze/rules";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { healthyIpAppInput, snapshotOf } from "../support/scenarios";

function needsEvents() {
  const runs: number[] = [];
  const rule: Rule = {
    code: "CTRL001",
    inputs: ["kubernetes.events", "aws.targetGroups"],
    check: ({ model }) => {
      runs.push(model.snapshot.kubernetes.events?.length ?? -1);
      return [];
    },
  };
  return { rule, runs };
}

const withEvents = (s: SnapshotInput) => {
  (s.kubernetes as Record<string, unknown>).events = [];
};

describe("optional snapshot lists", () => {
  it("records an absent optional list as not collected, not as a gap", () => {
    const model = buildModel(snapshotOf(healthyIpAppInput()));
    expect(model.notCollected.has("kubernetes.events")).toBe(true);
    expect(model.notCollected.has("aws.securityGroups")).toBe(true);
    expect(model.gapSources.size).toBe(0);
    const collected = buildModel(snapshotOf(healthyIpAppInput(), withEvents));
    expect(collected.notCollected.has("kubernetes.events")).toBe(false);
  });

  it("does not run a rule whose optional input was not collected and names it in notRun", () => {
    const { rule, runs } = needsEvents();
    const report = analyze(snapshotOf(healthyIpAppInput()), {
      rules: [rule, ...RULES.filter((r) => r.code === "AUDIT001")],
    });
    expect(runs).toEqual([]);
    expect(report.summary.notRun).toEqual([{ code: "CTRL001", missing: ["kubernetes.events"] }]);
    expect(report.findings).toEqual([]);
    expect(report.summary.gaps).toBe(0);
  });

  it("runs it when the list was collected, and leaves notRun out of the summary", () => {
    const { rule, runs } = needsEvents();
    const report = analyze(snapshotOf(healthyIpAppInput(), withEvents), { rules: [rule] });
    expect(runs).toEqual([0]);
    expect(report.summary).not.toHaveProperty("notRun");
  });

  it("treats a collected optional list that could not be read as a gap (AUDIT001)", () => {
    const { rule, runs } = needsEvents();
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        withEvents(s);
        s.gaps = [{ source: "kubernetes.events", message: "events is forbidden (403)" }];
      }),
      { rules: [rule, ...RULES.filter((r) => r.code === "AUDIT001")] },
    );
    expect(runs).toEqual([]);
    expect(report.summary).not.toHaveProperty("notRun");
    expect(report.findings.map((f) => [f.code, f.evidence.actual.checksNotRun])).toEqual([
      ["AUDIT001", ["CTRL001"]],
    ]);
  });

  it("reports nothing as not run when the lists the rules need are there", () => {
    const withAll = (s: SnapshotInput) => {
      withEvents(s);
      Object.assign(s.aws, {
        instances: [],
        networkInterfaces: [],
        securityGroups: [],
        subnets: [],
        networkAcls: [],
      });
    };
    expect(analyze(snapshotOf(healthyIpAppInput(), withAll)).summary).not.toHaveProperty("notRun");
    // Without the EC2 lists the network checks do not run, and say which list they miss.
    const notRun = analyze(snapshotOf(healthyIpAppInput(), withEvents)).summary.notRun ?? [];
    expect(notRun.map((n) => n.code)).toEqual(["NET001", "NET002", "NET003"]);
    expect(notRun[1]?.missing).toEqual([
      "aws.instances",
      "aws.networkInterfaces",
      "aws.subnets",
      "aws.networkAcls",
    ]);
    // A snapshot written before events existed: CTRL001 does not run, and says so.
    expect(analyze(snapshotOf(healthyIpAppInput())).summary.notRun).toContainEqual({
      code: "CTRL001",
      missing: ["kubernetes.events"],
    });
  });
});
