/**
 * Keeps the Lambda's answer under the 6 MB limit of a synchronous invocation. Past that limit
 * Lambda fails the invocation after SNS and Slack were already sent, so a large cluster would
 * see "failed" for a run that did its work. The answer keeps the summary and as many findings
 * as fit, most severe first; the metrics and the CLI still see them all.
 */
import type { AuditReport } from "../analyze/finding";

/** Below Lambda's 6,291,556-byte limit, with room for the runtime's own envelope. */
export const RESPONSE_LIMIT_BYTES = 5_500_000;

export interface Truncation {
  omittedFindings: number;
  note: string;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/** The report with the trailing (least severe) findings dropped until it fits `limit` bytes. */
export function fitReport(
  report: AuditReport,
  limit: number,
): AuditReport & { truncated?: Truncation } {
  if (bytes(report) <= limit) return report;
  const note =
    "The least severe findings were omitted to fit Lambda's response limit; the CLI (alb-audit --cluster ... --region ...) prints the whole report.";
  let lo = 0;
  let hi = report.findings.length;
  // Findings are ordered most severe first, so keeping a prefix keeps what matters most.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = { ...report, findings: report.findings.slice(0, mid) };
    if (bytes(candidate) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return {
    ...report,
    findings: report.findings.slice(0, lo),
    truncated: { omittedFindings: report.findings.length - lo, note },
  };
}

/** Markdown cut at a line boundary, with a closing note, to at most `limit` bytes. */
export function fitMarkdown(markdown: string, limit: number): string {
  if (Buffer.byteLength(markdown, "utf8") <= limit) return markdown;
  const note = "\n\n_… truncated to fit the Lambda response; the CLI prints the whole report._\n";
  let cut = Buffer.from(markdown, "utf8")
    .subarray(0, limit - Buffer.byteLength(note))
    .toString("utf8");
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf("\n")));
  return cut + note;
}
