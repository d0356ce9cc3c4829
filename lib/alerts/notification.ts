/**
 * What a run tells on-call, before any channel's format: the alert decision turned into at
 * most one "findings" and one "resolved" notification, or, without alert state, one "report"
 * with every finding at or above the threshold. Renderers (./render-sns, ./render-slack, and
 * any channel added later) turn each into their own message; sinks only send those.
 */
import type { AuditReport, Severity } from "../analyze/finding";
import { publishable } from "../report/sns";
import type { AlertDecision, OpenNotice, ResolvedNotice } from "./decide";

export type Notification =
  | {
      /** No alert state: every finding at or above `minSeverity`, or an all-clear. */
      kind: "report";
      report: AuditReport;
      minSeverity: Severity;
    }
  | {
      /** New, escalated and reminded findings. */
      kind: "findings";
      report: AuditReport;
      minSeverity: Severity;
      open: OpenNotice[];
      /** When the decision was made (ISO 8601). */
      at: string;
      /** Open findings at or above the threshold not repeated now. */
      alreadyKnown: number;
    }
  | { kind: "resolved"; report: AuditReport; resolved: ResolvedNotice[] };

export type NotificationKind = Notification["kind"];

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
export const shortTime = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** Why a finding is sent now, in plain words; `now` is the decision's time (ms). */
export function noticeLabel(notice: OpenNotice, now: number): string {
  switch (notice.reason) {
    case "new":
      return "New";
    case "escalated":
      return `Severity rose from ${notice.previousSeverity ?? "a lower one"}`;
    case "reminder": {
      const open = formatDuration(now - Date.parse(notice.firstSeen));
      return `Still open after ${open} (since ${shortTime(notice.firstSeen)})`;
    }
  }
}

/** The severity on-call was last told of a resolved finding. */
export const notifiedSeverity = (n: ResolvedNotice): Severity =>
  n.record.notifiedSeverity ?? n.record.severity;

/** Labels by fingerprint for a "findings" notification. */
export const openLabels = (n: Extract<Notification, { kind: "findings" }>) => {
  const now = Date.parse(n.at);
  return new Map(n.open.map((o) => [o.finding.fingerprint, noticeLabel(o, now)]));
};

/** The notifications of an alert decision: none, "findings", "resolved" or both. */
export function decisionNotifications(
  report: AuditReport,
  decision: AlertDecision,
  minSeverity: Severity,
): Notification[] {
  const out: Notification[] = [];
  if (decision.open.length > 0) {
    out.push({
      kind: "findings",
      report,
      minSeverity,
      open: decision.open,
      at: decision.at,
      alreadyKnown: publishable(report, minSeverity).length - decision.open.length,
    });
  }
  if (decision.resolved.length > 0) {
    out.push({ kind: "resolved", report, resolved: decision.resolved });
  }
  return out;
}

/** Without alert state: the whole report, unless nothing reaches the threshold (and `whenClean` is off). */
export function reportNotifications(
  report: AuditReport,
  minSeverity: Severity,
  whenClean: boolean,
): Notification[] {
  if (publishable(report, minSeverity).length === 0 && !whenClean) return [];
  return [{ kind: "report", report, minSeverity }];
}
