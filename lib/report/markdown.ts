import type { AuditReport, Finding } from "../analyze/finding";
import { evidenceLines, groupByTargetGroup, resourceName, summaryLine } from "./group";

const ICON = { critical: "🔴", warning: "🟠", info: "🔵" } as const;

/** Keeps table cells on one line and stops a `|` in a value from splitting the cell. */
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function renderFinding(f: Finding): string {
  const lines = [`### ${ICON[f.severity]} ${f.code} ${f.name} (${f.severity})`, "", f.title, ""];
  if (f.resources.length)
    lines.push(`**Objects:** ${f.resources.map((r) => `\`${resourceName(r)}\``).join(", ")}`, "");
  if (f.affectedTargets.length) {
    lines.push("| target | port | state | reason |", "|---|---|---|---|");
    for (const t of f.affectedTargets) {
      lines.push(
        `| ${cell(t.id)} | ${t.port ?? ""} | ${cell(t.state)} | ${cell(t.reason ?? "")} |`,
      );
    }
    lines.push("");
  }
  const evidence = evidenceLines(f);
  if (evidence.length) {
    // Record lines already carry their nested-list marker.
    lines.push(
      "**Evidence**",
      "",
      ...evidence.map((e) => (e.startsWith("  - ") ? e : `- ${e}`)),
      "",
    );
  }
  lines.push("**Root cause**", "", f.rootCause, "", "**Fix**", "", "```", f.remediation, "```", "");
  lines.push(`<sub>fingerprint ${f.fingerprint}</sub>`, "");
  return lines.join("\n");
}

/** Markdown for tickets and pull requests. */
export function renderMarkdown(report: AuditReport): string {
  const out = [
    `## ALB health audit: ${report.cluster.name} (${report.cluster.region})`,
    "",
    `Audited ${report.auditedAt}. ${summaryLine(report)}.`,
    "",
  ];
  if (report.findings.length === 0) out.push("No findings.", "");
  for (const group of groupByTargetGroup(report)) {
    out.push(`## ${group.label}`, "");
    if (group.targetGroupArn) out.push(`\`${group.targetGroupArn}\``, "");
    for (const f of group.findings) out.push(renderFinding(f));
  }
  return `${out.join("\n").trimEnd()}\n`;
}
