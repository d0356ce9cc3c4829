/**
 * The notification path, decide → render → send → record, and the one module that owns the
 * decision and the alert state. With a store: take the cluster's lease, claim the event, read
 * what on-call was already told, decide, render, send, then record what was sent (writes
 * fenced by the lease) and give the lease back. Without a store every run sends every finding
 * at or above the threshold.
 *
 * The state is written after sending, so a run that dies in between is redone by the next one
 * (at worst a message twice, never a message lost). A run that cannot take the lease (another
 * run of the same cluster is deciding) sends nothing and says so; its report is still returned.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { AuditReport, Severity } from "../analyze/finding";
import { safeReason } from "../sinks/errors";
import { deliver, skippedAll, type SinkOutcome, type SinkTargets } from "../sinks/index";
import { decideAlerts, stateChanges, type AlertDecision, type Coverage } from "./decide";
import { renderAll, type RenderOptions } from "./messages";
import { decisionNotifications, reportNotifications } from "./notification";
import {
  LeaseLostError,
  legacyKeyOf,
  ownRecord,
  partitionKey,
  type AlertStore,
  type Lease,
} from "./state";
import type { AlertRecord } from "./decide";

export { AlertStore, LeaseLostError, legacyKeyOf, partitionKey } from "./state";

/** What the run told on-call, as the Lambda returns and logs it. */
export interface AlertSummary {
  /** The same EventBridge event was handled before: nothing was sent. */
  duplicate?: true;
  /**
   * "unavailable": the state could not be read, so every finding was sent. "busy": another
   * run of this cluster held the lease, so this one sent and recorded nothing.
   */
  state: "ok" | "unavailable" | "not written" | "busy";
  new: number;
  escalated: number;
  reminder: number;
  resolved: number;
  /**
   * Findings held because this run could not see their target group or rule: open ones kept
   * open, and new ones in a group whose join is uncertain not opened yet.
   */
  held: number;
}

export interface NotifyResult {
  /** Absent without alert state. */
  summary?: AlertSummary;
  outcomes: SinkOutcome[];
  /** Safe to log: why the state could not be read or written. */
  stateError?: string;
}

/** How notifications are decided and rendered; from lib/config through the pipeline. */
export interface NotifyOptions extends RenderOptions {
  minSeverity: Severity;
  /** Without alert state: send an all-clear when nothing reaches `minSeverity`. */
  notifyWhenClean: boolean;
  /** An open finding is notified again after this long. */
  repeatIntervalMs: number;
}

export interface NotifyInput {
  report: AuditReport;
  /** What the run could see in (coverageOf), so that unseen findings are not resolved. */
  coverage: Coverage;
  /** EventBridge event id of a scheduled run. */
  eventId?: string;
  /** This run's id, the lease holder (the Lambda request id). */
  runId: string;
  now: Date;
  /** When the run is stopped at the latest (the Lambda timeout): the lease ends then. */
  deadline: Date;
  options: NotifyOptions;
  store?: AlertStore;
  targets: SinkTargets;
  logger: Logger;
}

const EMPTY = { new: 0, escalated: 0, reminder: 0, resolved: 0, held: 0 };

function counts(decision: AlertDecision): Omit<AlertSummary, "state" | "duplicate"> {
  const by = (reason: string) => decision.open.filter((n) => n.reason === reason).length;
  return {
    new: by("new"),
    escalated: by("escalated"),
    reminder: by("reminder"),
    resolved: decision.resolved.length,
    held: decision.held.length + decision.deferred.length,
  };
}

/** Every finding at or above the threshold, as without alert state. */
async function sendReport(input: NotifyInput) {
  const { report, options } = input;
  const notifications = reportNotifications(report, options.minSeverity, options.notifyWhenClean);
  if (notifications.length === 0) {
    return skippedAll(input.targets, `no finding at or above ${options.minSeverity}`);
  }
  const messages = renderAll(notifications, options);
  return (await deliver(messages, input.targets, input.logger)).outcomes;
}

export async function notify(input: NotifyInput): Promise<NotifyResult> {
  const { store, logger } = input;
  if (!store) return { outcomes: await sendReport(input) };
  const pk = partitionKey(input.report.cluster);

  let lease: Lease | undefined;
  try {
    lease = await store.acquireLease(pk, input.runId, input.now, input.deadline);
  } catch (error) {
    return unavailable(
      input,
      `taking the lease in ${store.tableName} failed: ${safeReason(error)}`,
    );
  }
  if (!lease) {
    logger.info("another run of this cluster holds the alert lease: nothing sent or recorded", {
      runId: input.runId,
    });
    return {
      summary: { state: "busy", ...EMPTY },
      outcomes: skippedAll(input.targets, "another run holds the alert lease"),
    };
  }
  try {
    return await decideSendRecord(input, store, pk, lease);
  } finally {
    await store.releaseLease(pk, lease).catch((error: unknown) =>
      logger.warn("alert lease not released; it expires at the run's deadline", {
        reason: safeReason(error),
      }),
    );
  }
}

/**
 * Without the state a new problem cannot be told from an old one: on-call hears about every
 * finding rather than missing one.
 */
async function unavailable(input: NotifyInput, stateError: string): Promise<NotifyResult> {
  input.logger.error("alert state unavailable; sending every finding", { reason: stateError });
  const outcomes = await sendReport(input);
  return { summary: { state: "unavailable", ...EMPTY }, outcomes, stateError };
}

async function decideSendRecord(
  input: NotifyInput,
  store: AlertStore,
  pk: string,
  lease: Lease,
): Promise<NotifyResult> {
  const { report, logger, options, now } = input;
  if (input.eventId) {
    try {
      if (!(await store.claimEvent(pk, input.eventId, now))) {
        logger.info("duplicate event: already handled, nothing sent", { eventId: input.eventId });
        return {
          summary: { duplicate: true, state: "ok", ...EMPTY },
          outcomes: skippedAll(input.targets, "duplicate event"),
        };
      }
    } catch (error) {
      // Sending twice beats sending nothing; the state read below will likely fail too.
      logger.warn("event claim failed; continuing without the duplicate check", {
        eventId: input.eventId,
        reason: safeReason(error),
      });
    }
  }

  let previous: AlertRecord[];
  /** Records taken over from the cluster's key before accounts were part of it. */
  let migrated: AlertRecord[] = [];
  const legacy = legacyKeyOf(report.cluster);
  try {
    previous = await store.load(pk, now);
    if (previous.length === 0 && legacy && report.cluster.account) {
      migrated = (await store.load(legacy, now)).filter(ownRecord(report.cluster.account));
      previous = migrated;
    }
  } catch (error) {
    return unavailable(input, `reading ${store.tableName} failed: ${safeReason(error)}`);
  }
  if (migrated.length > 0) {
    logger.info("alert state moved to the key with the account", {
      from: legacy,
      to: pk,
      records: migrated.length,
    });
  }

  const decision = decideAlerts({
    previous,
    findings: report.findings,
    coverage: input.coverage,
    now,
    minSeverity: options.minSeverity,
    repeatIntervalMs: options.repeatIntervalMs,
  });
  const summary = counts(decision);
  logger.info("alert decision", {
    ...summary,
    open: decision.seen.length,
    dropped: decision.dropped.length,
  });

  const notifications = decisionNotifications(report, decision, options.minSeverity);
  const messages = renderAll(notifications, options);
  const delivery = await deliver(messages, input.targets, logger);
  const deliveredKind = (kind: string) => {
    const i = messages.findIndex((m) => m.kind === kind);
    return i < 0 || delivery.delivered[i] === true;
  };
  const changes = stateChanges(decision, {
    open: deliveredKind("findings"),
    resolved: deliveredKind("resolved"),
  });
  // Held records are left as they are, which for taken-over ones means writing them anew.
  if (migrated.length > 0) changes.put.push(...decision.held);
  try {
    await store.apply(pk, changes, lease);
    // Once written under the new key, the old items go: read again later, they would be
    // taken for open findings and resolved a second time.
    if (legacy && migrated.length > 0) {
      await store.apply(legacy, { put: [], delete: migrated.map((r) => r.fingerprint) });
    }
  } catch (error) {
    const why = error instanceof LeaseLostError ? error.message : safeReason(error);
    const stateError = `writing ${store.tableName} failed: ${why}`;
    logger.error("alert state not written; the next run sends these notices again", {
      reason: stateError,
    });
    return {
      summary: { state: "not written", ...summary },
      outcomes: delivery.outcomes,
      stateError,
    };
  }
  return { summary: { state: "ok", ...summary }, outcomes: delivery.outcomes };
}
