/**
 * Notifications as Slack messages, each within Slack's limits (lib/report/slack fitBlocks):
 * the most severe first, the rest counted with where to read them.
 */
import type { AuditReport } from "../analyze/finding";
import type { LinkOptions } from "../report/links";
import {
  SLACK_LIMITS,
  WHERE_TO_READ,
  buildSlackMessage,
  contextBlock,
  docsLine,
  escapeMrkdwn,
  fitBlocks,
  headerBlock,
  logNote,
  targetGroupLine,
  truncate,
  type SlackBlock,
  type SlackMessage,
} from "../report/slack";
import type { ResolvedNotice } from "./decide";
import {
  formatDuration,
  notifiedSeverity,
  openLabels,
  shortTime,
  type Notification,
} from "./notification";

export { formatDuration } from "./notification";

export interface SlackRenderOptions {
  links?: LinkOptions;
}

function resolvedSection(n: ResolvedNotice, links: LinkOptions): SlackBlock {
  const r = n.record;
  const lines = [`:white_check_mark: *${r.code} · ${escapeMrkdwn(r.title)}*`];
  if (r.targetGroupArn) lines.push(targetGroupLine(r.targetGroupArn));
  lines.push(
    `Resolved after ${formatDuration(n.openForMs)} (first seen ${shortTime(r.firstSeen)}, ${notifiedSeverity(n)})`,
    docsLine(r.code, links),
  );
  return {
    type: "section",
    text: { type: "mrkdwn", text: truncate(lines.join("\n"), SLACK_LIMITS.sectionText) },
  };
}

function resolvedSlack(
  report: AuditReport,
  resolved: ResolvedNotice[],
  links: LinkOptions,
): SlackMessage {
  const headline = `ALB health on ${report.cluster.name}: ${resolved.length} resolved`;
  return {
    text: escapeMrkdwn(headline),
    blocks: fitBlocks(
      [headerBlock(`:white_check_mark: ${headline}`)],
      resolved.map((n) => [resolvedSection(n, links)]),
      [
        contextBlock(
          [
            `alb-health-auditor · audited ${report.auditedAt} · gone since the last audit`,
            ...logNote(links),
          ].join(" · "),
        ),
      ],
      (kept) => `… and ${resolved.length - kept} more resolved findings: ${WHERE_TO_READ}`,
    ),
  };
}

export function renderSlack(n: Notification, options: SlackRenderOptions = {}): SlackMessage {
  const links = options.links ? { links: options.links } : {};
  switch (n.kind) {
    case "report":
      return buildSlackMessage(n.report, { minSeverity: n.minSeverity, ...links });
    case "findings": {
      const labels = new Map([...openLabels(n)].map(([k, v]) => [k, `_${v}_`]));
      return buildSlackMessage(
        { ...n.report, findings: n.open.map((o) => o.finding) },
        {
          minSeverity: n.minSeverity,
          labels,
          notes:
            n.alreadyKnown > 0
              ? [`${n.alreadyKnown} open finding(s) sent before not repeated`]
              : [],
          ...links,
        },
      );
    }
    case "resolved":
      return resolvedSlack(n.report, n.resolved, options.links ?? {});
  }
}
