/**
 * Which findings to notify about, and what the alert state becomes. Pure: the previous state,
 * this run's findings and what this run could see in, notices and state changes out.
 *
 * A finding is notified when it is new (for AUDIT001: seen in two runs in a row), when its
 * severity rose above what was last notified, and again after the repeat interval while it
 * stays open. A finding that was notified and is
 * gone is resolved, but only when this run could have seen it: a target group whose health
 * could not be read, or a rule that could not run, proves nothing, so its findings stay open.
 * A target group whose join to its Service a gap could have changed holds its findings both
 * ways: the open ones stay open, and new ones are not opened until a run reads the join again
 * (they may only be the same problem seen through a broken join, under another code).
 */
import { severityRank, type Finding, type Severity } from "../analyze/finding";

/** One open finding as the state remembers it. Times are ISO 8601. */
export interface AlertRecord {
  fingerprint: string;
  code: string;
  title: string;
  /** Severity when last seen. */
  severity: Severity;
  targetGroupArn: string | null;
  firstSeen: string;
  lastSeen: string;
  /** Set once a notification about it reached on-call. */
  notifiedAt?: string;
  notifiedSeverity?: Severity;
}

/** What this run could see in, so that an absent finding can be told from an unseen one. */
export interface Coverage {
  /** Rules that did not run because a list they read could not be read. */
  blockedCodes: ReadonlySet<string>;
  /** Target groups whose health could not be read. */
  unauditedTargetGroups: ReadonlySet<string>;
  /**
   * Target groups whose join to their Service a gap could have changed (a list the join reads
   * could not be read): their open findings are held and their new ones are not opened.
   */
  joinUncertainTargetGroups: ReadonlySet<string>;
  /** False when the target group list itself could not be read. */
  targetGroupsListed: boolean;
  /** A run limited to these target groups (manual payload); undefined: all of them. */
  scope?: ReadonlySet<string>;
  /** Fingerprints found this run but silenced by an ignore annotation. */
  suppressed: ReadonlySet<string>;
}

export const FULL_COVERAGE: Coverage = {
  blockedCodes: new Set(),
  unauditedTargetGroups: new Set(),
  joinUncertainTargetGroups: new Set(),
  targetGroupsListed: true,
  suppressed: new Set(),
};

/** Whether this run would have found the record's problem if it were still there. */
export function covers(coverage: Coverage, record: Pick<AlertRecord, "code" | "targetGroupArn">) {
  if (coverage.blockedCodes.has(record.code)) return false;
  const arn = record.targetGroupArn;
  if (arn === null) return true;
  return (
    coverage.targetGroupsListed &&
    !coverage.unauditedTargetGroups.has(arn) &&
    !coverage.joinUncertainTargetGroups.has(arn) &&
    (coverage.scope === undefined || coverage.scope.has(arn))
  );
}

export type OpenReason = "new" | "escalated" | "reminder";

export interface OpenNotice {
  finding: Finding;
  reason: OpenReason;
  /** For `escalated`: the severity it rose from. */
  previousSeverity?: Severity;
  firstSeen: string;
}

export interface ResolvedNotice {
  record: AlertRecord;
  resolvedAt: string;
  /** From first seen to this run. */
  openForMs: number;
}

export interface AlertDecision {
  at: string;
  open: OpenNotice[];
  resolved: ResolvedNotice[];
  /** Every current finding's record; `notify` marks those with an open notice. */
  seen: { record: AlertRecord; notify: boolean }[];
  /** Records kept as they are: this run could not see their target group or rule. */
  held: AlertRecord[];
  /** New findings not opened (nor recorded): their target group's join is uncertain. */
  deferred: Finding[];
  /** Records removed without a notice. */
  dropped: { record: AlertRecord; why: "never-notified" | "suppressed" }[];
}

export interface DecideInput {
  previous: readonly AlertRecord[];
  findings: readonly Finding[];
  coverage: Coverage;
  now: Date;
  /** Findings below it are tracked but never notified. */
  minSeverity: Severity;
  repeatIntervalMs: number;
}

/**
 * Codes notified only once a second run still finds them. An unreadable list is often one
 * throttled or timed-out call that the next run reads fine: paging for it would be an "open"
 * and a "resolved" message about nothing. A gap that persists (RBAC, a missing permission) is
 * notified one run later.
 */
export const CONFIRM_BEFORE_NOTIFY: ReadonlySet<string> = new Set(["AUDIT001"]);

/**
 * A finding on-call has not heard of, in a group whose join is uncertain. AUDIT001 is never
 * deferred: it is how on-call hears that the auditor cannot see.
 */
const deferredByJoin = (coverage: Coverage, finding: Finding): boolean =>
  finding.code !== "AUDIT001" &&
  finding.targetGroupArn !== null &&
  coverage.joinUncertainTargetGroups.has(finding.targetGroupArn);

/** True when `a` is more severe than `b`. */
const above = (a: Severity, b: Severity) => severityRank(a) < severityRank(b);

function openReason(
  finding: Finding,
  prev: AlertRecord | undefined,
  now: number,
  repeatIntervalMs: number,
): Pick<OpenNotice, "reason" | "previousSeverity"> | undefined {
  if (!prev) return CONFIRM_BEFORE_NOTIFY.has(finding.code) ? undefined : { reason: "new" };
  if (!prev.notifiedAt) {
    // Seen before but never notified: below the threshold then (so it rose), or the
    // notification did not go out (so on-call still has not heard of it).
    return above(finding.severity, prev.severity)
      ? { reason: "escalated", previousSeverity: prev.severity }
      : { reason: "new" };
  }
  const notified = prev.notifiedSeverity ?? prev.severity;
  if (above(finding.severity, notified)) {
    return { reason: "escalated", previousSeverity: notified };
  }
  const since = Date.parse(prev.notifiedAt);
  if (!Number.isFinite(since) || now - since >= repeatIntervalMs) return { reason: "reminder" };
  return undefined;
}

const resolvedOrder = (a: ResolvedNotice, b: ResolvedNotice) =>
  severityRank(a.record.severity) - severityRank(b.record.severity) ||
  a.record.code.localeCompare(b.record.code) ||
  (a.record.targetGroupArn ?? "").localeCompare(b.record.targetGroupArn ?? "") ||
  a.record.fingerprint.localeCompare(b.record.fingerprint);

export function decideAlerts(input: DecideInput): AlertDecision {
  const now = input.now.getTime();
  const at = input.now.toISOString();
  const previous = new Map(input.previous.map((r) => [r.fingerprint, r]));
  const decision: AlertDecision = {
    at,
    open: [],
    resolved: [],
    seen: [],
    held: [],
    deferred: [],
    dropped: [],
  };

  const current = new Set<string>();
  for (const finding of input.findings) {
    if (current.has(finding.fingerprint)) continue;
    current.add(finding.fingerprint);
    const prev = previous.get(finding.fingerprint);
    if (!prev?.notifiedAt && deferredByJoin(input.coverage, finding)) {
      // Not in `current`: a record of it from before is held below, untouched.
      decision.deferred.push(finding);
      continue;
    }
    const record: AlertRecord = {
      fingerprint: finding.fingerprint,
      code: finding.code,
      title: finding.title,
      severity: finding.severity,
      targetGroupArn: finding.targetGroupArn,
      firstSeen: prev?.firstSeen ?? at,
      lastSeen: at,
      ...(prev?.notifiedAt ? { notifiedAt: prev.notifiedAt } : {}),
      ...(prev?.notifiedSeverity ? { notifiedSeverity: prev.notifiedSeverity } : {}),
    };
    const notifiable = !above(input.minSeverity, finding.severity);
    const why = notifiable ? openReason(finding, prev, now, input.repeatIntervalMs) : undefined;
    decision.seen.push({ record, notify: why !== undefined });
    if (why) decision.open.push({ finding, ...why, firstSeen: record.firstSeen });
  }

  for (const record of input.previous) {
    if (current.has(record.fingerprint)) continue;
    if (input.coverage.suppressed.has(record.fingerprint)) {
      decision.dropped.push({ record, why: "suppressed" });
    } else if (!covers(input.coverage, record)) {
      decision.held.push(record);
    } else if (record.notifiedAt) {
      const openForMs = Math.max(0, now - Date.parse(record.firstSeen)) || 0;
      decision.resolved.push({ record, resolvedAt: at, openForMs });
    } else {
      decision.dropped.push({ record, why: "never-notified" });
    }
  }
  decision.resolved.sort(resolvedOrder);
  return decision;
}

export interface StateChanges {
  put: AlertRecord[];
  delete: string[];
}

/**
 * The writes after the messages went out. A notice that was not delivered leaves the state as
 * if it had not been sent, so the next run sends it again: an open finding keeps its previous
 * notification time, a resolved one stays in the state until its resolved message goes out.
 */
export function stateChanges(
  decision: AlertDecision,
  delivered: { open: boolean; resolved: boolean },
): StateChanges {
  const put = decision.seen.map(({ record, notify }) =>
    notify && delivered.open
      ? { ...record, notifiedAt: decision.at, notifiedSeverity: record.severity }
      : record,
  );
  const remove = decision.dropped.map((d) => d.record.fingerprint);
  if (delivered.resolved) remove.push(...decision.resolved.map((r) => r.record.fingerprint));
  return { put, delete: remove };
}
