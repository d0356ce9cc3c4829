/**
 * Slack Block Kit message for an audit. Pure: the sink posts what this returns. Slack rejects
 * a whole message that breaks one limit (invalid_blocks), so every piece is cut to fit here.
 */
import { severityRank, type AuditReport, type Finding, type Severity } from "../analyze/finding";

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextText: 3000,
} as const;

export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: "header"; text: SlackText }
  | { type: "section"; text: SlackText }
  | { type: "context"; elements: SlackText[] };

/** The message's header block: plain text with emoji, within Slack's header limit. */
export const headerBlock = (text: string): SlackBlock => ({
  type: "header",
  text: { type: "plain_text", text: truncate(text, SLACK_LIMITS.headerText), emoji: true },
});

export interface SlackMessage {
  /** Notification fallback, shown where blocks are not. */
  text: string;
  blocks: SlackBlock[];
}

export interface SlackOptions {
  /** Findings below this severity are left out; info never gets a section of its own. */
  minSeverity: Severity;
  /** A line (mrkdwn) above a finding's heading, by fingerprint: why it is sent now. */
  labels?: ReadonlyMap<string, string>;
  /** More remarks (mrkdwn) for the context line. */
  notes?: readonly string[];
}

const ICON: Record<Severity, string> = {
  critical: ":red_circle:",
  warning: ":large_orange_circle:",
  info: ":large_blue_circle:",
};

/** Cuts to `max` characters, ending in "…" when something was removed. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never leave half an escape like "&am" behind: Slack would show it verbatim.
  return text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, "") + "…";
}

/** Slack mrkdwn treats only these three as control characters. */
export const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `arn:...:targetgroup/<name>/<id>` → name, readable where the ARN is too long. */
export function targetGroupName(arn: string): string {
  const m = /:targetgroup\/([^/]+)\//.exec(arn);
  return m?.[1] ?? arn;
}

const countsLine = (counts: Partial<Record<Severity, number>>): string =>
  (["critical", "warning", "info"] as const)
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(", ");

function findingSection(f: Finding, label?: string): SlackBlock {
  const lines = [`${ICON[f.severity]} *${f.code} · ${escapeMrkdwn(f.title)}*`];
  if (label) lines.unshift(label);
  if (f.targetGroupArn) lines.push(`*Target group:* \`${targetGroupName(f.targetGroupArn)}\``);
  if (f.affectedTargets.length > 0) {
    const ids = f.affectedTargets.slice(0, 5).map((t) => (t.port ? `${t.id}:${t.port}` : t.id));
    const more = f.affectedTargets.length - ids.length;
    lines.push(
      `*Failing targets:* ${f.affectedTargets.length} (${ids.join(", ")}${more > 0 ? `, … and ${more} more` : ""})`,
    );
  }
  const head = lines.join("\n");
  // The fix is what the reader acts on, so it gets the space left after the heading.
  const multiLine = f.remediation.includes("\n");
  const open = multiLine ? "\n*Fix:*\n```" : "\n*Fix:* ";
  const close = multiLine ? "```" : "";
  const room = SLACK_LIMITS.sectionText - head.length - open.length - close.length;
  const fix = truncate(escapeMrkdwn(f.remediation.replace(/```/g, "'''")), Math.max(room, 1));
  const text = truncate(`${head}${open}${fix}${close}`, SLACK_LIMITS.sectionText);
  return { type: "section", text: { type: "mrkdwn", text } };
}

export function buildSlackMessage(report: AuditReport, options: SlackOptions): SlackMessage {
  const limit = severityRank(options.minSeverity);
  const shown = report.findings.filter(
    (f) => f.severity !== "info" && severityRank(f.severity) <= limit,
  );
  const { summary, cluster } = report;
  const counts = countsLine(summary.bySeverity);
  const headline = `ALB health on ${cluster.name}: ${counts || "no findings"}`;
  const icon = shown.some((f) => f.severity === "critical")
    ? ":rotating_light:"
    : shown.length
      ? ":warning:"
      : ":white_check_mark:";

  const overview = [
    `*Cluster:* \`${escapeMrkdwn(cluster.name)}\` (${escapeMrkdwn(cluster.region)})`,
    `*Target groups:* ${summary.targetGroupsAudited} of ${summary.targetGroups} audited`,
    `*Unhealthy targets:* ${summary.unhealthyTargets} of ${summary.targets}`,
    ...(summary.gaps > 0 ? [`*Collection gaps:* ${summary.gaps}`] : []),
  ].join(" · ");

  const notes = [`alb-health-auditor · audited ${report.auditedAt}`];
  const hidden = report.findings.length - shown.length;
  if (hidden > 0) notes.push(`${hidden} lower-severity finding(s) not shown`);
  if (summary.suppressed > 0) notes.push(`${summary.suppressed} suppressed`);
  notes.push(...(options.notes ?? []));

  const fixed = 3; // header, overview, context
  const fits = shown.length <= SLACK_LIMITS.blocks - fixed;
  const sectionCount = fits ? shown.length : SLACK_LIMITS.blocks - fixed - 1;
  const sections = shown
    .slice(0, sectionCount)
    .map((f) => findingSection(f, options.labels?.get(f.fingerprint)));
  if (!fits) {
    const rest = shown.length - sectionCount;
    sections.push({
      type: "section",
      text: { type: "mrkdwn", text: `… and ${rest} more findings not shown here` },
    });
  }

  return {
    text: escapeMrkdwn(headline),
    blocks: [
      headerBlock(`${icon} ${headline}`),
      {
        type: "section",
        text: { type: "mrkdwn", text: truncate(overview, SLACK_LIMITS.sectionText) },
      },
      ...sections,
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: truncate(notes.join(" · "), SLACK_LIMITS.contextText) }],
      },
    ],
  };
}
