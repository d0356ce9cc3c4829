/**
 * A fleet cluster's audit is the single-cluster pipeline (lib/audit/pipeline) run with the
 * cluster's own name and region, its account's collection options and the worker's time. It
 * is a scheduled run of that cluster: the health prefilter and its per-cluster memory apply,
 * as they do for the scheduled single-cluster Lambda. The cluster's account from the fleet
 * definition names it in the snapshot, the alert state's key and the messages, and its metrics
 * carry Account and Region beside Cluster (same-named clusters of other accounts or regions
 * write series of their own).
 */
import { auditRequest, type AuditDeps } from "../audit/pipeline";
import type { ClusterCollect, GroupAuditorDeps } from "./audit-cluster";

export type PipelineAuditDeps = Omit<AuditDeps, "remainingTimeMs" | "metricIdentity">;

export function pipelineAudit(deps: PipelineAuditDeps): GroupAuditorDeps["audit"] {
  return async (cluster, collect: ClusterCollect, budgetMs) => {
    const started = deps.now();
    const result = await auditRequest(
      {
        trigger: "schedule",
        clusterName: cluster.name,
        region: cluster.region,
        account: cluster.account,
      },
      {
        ...deps,
        metricIdentity: "fleet",
        config: { ...deps.config, clusterName: cluster.name, region: cluster.region },
        collect: (options) => deps.collect({ ...options, ...collect }),
        remainingTimeMs: () => budgetMs - (deps.now() - started),
      },
    );
    const report = "report" in result ? result.report : result;
    return { bySeverity: report.summary.bySeverity, gaps: report.summary.gaps };
  };
}
