/**
 * A collection deadline: an AbortSignal that fires when collection has to stop so the Lambda
 * can still analyse and send before its own timeout. AWS calls and Kubernetes lists still
 * unanswered then fail with a DeadlineError, and the collectors turn them into gaps like any
 * other failed read.
 */
export class DeadlineError extends Error {
  override name = "DeadlineExceeded";
}

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer once collection is over. */
  clear: () => void;
}

/** Seconds to one decimal: 2, 1.5. */
const seconds = (ms: number) => Math.max(0, Math.round(ms / 100) / 10);

/** A signal that aborts with a DeadlineError after `ms`. */
export function collectionDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DeadlineError(`not answered within the collection deadline (${seconds(ms)}s)`),
      ),
    Math.max(0, ms),
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** The reason a signal fired, as a one-line message. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : "aborted";
}

/** Rejects with the signal's reason once it fires; resolves with `work` otherwise. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Waits `ms`, or less when the signal fires (then rejects with its reason). */
export function sleepUnless(ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sleep = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return untilAborted(sleep, signal).finally(() => clearTimeout(timer));
}

interface StackLike {
  add(middleware: unknown, options: { step: "initialize"; name: string; priority?: "high" }): void;
}

const MIDDLEWARE_NAME = "albAuditCollectionDeadline";
const attached = new WeakMap<object, { signal?: AbortSignal }>();

/**
 * Makes every call of an AWS SDK client fail with the signal's reason once it fires, waiting
 * retries included (the step runs before the SDK's retry loop). Calling again swaps the signal
 * without stacking a second step, so a client reused across collections is fine.
 */
export function stopAtDeadline(
  client: { middlewareStack: object },
  signal: AbortSignal | undefined,
): void {
  const stack = client.middlewareStack;
  const existing = attached.get(stack);
  if (existing) {
    existing.signal = signal;
    return;
  }
  const holder: { signal?: AbortSignal } = { signal };
  attached.set(stack, holder);
  const middleware =
    (next: (args: object) => Promise<object>) =>
    (args: object): Promise<object> => {
      const signal = holder.signal;
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return untilAborted(next(args), signal);
    };
  (stack as StackLike).add(middleware, {
    step: "initialize",
    name: MIDDLEWARE_NAME,
    priority: "high",
  });
}

/** Time kept back from collection for analysis, alert state and sinks: a third of what is left, at most this. */
export const RESERVE_MAX_MS = 30_000;

/** How long collection may take, given the time left in the invocation. */
export function collectionBudgetMs(remainingMs: number): number {
  return Math.max(0, remainingMs - Math.min(RESERVE_MAX_MS, remainingMs / 3));
}

/** The collector ignored its deadline and would have run into the Lambda timeout. */
export class CollectionTimeoutError extends Error {
  override name = "CollectionTimeoutError";
}

/**
 * Runs a collection with a deadline derived from the invocation's remaining time. The
 * collector stops at the signal on its own; should it not, this fails a third of the reserve
 * later with a clear error, still before the Lambda timeout. No remaining time: no deadline.
 */
export async function collectWithinBudget<T>(
  remainingMs: number | undefined,
  collect: (signal?: AbortSignal) => Promise<T>,
): Promise<T> {
  if (remainingMs === undefined) return collect();
  const budgetMs = collectionBudgetMs(remainingMs);
  const deadline = collectionDeadline(budgetMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hardStop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CollectionTimeoutError(
            `Collection did not finish within ${seconds(budgetMs)}s (the invocation had ${seconds(remainingMs)}s left); nothing was analysed or sent`,
          ),
        ),
      budgetMs + (remainingMs - budgetMs) / 3,
    );
  });
  try {
    return await Promise.race([collect(deadline.signal), hardStop]);
  } finally {
    clearTimeout(timer);
    deadline.clear();
  }
}
