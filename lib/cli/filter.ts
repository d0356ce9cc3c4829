/** `--only` and `--min-severity`: the report keeps the chosen findings, and its counts follow. */
import { SEVERITIES, severityRank, type AuditReport, type Severity } from "../analyze/finding";

export interface FindingFilter {
  only?: Set<string>;
  minSeverity?: Severity;
}

export function filterReport(report: AuditReport, filter: FindingFilter): AuditReport {
  const { only, minSeverity } = filter;
  if (!only && !minSeverity) return report;
  const limit = minSeverity ? severityRank(minSeverity) : Infinity;
  const findings = report.findings.filter(
    (f) => (!only || only.has(f.code)) && severityRank(f.severity) <= limit,
  );
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCode: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  return {
    ...report,
    summary: { ...report.summary, findings: findings.length, bySeverity, byCode },
    findings,
  };
}
