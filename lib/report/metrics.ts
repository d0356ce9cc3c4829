/**
 * Which CloudWatch metrics an audit emits. Pure: lib/sinks/metrics.ts writes them as EMF.
 * Every datum names its cluster so one namespace serves many clusters: by `Cluster` alone in a
 * single-cluster deployment (the identity its alarms were built on), and by `Account`, `Region`
 * and `Cluster` in a fleet, where every account may have a cluster called `prod` and all of
 * them write to the auditor's own region.
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

/**
 * How a datum names its cluster. Three dimensions rather than one joined key: alarms and SEARCH
 * select or aggregate by any of them (one account, one region), and the number of metrics is the
 * same either way — one per cluster.
 */
export const CLUSTER_DIMENSIONS = {
  cluster: ["Cluster"],
  fleet: ["Account", "Region", "Cluster"],
} as const;

export type MetricIdentity = keyof typeof CLUSTER_DIMENSIONS;

/** The dimensions naming the report's cluster; a fleet cluster without its account is a bug. */
export function clusterDimensions(
  cluster: AuditReport["cluster"],
  identity: MetricIdentity = "cluster",
): Record<string, string> {
  if (identity === "cluster") return { Cluster: cluster.name };
  if (!cluster.account) {
    throw new Error(`fleet metrics of cluster ${cluster.name} need its account`);
  }
  return { Account: cluster.account, Region: cluster.region, Cluster: cluster.name };
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
  /** "fleet": the datum names the cluster by account, region and name. Default "cluster". */
  identity?: MetricIdentity;
}

export function auditMetrics({
  report,
  model,
  durationMs,
  sinkFailures,
  apiCalls,
  targetGroupMetrics = false,
  identity = "cluster",
}: MetricInputs): MetricDatum[] {
  const cluster = clusterDimensions(report.cluster, identity);
  const out: MetricDatum[] = [];
  const add = (
    name: string,
    value: number,
    dims: Record<string, string> = {},
    unit: MetricUnit = "Count",
  ) => out.push({ name, unit, value, dimensions: { ...cluster, ...dims } });

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
