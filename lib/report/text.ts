import type { AuditReport, Finding, Severity } from "../analyze/finding";
import { escapeTerminal as t } from "./escape";
import { evidenceLines, groupByTargetGroup, resourceName, summaryLine } from "./group";
import { docsLink, targetGroupConsoleUrl, type LinkOptions } from "./links";

const COLORS: Record<Severity, string> = {
  critical: "\x1b[31m",
  warning: "\x1b[33m",
  info: "\x1b[36m",
};
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => by + line)
    .join("\n");

// Every string from the cluster or a file goes through `t`: ESC or BEL in an annotation must
// not become a command to the reader's terminal.
function renderFinding(f: Finding, color: boolean, links: LinkOptions): string {
  const sev = f.severity.toUpperCase().padEnd(8);
  const head = color ? `${COLORS[f.severity]}${BOLD}${sev}${RESET}` : sev;
  const lines = [`  ${head} ${t(`${f.code} ${f.name}: ${f.title}`)}`];
  if (f.resources.length)
    lines.push(`    objects:  ${t(f.resources.map(resourceName).join(", "))}`);
  if (f.affectedTargets.length) {
    const shown = f.affectedTargets
      .slice(0, 10)
      .map(
        (x) =>
          `${x.id}${x.port != null ? `:${x.port}` : ""} ${x.state}${x.reason ? ` (${x.reason})` : ""}`,
      );
    const more =
      f.affectedTargets.length > 10 ? ` … and ${f.affectedTargets.length - 10} more` : "";
    lines.push(`    targets:  ${t(shown.join(", "))}${more}`);
  }
  const evidence = evidenceLines(f);
  if (evidence.length) lines.push("    evidence:", ...evidence.map((e) => `      ${t(e)}`));
  lines.push("    cause:", indent(t(f.rootCause), "      "));
  lines.push("    fix:", indent(t(f.remediation), "      "));
  const docs = docsLink(f.code, links);
  lines.push(`    docs:     ${docs.url ?? docs.label}`);
  return lines.join("\n");
}

export interface TextOptions {
  /** Severity in colour (stdout is a TTY). */
  color: boolean;
  /** Where each code's `docs:` line points; the run log is the terminal itself. */
  links?: LinkOptions;
}

/**
 * Terminal report grouped by target group: each group with its console page, each finding
 * with its fix on lines of its own and then where its code is documented.
 */
export function renderText(report: AuditReport, options: TextOptions): string {
  const links = options.links ?? {};
  const out = [
    t(
      `alb-health-auditor: cluster ${report.cluster.name} (${report.cluster.region}), audited ${report.auditedAt}`,
      { oneLine: true },
    ),
    summaryLine(report),
  ];
  if (report.findings.length === 0) {
    out.push("", "No findings.");
  }
  for (const group of groupByTargetGroup(report)) {
    const label = t(group.label, { oneLine: true });
    out.push("", options.color ? `${BOLD}${label}${RESET}` : label);
    if (group.targetGroupArn) {
      out.push(`  ${t(group.targetGroupArn, { oneLine: true })}`);
      const page = targetGroupConsoleUrl(group.targetGroupArn);
      if (page) out.push(`  console: ${page}`);
    }
    for (const f of group.findings) out.push(renderFinding(f, options.color, links));
  }
  return `${out.join("\n")}\n`;
}
