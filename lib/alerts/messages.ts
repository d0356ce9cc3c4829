/**
 * The notifications of an alert decision: at most one message with the findings to tell
 * on-call about now (new, escalated, reminder) and one short message with the resolved ones.
 * Pure: the sinks send what this returns.
 */
import { severityRank, type AuditReport, type Severity } from "../analyze/finding";
import {
  SLACK_LIMITS,
  buildSlackMessage,
  escapeMrkdwn,
  headerBlock,
  targetGroupName,
  truncate,
  type SlackBlock,
  type SlackMessage,
} from "../report/slack";
import {
  SNS_MAX_BYTES,
  buildSnsMessage,
  publishable,
  type SnsAttribute,
  type SnsMessage,
} from "../report/sns";
import type { LinkOptions } from "../report/links";
import { formatSns, type SnsFormat } from "../report/sns-format";
import type { OutgoingMessage } from "../sinks/index";
import type { AlertDecision, OpenNotice, ResolvedNotice } from "./decide";

/** "45s", "12m", "2h 5m", "3d 4h": how long something was open, to the minute past an hour. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}

/** "2026-11-24 10:00 UTC" */
const shortTime = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

function label(notice: OpenNotice, now: number): string {
  switch (notice.reason) {
    case "new":
      return "_New_";
    case "escalated":
      return `_Severity rose from ${notice.previousSeverity ?? "a lower one"}_`;
    case "reminder": {
      const open = formatDuration(now - Date.parse(notice.firstSeen));
      return `_Still open after ${open} (since ${shortTime(notice.firstSeen)})_`;
    }
  }
}

const str = (value: string): SnsAttribute => ({ DataType: "String", StringValue: value });

/** Labels without their mrkdwn emphasis, for text and chat formats. */
const plain = (labels: Map<string, string>) =>
  new Map([...labels].map(([k, v]) => [k, v.replace(/^_|_$/g, "")]));

function openMessage(
  report: AuditReport,
  decision: AlertDecision,
  options: AlertMessageOptions,
): OutgoingMessage {
  const { minSeverity } = options;
  const now = Date.parse(decision.at);
  const view: AuditReport = { ...report, findings: decision.open.map((n) => n.finding) };
  const reasons = [...new Set(decision.open.map((n) => n.reason))].sort();
  const alreadyKnown = publishable(report, minSeverity).length - decision.open.length;
  const labels = new Map(decision.open.map((n) => [n.finding.fingerprint, label(n, now)]));
  const json = buildSnsMessage(view, {
    minSeverity,
    attributes: {
      event: str("open"),
      reasons: { DataType: "String.Array", StringValue: JSON.stringify(reasons) },
    },
    extra: {
      event: "open",
      alerts: decision.open.map((n) => ({
        fingerprint: n.finding.fingerprint,
        reason: n.reason,
        ...(n.previousSeverity ? { previousSeverity: n.previousSeverity } : {}),
        firstSeen: n.firstSeen,
      })),
    },
  });
  return {
    kind: "findings",
    sns: formatSns(
      { event: "open", report, findings: view.findings, labels: plain(labels) },
      json,
      snsFormatOptions(options),
    ),
    slack: buildSlackMessage(view, {
      minSeverity,
      labels,
      notes: alreadyKnown > 0 ? [`${alreadyKnown} open finding(s) sent before not repeated`] : [],
      ...(options.links ? { links: options.links } : {}),
    }),
  };
}

const snsFormatOptions = (options: AlertMessageOptions) => ({
  format: options.snsFormat ?? "json",
  ...(options.links ? { links: options.links } : {}),
  ...(options.snsMaxBytes ? { maxBytes: options.snsMaxBytes } : {}),
});

const notifiedSeverity = (n: ResolvedNotice): Severity =>
  n.record.notifiedSeverity ?? n.record.severity;

function resolvedSection(n: ResolvedNotice): SlackBlock {
  const r = n.record;
  const lines = [`:white_check_mark: *${r.code} · ${escapeMrkdwn(r.title)}*`];
  if (r.targetGroupArn) lines.push(`*Target group:* \`${targetGroupName(r.targetGroupArn)}\``);
  lines.push(
    `Resolved after ${formatDuration(n.openForMs)} (first seen ${shortTime(r.firstSeen)}, ${notifiedSeverity(n)})`,
  );
  return {
    type: "section",
    text: { type: "mrkdwn", text: truncate(lines.join("\n"), SLACK_LIMITS.sectionText) },
  };
}

function resolvedSlack(report: AuditReport, resolved: ResolvedNotice[]): SlackMessage {
  const headline = `ALB health on ${report.cluster.name}: ${resolved.length} resolved`;
  const room = SLACK_LIMITS.blocks - 2; // header and context
  const fits = resolved.length <= room;
  const sections = resolved.slice(0, fits ? resolved.length : room - 1).map(resolvedSection);
  if (!fits) {
    sections.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `… and ${resolved.length - sections.length} more resolved findings`,
      },
    });
  }
  return {
    text: escapeMrkdwn(headline),
    blocks: [
      headerBlock(`:white_check_mark: ${headline}`),
      ...sections,
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `alb-health-auditor · audited ${report.auditedAt} · gone since the last audit`,
          },
        ],
      },
    ],
  };
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

function resolvedSns(report: AuditReport, resolved: ResolvedNotice[], maxBytes: number) {
  const highest = resolved
    .map(notifiedSeverity)
    .reduce((top, s) => (severityRank(s) < severityRank(top) ? s : top), "info" as Severity);
  const codes = [...new Set(resolved.map((n) => n.record.code))].sort();
  const attributes: Record<string, SnsAttribute> = {
    event: str("resolved"),
    severity: str(highest),
    cluster: str(report.cluster.name),
    codes: { DataType: "String.Array", StringValue: JSON.stringify(codes) },
    findings: { DataType: "Number", StringValue: String(resolved.length) },
  };
  // Subjects must be printable ASCII, at most 100 characters.
  const text = `ALB health on ${report.cluster.name}: ${resolved.length} finding(s) resolved`;
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  const subject = ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
  const entries = resolved.map((n) => ({
    fingerprint: n.record.fingerprint,
    code: n.record.code,
    title: n.record.title,
    severity: notifiedSeverity(n),
    targetGroupArn: n.record.targetGroupArn,
    firstSeen: n.record.firstSeen,
    lastSeen: n.record.lastSeen,
    resolvedAt: n.resolvedAt,
    openForSeconds: Math.round(n.openForMs / 1000),
  }));
  const body = (kept: typeof entries) =>
    JSON.stringify({
      version: 1,
      event: "resolved",
      cluster: report.cluster,
      auditedAt: report.auditedAt,
      resolved: kept,
      ...(kept.length < entries.length ? { omitted: entries.length - kept.length } : {}),
    });
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [k, a]) => sum + bytes(k) + bytes(a.DataType) + bytes(a.StringValue),
    0,
  );
  const budget = maxBytes - attributeBytes - bytes(subject) - 1_024;
  // Entries are in severity order: the least severe go first when it does not fit.
  let kept = entries;
  while (kept.length > 0 && bytes(body(kept)) > budget) {
    kept = kept.slice(0, Math.floor(kept.length * 0.9));
  }
  const message: SnsMessage = {
    subject,
    message: body(kept),
    attributes,
    published: resolved.length,
    omitted: resolved.length - kept.length,
  };
  return message;
}

export interface AlertMessageOptions {
  minSeverity: Severity;
  /** Override for tests; defaults to the SNS limit. */
  snsMaxBytes?: number;
  /** The SNS message's shape; default `json`. */
  snsFormat?: SnsFormat;
  links?: LinkOptions;
}

/** The messages to send for a decision: none, one or both of "findings" and "resolved". */
export function alertMessages(
  report: AuditReport,
  decision: AlertDecision,
  options: AlertMessageOptions,
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  if (decision.open.length > 0) messages.push(openMessage(report, decision, options));
  if (decision.resolved.length > 0) {
    const resolved = decision.resolved.map((n) => ({
      fingerprint: n.record.fingerprint,
      code: n.record.code,
      title: n.record.title,
      severity: notifiedSeverity(n),
      targetGroupArn: n.record.targetGroupArn,
      firstSeen: shortTime(n.record.firstSeen),
      openFor: formatDuration(n.openForMs),
    }));
    messages.push({
      kind: "resolved",
      sns: formatSns(
        { event: "resolved", report, resolved },
        resolvedSns(report, decision.resolved, options.snsMaxBytes ?? SNS_MAX_BYTES),
        snsFormatOptions(options),
      ),
      slack: resolvedSlack(report, decision.resolved),
    });
  }
  return messages;
}
