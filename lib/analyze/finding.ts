import { createHash } from "node:crypto";

export type Severity = "critical" | "warning" | "info";
export const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface AffectedTarget {
  id: string;
  port: number | null;
  state: string;
  reason: string | null;
}

/** One finding, exactly the JSON shape of ../shared/spec/findings.md. */
export interface Finding {
  code: string;
  name: string;
  severity: Severity;
  title: string;
  targetGroupArn: string | null;
  resources: ResourceRef[];
  affectedTargets: AffectedTarget[];
  evidence: { expected: Record<string, unknown>; actual: Record<string, unknown> };
  rootCause: string;
  remediation: string;
  fingerprint: string;
}

export interface AuditSummary {
  targetGroups: number;
  targetGroupsAudited: number;
  targets: number;
  unhealthyTargets: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byCode: Record<string, number>;
  suppressed: number;
  suppressedByCode: Record<string, number>;
  gaps: number;
  /**
   * Rules that did not run because an optional list they need was not collected (catalog 1.1);
   * present only when there is one, so reports of snapshots without optional lists are unchanged.
   */
  notRun?: NotRun[];
}

export interface NotRun {
  code: string;
  /** The optional lists it needs that the snapshot does not hold. */
  missing: string[];
}

export interface AuditReport {
  version: 1;
  /** `account` when the snapshot names it (fleet runs, EKS sign-in). */
  cluster: { name: string; region: string; account?: string };
  auditedAt: string;
  summary: AuditSummary;
  findings: Finding[];
}

/**
 * Stable identity of a problem: the code, the target group and the objects, never the
 * changing facts (target states, counts), so the same problem keeps its fingerprint across runs.
 */
export function fingerprintOf(
  code: string,
  targetGroupArn: string | null,
  resources: ResourceRef[],
  discriminator = "",
): string {
  const objects = resources
    .map((r) => `${r.kind}/${r.namespace ?? ""}/${r.name}`)
    .sort()
    .join(",");
  return createHash("sha256")
    .update([code, targetGroupArn ?? "", objects, discriminator].join("|"))
    .digest("hex")
    .slice(0, 32);
}

/** The summary's counts of a list of findings, by severity and by code. */
export function countFindings(
  findings: readonly Finding[],
): Pick<AuditSummary, "findings" | "bySeverity" | "byCode"> {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCode: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  return { findings: findings.length, bySeverity, byCode };
}
