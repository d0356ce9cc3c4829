/**
 * The run's time: collection stops in time for analysis and sending (lib/collect/deadline),
 * Slack's retries get at most half of what is left, and the alert lease ends when the Lambda
 * would be stopped anyway.
 */
import { SLACK_RETRY_DEFAULTS } from "../sinks/slack";

export { collectWithinBudget, collectionBudgetMs } from "../collect/deadline";

/** Longest a Lambda runs; the lease of a run whose remaining time is unknown ends then. */
export const MAX_RUN_MS = 15 * 60_000;

/** Slack's retry budget: the configured one, but never more than half of what is left. */
export function slackBudgetMs(configured: number | undefined, leftMs: number | undefined): number {
  return Math.min(
    configured ?? SLACK_RETRY_DEFAULTS.budgetMs,
    leftMs === undefined ? Infinity : Math.max(0, Math.floor(leftMs / 2)),
  );
}

/** When the run is stopped at the latest. */
export const runDeadline = (startedMs: number, remainingMs: number | undefined): Date =>
  new Date(startedMs + (remainingMs ?? MAX_RUN_MS));
