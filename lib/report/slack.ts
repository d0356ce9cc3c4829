/**
 * Slack Block Kit message for an audit. Pure: the sink posts what this returns. Slack rejects
 * a whole message that breaks one limit (invalid_blocks), so every piece is cut to fit here.
 */
import { severityRank, type AuditReport, type Finding, type Severity } from "../analyze/finding";
import { docsLink, logConsoleUrl, targetGroupConsoleUrl, type LinkOptions } from "./links";

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextText: 3000,
  /**
   * All text of a message's blocks together. Slack refuses more with msg_blocks_too_long at
   * about 13,000 characters (slackapi/bolt-js#2509) and sometimes below 12,000 (#2867);
   * undocumented, so well under both.
   */
  messageText: 10_000,
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
  /** Links to the code's documentation, the target group's console page and the run's log. */
  links?: LinkOptions;
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

/** `<url|label>`; the label alone when there is no URL. */
const link = (url: string | undefined, label: string) =>
  url ? `<${escapeMrkdwn(url)}|${escapeMrkdwn(label)}>` : escapeMrkdwn(label);

/** The target group by name, linked to its console page. */
export const targetGroupLine = (arn: string) =>
  `*Target group:* ${link(targetGroupConsoleUrl(arn), `\`${targetGroupName(arn)}\``)}`;

/** "What HC001 means", linked to the code's documentation. */
export function docsLine(code: string, links: LinkOptions): string {
  const docs = docsLink(code, links);
  return `*What ${code} means:* ${link(docs.url, docs.label)}`;
}

/** The context line's link to this run's log, when the runtime says where it is. */
export const logNote = (links: LinkOptions): string[] =>
  links.log ? [link(logConsoleUrl(links.log), "this run's log")] : [];

/**
 * A finding as two sections: what is wrong, with its links, then the fix alone in a code
 * block, so it can be copied without the prose around it.
 */
function findingSections(f: Finding, links: LinkOptions, label?: string): SlackBlock[] {
  const lines = [`${ICON[f.severity]} *${f.code} · ${escapeMrkdwn(f.title)}*`];
  if (label) lines.unshift(label);
  if (f.targetGroupArn) lines.push(targetGroupLine(f.targetGroupArn));
  if (f.affectedTargets.length > 0) {
    const ids = f.affectedTargets.slice(0, 5).map((t) => (t.port ? `${t.id}:${t.port}` : t.id));
    const more = f.affectedTargets.length - ids.length;
    lines.push(
      `*Failing targets:* ${f.affectedTargets.length} (${ids.join(", ")}${more > 0 ? `, … and ${more} more` : ""})`,
    );
  }
  lines.push(docsLine(f.code, links));
  const open = "*Fix:*\n```";
  const close = "```";
  const room = SLACK_LIMITS.sectionText - open.length - close.length;
  const fix = truncate(escapeMrkdwn(f.remediation.replace(/```/g, "'''")), room);
  return [
    {
      type: "section",
      text: { type: "mrkdwn", text: truncate(lines.join("\n"), SLACK_LIMITS.sectionText) },
    },
    { type: "section", text: { type: "mrkdwn", text: `${open}${fix}${close}` } },
  ];
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

  const links = options.links ?? {};
  const notes = [`alb-health-auditor · audited ${report.auditedAt}`];
  notes.push(...logNote(links));
  const hidden = report.findings.length - shown.length;
  if (hidden > 0) notes.push(`${hidden} lower-severity finding(s) not shown`);
  if (summary.suppressed > 0) notes.push(`${summary.suppressed} suppressed`);
  notes.push(...(options.notes ?? []));

  // A finding's two sections stay together: a fix without its finding would mislead.
  const items = shown.map((f) => findingSections(f, links, options.labels?.get(f.fingerprint)));
  return {
    text: escapeMrkdwn(headline),
    blocks: fitBlocks(
      [
        headerBlock(`${icon} ${headline}`),
        {
          type: "section",
          text: { type: "mrkdwn", text: truncate(overview, SLACK_LIMITS.sectionText) },
        },
      ],
      items,
      [contextBlock(notes.join(" · "))],
      (kept) => {
        const rest = shown.slice(kept);
        const counts = countsLine(
          Object.fromEntries(
            (["critical", "warning"] as const).map((s) => [
              s,
              rest.filter((f) => f.severity === s).length,
            ]),
          ),
        );
        return `… and ${rest.length} more findings not shown here (${counts}): ${WHERE_TO_READ}`;
      },
    ),
  };
}

/** Where a reader finds what a Slack message had no room for. */
export const WHERE_TO_READ =
  "every one is in the SNS message of this run and in the audit's JSON report (`aws lambda invoke` the audit function)";

export const contextBlock = (text: string): SlackBlock => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: truncate(text, SLACK_LIMITS.contextText) }],
});

const blockText = (b: SlackBlock): number =>
  b.type === "context" ? b.elements.reduce((n, e) => n + e.text.length, 0) : b.text.text.length;

/** Room kept for the "… and N more" section. */
const MORE_RESERVE = 400;

/**
 * `head`, then as many of `items` as Slack takes in order (most severe first; an item is the
 * blocks of one finding, never split), then a section from `more(kept)` that counts the items
 * left out, then `tail`: within the block count and the whole message's text limit.
 */
export function fitBlocks(
  head: SlackBlock[],
  items: SlackBlock[][],
  tail: SlackBlock[],
  more: (kept: number) => string,
): SlackBlock[] {
  const fixed = [...head, ...tail];
  const textOf = (blocks: SlackBlock[]) => blocks.reduce((n, b) => n + blockText(b), 0);
  const fixedText = textOf(fixed);
  const all = items.flat();
  if (
    fixed.length + all.length <= SLACK_LIMITS.blocks &&
    fixedText + textOf(all) <= SLACK_LIMITS.messageText
  ) {
    return [...head, ...all, ...tail];
  }
  const kept: SlackBlock[] = [];
  let count = 0;
  let text = fixedText + MORE_RESERVE;
  for (const item of items) {
    // One block stays free for the "… and N more" section.
    if (fixed.length + kept.length + item.length + 1 > SLACK_LIMITS.blocks) break;
    if (text + textOf(item) > SLACK_LIMITS.messageText) break;
    kept.push(...item);
    text += textOf(item);
    count += 1;
  }
  const rest: SlackBlock = {
    type: "section",
    text: { type: "mrkdwn", text: truncate(more(count), MORE_RESERVE) },
  };
  return [...head, ...kept, rest, ...tail];
}
