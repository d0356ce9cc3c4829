/**
 * AWS collector: the region's load balancers and target groups (paged), the tags of the
 * candidate groups (batches of 20), and the target health of every group in scope (one call
 * per group, bounded concurrency). Objects stay in the SDK's output shapes. Every ELB call
 * waits for the client-side rate limit; the optional health prefilter (./prefilter) skips
 * DescribeTargetHealth for groups CloudWatch reports healthy.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type ElasticLoadBalancingV2ClientConfig,
  type LoadBalancer,
  type Tag,
  type TargetGroup,
  type TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { chunks, mapLimit } from "./concurrency";
import { HEALTH_SOURCE_PREFILTER, type Gap } from "../snapshot/schema";
import {
  configHash,
  emptyReadCounts,
  flagOf,
  judgeMetrics,
  planRun,
  readHostCounts,
  type CloudWatchHealth,
  type HostCounts,
  type PrefilterOptions,
  type PrefilterPlan,
  type PrefilterState,
  type PrefilterStats,
} from "./prefilter";
import { elbInventory, type ElbInventory } from "./elb-inventory";
import { TokenBucket, elbCallsPerSecond, limitClientCalls } from "./rate-limit";
import { TAGS } from "../controller/conventions";

const PAGE_SIZE = 400;
const TAG_BATCH = 20;

/**
 * Standard retries: a throttled call backs off (exponentially, with jitter) on its own, while
 * the rate limit (./rate-limit) paces the whole audit. The SDK's "adaptive" mode would add a
 * client-wide limiter of its own that, after a single throttle early in a run, drops to a
 * fraction of a call per second and recovers over many seconds: 20x slower in the benchmark.
 */
export function createElbv2Client(
  region: string,
  overrides: Omit<ElasticLoadBalancingV2ClientConfig, "region"> = {},
): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    region,
    retryMode: "standard",
    maxAttempts: 5,
    ...overrides,
  });
}

export type CollectedTargetGroup = TargetGroup & {
  Tags: Tag[];
  TargetHealthDescriptions: TargetHealthDescription[];
  /** Set when the prefilter left the targets unlisted (TargetHealthDescriptions is then []). */
  HealthSource?: typeof HEALTH_SOURCE_PREFILTER;
  CloudWatchHealth?: CloudWatchHealth;
};

export interface AwsCollectOptions {
  clusterName: string;
  /** The cluster's VPC; without it every VPC of the region is a candidate. */
  vpcId?: string;
  /** ARNs named by TargetGroupBindings (may still be arriving when collection starts). */
  boundTargetGroupArns?: Iterable<string> | Promise<Iterable<string>>;
  /** Names of groups that TargetGroupBindings name without an ARN (`spec.targetGroupName`). */
  boundTargetGroupNames?: Iterable<string> | Promise<Iterable<string>>;
  /** Audit only these groups (still within the cluster's scope). */
  targetGroupArns?: string[];
  /** DescribeTargetHealth / DescribeTags calls in flight. Default 8. */
  concurrency?: number;
  /**
   * ELB calls per second, retries included (Infinity: no limit). Default ELB_CALLS_PER_SECOND
   * from the environment, else 5: half the refill of the account's bucket.
   */
  elbCallsPerSecond?: number;
  /** Calls that may go at once after a quiet spell. Default one second's worth. */
  elbBurst?: number;
  /** A ready bucket (shared between collections, or on a fake clock); wins over the rate. */
  elbRateLimiter?: TokenBucket;
  /**
   * The region's load balancers, target groups and tags, when a caller shares one listing
   * between several clusters of an account and region (the fleet worker); else read here.
   */
  inventory?: ElbInventory;
  /** Health prefilter; needs `cloudwatch`. Ignored when `targetGroupArns` names the groups. */
  prefilter?: PrefilterOptions;
  cloudwatch?: CloudWatchClient;
  /** Clock for the metric window. */
  now?: () => Date;
  onProgress?: (message: string) => void;
}

export interface AwsSection {
  loadBalancers: LoadBalancer[];
  targetGroups: CollectedTargetGroup[];
  gaps: Gap[];
  /** When the prefilter ran: the state for the next run, and what it decided. */
  prefilter?: { state: PrefilterState; stats: PrefilterStats };
}

const MAX_MESSAGE = 300;

export function describeAwsError(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown };
  const name = typeof e?.name === "string" && e.name !== "Error" ? `${e.name}: ` : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  const line = `${name}${message}`.replace(/\s+/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/** Plain JSON, as `aws elbv2 describe-*` prints it: Dates become ISO strings, no `$metadata`. */
export function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export async function listPaged<T>(
  label: string,
  fetchPage: (marker: string | undefined) => Promise<{ items?: T[]; next?: string }>,
  progress: (message: string) => void,
  tokenName = "NextMarker",
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  // A marker served twice would page forever (and, answered from a cache, starve the timers).
  const seen = new Set<string>();
  do {
    const page = await fetchPage(marker);
    all.push(...(page.items ?? []));
    marker = page.next || undefined;
    if (marker && seen.has(marker))
      throw new Error(`${label}: ${tokenName} repeated; stopped paging`);
    if (marker) seen.add(marker);
    if (marker) progress(`${label}: ${all.length} so far`);
  } while (marker);
  return all;
}

export function listLoadBalancers(
  elbv2: ElasticLoadBalancingV2Client,
  progress: (message: string) => void = () => {},
): Promise<LoadBalancer[]> {
  return listPaged(
    "DescribeLoadBalancers",
    async (Marker) => {
      const out = await elbv2.send(
        new DescribeLoadBalancersCommand({ PageSize: PAGE_SIZE, Marker }),
      );
      return { items: out.LoadBalancers, next: out.NextMarker };
    },
    progress,
  );
}

export function listTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  progress: (message: string) => void = () => {},
): Promise<TargetGroup[]> {
  return listPaged(
    "DescribeTargetGroups",
    async (Marker) => {
      const out = await elbv2.send(
        new DescribeTargetGroupsCommand({ PageSize: PAGE_SIZE, Marker }),
      );
      return { items: out.TargetGroups, next: out.NextMarker };
    },
    progress,
  );
}

/** The group was deleted after it was listed (the controller does that during rollouts). */
const isNotFound = (error: unknown) =>
  (error as { name?: unknown } | undefined)?.name === "TargetGroupNotFoundException";

/**
 * Tags by ARN; DescribeTags takes at most 20 ARNs per call. One deleted group fails its whole
 * batch, so that batch is asked again one ARN at a time; the deleted ones land in `deleted`.
 */
export async function readTags(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
  concurrency = 8,
  deleted: Set<string> = new Set(),
): Promise<Map<string, Tag[]>> {
  const byArn = new Map<string, Tag[]>();
  const describe = async (ResourceArns: string[]) => {
    const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns }));
    for (const d of out.TagDescriptions ?? []) {
      if (d.ResourceArn) byArn.set(d.ResourceArn, d.Tags ?? []);
    }
  };
  await mapLimit(chunks(arns, TAG_BATCH), concurrency, async (batch) => {
    try {
      await describe(batch);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      for (const arn of batch) {
        await describe([arn]).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
          deleted.add(arn);
        });
      }
    }
  });
  return byArn;
}

/**
 * Target health of each group. A group whose call still fails after the SDK's retries gets
 * no targets and a gap naming it, so the other groups are still audited.
 */
export async function readTargetHealth(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
  concurrency = 8,
  progress: (message: string) => void = () => {},
): Promise<{
  byArn: Map<string, TargetHealthDescription[]>;
  gaps: Gap[];
  deleted: Set<string>;
}> {
  const byArn = new Map<string, TargetHealthDescription[]>();
  const gaps: Gap[] = [];
  const deleted = new Set<string>();
  const step = Math.max(10, Math.ceil(arns.length / 10));
  let done = 0;
  await mapLimit(arns, concurrency, async (TargetGroupArn) => {
    try {
      const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn }));
      byArn.set(TargetGroupArn, out.TargetHealthDescriptions ?? []);
    } catch (error) {
      byArn.set(TargetGroupArn, []);
      // Deleted since it was listed: nothing left to audit, and not a blind spot either.
      if (isNotFound(error)) deleted.add(TargetGroupArn);
      else
        gaps.push({
          source: "aws.targetGroups",
          targetGroupArn: TargetGroupArn,
          message: `DescribeTargetHealth failed: ${describeAwsError(error)}`,
        });
    }
    done++;
    if (done % step === 0 || done === arns.length) {
      progress(`DescribeTargetHealth ${done}/${arns.length}`);
    }
  });
  return { byArn, gaps, deleted };
}

/**
 * The bound groups the region's listing did not show (created since, or named by a binding that
 * points elsewhere) are asked for one at a time: DescribeTargetGroups fails a whole call when
 * one of its groups is missing, and a missing group is an answer (BIND003), not a gap. A lookup
 * by ARN that fails otherwise leaves that group unknown; one by name, the whole list.
 */
async function lookUpBound(
  elbv2: ElasticLoadBalancingV2Client,
  listed: TargetGroup[],
  arns: Set<string>,
  names: Set<string>,
  concurrency: number,
  gaps: Gap[],
): Promise<TargetGroup[]> {
  const knownArns = new Set(listed.map((tg) => tg.TargetGroupArn));
  const knownNames = new Set(listed.map((tg) => tg.TargetGroupName));
  const queries: { arn?: string; name?: string }[] = [
    ...[...arns].filter((a) => !knownArns.has(a)).map((a) => ({ arn: a })),
    ...[...names].filter((n) => !knownNames.has(n)).map((n) => ({ name: n })),
  ];
  const found: TargetGroup[] = [];
  await mapLimit(queries, concurrency, async (q) => {
    try {
      const out = await elbv2.send(
        new DescribeTargetGroupsCommand(
          q.arn !== undefined ? { TargetGroupArns: [q.arn] } : { Names: [q.name as string] },
        ),
      );
      found.push(...(out.TargetGroups ?? []));
    } catch (error) {
      if (isNotFound(error)) return;
      gaps.push({
        source: "aws.targetGroups",
        ...(q.arn !== undefined ? { targetGroupArn: q.arn } : {}),
        message: `DescribeTargetGroups for bound ${q.arn ?? `name ${q.name}`} failed: ${describeAwsError(error)}`,
      });
    }
  });
  return found.filter((tg) => tg.TargetGroupArn && !knownArns.has(tg.TargetGroupArn));
}

const hasClusterTag = (tags: Tag[] | undefined, clusterName: string) =>
  (tags ?? []).some((t) => t.Key === TAGS.cluster && t.Value === clusterName);

function rateLimiter(options: AwsCollectOptions): TokenBucket | undefined {
  if (options.elbRateLimiter) return options.elbRateLimiter;
  const rate = elbCallsPerSecond(options.elbCallsPerSecond);
  return Number.isFinite(rate) ? new TokenBucket(rate, options.elbBurst) : undefined;
}

/** Which groups to list, and the CloudWatch summary of those left unlisted. */
async function prefilterGroups(
  scoped: TargetGroup[],
  plan: PrefilterPlan,
  options: AwsCollectOptions,
  progress: (message: string) => void,
): Promise<{
  skipped: Map<string, CloudWatchHealth>;
  stats: PrefilterStats;
  hashes: Map<string, string>;
}> {
  const stats: PrefilterStats = {
    run: plan.run,
    fullSweep: plan.fullSweep,
    read: emptyReadCounts(),
    skipped: 0,
    metricCalls: 0,
  };
  const hashes = new Map(scoped.map((tg) => [tg.TargetGroupArn as string, configHash(tg)]));
  const flags = new Map(
    scoped.map((tg) => {
      const arn = tg.TargetGroupArn as string;
      return [arn, flagOf(arn, hashes.get(arn) as string, plan)];
    }),
  );
  // Metric queries only for the groups nothing else already sends to DescribeTargetHealth.
  const unflagged = scoped.filter((tg) => flags.get(tg.TargetGroupArn as string) === undefined);
  let counts: HostCounts | undefined;
  if (unflagged.length > 0 && options.cloudwatch) {
    try {
      counts = await readHostCounts(
        options.cloudwatch,
        unflagged,
        (options.now ?? (() => new Date()))(),
        options.prefilter?.windowMinutes,
      );
      stats.metricCalls = counts.calls;
    } catch (error) {
      stats.metricsFailed = describeAwsError(error);
      progress(
        `warning: GetMetricData failed (${stats.metricsFailed}); listing every target group`,
      );
    }
  } else if (unflagged.length > 0) {
    stats.metricsFailed = "no CloudWatch client";
  }
  const skipped = new Map<string, CloudWatchHealth>();
  for (const tg of scoped) {
    const arn = tg.TargetGroupArn as string;
    const verdict = flags.get(arn) ?? judgeMetrics(arn, counts);
    if (typeof verdict === "string") stats.read[verdict]++;
    else skipped.set(arn, verdict);
  }
  stats.skipped = skipped.size;
  progress(
    `prefilter run ${plan.run}${plan.fullSweep ? " (full sweep)" : ""}: listing ${scoped.length - skipped.size} of ${scoped.length} target groups, ${skipped.size} healthy per CloudWatch`,
  );
  return { skipped, stats, hashes };
}

export async function collectAws(
  elbv2: ElasticLoadBalancingV2Client,
  options: AwsCollectOptions,
): Promise<AwsSection> {
  const progress = options.onProgress ?? (() => {});
  const concurrency = options.concurrency ?? 8;
  limitClientCalls(elbv2, rateLimiter(options));
  const gaps: Gap[] = [];
  const settle = <T>(source: string, promise: Promise<T[]>) =>
    promise.catch((error: unknown) => {
      gaps.push({ source, message: describeAwsError(error) });
      return [] as T[];
    });

  const inventory = options.inventory ?? elbInventory(elbv2, { concurrency, onProgress: progress });
  const [allLoadBalancers, listedTargetGroups, bound, boundNames] = await Promise.all([
    settle("aws.loadBalancers", inventory.loadBalancers()),
    settle("aws.targetGroups", inventory.targetGroups()),
    Promise.resolve(options.boundTargetGroupArns ?? []).then((arns) => new Set(arns)),
    Promise.resolve(options.boundTargetGroupNames ?? []).then((names) => new Set(names)),
  ]);
  // Without the listing nothing can be told missing; its gap already holds every verdict.
  const listingFailed = gaps.some((g) => g.source === "aws.targetGroups");
  const allTargetGroups = listingFailed
    ? listedTargetGroups
    : [
        ...listedTargetGroups,
        ...(await lookUpBound(elbv2, listedTargetGroups, bound, boundNames, concurrency, gaps)),
      ];
  // A group a binding names is bound (in scope in any VPC) just as one it gives the ARN of.
  for (const tg of allTargetGroups) {
    if (tg.TargetGroupArn && tg.TargetGroupName && boundNames.has(tg.TargetGroupName))
      bound.add(tg.TargetGroupArn);
  }

  const { vpcId, clusterName } = options;
  const inVpc = (item: { VpcId?: string }) => !vpcId || item.VpcId === vpcId;
  const wanted = options.targetGroupArns ? new Set(options.targetGroupArns) : undefined;
  // A manual audit of named groups lists them whatever CloudWatch says.
  const plan = options.prefilter?.enabled && !wanted ? planRun(options.prefilter) : undefined;
  // A binding ties a group to the cluster even outside its VPC (IP targets across peering);
  // a cluster tag alone is trusted only inside the VPC, where no other cluster of that name lives.
  const candidates = allTargetGroups.filter(
    (tg) =>
      tg.TargetGroupArn &&
      (inVpc(tg) || bound.has(tg.TargetGroupArn)) &&
      (!wanted || wanted.has(tg.TargetGroupArn)),
  );

  // With the prefilter, tags are read again only for new groups and groups being swept.
  const cachedTags = plan?.previous?.tags ?? {};
  const tagsToRead = candidates
    .map((tg) => tg.TargetGroupArn as string)
    .filter((arn) => !plan || !cachedTags[arn] || plan.sweeps(arn));
  let tags = new Map<string, Tag[]>();
  const deleted = new Set<string>();
  try {
    tags = await inventory.tags(tagsToRead, deleted);
    if (plan) {
      for (const tg of candidates) {
        const arn = tg.TargetGroupArn as string;
        const cached = cachedTags[arn];
        if (!tags.has(arn) && cached) tags.set(arn, cached);
      }
    }
  } catch (error) {
    // Without tags the scope is unknown, so the list as a whole could not be read.
    gaps.push({
      source: "aws.targetGroups",
      message: `DescribeTags failed: ${describeAwsError(error)}`,
    });
    candidates.length = 0;
  }

  // A group DescribeTags said nothing about may be the cluster's: its findings are held, not
  // resolved, until a run can tell (the gap names it, as a failed health read would).
  for (const tg of candidates) {
    const arn = tg.TargetGroupArn as string;
    if (!tags.has(arn) && !deleted.has(arn) && !bound.has(arn) && inVpc(tg)) {
      gaps.push({
        source: "aws.targetGroups",
        targetGroupArn: arn,
        message: "DescribeTags returned no tags for this target group; its scope is unknown",
      });
    }
  }
  const scoped = candidates.filter((tg) => {
    const arn = tg.TargetGroupArn as string;
    if (deleted.has(arn)) return false;
    return bound.has(arn) || (inVpc(tg) && hasClusterTag(tags.get(arn), clusterName));
  });
  // Gaps naming one group leave the scope of the others known.
  const scopeKnown = !gaps.some((g) => g.source === "aws.targetGroups" && !g.targetGroupArn);
  for (const arn of scopeKnown ? (wanted ?? []) : []) {
    if (!scoped.some((tg) => tg.TargetGroupArn === arn)) {
      progress(`target group ${arn} is not in the cluster's scope (VPC, tag or binding); skipped`);
    }
  }

  const filtered =
    plan && scopeKnown ? await prefilterGroups(scoped, plan, options, progress) : undefined;
  const skipped = filtered?.skipped ?? new Map<string, CloudWatchHealth>();
  const health = await readTargetHealth(
    elbv2,
    scoped.map((tg) => tg.TargetGroupArn as string).filter((arn) => !skipped.has(arn)),
    concurrency,
    progress,
  );
  gaps.push(...health.gaps);

  for (const arn of health.deleted) progress(`target group ${arn} was deleted during the audit`);
  const present = scoped.filter((tg) => !health.deleted.has(tg.TargetGroupArn as string));
  const targetGroups = present.map((tg): CollectedTargetGroup => {
    const arn = tg.TargetGroupArn as string;
    const cloudWatch = skipped.get(arn);
    return toJson({
      ...tg,
      Tags: tags.get(arn) ?? [],
      TargetHealthDescriptions: health.byArn.get(arn) ?? [],
      ...(cloudWatch
        ? { HealthSource: HEALTH_SOURCE_PREFILTER, CloudWatchHealth: cloudWatch }
        : {}),
    });
  });

  const referenced = new Set(targetGroups.flatMap((tg) => tg.LoadBalancerArns ?? []));
  const loadBalancers = allLoadBalancers
    .filter(
      (lb) => (lb.LoadBalancerArn && referenced.has(lb.LoadBalancerArn)) || (!wanted && inVpc(lb)),
    )
    .map(toJson);

  let prefilter: AwsSection["prefilter"];
  if (plan && filtered && scopeKnown) {
    const state: PrefilterState = {
      runCount: plan.run,
      configHashes: Object.fromEntries(filtered.hashes),
      tags: Object.fromEntries(
        candidates.flatMap((tg) => {
          const t = tags.get(tg.TargetGroupArn as string);
          return t ? [[tg.TargetGroupArn as string, t]] : [];
        }),
      ),
    };
    prefilter = { state, stats: filtered.stats };
  }
  return { loadBalancers, targetGroups, gaps, ...(prefilter ? { prefilter } : {}) };
}
