/**
 * Alerting with state: claim the event, read what on-call was already told, decide, send, then
 * record what was sent. The state is written after sending, so a run that dies in between is
 * redone by the next one (at worst a message twice, never a message lost).
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { AuditReport } from "../analyze/finding";
import { DEFAULT_REPEAT_INTERVAL_HOURS, type AuditConfig } from "../config";
import { safeReason } from "../sinks/errors";
import {
  publishNotifications,
  sendMessages,
  type SinkClients,
  type SinkOutcome,
  type NotifyConfig,
} from "../sinks/index";
import { decideAlerts, stateChanges, type AlertDecision, type Coverage } from "./decide";
import { alertMessages } from "./messages";
import { partitionKey, type AlertStore } from "./state";

export { AlertStore, partitionKey } from "./state";

/** What the run told on-call, as the Lambda returns and logs it. */
export interface AlertSummary {
  /** The same EventBridge event was handled before: nothing was sent. */
  duplicate?: true;
  /** "unavailable": the state could not be read, so every finding was sent. */
  state: "ok" | "unavailable" | "not written";
  new: number;
  escalated: number;
  reminder: number;
  resolved: number;
  /** Open findings kept open because this run could not see their target group or rule. */
  held: number;
}

export interface AlertRun {
  summary: AlertSummary;
  outcomes: SinkOutcome[];
  /** Safe to log: why the state could not be read or written. */
  stateError?: string;
}

export interface AlertInput {
  report: AuditReport;
  /** What the run could see in (coverageOf), so that unseen findings are not resolved. */
  coverage: Coverage;
  /** EventBridge event id of a scheduled run. */
  eventId?: string;
  now: Date;
  config: NotifyConfig & Pick<AuditConfig, "repeatIntervalHours">;
  store: AlertStore;
  clients: SinkClients;
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
    held: decision.held.length,
  };
}

const skipped = (reason: string): SinkOutcome[] => [
  { sink: "sns", status: "skipped", reason },
  { sink: "slack", status: "skipped", reason },
];

export async function notifyChanges(input: AlertInput): Promise<AlertRun> {
  const { report, store, logger, config, now } = input;
  const pk = partitionKey(report.cluster.name, report.cluster.region);

  if (input.eventId) {
    try {
      if (!(await store.claimEvent(pk, input.eventId, now))) {
        logger.info("duplicate event: already handled, nothing sent", { eventId: input.eventId });
        return {
          summary: { duplicate: true, state: "ok", ...EMPTY },
          outcomes: skipped("duplicate event"),
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

  let previous;
  try {
    previous = await store.load(pk, now);
  } catch (error) {
    // Without the state a new problem cannot be told from an old one; on-call hears about
    // every finding rather than missing one.
    const stateError = `reading ${store.tableName} failed: ${safeReason(error)}`;
    logger.error("alert state unavailable; sending every finding", { reason: stateError });
    const outcomes = await publishNotifications(report, config, input.clients, logger);
    return { summary: { state: "unavailable", ...EMPTY }, outcomes, stateError };
  }

  const decision = decideAlerts({
    previous,
    findings: report.findings,
    coverage: input.coverage,
    now,
    minSeverity: config.minSeverity,
    repeatIntervalMs: (config.repeatIntervalHours ?? DEFAULT_REPEAT_INTERVAL_HOURS) * 3_600_000,
  });
  const summary = counts(decision);
  logger.info("alert decision", {
    ...summary,
    open: decision.seen.length,
    dropped: decision.dropped.length,
  });

  const messages = alertMessages(report, decision, {
    minSeverity: config.minSeverity,
    ...(config.snsFormat ? { snsFormat: config.snsFormat } : {}),
    ...(config.links ? { links: config.links } : {}),
  });
  const delivery = await sendMessages(messages, config, input.clients, logger);
  const deliveredKind = (kind: string) => {
    const i = messages.findIndex((m) => m.kind === kind);
    return i < 0 || delivery.delivered[i] === true;
  };
  const changes = stateChanges(decision, {
    open: deliveredKind("findings"),
    resolved: deliveredKind("resolved"),
  });
  try {
    await store.apply(pk, changes);
  } catch (error) {
    const stateError = `writing ${store.tableName} failed: ${safeReason(error)}`;
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
