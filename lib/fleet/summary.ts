/**
 * The fleet run's summary, from the Map's output: how many clusters were audited and failed,
 * the findings by severity over the fleet, one AUDIT001 finding per cluster that could not be
 * audited (a cluster the auditor cannot see is an incomplete audit, not a clean one), and the
 * metrics. Pure: functions/fleet.ts writes the metrics and sends the optional message.
 */
import { SEVERITIES, fingerprintOf, type Finding, type Severity } from "../analyze/finding";
import { catalogEntry } from "../analyze/catalog";
import { clusterDimensions, type MetricDatum } from "../report/metrics";
import type { FleetCluster } from "./definition";
import type { ClusterResult } from "./worker";

/** One iteration's output: GroupDone, or GroupFailed with the error and where it stopped. */
export interface GroupOutput {
  account: string;
  region: string;
  results: ClusterResult[];
  clusters?: FleetCluster[];
  next?: number;
  error?: string;
}

export interface FleetSummary {
  clusters: number;
  audited: number;
  failed: number;
  bySeverity: Record<Severity, number>;
  /** AUDIT001 for each cluster that could not be audited. */
  findings: Finding[];
  failedClusters: { account: string; region: string; cluster: string; reason: string }[];
}

function failedCluster(account: string, region: string, cluster: string, reason: string): Finding {
  const resources = [{ kind: "Cluster", namespace: `${account}/${region}`, name: cluster }];
  return {
    code: "AUDIT001",
    name: catalogEntry("AUDIT001").name,
    severity: "warning",
    title: `Cluster ${cluster} (${account}, ${region}) could not be audited`,
    targetGroupArn: null,
    resources,
    affectedTargets: [],
    evidence: { expected: { audited: true }, actual: { audited: false, reason } },
    rootCause:
      "The fleet audit could not read this cluster, so none of its target groups were checked: no finding of it is new, and none is resolved.",
    remediation: `Check the member role and the cluster's access entry: aws sts assume-role --role-arn <member role> --role-session-name check, then aws eks describe-cluster --name ${cluster} --region ${region} with those credentials (infra/README.md, "Fleet").`,
    fingerprint: fingerprintOf("AUDIT001", null, resources, "fleet"),
  };
}

export function summarizeFleet(groups: readonly GroupOutput[]): FleetSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const failedClusters: FleetSummary["failedClusters"] = [];
  let clusters = 0;
  let audited = 0;
  for (const group of groups) {
    for (const r of group.results) {
      clusters += 1;
      if (r.status === "audited") {
        audited += 1;
        for (const s of SEVERITIES) bySeverity[s] += r.bySeverity?.[s] ?? 0;
      } else {
        failedClusters.push({
          account: r.account,
          region: r.region,
          cluster: r.cluster,
          reason: r.error ?? "unknown",
        });
      }
    }
    // A failed iteration: the clusters it had not reached could not be audited either.
    if (group.error !== undefined) {
      for (const c of (group.clusters ?? []).slice(group.next ?? 0)) {
        clusters += 1;
        failedClusters.push({
          account: c.account,
          region: c.region,
          cluster: c.name,
          reason: `the account-and-region worker failed: ${group.error}`,
        });
      }
    }
  }
  return {
    clusters,
    audited,
    failed: failedClusters.length,
    bySeverity,
    findings: failedClusters.map((f) => failedCluster(f.account, f.region, f.cluster, f.reason)),
    failedClusters,
  };
}

/** Fleet-wide metrics, without a Cluster dimension; one datum per failed cluster. */
export function fleetMetrics(summary: FleetSummary): MetricDatum[] {
  const fleet = { Fleet: "all" };
  const out: MetricDatum[] = [
    { name: "FleetClusters", unit: "Count", value: summary.clusters, dimensions: fleet },
    { name: "FleetClustersAudited", unit: "Count", value: summary.audited, dimensions: fleet },
    { name: "FleetClustersFailed", unit: "Count", value: summary.failed, dimensions: fleet },
  ];
  for (const severity of SEVERITIES) {
    out.push({
      name: "FleetFindings",
      unit: "Count",
      value: summary.bySeverity[severity],
      dimensions: { ...fleet, Severity: severity },
    });
  }
  for (const f of summary.failedClusters) {
    out.push({
      name: "ClusterAuditFailed",
      unit: "Count",
      value: 1,
      dimensions: clusterDimensions(
        { name: f.cluster, region: f.region, account: f.account },
        "fleet",
      ),
    });
  }
  return out;
}

/** The optional fleet message: a subject and a plain-text body a person reads in e-mail or chat. */
export function fleetMessage(summary: FleetSummary): { subject: string; body: string } {
  const sev = SEVERITIES.filter((s) => summary.bySeverity[s] > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(", ");
  const subject = `ALB health audit fleet: ${summary.audited}/${summary.clusters} clusters audited${summary.failed ? `, ${summary.failed} failed` : ""}${sev ? `; ${sev}` : ""}`;
  const lines = [
    subject,
    "",
    `Clusters: ${summary.clusters}, audited ${summary.audited}, failed ${summary.failed}.`,
    `Findings: ${SEVERITIES.map((s) => `${s} ${summary.bySeverity[s]}`).join(", ")}.`,
  ];
  if (summary.failedClusters.length > 0) {
    lines.push("", "Not audited:");
    for (const f of summary.failedClusters)
      lines.push(`- ${f.cluster} (${f.account}, ${f.region}): ${f.reason}`);
  }
  return { subject: subject.slice(0, 99), body: lines.join("\n") };
}
