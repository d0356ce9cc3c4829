/**
 * The HTML report: one self-contained file (style and script inline, a Content-Security-Policy
 * that forbids every fetch) with the summary, a picture of each target group's path and the
 * findings, each fix in a block with a copy button. Groups without findings start collapsed;
 * a filter by severity and code keeps a large report usable.
 */
import { SEVERITIES, type AuditReport, type Finding, type Severity } from "../analyze/finding";
import { blameOf, EDGE_NAMES } from "./blame";
import {
  evidenceLines,
  groupByTargetGroup,
  resourceName,
  summaryLine,
  targetGroupName,
} from "./group";
import { escapeHtml as h } from "./html-escape";
import { PALETTE } from "./palette";
import { buildPath } from "./path";
import { renderSvg } from "./svg";
import type { GroupTopology } from "./topology";
import { HTML_SCRIPT, HTML_STYLE } from "./html-assets";

export interface HtmlAudit {
  /** The snapshot file, or the live cluster, the report came from. */
  source: string;
  report: AuditReport;
  topologies: GroupTopology[];
}

/** Past this many targets a finding's table shows the first ones and a count. */
const TARGET_ROWS = 25;

const badge = (s: Severity) => `<span class="badge ${s}">${s}</span>`;

function findingHtml(f: Finding): string {
  const blame = blameOf(f);
  const targets = f.affectedTargets.slice(0, TARGET_ROWS);
  const more = f.affectedTargets.length - targets.length;
  const evidence = evidenceLines(f);
  return [
    `<article class="finding" data-code="${h(f.code)}" data-severity="${f.severity}">`,
    `<h4>${badge(f.severity)} <code>${h(f.code)}</code> ${h(f.name)}</h4>`,
    `<p class="title">${h(f.title)}</p>`,
    `<p class="blame"><span aria-hidden="true">⚠</span> Where the path breaks: <b>${h(EDGE_NAMES[blame.edge])}</b>: ${h(blame.label)}</p>`,
    f.resources.length > 0
      ? `<p class="objects">Objects: ${f.resources.map((r) => `<code>${h(resourceName(r))}</code>`).join(", ")}</p>`
      : "",
    targets.length > 0
      ? `<table class="targets"><thead><tr><th>target</th><th>port</th><th>state</th><th>reason</th></tr></thead><tbody>${targets
          .map(
            (t) =>
              `<tr><td><code>${h(t.id)}</code></td><td>${t.port ?? ""}</td><td>${h(t.state)}</td><td>${h(t.reason ?? "")}</td></tr>`,
          )
          .join(
            "",
          )}${more > 0 ? `<tr><td colspan="4">… and ${more} more</td></tr>` : ""}</tbody></table>`
      : "",
    evidence.length > 0
      ? `<details class="evidence"><summary>Evidence</summary><pre>${h(evidence.join("\n"))}</pre></details>`
      : "",
    `<h5>Root cause</h5><p>${h(f.rootCause)}</p>`,
    `<h5>Fix</h5><div class="fix"><button type="button" class="copy" aria-label="Copy the fix for ${h(f.code)}">Copy</button><pre><code>${h(f.remediation)}</code></pre></div>`,
    `<p class="fingerprint">fingerprint ${h(f.fingerprint)}</p>`,
    `</article>`,
  ].join("");
}

interface Group {
  arn: string | null;
  label: string;
  findings: Finding[];
  topology?: GroupTopology;
}

const worst = (findings: Finding[]): Severity | null =>
  SEVERITIES.find((s) => findings.some((f) => f.severity === s)) ?? null;

/** Groups with findings (most severe first, as the report orders them), then the quiet ones. */
function groupsOf(audit: HtmlAudit): Group[] {
  const withFindings = groupByTargetGroup(audit.report);
  const topologies = new Map(audit.topologies.map((t) => [t.arn, t]));
  const groups: Group[] = withFindings.map((g) => ({
    arn: g.targetGroupArn,
    label: g.label,
    findings: g.findings,
    topology: g.targetGroupArn ? topologies.get(g.targetGroupArn) : undefined,
  }));
  const seen = new Set(groups.map((g) => g.arn));
  for (const t of audit.topologies)
    if (!seen.has(t.arn))
      groups.push({ arn: t.arn, label: targetGroupName(t.arn), findings: [], topology: t });
  return groups;
}

function groupHtml(group: Group, id: string): string {
  const severity = worst(group.findings);
  const loud = group.findings.some((f) => f.severity !== "info");
  const codes = [...new Set(group.findings.map((f) => f.code))];
  const picture = group.topology
    ? `<figure class="path">${renderSvg(buildPath(group.topology, group.findings), id)}</figure>`
    : "";
  const head = `${severity ? badge(severity) : `<span class="badge none">no finding</span>`} <span class="name">${h(group.label)}</span>${
    codes.length > 0 ? ` <span class="codes">${codes.map(h).join(" ")}</span>` : ""
  }`;
  return (
    `<details class="group" id="${id}" data-severity="${severity ?? "none"}"${loud ? " open" : ""}>` +
    `<summary>${head}</summary>` +
    (group.arn ? `<p class="arn"><code>${h(group.arn)}</code></p>` : "") +
    picture +
    group.findings.map(findingHtml).join("") +
    `</details>`
  );
}

function auditHtml(audit: HtmlAudit, index: number): string {
  const { report } = audit;
  const groups = groupsOf(audit);
  return (
    `<section class="audit" data-source="${h(audit.source)}">` +
    `<h2>${h(report.cluster.name)} <span class="region">(${h(report.cluster.region)})</span></h2>` +
    `<p class="source">${h(audit.source)} · audited ${h(report.auditedAt)}</p>` +
    `<p class="summary">${h(summaryLine(report))}</p>` +
    (groups.length === 0 ? `<p>No target group and no finding.</p>` : "") +
    groups.map((g, i) => groupHtml(g, `g${index}-${i}`)).join("") +
    `</section>`
  );
}

function filtersHtml(audits: HtmlAudit[]): string {
  const codes = [...new Set(audits.flatMap((a) => a.report.findings.map((f) => f.code)))].sort();
  const count = (s: Severity) => audits.reduce((n, a) => n + a.report.summary.bySeverity[s], 0);
  return (
    `<form class="filters" aria-label="Filter findings">` +
    `<fieldset><legend>Severity</legend>${SEVERITIES.map(
      (s) =>
        `<label><input type="checkbox" name="severity" value="${s}" checked> ${badge(s)} ${count(s)}</label>`,
    ).join("")}</fieldset>` +
    (codes.length > 0
      ? `<fieldset><legend>Code</legend>${codes
          .map((c) => `<label><input type="checkbox" name="code" value="${h(c)}"> ${h(c)}</label>`)
          .join("")}</fieldset>`
      : "") +
    `<fieldset><legend>Groups</legend><label><input type="checkbox" name="quiet" checked> groups without findings</label></fieldset>` +
    `<p class="shown" aria-live="polite"></p>` +
    `</form>`
  );
}

const LEGEND = [
  ["failing", "✖ failing (dashed border)"],
  ["healthy", "✔ healthy"],
  ["pending", "◌ initial, draining or unused (dotted border)"],
  ["neutral", "object without a health of its own"],
] as const;

function legendHtml(): string {
  return (
    `<p class="legend">` +
    LEGEND.map(
      ([health, text]) =>
        `<span class="key" style="background:${PALETTE[health].fill};border-color:${PALETTE[health].stroke};border-style:${PALETTE[health].border}">${h(text)}</span>`,
    ).join("") +
    `<span class="key blamed-key">⚠ thick arrow: where a finding says the path breaks</span></p>`
  );
}

/** One HTML document for one or more audited snapshots. */
export function renderHtml(audits: HtmlAudit[]): string {
  const title =
    audits.length === 1
      ? `ALB health audit: ${audits[0]!.report.cluster.name} (${audits[0]!.report.cluster.region})`
      : `ALB health audit: ${audits.length} snapshots`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    // Nothing may be fetched: the file is read offline, often from an incident ticket.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${h(title)}</title><style>${HTML_STYLE}</style></head><body>` +
    `<header><h1>${h(title)}</h1>${filtersHtml(audits)}${legendHtml()}</header>` +
    `<main>${audits.map(auditHtml).join("")}</main>` +
    `<script>${HTML_SCRIPT}</script></body></html>\n`
  );
}
