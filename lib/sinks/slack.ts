import type { SlackMessage } from "../report/slack";
import { SinkError, safeReason } from "./errors";
import { RETRYABLE_HTTP_STATUS } from "../http-status";

export interface SlackRetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Wait before the second attempt when Slack gives no Retry-After, doubled after. Default 1 s. */
  baseDelayMs?: number;
  /** Time for all attempts and waits together; a wait that would pass it is not taken. Default 15 s. */
  budgetMs?: number;
}

export interface SlackPostOptions {
  fetch: typeof fetch;
  /** Timeout of one attempt (cut to what is left of the budget). */
  timeoutMs: number;
  retry?: SlackRetryOptions;
  /** Test seams: a clock in milliseconds and a sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const SLACK_RETRY_DEFAULTS: Required<SlackRetryOptions> = {
  maxAttempts: 3,
  baseDelayMs: 1_000,
  budgetMs: 15_000,
};

// The connection never carried the request, so another attempt cannot post twice. A timeout
// or a reset can come after Slack accepted the message and is not retried.
const RETRYABLE_NETWORK = new Set(["ECONNREFUSED", "EAI_AGAIN"]);

/** Retry-After is seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const networkCode = (error: unknown): string | undefined => {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
};

/**
 * Posts to an incoming webhook, which answers 200 "ok" or an error code in the body. A 429 or
 * 5xx is retried after Slack's Retry-After (or an exponential backoff), within a bounded number
 * of attempts and a bounded total time, so a struggling Slack delays the invocation by at most
 * `budgetMs`.
 */
export async function postToSlack(
  webhookUrl: string,
  message: SlackMessage,
  options: SlackPostOptions,
): Promise<void> {
  const retry = { ...SLACK_RETRY_DEFAULTS, ...options.retry };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const left = () => retry.budgetMs - (now() - started);
  const body = JSON.stringify(message);

  for (let attempt = 1; ; attempt++) {
    let failure: string;
    let waitMs: number | undefined;
    let retryable: boolean;
    try {
      const response = await options.fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        // AbortSignal.timeout takes whole milliseconds only.
        signal: AbortSignal.timeout(Math.floor(Math.max(100, Math.min(options.timeoutMs, left())))),
      });
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return;
      }
      // Slack's error bodies are short codes such as invalid_blocks or no_service.
      const text = (await response.text().catch(() => "")).slice(0, 100).replace(/[^\w -]/g, "");
      failure = `webhook answered ${response.status}${text ? ` (${text})` : ""}`;
      retryable = RETRYABLE_HTTP_STATUS.has(response.status);
      waitMs = retryAfterMs(response.headers.get("retry-after"), now());
    } catch (error) {
      failure = `webhook request failed: ${safeReason(error)}`;
      retryable = RETRYABLE_NETWORK.has(networkCode(error) ?? "");
    }
    if (!retryable) throw new SinkError("slack", failure);
    if (attempt >= retry.maxAttempts) {
      throw new SinkError("slack", `${failure}; gave up after ${attempt} attempts`);
    }
    const delay = waitMs ?? retry.baseDelayMs * 2 ** (attempt - 1);
    if (delay >= left()) {
      throw new SinkError(
        "slack",
        `${failure}; gave up after ${attempt} attempt(s): the next one (in ${Math.ceil(delay / 1000)}s) would pass the ${Math.round(retry.budgetMs / 1000)}s retry budget`,
      );
    }
    await sleep(delay);
  }
}
