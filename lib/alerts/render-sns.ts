/**
 * Notifications as SNS messages. Every message carries the same attribute set, whatever its
 * kind, so a subscription filter policy sees each one: `event` (open, resolved or clean),
 * `severity`, `cluster`, `region`, `findings`, `account` when the audit knows it, and `codes`
 * when any finding is listed. "findings"
 * messages also carry `reasons` (new, escalated, reminder). The `email` and `chatbot` formats
 * (lib/report/sns-format) keep these attributes.
 */
import { severityRank, type AuditReport, type Severity } from "../analyze/finding";
import {
  SNS_MAX_BYTES,
  buildSnsMessage,
  clusterAttributes,
  publishable,
  type SnsAttribute,
  type SnsMessage,
} from "../report/sns";
import type { LinkOptions } from "../report/links";
import { formatSns, type MessageView, type SnsFormat } from "../report/sns-format";
import type { ResolvedNotice } from "./decide";
import {
  formatDuration,
  notifiedSeverity,
  openLabels,
  shortTime,
  type Notification,
} from "./notification";

export interface SnsRenderOptions {
  /** Override for tests; defaults to the SNS limit. */
  maxBytes?: number;
  /** The message's shape (lib/report/sns-format); default `json`. */
  format?: SnsFormat;
  links?: LinkOptions;
}

/** The attributes every message has. */
export const SNS_ATTRIBUTES = ["event", "severity", "cluster", "region", "findings"] as const;

const str = (value: string): SnsAttribute => ({ DataType: "String", StringValue: value });
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

function resolvedSns(report: AuditReport, resolved: ResolvedNotice[], maxBytes: number) {
  const highest = resolved
    .map(notifiedSeverity)
    .reduce((top, s) => (severityRank(s) < severityRank(top) ? s : top), "info" as Severity);
  const codes = [...new Set(resolved.map((n) => n.record.code))].sort();
  const attributes: Record<string, SnsAttribute> = {
    event: str("resolved"),
    severity: str(highest),
    ...clusterAttributes(report.cluster),
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

/** The JSON document: the default format, and the attributes every other format keeps. */
function jsonSns(n: Notification, maxBytes: number): SnsMessage {
  switch (n.kind) {
    case "report": {
      const open = publishable(n.report, n.minSeverity).length > 0;
      return buildSnsMessage(n.report, {
        minSeverity: n.minSeverity,
        maxBytes,
        attributes: { event: str(open ? "open" : "clean") },
        extra: { event: open ? "open" : "clean" },
      });
    }
    case "findings": {
      const reasons = [...new Set(n.open.map((o) => o.reason))].sort();
      return buildSnsMessage(
        { ...n.report, findings: n.open.map((o) => o.finding) },
        {
          minSeverity: n.minSeverity,
          maxBytes,
          attributes: {
            event: str("open"),
            reasons: { DataType: "String.Array", StringValue: JSON.stringify(reasons) },
          },
          extra: {
            event: "open",
            alerts: n.open.map((o) => ({
              fingerprint: o.finding.fingerprint,
              reason: o.reason,
              ...(o.previousSeverity ? { previousSeverity: o.previousSeverity } : {}),
              firstSeen: o.firstSeen,
            })),
          },
        },
      );
    }
    case "resolved":
      return resolvedSns(n.report, n.resolved, maxBytes);
  }
}

/** What the text and chat formats show of a notification. */
function viewOf(n: Notification): MessageView {
  switch (n.kind) {
    case "report": {
      const findings = publishable(n.report, n.minSeverity);
      return { event: findings.length > 0 ? "open" : "clean", report: n.report, findings };
    }
    case "findings":
      return {
        event: "open",
        report: n.report,
        findings: n.open.map((o) => o.finding),
        labels: openLabels(n),
      };
    case "resolved":
      return {
        event: "resolved",
        report: n.report,
        resolved: n.resolved.map((r) => ({
          fingerprint: r.record.fingerprint,
          code: r.record.code,
          title: r.record.title,
          severity: notifiedSeverity(r),
          targetGroupArn: r.record.targetGroupArn,
          firstSeen: shortTime(r.record.firstSeen),
          openFor: formatDuration(r.openForMs),
        })),
      };
  }
}

export function renderSns(n: Notification, options: SnsRenderOptions = {}): SnsMessage {
  const maxBytes = options.maxBytes ?? SNS_MAX_BYTES;
  const json = jsonSns(n, maxBytes);
  const format = options.format ?? "json";
  if (format === "json") return json;
  return formatSns(viewOf(n), json, {
    format,
    maxBytes,
    ...(options.links ? { links: options.links } : {}),
  });
}
