/**
 * Which CloudWatch metrics an audit emits. Pure: lib/sinks/metrics.ts writes them as EMF.
 * Every datum carries the Cluster dimension so one namespace serves many clusters.
 */
import { SEVERITIES, type AuditReport } from "../analyze/finding";
import type { Model } from "../analyze/model";

export type MetricUnit = "Count" | "Milliseconds";

export interface MetricDatum {
  name: string;
  unit: MetricUnit;
  value: number;
  dimensions: Record<string, string>;
}

export interface MetricInputs {
  report: AuditReport;
  /** The model the report was built from (its target groups and gaps). */
  model: Model;
  durationMs: number;
  /** Sinks that failed in this invocation. */
  sinkFailures: number;
  /** Requests the collection sent per API, retries included; an absent count writes nothing. */
  apiCalls?: { elb?: number; ec2?: number };
  /**
   * UnhealthyTargets/HealthyTargets per target group: two custom metrics per group, which AWS
   * already publishes free as UnHealthyHostCount/HealthyHostCount. Off unless asked for.
   */
  targetGroupMetrics?: boolean;
}

export function auditMetrics({
  report,
  model,
  durationMs,
  sinkFailures,
  apiCalls,
  targetGroupMetrics = false,
}: MetricInputs): MetricDatum[] {
  const Cluster = report.cluster.name;
  const out: MetricDatum[] = [];
  const add = (
    name: string,
    value: number,
    dims: Record<string, string> = {},
    unit: MetricUnit = "Count",
  ) => out.push({ name, unit, value, dimensions: { Cluster, ...dims } });

  // Per severity even when zero, so an alarm on critical findings sees data and can clear.
  for (const severity of SEVERITIES)
    add("Findings", report.summary.bySeverity[severity], { Severity: severity });

  const bySeverityAndCode = new Map<string, { severity: string; code: string; count: number }>();
  for (const f of report.findings) {
    const key = `${f.severity}/${f.code}`;
    const entry = bySeverityAndCode.get(key) ?? { severity: f.severity, code: f.code, count: 0 };
    entry.count += 1;
    bySeverityAndCode.set(key, entry);
  }
  for (const { severity, code, count } of [...bySeverityAndCode.values()].sort((a, b) =>
    `${a.severity}/${a.code}`.localeCompare(`${b.severity}/${b.code}`),
  )) {
    add("Findings", count, { Severity: severity, Code: code });
  }

  // A target group whose health could not be read would report zero of both: leave it out
  // rather than draw a false all-clear; AUDIT001 and CollectionGaps say why.
  for (const tg of targetGroupMetrics ? model.targetGroups : []) {
    if (!tg.healthKnown) continue;
    add("UnhealthyTargets", tg.targets.filter((t) => t.failing).length, { TargetGroup: tg.name });
    add("HealthyTargets", tg.targets.filter((t) => t.healthy).length, { TargetGroup: tg.name });
  }

  add("AuditDurationMs", Math.max(0, Math.round(durationMs)), {}, "Milliseconds");
  add("CollectionGaps", model.snapshot.gaps.length);
  add("SinkFailures", sinkFailures);
  if (apiCalls?.elb !== undefined) add("ElbApiCalls", apiCalls.elb);
  if (apiCalls?.ec2 !== undefined) add("Ec2ApiCalls", apiCalls.ec2);
  return out;
}
