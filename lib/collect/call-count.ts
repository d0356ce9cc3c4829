/**
 * Counts the requests an SDK client sends, retries included: AWS throttles on attempts, not on
 * commands, so this is the number to compare with the account's API budget (the dashboard's
 * `ElbApiCalls`, the benchmark's floor).
 */
import type { Next, Stack } from "./sdk-stack";

const MIDDLEWARE_NAME = "albAuditCallCount";
const counters = new WeakMap<Stack, { calls: number }>();

/**
 * Returns a reader of the requests `client` sent since this call. The step sits inside the
 * SDK's retry loop so every attempt counts; a client counted twice keeps one step.
 */
export function countClientCalls(client: { middlewareStack: Stack }): () => number {
  const stack = client.middlewareStack;
  let counter = counters.get(stack);
  if (!counter) {
    const created = { calls: 0 };
    counter = created;
    counters.set(stack, created);
    const middleware = (next: Next) => async (args: object) => {
      created.calls += 1;
      return next(args);
    };
    stack.addRelativeTo(middleware, {
      relation: "after",
      toMiddleware: "retryMiddleware",
      name: MIDDLEWARE_NAME,
    });
  }
  const start = counter.calls;
  const current = counter;
  return () => current.calls - start;
}

/** The requests of one collection per API, retries included. */
export interface ApiCalls {
  elb: number;
  /** Present once the collection reads EC2 (the network checks). */
  ec2?: number;
}
