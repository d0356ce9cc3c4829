/**
 * A client-side rate limit for the ELB API. AWS throttles every Describe* call of an account and
 * region through one token bucket (40 tokens, refilled at 10 per second) that the AWS Load
 * Balancer Controller draws from too; an audit that drains it stalls the controller's reconciles.
 * Spending at most `rate` calls per second keeps the rest of the refill for the controller.
 * EC2 (./ec2) has buckets of its own and gets a TokenBucket of its own.
 */
import type { Next, Stack } from "./sdk-stack";

export const DEFAULT_ELB_CALLS_PER_SECOND = 5;
export const ELB_RATE_ENV = "ELB_CALLS_PER_SECOND";

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` tokens per second, at most `burst` saved up (the bucket starts full). */
  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, Math.floor(rate)),
    private readonly clock: Clock = systemClock,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`rate must be > 0, got ${rate}`);
    if (!(burst >= 1)) throw new Error(`burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /**
   * Resolves when the caller may make one call. Each caller reserves its token at once (the
   * balance may go negative) and sleeps until the refill covers it, so callers are served in
   * the order they asked and concurrent callers never overspend.
   */
  async take(): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens * 1000) / this.rate);
  }
}

/**
 * Calls per second from the option, else from ELB_CALLS_PER_SECOND, else 5. `Infinity` (option
 * only) turns the limit off, for benchmarks against local stand-ins.
 */
export function elbCallsPerSecond(
  option: number | undefined,
  env: Record<string, string | undefined> = process.env,
): number {
  return callsPerSecond(
    option,
    ELB_RATE_ENV,
    DEFAULT_ELB_CALLS_PER_SECOND,
    "elbCallsPerSecond",
    env,
  );
}

/** A rate from the option, else from the variable `envName`, else `fallback` (any API). */
export function callsPerSecond(
  option: number | undefined,
  envName: string,
  fallback: number,
  optionName: string,
  env: Record<string, string | undefined> = process.env,
): number {
  if (option !== undefined) {
    if (!(option > 0)) throw new Error(`${optionName} must be > 0, got ${option}`);
    return option;
  }
  const raw = env[envName]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new Error(`${envName} must be a number of calls per second above 0, got "${raw}"`);
  }
  return value;
}

const MIDDLEWARE_NAME = "albAuditElbRateLimit";
const attached = new WeakMap<Stack, { bucket?: TokenBucket }>();

/**
 * Makes every request the client sends wait for a token of `bucket` (none: no limit). The step
 * sits inside the SDK's retry loop, so a retried attempt, which AWS counts too, pays as well.
 * Calling again swaps the bucket without stacking a second step.
 */
export function limitClientCalls(
  client: { middlewareStack: Stack },
  bucket: TokenBucket | undefined,
): void {
  const stack = client.middlewareStack;
  const existing = attached.get(stack);
  if (existing) {
    existing.bucket = bucket;
    return;
  }
  const holder = { bucket };
  attached.set(stack, holder);
  const middleware = (next: Next) => async (args: object) => {
    await holder.bucket?.take();
    return next(args);
  };
  stack.addRelativeTo(middleware, {
    relation: "after",
    toMiddleware: "retryMiddleware",
    name: MIDDLEWARE_NAME,
  });
}
