/**
 * What makes a stand-in behave like a remote API: a seeded delay per request, a share of
 * requests refused as throttled, and optionally AWS's own ELB token bucket (so a client that
 * ignores the rate limit gets throttled the way the account would throttle it).
 */
import { Prng } from "../generator/prng";

export interface FaultOptions {
  /** Each answer waits a uniform draw from [min, max] milliseconds. Default [0, 0]. */
  latencyMs?: [number, number];
  /** Share of requests refused as throttled, 0..1. Default 0. */
  throttleRate?: number;
  /** AWS's account-wide Describe* bucket; absent: no such limit. */
  accountBucket?: { capacity: number; refillPerSecond: number };
  seed?: number;
}

export interface RequestCount {
  requests: number;
  throttled: number;
  /** Of the throttled: refused because the account bucket was empty. */
  bucketEmpty: number;
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

export class Faults {
  private readonly prng: Prng;
  private tokens: number;
  private last = performance.now();
  readonly counts = new Map<string, RequestCount>();
  firstAt?: number;
  lastAt?: number;

  constructor(private options: FaultOptions = {}) {
    this.prng = new Prng(options.seed ?? 7);
    this.tokens = options.accountBucket?.capacity ?? 0;
  }

  /** New latency, throttling or bucket settings; the counts start over. */
  configure(options: FaultOptions): void {
    this.options = options;
    this.reset();
  }

  private bucketAllows(): boolean {
    const bucket = this.options.accountBucket;
    if (!bucket) return true;
    const now = performance.now();
    this.tokens = Math.min(
      bucket.capacity,
      this.tokens + ((now - this.last) * bucket.refillPerSecond) / 1000,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits the request's latency and says whether to refuse it as throttled. */
  async admit(label: string, how: { throttle?: boolean; bucket?: boolean } = {}): Promise<boolean> {
    const count = this.counts.get(label) ?? { requests: 0, throttled: 0, bucketEmpty: 0 };
    this.counts.set(label, count);
    count.requests++;
    this.firstAt ??= epochMs();
    const empty = (how.throttle ?? true) && (how.bucket ?? true) && !this.bucketAllows();
    const throttled =
      empty || ((how.throttle ?? true) && this.prng.next() < (this.options.throttleRate ?? 0));
    if (throttled) count.throttled++;
    if (empty) count.bucketEmpty++;
    const [min, max] = this.options.latencyMs ?? [0, 0];
    const delay = min + this.prng.next() * (max - min);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    this.lastAt = epochMs();
    return !throttled;
  }

  reset(): void {
    this.counts.clear();
    this.firstAt = undefined;
    this.lastAt = undefined;
    this.tokens = this.options.accountBucket?.capacity ?? 0;
    this.last = performance.now();
  }

  total(filter: (label: string) => boolean = () => true): RequestCount {
    const out = { requests: 0, throttled: 0, bucketEmpty: 0 };
    for (const [label, c] of this.counts) {
      if (!filter(label)) continue;
      out.requests += c.requests;
      out.throttled += c.throttled;
      out.bucketEmpty += c.bucketEmpty;
    }
    return out;
  }

  snapshot(): { counts: Record<string, RequestCount>; firstAt?: number; lastAt?: number } {
    return { counts: Object.fromEntries(this.counts), firstAt: this.firstAt, lastAt: this.lastAt };
  }
}
