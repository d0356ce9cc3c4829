/**
 * One iteration of the fleet's Map: the clusters of one account and region, audited one after
 * another from `next` on, as many as this invocation's time allows. The state machine loops
 * until `done`. A cluster that fails is recorded and the next one is audited; a cluster the
 * account's API throttling stopped is tried again after a wait (the state machine's Backoff),
 * at most THROTTLE_ATTEMPTS times.
 */
import { describeAwsError } from "../collect/aws";
import type { FleetCluster } from "./definition";
import type { FleetGroup } from "./plan";

export const THROTTLE_ATTEMPTS = 3;

export interface ClusterResult {
  cluster: string;
  account: string;
  region: string;
  status: "audited" | "failed";
  /** Findings by severity, for an audited cluster. */
  bySeverity?: Record<string, number>;
  /** Gaps the audit recorded (AUDIT001 in the cluster's own report). */
  gaps?: number;
  durationMs: number;
  /** Why the cluster could not be audited: one line, no secret. */
  error?: string;
}

export interface WorkerInput {
  group: FleetGroup;
  executionId?: string;
  /** The index of the next cluster to audit. */
  next: number;
  results: ClusterResult[];
  /** Attempts the cluster at `next` has already lost to throttling (0 when none). */
  throttled: number;
}

export interface WorkerOutput extends WorkerInput {
  done: boolean;
  /** True when the state machine should wait before calling the worker again. */
  backoff: boolean;
}

/** The audit of one cluster; throws when the cluster could not be audited at all. */
export type AuditCluster = (
  cluster: FleetCluster,
  context: { budgetMs: number },
) => Promise<Omit<ClusterResult, "cluster" | "account" | "region" | "status" | "durationMs">>;

export interface WorkerDeps {
  auditCluster: AuditCluster;
  /** Time left in this invocation. */
  remainingTimeMs: () => number;
  now: () => number;
  /** Kept free at the end of the invocation for returning the state. Default 10 s. */
  reserveMs?: number;
}

const THROTTLE_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Throttling anywhere in the error's chain (the collector wraps the SDK's error). */
export function isThrottling(error: unknown): boolean {
  for (
    let e = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.name === "string" && THROTTLE_NAMES.has(e.name)) return true;
    if (
      typeof e.message === "string" &&
      /\b(Throttling(Exception)?|Rate exceeded|RequestLimitExceeded)\b/.test(e.message)
    )
      return true;
  }
  return false;
}

export async function runFleetWorker(input: WorkerInput, deps: WorkerDeps): Promise<WorkerOutput> {
  const reserve = deps.reserveMs ?? 10_000;
  const { group } = input;
  const results = [...input.results];
  let next = input.next;
  let throttled = input.throttled ?? 0;
  let longest = 0;
  const out = (backoff: boolean): WorkerOutput => ({
    group,
    ...(input.executionId ? { executionId: input.executionId } : {}),
    next,
    results,
    throttled,
    done: next >= group.clusters.length,
    backoff,
  });
  while (next < group.clusters.length) {
    const left = deps.remainingTimeMs() - reserve;
    // Another cluster only when it can be expected to finish: the longest one so far is the guess.
    if (results.length > input.results.length && left < longest * 1.5) break;
    const cluster = group.clusters[next] as FleetCluster;
    const started = deps.now();
    const base = { cluster: cluster.name, account: cluster.account, region: cluster.region };
    try {
      const audited = await deps.auditCluster(cluster, { budgetMs: Math.max(0, left) });
      results.push({ ...base, status: "audited", ...audited, durationMs: deps.now() - started });
    } catch (error) {
      if (isThrottling(error) && throttled + 1 < THROTTLE_ATTEMPTS) {
        throttled += 1;
        return out(true);
      }
      results.push({
        ...base,
        status: "failed",
        error: describeAwsError(error),
        durationMs: deps.now() - started,
      });
    }
    longest = Math.max(longest, deps.now() - started);
    next += 1;
    throttled = 0;
  }
  return out(false);
}
