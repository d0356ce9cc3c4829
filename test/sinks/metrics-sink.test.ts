import { afterEach, describe, expect, it } from "vitest";
import { emitMetrics } from "../../lib/sinks/metrics";
import { captureOutput, type Captured } from "../functions/harness";

let output: Captured | undefined;
afterEach(() => output?.restore());

describe("emitMetrics", () => {
  it("writes one EMF document per dimension set, with exactly those dimensions", () => {
    output = captureOutput();
    const groups = emitMetrics(
      [
        {
          name: "Findings",
          unit: "Count",
          value: 2,
          dimensions: { Cluster: "c", Severity: "critical" },
        },
        {
          name: "Findings",
          unit: "Count",
          value: 1,
          dimensions: { Cluster: "c", Severity: "critical", Code: "HC001" },
        },
        {
          name: "UnhealthyTargets",
          unit: "Count",
          value: 3,
          dimensions: { Cluster: "c", TargetGroup: "tg" },
        },
        {
          name: "HealthyTargets",
          unit: "Count",
          value: 0,
          dimensions: { TargetGroup: "tg", Cluster: "c" },
        },
        { name: "AuditDurationMs", unit: "Milliseconds", value: 950, dimensions: { Cluster: "c" } },
      ],
      { namespace: "AlbHealthAuditor", serviceName: "alb-health-auditor" },
    );
    const docs = output.emf();
    expect(groups).toBe(4);
    expect(docs).toHaveLength(4);
    const meta = (d: Record<string, unknown>) =>
      (
        d._aws as {
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit: string }[];
          }[];
        }
      ).CloudWatchMetrics[0]!;
    expect(docs.map((d) => meta(d).Namespace)).toEqual(Array(4).fill("AlbHealthAuditor"));
    expect(docs.map((d) => meta(d).Dimensions[0]!.sort())).toEqual([
      ["Cluster", "Severity"],
      ["Cluster", "Code", "Severity"],
      ["Cluster", "TargetGroup"],
      ["Cluster"],
    ]);
    expect(docs[1]).toMatchObject({
      Cluster: "c",
      Severity: "critical",
      Code: "HC001",
      Findings: 1,
    });
    expect(docs[2]).toMatchObject({ TargetGroup: "tg", UnhealthyTargets: 3, HealthyTargets: 0 });
    expect(meta(docs[3]!).Metrics).toEqual([{ Name: "AuditDurationMs", Unit: "Milliseconds" }]);
    expect(docs[3]!.AuditDurationMs).toBe(950);
  });
});
