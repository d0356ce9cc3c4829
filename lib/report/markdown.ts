import type { AuditReport, Finding } from "../analyze/finding";
import { mdCode, mdFence, mdText } from "./escape";
import { blameOf, EDGE_NAMES } from "./blame";
import { evidenceLines, groupByTargetGroup, resourceName, summaryLine } from "./group";
import { docsLink, targetGroupConsoleUrl, type LinkOptions } from "./links";
import { renderMermaid } from "./mermaid";
import { buildPath } from "./path";
import type { GroupTopology } from "./topology";

const ICON = { critical: "🔴", warning: "🟠", info: "🔵" } as const;

/** One line of plain text in a table cell (mdText escapes `|`, which would split it). */
const cell = (s: string) => mdText(s.replace(/\n/g, " "));

/** Our own URLs only (links.ts admits no space, parenthesis or angle bracket in them). */
const mdLink = (label: string, url: string) => `[${mdText(label)}](${url})`;

function renderFinding(f: Finding, links: LinkOptions): string {
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
  const blame = blameOf(f);
  lines.push(`**Where the path breaks:** ${EDGE_NAMES[blame.edge]}: ${mdText(blame.label)}`, "");
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
  const docs = docsLink(f.code, links);
  lines.push(
    `**What ${f.code} means:** ${docs.url ? mdLink(docs.label, docs.url) : mdCode(docs.label)}`,
    "",
  );
  lines.push(`<sub>fingerprint ${f.fingerprint}</sub>`, "");
  return lines.join("\n");
}

export interface MarkdownOptions {
  /** The audited target groups; with them, each group with a warning or critical finding gets
   * a Mermaid picture of its path. */
  topologies?: GroupTopology[];
  /** Where each code's documentation link points. */
  links?: LinkOptions;
}

/** Markdown for tickets and pull requests. */
export function renderMarkdown(report: AuditReport, options: MarkdownOptions = {}): string {
  const out = [
    `## ALB health audit: ${mdText(`${report.cluster.name} (${report.cluster.region})`)}`,
    "",
    `Audited ${report.auditedAt}. ${summaryLine(report)}.`,
    "",
  ];
  if (report.findings.length === 0) out.push("No findings.", "");
  const topologies = new Map(options.topologies?.map((t) => [t.arn, t]));
  for (const group of groupByTargetGroup(report)) {
    out.push(`## ${mdText(group.label)}`, "");
    if (group.targetGroupArn) {
      const page = targetGroupConsoleUrl(group.targetGroupArn);
      out.push(
        `${mdCode(group.targetGroupArn)}${page ? ` · ${mdLink("EC2 console", page)}` : ""}`,
        "",
      );
    }
    const topology = group.targetGroupArn ? topologies.get(group.targetGroupArn) : undefined;
    if (topology && group.findings.some((f) => f.severity !== "info"))
      out.push("```mermaid", renderMermaid(buildPath(topology, group.findings)), "```", "");
    for (const f of group.findings) out.push(renderFinding(f, options.links ?? {}));
  }
  return `${out.join("\n").trimEnd()}\n`;
}
