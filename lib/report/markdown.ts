import type { AuditReport, Finding } from "../analyze/finding";
import { mdCode, mdFence, mdText } from "./escape";
import { evidenceLines, groupByTargetGroup, resourceName, summaryLine } from "./group";

const ICON = { critical: "🔴", warning: "🟠", info: "🔵" } as const;

/** One line of plain text in a table cell (mdText escapes `|`, which would split it). */
const cell = (s: string) => mdText(s.replace(/\n/g, " "));

function renderFinding(f: Finding): string {
  // Text from the cluster is shown as text: an annotation must not become a live link.
  const lines = [
    `### ${ICON[f.severity]} ${f.code} ${mdText(f.name)} (${f.severity})`,
    "",
    mdText(f.title),
    "",
  ];
  if (f.resources.length)
    lines.push(`**Objects:** ${f.resources.map((r) => mdCode(resourceName(r))).join(", ")}`, "");
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
      ...evidence.map((e) =>
        e.startsWith("  - ") ? `  - ${mdText(e.slice(4))}` : `- ${mdText(e)}`,
      ),
      "",
    );
  }
  lines.push(
    "**Root cause**",
    "",
    mdText(f.rootCause),
    "",
    "**Fix**",
    "",
    ...mdFence(f.remediation),
    "",
  );
  lines.push(`<sub>fingerprint ${f.fingerprint}</sub>`, "");
  return lines.join("\n");
}

/** Markdown for tickets and pull requests. */
export function renderMarkdown(report: AuditReport): string {
  const out = [
    `## ALB health audit: ${mdText(`${report.cluster.name} (${report.cluster.region})`)}`,
    "",
    `Audited ${report.auditedAt}. ${summaryLine(report)}.`,
    "",
  ];
  if (report.findings.length === 0) out.push("No findings.", "");
  for (const group of groupByTargetGroup(report)) {
    out.push(`## ${mdText(group.label)}`, "");
    if (group.targetGroupArn) out.push(mdCode(group.targetGroupArn), "");
    for (const f of group.findings) out.push(renderFinding(f));
  }
  return `${out.join("\n").trimEnd()}\n`;
}
