/** `--only` and `--min-severity`: the report keeps the chosen findings, and its counts follow. */
import { countFindings, severityRank, type AuditReport, type Severity } from "../analyze/finding";

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
  return { ...report, summary: { ...report.summary, ...countFindings(findings) }, findings };
}
