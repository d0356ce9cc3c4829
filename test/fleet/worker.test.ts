import { describe, expect, it } from "vitest";
import type { FleetCluster } from "../../lib/fleet/definition";
import { runFleetWorker, THROTTLE_ATTEMPTS, type AuditCluster } from "../../lib/fleet/worker";

const cluster = (name: string): FleetCluster => ({
  name,
  account: "111111111111",
  region: "eu-west-1",
  roleArn: "arn:aws:iam::111111111111:role/member",
});
const group = (...names: string[]) => ({
  account: "111111111111",
  region: "eu-west-1",
  clusters: names.map(cluster),
});

/** A clock that each audit advances by its cluster's duration. */
function clock(limitMs: number) {
  let t = 0;
  return {
    now: () => t,
    remainingTimeMs: () => limitMs - t,
    spend: (ms: number) => {
      t += ms;
    },
  };
}

const throttle = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

describe("fleet worker: one account and region", () => {
  it("audits the clusters one after another and records a failure without stopping", async () => {
    const c = clock(900_000);
    const order: string[] = [];
    const audit: AuditCluster = async (cl) => {
      order.push(cl.name);
      c.spend(20_000);
      if (cl.name === "b")
        throw new Error(
          "DescribeCluster b (eu-west-1) failed: AccessDeniedException: not authorized",
        );
      return { bySeverity: { critical: 1, warning: 0, info: 2 }, gaps: 0 };
    };
    const out = await runFleetWorker(
      { group: group("a", "b", "c"), next: 0, throttled: 0, results: [] },
      { auditCluster: audit, now: c.now, remainingTimeMs: c.remainingTimeMs },
    );
    expect(order).toEqual(["a", "b", "c"]);
    expect(out.done).toBe(true);
    expect(out.backoff).toBe(false);
    expect(out.results.map((r) => [r.cluster, r.status])).toEqual([
      ["a", "audited"],
      ["b", "failed"],
      ["c", "audited"],
    ]);
    expect(out.results[1]!.error).toBe(
      "DescribeCluster b (eu-west-1) failed: AccessDeniedException: not authorized",
    );
    expect(out.results[0]).toMatchObject({ bySeverity: { critical: 1 }, durationMs: 20_000 });
  });

  it("stops before a cluster that would not finish in time, and the next invocation goes on from there", async () => {
    const c = clock(100_000);
    const audit: AuditCluster = async () => {
      c.spend(40_000);
      return {};
    };
    const deps = {
      auditCluster: audit,
      now: c.now,
      remainingTimeMs: c.remainingTimeMs,
      reserveMs: 10_000,
    };
    const first = await runFleetWorker(
      { group: group("a", "b", "c"), next: 0, throttled: 0, results: [] },
      deps,
    );
    // 100 s: a (40 s) leaves 50 s after the reserve, less than 1.5 x 40 s.
    expect(first).toMatchObject({ next: 1, done: false, backoff: false });
    const c2 = clock(100_000);
    const second = await runFleetWorker(first, {
      ...deps,
      now: c2.now,
      remainingTimeMs: c2.remainingTimeMs,
      auditCluster: async () => {
        c2.spend(40_000);
        return {};
      },
    });
    expect(second.next).toBe(2);
    expect(second.results.map((r) => r.cluster)).toEqual(["a", "b"]);
  });

  it("always audits at least one cluster per invocation, however little time is left", async () => {
    const c = clock(1_000);
    const out = await runFleetWorker(
      { group: group("a"), next: 0, throttled: 0, results: [] },
      { auditCluster: async () => ({}), now: c.now, remainingTimeMs: c.remainingTimeMs },
    );
    expect(out.results).toHaveLength(1);
    expect(out.done).toBe(true);
  });

  it("asks for a backoff when throttled, keeps what was audited, and gives up on the cluster after the last attempt", async () => {
    const c = clock(900_000);
    const audit: AuditCluster = async (cl) => {
      if (cl.name === "b") throw new Error("DescribeCluster failed", { cause: throttle() });
      return {};
    };
    const deps = { auditCluster: audit, now: c.now, remainingTimeMs: c.remainingTimeMs };
    let state = await runFleetWorker(
      { group: group("a", "b", "c"), next: 0, throttled: 0, results: [] },
      deps,
    );
    expect(state).toMatchObject({ next: 1, backoff: true, done: false, throttled: 1 });
    expect(state.results.map((r) => r.cluster)).toEqual(["a"]);
    for (let attempt = 2; attempt < THROTTLE_ATTEMPTS; attempt++) {
      state = await runFleetWorker(state, deps);
      expect(state).toMatchObject({ next: 1, backoff: true, throttled: attempt });
    }
    state = await runFleetWorker(state, deps);
    expect(state.done).toBe(true);
    expect(state.results.map((r) => [r.cluster, r.status])).toEqual([
      ["a", "audited"],
      ["b", "failed"],
      ["c", "audited"],
    ]);
    expect(state.throttled).toBe(0);
  });
});
