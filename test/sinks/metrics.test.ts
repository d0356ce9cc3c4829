import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import { auditMetrics, type MetricDatum } from "../../lib/report/metrics";
import {
  APP_TG_ARN,
  CLUSTER,
  healthyIpAppInput,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";

const pick = (data: MetricDatum[], name: string, dims: Record<string, string>) =>
  data
    .filter(
      (d) =>
        d.name === name &&
        Object.keys(d.dimensions).length === Object.keys(dims).length + 1 &&
        Object.entries(dims).every(([k, v]) => d.dimensions[k] === v),
    )
    .map((d) => d.value);

describe("auditMetrics", () => {
  it("counts targets per target group and findings per severity and code", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (i) => {
      tgs(i)[0]!.TargetHealthDescriptions = [
        target("10.0.1.60", 8080),
        target("10.0.2.60", 8080, "unhealthy", "Target.Timeout"),
        target("10.0.9.99", 8080, "draining"),
      ];
    });
    const report = analyze(snapshot);
    const data = auditMetrics({
      report,
      model: buildModel(snapshot),
      durationMs: 812.4,
      sinkFailures: 2,
      apiCalls: { elb: 37 },
      targetGroupMetrics: true,
    });

    expect(data.every((d) => d.dimensions.Cluster === CLUSTER)).toBe(true);
    const tg = { TargetGroup: "k8s-shop-cart-0987654321" };
    expect(pick(data, "HealthyTargets", tg)).toEqual([1]);
    expect(pick(data, "UnhealthyTargets", tg)).toEqual([1]);
    for (const s of ["critical", "warning", "info"] as const) {
      expect(pick(data, "Findings", { Severity: s })).toEqual([report.summary.bySeverity[s]]);
    }
    const perCode = data.filter((d) => d.name === "Findings" && d.dimensions.Code);
    expect(perCode.reduce((n, d) => n + d.value, 0)).toBe(report.findings.length);
    for (const f of report.findings) {
      expect(pick(data, "Findings", { Severity: f.severity, Code: f.code })[0]).toBeGreaterThan(0);
    }
    expect(pick(data, "AuditDurationMs", {})).toEqual([812]);
    expect(data.find((d) => d.name === "AuditDurationMs")!.unit).toBe("Milliseconds");
    expect(pick(data, "CollectionGaps", {})).toEqual([0]);
    expect(pick(data, "SinkFailures", {})).toEqual([2]);
    expect(pick(data, "ElbApiCalls", {})).toEqual([37]);
    // The collection read no EC2: no Ec2ApiCalls rather than a false zero.
    expect(pick(data, "Ec2ApiCalls", {})).toEqual([]);
  });

  it("writes no per-target-group metric unless asked, and no API call count without one", () => {
    const snapshot = snapshotOf(healthyIpAppInput());
    const data = auditMetrics({
      report: analyze(snapshot),
      model: buildModel(snapshot),
      durationMs: 5,
      sinkFailures: 0,
    });
    expect(data.filter((d) => d.dimensions.TargetGroup)).toEqual([]);
    expect(data.filter((d) => d.name.endsWith("ApiCalls"))).toEqual([]);
    // Every other metric does not grow with the cluster: 3 severities + 3 run metrics here.
    expect(data.map((d) => d.name).sort()).toEqual([
      "AuditDurationMs",
      "CollectionGaps",
      "Findings",
      "Findings",
      "Findings",
      "SinkFailures",
    ]);
    const withEc2 = auditMetrics({
      report: analyze(snapshot),
      model: buildModel(snapshot),
      durationMs: 5,
      sinkFailures: 0,
      apiCalls: { elb: 4, ec2: 9 },
    });
    expect(pick(withEc2, "Ec2ApiCalls", {})).toEqual([9]);
  });

  it("skips a target group whose health could not be read and counts the gap", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (i) => {
      delete tgs(i)[0]!.TargetHealthDescriptions;
      i.gaps = [{ source: "aws.targetHealth", message: "throttled", targetGroupArn: APP_TG_ARN }];
    });
    const data = auditMetrics({
      report: analyze(snapshot),
      model: buildModel(snapshot),
      durationMs: 1,
      sinkFailures: 0,
      targetGroupMetrics: true,
    });
    expect(data.filter((d) => d.name.endsWith("Targets"))).toEqual([]);
    expect(pick(data, "CollectionGaps", {})).toEqual([1]);
  });
});
