import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { collectAws } from "../../lib/collect/aws";
import {
  DEFAULT_ELB_CALLS_PER_SECOND,
  TokenBucket,
  elbCallsPerSecond,
  limitClientCalls,
  type Clock,
} from "../../lib/collect/rate-limit";
import { startAwsStandIn, type AwsStandIn } from "../../bench/standins/aws";
import { generateSnapshot } from "../../bench/generator";

/** Fake time: vitest's timers drive both the clock and the sleeps. */
const fakeClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

describe("TokenBucket", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts `n` callers at once; resolves with the fake time at which each was let through. */
  async function grantTimes(bucket: TokenBucket, n: number): Promise<number[]> {
    const start = Date.now();
    const times: number[] = [];
    const all = Promise.all(
      Array.from({ length: n }, (_, i) =>
        bucket.take().then(() => {
          times[i] = Date.now() - start;
        }),
      ),
    );
    await vi.runAllTimersAsync();
    await all;
    return times;
  }

  it("lets a burst through at once, then spaces calls at the rate", async () => {
    const rate = 5;
    const burst = 4;
    const n = 24;
    const times = await grantTimes(new TokenBucket(rate, burst, fakeClock), n);
    // N calls take at least (N - burst) / rate seconds, and not a period more.
    const last = Math.max(...times);
    expect(last).toBeGreaterThanOrEqual(((n - burst) / rate) * 1000);
    expect(last).toBeLessThan(((n - burst + 1) / rate) * 1000);
    expect(times.filter((t) => t === 0)).toHaveLength(burst);
    // Callers are served in the order they asked.
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // No one-second window holds more than rate + burst calls.
    for (const t of times) {
      expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(rate + burst);
    }
  });

  it("saves up no more than the burst while idle", async () => {
    const bucket = new TokenBucket(2, 3, fakeClock);
    await grantTimes(bucket, 3);
    await vi.advanceTimersByTimeAsync(60_000);
    const times = await grantTimes(bucket, 7);
    expect(times.filter((t) => t === 0)).toHaveLength(3);
    expect(Math.max(...times)).toBeGreaterThanOrEqual(((7 - 3) / 2) * 1000);
  });

  it("refuses a rate or burst that would not limit anything", () => {
    expect(() => new TokenBucket(0)).toThrow(/rate must be > 0/);
    expect(() => new TokenBucket(5, 0)).toThrow(/burst must be >= 1/);
  });
});

describe("elbCallsPerSecond", () => {
  it("takes the option, else ELB_CALLS_PER_SECOND, else the default", () => {
    expect(elbCallsPerSecond(2, { ELB_CALLS_PER_SECOND: "8" })).toBe(2);
    expect(elbCallsPerSecond(undefined, { ELB_CALLS_PER_SECOND: "8" })).toBe(8);
    expect(elbCallsPerSecond(undefined, { ELB_CALLS_PER_SECOND: " " })).toBe(
      DEFAULT_ELB_CALLS_PER_SECOND,
    );
    expect(elbCallsPerSecond(undefined, {})).toBe(DEFAULT_ELB_CALLS_PER_SECOND);
    expect(elbCallsPerSecond(Infinity, {})).toBe(Infinity);
  });

  it("names the variable when its value is not a rate", () => {
    for (const bad of ["0", "-1", "fast", "Infinity"]) {
      expect(() => elbCallsPerSecond(undefined, { ELB_CALLS_PER_SECOND: bad })).toThrow(
        `ELB_CALLS_PER_SECOND must be a number of calls per second above 0, got "${bad}"`,
      );
    }
  });
});

describe("limitClientCalls on a real ELBv2 client", () => {
  let server: AwsStandIn;
  const generated = generateSnapshot({ targetGroups: 45, nodes: 10, pods: 90, faults: 0 });
  const aws = generated.snapshot.aws;

  /** Refuses a share of requests as throttled, so the SDK retries. */
  async function serve(throttleRate: number) {
    server = await startAwsStandIn(
      {
        loadBalancers: aws.loadBalancers ?? [],
        targetGroups: aws.targetGroups ?? [],
        cluster: { name: "bench", vpcId: "vpc-x", endpoint: "https://127.0.0.1", caData: "" },
      },
      { throttleRate, seed: 3 },
    );
  }
  afterEach(async () => {
    await server.close();
  });

  const client = () =>
    new ElasticLoadBalancingV2Client({
      region: "eu-west-1",
      endpoint: server.url,
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      maxAttempts: 8,
    });

  it("takes one token per HTTP attempt, retries included, and swaps buckets in place", async () => {
    await serve(0.3);
    const elbv2 = client();
    const first = new TokenBucket(10_000, 10_000);
    const second = new TokenBucket(10_000, 10_000);
    const takeFirst = vi.spyOn(first, "take");
    const takeSecond = vi.spyOn(second, "take");
    limitClientCalls(elbv2, first);
    for (let i = 0; i < 5; i++) await elbv2.send(new DescribeTargetGroupsCommand({}));
    const attempts = server.faults.total().requests;
    expect(server.faults.total().throttled).toBeGreaterThan(0);
    expect(takeFirst).toHaveBeenCalledTimes(attempts);

    limitClientCalls(elbv2, second);
    await elbv2.send(new DescribeTargetGroupsCommand({}));
    expect(takeFirst).toHaveBeenCalledTimes(attempts);
    expect(takeSecond).toHaveBeenCalledTimes(server.faults.total().requests - attempts);
  });

  it("puts every call collectAws makes through the bucket", async () => {
    await serve(0.05);
    const bucket = new TokenBucket(10_000, 10_000);
    const take = vi.spyOn(bucket, "take");
    const result = await collectAws(client(), {
      clusterName: "bench",
      boundTargetGroupArns: (aws.targetGroups ?? []).map((tg) => tg.TargetGroupArn),
      elbRateLimiter: bucket,
    });
    expect(result.gaps).toEqual([]);
    expect(result.targetGroups).toHaveLength(45);
    const requests = server.faults.total((label) => label.startsWith("elbv2:")).requests;
    // Pages, 3 tag batches, 45 health calls, and whatever retries the throttling caused.
    expect(requests).toBeGreaterThan(1 + 1 + 3 + 45);
    expect(take).toHaveBeenCalledTimes(requests);
  });
});
