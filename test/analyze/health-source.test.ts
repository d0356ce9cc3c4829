import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { APP_TG_ARN, healthyIpAppInput, k8s, snapshotOf, target, tgs } from "../support/scenarios";

/** What the collector writes for a group its health prefilter did not list. */
function unlistedByPrefilter(s: SnapshotInput) {
  Object.assign(tgs(s)[0]!, {
    TargetHealthDescriptions: [],
    HealthSource: "cloudwatch-prefilter",
    CloudWatchHealth: {
      UnHealthyHostCount: 0,
      HealthyHostCount: 2,
      StartTime: "2026-11-24T09:50:00.000Z",
      EndTime: "2026-11-24T10:00:00.000Z",
    },
  });
}

const emptied = (s: SnapshotInput) => {
  tgs(s)[0]!.TargetHealthDescriptions = [];
};

function endpointsNotReady(s: SnapshotInput) {
  for (const e of k8s(s).endpointSlices[0]!.endpoints!) {
    e.conditions = { ready: false, serving: false, terminating: false };
  }
}

const codes = (input: SnapshotInput, edit: (s: SnapshotInput) => void) =>
  analyze(snapshotOf(input, edit)).findings.map((f) => f.code);

describe("target groups the health prefilter left unlisted", () => {
  it("keep HealthSource and CloudWatchHealth through the reader", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), unlistedByPrefilter);
    expect(snapshot.aws.targetGroups[0]?.HealthSource).toBe("cloudwatch-prefilter");
    expect(snapshot.aws.targetGroups[0]?.CloudWatchHealth?.HealthyHostCount).toBe(2);
  });

  it("are healthy per CloudWatch in the model, still audited, with no targets", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), unlistedByPrefilter);
    const tgv = buildModel(snapshot).targetGroups[0];
    expect(tgv?.healthyPerCloudWatch).toBe(true);
    expect(tgv?.healthKnown).toBe(true);
    expect(tgv?.targets).toEqual([]);
    expect(analyze(snapshot).summary.targetGroupsAudited).toBe(1);
  });

  it("do not read as missing every target (TGT002)", () => {
    // The same group really listed empty is a group whose ready pods are all unregistered.
    expect(codes(healthyIpAppInput(), emptied)).toContain("TGT002");
    expect(codes(healthyIpAppInput(), unlistedByPrefilter)).toEqual([]);
  });

  it("count as every target passing when no endpoint is ready (TGT003)", () => {
    expect(
      codes(healthyIpAppInput(), (s) => {
        emptied(s);
        endpointsNotReady(s);
      }),
    ).toContain("TGT003");
    expect(
      codes(healthyIpAppInput(), (s) => {
        unlistedByPrefilter(s);
        endpointsNotReady(s);
      }),
    ).not.toContain("TGT003");
  });

  it("are judged by their targets when targets are listed after all", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      unlistedByPrefilter(s);
      tgs(s)[0]!.TargetHealthDescriptions = [
        target("10.0.1.60", 8080, "unhealthy", "Target.Timeout"),
      ];
    });
    const tgv = buildModel(snapshot).targetGroups[0];
    expect(tgv?.healthyPerCloudWatch).toBe(false);
    const findings = analyze(snapshot).findings;
    expect(findings.some((f) => f.code === "TGT002" && f.targetGroupArn === APP_TG_ARN)).toBe(true);
  });
});
