/**
 * Health prefilter: DescribeTargetHealth costs one ELB call per target group, from the bucket the
 * load balancer controller needs. CloudWatch already knows, per group and load balancer, how
 * many hosts failed and passed in the last minutes; a few GetMetricData calls (500 queries each)
 * tell which groups are worth listing. A group is listed when any period shows an unhealthy
 * host or no healthy one, when it has no metric (detached, or no data), when its settings
 * changed since the previous run, when it is new, or when this run sweeps it; every other group
 * is left unlisted and marked healthy per CloudWatch, never given invented targets.
 */
import { createHash } from "node:crypto";
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { Tag, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { chunks, mapLimit } from "./concurrency";

export { HEALTH_SOURCE_PREFILTER } from "../snapshot/schema";
/** GetMetricData accepts at most 500 queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
const DEFAULT_FULL_SWEEP_EVERY = 12;
const DEFAULT_WINDOW_MINUTES = 10;
const PERIOD_SECONDS = 60;

export interface PrefilterState {
  /** Runs so far, this one included. */
  runCount: number;
  /** Hash of each in-scope group's DescribeTargetGroups entry, by ARN. */
  configHashes: Record<string, string>;
  /** Tags of every candidate group, by ARN, reused until the group is swept again. */
  tags?: Record<string, Tag[]>;
}

export interface PrefilterOptions {
  enabled: boolean;
  /** Every group is listed at least once every N runs. Default 12 (hourly at 5-minute runs). */
  fullSweepEvery?: number;
  /**
   * "full": every Nth run lists every group. "rolling": each run lists a fixed 1/N slice of the
   * groups besides the flagged ones, so no run pays for a whole sweep. Default "full".
   */
  sweep?: "full" | "rolling";
  /** Metric history looked at; cover the time between runs plus CloudWatch's delay. Default 10. */
  windowMinutes?: number;
  /** What the previous run returned; absent on the first run (which lists every group). */
  previous?: PrefilterState;
  /** Receives the state to pass as `previous` next time (collectSnapshot's way of returning it). */
  onState?: (state: PrefilterState) => void;
}

/** What a skipped group carries in the snapshot, next to `HealthSource`. */
export interface CloudWatchHealth {
  /** Highest per-minute Maximum of UnHealthyHostCount over the window (0 for a skipped group). */
  UnHealthyHostCount: number;
  /** Lowest per-minute Minimum of HealthyHostCount over the window. */
  HealthyHostCount: number;
  StartTime: string;
  EndTime: string;
}

export type ReadReason = "sweep" | "new" | "changed" | "no-metric" | "unhealthy";

export interface PrefilterStats {
  run: number;
  fullSweep: boolean;
  /** Groups listed, by the first reason that applied. */
  read: Record<ReadReason, number>;
  skipped: number;
  metricCalls: number;
  /** Why the metrics could not be used, when they could not (every group was listed then). */
  metricsFailed?: string;
}

export interface PrefilterPlan {
  run: number;
  fullSweep: boolean;
  /** ARNs this run sweeps: every group on a full sweep, a slice when rolling. */
  sweeps: (arn: string) => boolean;
  previous?: PrefilterState;
}

const hashOf = (text: string) => createHash("sha256").update(text).digest("hex");

/** JSON with sorted keys, so the same settings hash the same whatever the field order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value);
}

/** Everything DescribeTargetGroups says about the group: health check, port, attachments. */
export const configHash = (tg: TargetGroup): string => hashOf(canonical(tg)).slice(0, 16);

export function planRun(options: PrefilterOptions): PrefilterPlan {
  const every = Math.max(1, Math.floor(options.fullSweepEvery ?? DEFAULT_FULL_SWEEP_EVERY));
  const previous = options.previous;
  const run = (previous?.runCount ?? 0) + 1;
  const phase = (run - 1) % every;
  // The first run has nothing to compare with, so it lists everything whatever the mode.
  const fullSweep = !previous || (options.sweep !== "rolling" && phase === 0);
  const sweeps = fullSweep
    ? () => true
    : options.sweep === "rolling"
      ? (arn: string) => parseInt(hashOf(arn).slice(0, 8), 16) % every === phase
      : () => false;
  return { run, fullSweep, sweeps, previous };
}

/** `targetgroup/<name>/<id>` from the group's ARN, as the TargetGroup dimension spells it. */
export const targetGroupDimension = (arn: string): string | undefined =>
  arn.split(":")[5]?.match(/^targetgroup\/[^/]+\/[^/]+$/)?.[0];

const NAMESPACES: Record<string, string> = {
  app: "AWS/ApplicationELB",
  net: "AWS/NetworkELB",
  gwy: "AWS/GatewayELB",
};

/** Namespace and `app/<name>/<id>` dimension of a load balancer ARN. */
export function loadBalancerDimension(
  arn: string,
): { namespace: string; value: string } | undefined {
  const m = arn.split(":")[5]?.match(/^loadbalancer\/((app|net|gwy)\/[^/]+\/[^/]+)$/);
  const namespace = m && NAMESPACES[m[2] as string];
  return m && namespace ? { namespace, value: m[1] as string } : undefined;
}

interface Series {
  unhealthyMax?: number;
  healthyMin?: number;
}

export interface HostCounts {
  /** Per group: its series per load balancer, undefined where a pair has no data. */
  byArn: Map<string, { counts: Series[]; pairs: number }>;
  calls: number;
  start: Date;
  end: Date;
}

/**
 * UnHealthyHostCount (Maximum) and HealthyHostCount (Minimum) per minute for every
 * (group, load balancer) pair, two queries per pair, 500 queries per call.
 */
export async function readHostCounts(
  cloudwatch: CloudWatchClient,
  groups: TargetGroup[],
  now: Date,
  windowMinutes = DEFAULT_WINDOW_MINUTES,
  concurrency = 4,
): Promise<HostCounts> {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - windowMinutes * 60_000);
  const byArn: HostCounts["byArn"] = new Map();
  const queries: { query: MetricDataQuery; arn: string; pair: number; kind: keyof Series }[] = [];
  for (const tg of groups) {
    const arn = tg.TargetGroupArn as string;
    const entry = { counts: [] as Series[], pairs: 0 };
    byArn.set(arn, entry);
    const tgDim = targetGroupDimension(arn);
    for (const lbArn of tg.LoadBalancerArns ?? []) {
      const lb = loadBalancerDimension(lbArn);
      if (!tgDim || !lb) continue;
      const pair = entry.pairs++;
      entry.counts.push({});
      const dimensions = [
        { Name: "TargetGroup", Value: tgDim },
        { Name: "LoadBalancer", Value: lb.value },
      ];
      for (const [kind, metric, stat] of [
        ["unhealthyMax", "UnHealthyHostCount", "Maximum"],
        ["healthyMin", "HealthyHostCount", "Minimum"],
      ] as const) {
        queries.push({
          arn,
          pair,
          kind,
          query: {
            Id: `q${queries.length}`,
            MetricStat: {
              Metric: { Namespace: lb.namespace, MetricName: metric, Dimensions: dimensions },
              Period: PERIOD_SECONDS,
              Stat: stat,
            },
            ReturnData: true,
          },
        });
      }
    }
  }
  const byId = new Map(queries.map((q) => [q.query.Id as string, q]));
  let calls = 0;
  await mapLimit(chunks(queries, MAX_QUERIES_PER_CALL), concurrency, async (batch) => {
    let NextToken: string | undefined;
    do {
      calls++;
      const out = await cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: batch.map((q) => q.query),
          StartTime: start,
          EndTime: end,
          NextToken,
        }),
      );
      for (const result of out.MetricDataResults ?? []) {
        const q = result.Id ? byId.get(result.Id) : undefined;
        const values = result.Values ?? [];
        if (!q || values.length === 0) continue;
        const series = byArn.get(q.arn)?.counts[q.pair];
        if (!series) continue;
        const pick = q.kind === "unhealthyMax" ? Math.max : Math.min;
        series[q.kind] = pick(series[q.kind] ?? values[0] ?? 0, ...values);
      }
      NextToken = out.NextToken || undefined;
    } while (NextToken);
  });
  return { byArn, calls, start, end };
}

/** A reason to list the group that needs no metric: swept this run, new, or changed settings. */
export function flagOf(
  arn: string,
  hash: string,
  plan: PrefilterPlan,
): "sweep" | "new" | "changed" | undefined {
  if (plan.sweeps(arn)) return "sweep";
  const before = plan.previous?.configHashes[arn];
  if (before === undefined) return "new";
  return before !== hash ? "changed" : undefined;
}

/**
 * What the metrics say of one group: list it, or leave it unlisted with this summary. Data
 * from every load balancer is required: a group healthy behind one and failing behind another
 * fails.
 */
export function judgeMetrics(
  arn: string,
  counts: HostCounts | undefined,
): "no-metric" | "unhealthy" | CloudWatchHealth {
  const entry = counts?.byArn.get(arn);
  if (!counts || !entry || entry.pairs === 0) return "no-metric";
  let unhealthy = 0;
  let healthy = Infinity;
  for (const s of entry.counts) {
    if (s.unhealthyMax === undefined || s.healthyMin === undefined) return "no-metric";
    unhealthy = Math.max(unhealthy, s.unhealthyMax);
    healthy = Math.min(healthy, s.healthyMin);
  }
  // No healthy host is as worth a look as a failing one: an empty group fails no check.
  if (unhealthy > 0 || healthy < 1) return "unhealthy";
  return {
    UnHealthyHostCount: unhealthy,
    HealthyHostCount: healthy,
    StartTime: counts.start.toISOString(),
    EndTime: counts.end.toISOString(),
  };
}

export const emptyReadCounts = (): Record<ReadReason, number> => ({
  sweep: 0,
  new: 0,
  changed: 0,
  "no-metric": 0,
  unhealthy: 0,
});
