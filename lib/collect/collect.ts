/**
 * Live collection: DescribeCluster, then the Kubernetes lists and the AWS inventory side by
 * side (target health waits for the TargetGroupBindings, which widen the scope), then one
 * snapshot, validated as the reader would validate a file (snapshot spec v1).
 *
 * This module reaches an EKS cluster with IAM and plain HTTPS and never loads the Kubernetes
 * client library, which is half the Lambda's bundle; kubeconfig files (the CLI) go through
 * ./index, which passes the library's loader in.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EKSClient } from "@aws-sdk/client-eks";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Gap, Snapshot } from "../snapshot/schema";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { collectAws, createElbv2Client, describeAwsError, type AwsCollectOptions } from "./aws";
import { countClientCalls, type ApiCalls } from "./call-count";
import { collectEc2, createEc2Client } from "./ec2";
import { describeEksCluster, eksEndpoint, type EksClusterInfo } from "./eks-cluster";
import type { KubeEndpoint } from "./kube-page";
import { createEksTokenProvider, type EksTokenOptions } from "./eks-token";
import { stopAtDeadline } from "./deadline";
import { gatewayGaps } from "./gateway-dependence";
import { collectKubernetes, type KubernetesCollectOptions } from "./kubernetes";
import type { PrefilterOptions } from "./prefilter";
import { validateLists } from "./validate";

export interface CollectOptions {
  clusterName: string;
  region: string;
  /** The cluster's AWS account, when the caller knows it (fleet); else from DescribeCluster. */
  account?: string;
  /** Use this kubeconfig (and context) instead of EKS sign-in with IAM. */
  kubeconfig?: string;
  context?: string;
  /**
   * Reads `kubeconfig`/`context` (./kubeconfig's fileKubeConfig). Passed in rather than imported
   * so that the Lambda, which signs in with IAM only, bundles no Kubernetes client library.
   */
  loadKubeconfig?: KubeconfigLoader;
  /** Limit the audit to these target groups. */
  targetGroupArns?: string[];
  /** Progress lines for long collections (the CLI prints them on stderr). */
  onProgress?: (message: string) => void;

  /** Clients and connection, injected by tests or by callers that already hold them. */
  eks?: EKSClient;
  elbv2?: ElasticLoadBalancingV2Client;
  ec2?: EC2Client;
  /**
   * Read the EC2 lists of the network checks (NET001–NET003). Default true; false (the CLI's
   * --no-network, the Lambda's NETWORK_CHECKS=false) leaves them out of the snapshot: not
   * collected, so those checks do not run and nothing asks EC2.
   */
  network?: boolean;
  /** EC2 calls per second (Infinity: no limit). Default EC2_CALLS_PER_SECOND, else 10. */
  ec2CallsPerSecond?: number;
  /** A ready KubeConfig; skips both IAM sign-in and kubeconfig files. */
  kubeConfig?: KubeConfig;
  /** Credentials for signing the EKS token; defaults to the default credential chain. */
  credentials?: EksTokenOptions["credentials"];
  /** AWS calls in flight (DescribeTargetHealth, DescribeTags). Default 8. */
  concurrency?: number;
  /** ELB calls per second (Infinity: no limit). Default ELB_CALLS_PER_SECOND, else 5. */
  elbCallsPerSecond?: number;
  /** A rate limit shared with other collections of the account and region (fleet worker). */
  elbRateLimiter?: AwsCollectOptions["elbRateLimiter"];
  /** An ELB inventory shared with other clusters of the account and region (fleet worker). */
  inventory?: AwsCollectOptions["inventory"];
  /**
   * Health prefilter: list targets only where CloudWatch shows trouble (see ./prefilter). The
   * caller keeps the state between runs: `previous` in, `onState` out.
   */
  prefilter?: PrefilterOptions;
  cloudwatch?: CloudWatchClient;
  /** Paging, timeouts and retries of the Kubernetes lists. */
  kubernetes?: Omit<KubernetesCollectOptions, "onProgress">;
  /** Clock for `capturedAt` and token signing. */
  now?: () => Date;
  /**
   * The collection deadline (./deadline): calls still unanswered when it fires fail, and what
   * they would have read becomes a gap. DescribeCluster failing that way fails the collection.
   */
  signal?: AbortSignal;
  /** The API requests the collection made, retries included, once it has its lists. */
  onApiCalls?: (calls: ApiCalls) => void;
}

// A warm Lambda reuses its token across scheduled runs instead of signing every time.
const sharedTokens = new Map<string, () => Promise<string>>();

function tokenProvider(options: CollectOptions): () => Promise<string> {
  const { clusterName, region } = options;
  if (options.credentials || options.now) {
    return createEksTokenProvider({
      clusterName,
      region,
      credentials: options.credentials,
      now: options.now,
    });
  }
  const key = `${region}/${clusterName}`;
  let provider = sharedTokens.get(key);
  if (!provider) {
    provider = createEksTokenProvider({ clusterName, region });
    sharedTokens.set(key, provider);
  }
  return provider;
}

const sameServer = (a: string, b: string) =>
  a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();

/** Loads a kubeconfig file and context (./kubeconfig's fileKubeConfig). */
export type KubeconfigLoader = (path?: string, context?: string) => KubeConfig;

async function connect(
  options: CollectOptions,
  progress: (message: string) => void,
): Promise<{ kc: KubeConfig | KubeEndpoint; cluster?: EksClusterInfo }> {
  const eks = options.eks ?? new EKSClient({ region: options.region });
  stopAtDeadline(eks, options.signal);
  const ownConnection =
    options.kubeConfig !== undefined ||
    options.kubeconfig !== undefined ||
    options.context !== undefined;
  // A kubeconfig that cannot be used is the caller's mistake: say so before any AWS call.
  const fileKc =
    ownConnection && !options.kubeConfig
      ? options.loadKubeconfig?.(options.kubeconfig, options.context)
      : undefined;
  let cluster: EksClusterInfo | undefined;
  try {
    cluster = await describeEksCluster(eks, options.clusterName);
  } catch (error) {
    const why = describeAwsError(error);
    if (!ownConnection) {
      throw new Error(`DescribeCluster ${options.clusterName} (${options.region}) failed: ${why}`);
    }
    progress(`DescribeCluster failed (${why}); target groups are not limited to the cluster's VPC`);
  }
  if (options.kubeConfig) return { kc: options.kubeConfig, cluster };
  if (ownConnection) {
    if (!fileKc) throw new Error("collectSnapshot: kubeconfig files need options.loadKubeconfig");
    const kc = fileKc;
    const server = kc.getCurrentCluster()?.server;
    // Listing one cluster while scoping AWS to another would produce confident nonsense.
    if (cluster && server && !sameServer(server, cluster.endpoint)) {
      progress(
        `warning: kubeconfig server ${server} is not the endpoint of EKS cluster ${cluster.name} (${cluster.endpoint})`,
      );
    }
    return { kc, cluster };
  }
  return { kc: eksEndpoint(cluster as EksClusterInfo, tokenProvider(options)), cluster };
}

type BindingRef = { arn?: string; name?: string };

/** What a binding names its group by: `spec.targetGroupARN`, else `spec.targetGroupName` alone. */
function boundRef(binding: Record<string, unknown>): BindingRef {
  const spec = binding.spec as { targetGroupARN?: unknown; targetGroupName?: unknown } | undefined;
  if (typeof spec?.targetGroupARN === "string" && spec.targetGroupARN)
    return { arn: spec.targetGroupARN };
  if (typeof spec?.targetGroupName === "string" && spec.targetGroupName)
    return { name: spec.targetGroupName };
  return {};
}

const refsOf = (bindings: Record<string, unknown>[], key: keyof BindingRef): string[] =>
  bindings.flatMap((b) => boundRef(b)[key] ?? []);

/**
 * An audit of named groups keeps the bindings of those groups only: the others' groups were not
 * collected, and their bindings would otherwise look like bindings of missing groups (BIND003).
 */
function bindingsInScope(
  bindings: Record<string, unknown>[],
  wanted: string[],
  targetGroups: { TargetGroupArn?: string; TargetGroupName?: string }[],
): Record<string, unknown>[] {
  const arns = new Set(wanted);
  const names = new Set(
    targetGroups.flatMap((tg) =>
      tg.TargetGroupArn && arns.has(tg.TargetGroupArn) && tg.TargetGroupName
        ? [tg.TargetGroupName]
        : [],
    ),
  );
  return bindings.filter((b) => {
    const ref = boundRef(b);
    return ref.arn !== undefined
      ? arns.has(ref.arn)
      : ref.name !== undefined && names.has(ref.name);
  });
}

/** Collects over EKS sign-in with IAM, or a ready `kubeConfig`; kubeconfig files need `loadKubeconfig`. */
export async function collectSnapshot(options: CollectOptions): Promise<Snapshot> {
  const now = options.now ?? (() => new Date());
  const progress = options.onProgress ?? (() => {});
  const capturedAt = now().toISOString();
  const { kc, cluster } = await connect(options, progress);
  try {
    return await collectFrom(kc, cluster, options, now, capturedAt, progress);
  } finally {
    // The EKS connection is this collection's own; a caller's KubeConfig closes its own.
    if ("authorize" in kc) kc.close?.();
  }
}

async function collectFrom(
  kc: KubeConfig | KubeEndpoint,
  cluster: EksClusterInfo | undefined,
  options: CollectOptions,
  now: () => Date,
  capturedAt: string,
  progress: (message: string) => void,
): Promise<Snapshot> {
  // The AWS side needs the bindings for its scope, not the whole cluster: pods can take long.
  let bindingsListed: (items: Record<string, unknown>[]) => void = () => {};
  const bindings = new Promise<Record<string, unknown>[]>((resolve) => (bindingsListed = resolve));
  const kube = collectKubernetes(kc, {
    ...options.kubernetes,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: progress,
    onListed: (list, items) => {
      if (list === "targetGroupBindings") bindingsListed(items);
    },
  });
  const elbv2 = options.elbv2 ?? createElbv2Client(options.region);
  const cloudwatch =
    options.cloudwatch ??
    (options.prefilter?.enabled ? new CloudWatchClient({ region: options.region }) : undefined);
  for (const client of [elbv2, cloudwatch]) if (client) stopAtDeadline(client, options.signal);
  const elbCalls = countClientCalls(elbv2);
  const boundBindings = Promise.race([bindings, kube.then((k) => k.lists.targetGroupBindings)]);
  const aws = collectAws(elbv2, {
    clusterName: options.clusterName,
    vpcId: cluster?.vpcId,
    boundTargetGroupArns: boundBindings.then((b) => refsOf(b, "arn")),
    boundTargetGroupNames: boundBindings.then((b) => refsOf(b, "name")),
    targetGroupArns: options.targetGroupArns,
    concurrency: options.concurrency,
    elbCallsPerSecond: options.elbCallsPerSecond,
    ...(options.elbRateLimiter ? { elbRateLimiter: options.elbRateLimiter } : {}),
    ...(options.inventory ? { inventory: options.inventory } : {}),
    prefilter: options.prefilter,
    cloudwatch,
    now,
    onProgress: progress,
  });
  const [k, a] = await Promise.all([kube, aws]);
  if (a.prefilter) options.prefilter?.onState?.(a.prefilter.state);

  // The paths are known once the targets are listed (the prefilter's skipped groups have none).
  let network: Omit<Awaited<ReturnType<typeof collectEc2>>, "gaps"> | undefined;
  const gaps: Gap[] = [...k.gaps, ...a.gaps, ...gatewayGaps(k.notServed, a.targetGroups)];
  if (options.targetGroupArns) {
    k.lists.targetGroupBindings = bindingsInScope(
      k.lists.targetGroupBindings,
      options.targetGroupArns,
      a.targetGroups,
    );
  }
  let ec2Calls: (() => number) | undefined;
  if (options.network !== false) {
    const ec2 = options.ec2 ?? createEc2Client(options.region);
    stopAtDeadline(ec2, options.signal);
    ec2Calls = countClientCalls(ec2);
    const { gaps: ec2Gaps, ...lists } = await collectEc2(
      ec2,
      { ...a, nodes: k.lists.nodes, pods: k.lists.pods },
      {
        ...(options.concurrency ? { concurrency: Math.min(options.concurrency, 4) } : {}),
        ...(options.ec2CallsPerSecond ? { ec2CallsPerSecond: options.ec2CallsPerSecond } : {}),
        onProgress: progress,
      },
    );
    network = lists;
    gaps.push(...ec2Gaps);
  }
  options.onApiCalls?.({ elb: elbCalls(), ...(ec2Calls ? { ec2: ec2Calls() } : {}) });
  const lists = validateLists(
    {
      aws: { loadBalancers: a.loadBalancers, targetGroups: a.targetGroups, ...network },
      kubernetes: k.lists,
    },
    gaps,
  );
  const account = options.account ?? cluster?.account;
  // validateLists has checked every item against the reader's own schemas; parseSnapshot would
  // check them all again, the largest CPU cost of a large collection.
  return {
    version: 1,
    capturedAt,
    cluster: {
      name: options.clusterName,
      region: options.region,
      ...(account ? { account } : {}),
    },
    aws: lists.aws,
    kubernetes: lists.kubernetes,
    gaps,
  } as Snapshot;
}

// What the Lambda needs besides collectSnapshot, so it imports this module alone.
export {
  CollectionTimeoutError,
  DeadlineError,
  collectWithinBudget,
  collectionBudgetMs,
  collectionDeadline,
} from "./deadline";
export type { PrefilterOptions, PrefilterState } from "./prefilter";
export type { ApiCalls } from "./call-count";
