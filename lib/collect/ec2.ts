/**
 * EC2 collector for the network verdicts (NET001–NET003): only the objects on the paths the
 * audit judges, i.e. the targets of the groups whose health was listed (the prefilter's healthy
 * groups are skipped with it) and the load balancers in front of them.
 *
 *   1. DescribeInstances (instance targets, and the nodes behind ip targets' pods) and
 *      DescribeNetworkInterfaces (ip targets' addresses, then pods' branch interfaces not yet
 *      seen), side by side;
 *   2. DescribeSecurityGroups (the load balancers' and the target interfaces' groups),
 *      DescribeSubnets (both sides) and DescribeNetworkAcls (by association.subnet-id);
 *   3. the groups those rules reference, and each VPC's default ACL for a subnet no ACL named.
 *
 * Ids always go in filters, never in the *Ids parameters: one id that no longer exists (a
 * terminated instance left registered) fails a whole *Ids call, a filter just matches less.
 * Calls are batched (at most 200 filter values), paged, run a few at a time and wait for a
 * rate limit of their own: EC2 throttles per API per account and region, apart from ELB.
 * Each list whose calls fail still carries what was read, and a gap names it.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type EC2ClientConfig,
  type Filter,
  type Instance,
  type NetworkAcl,
  type NetworkInterface,
  type SecurityGroup,
  type Subnet,
} from "@aws-sdk/client-ec2";
import { branchInterfaceId, POD_ENI_ANNOTATION } from "../analyze/network/target-interface";
import { instanceIdOf } from "../analyze/k8s";
import type { Gap } from "../snapshot/schema";
import { describeAwsError, listPaged, toJson } from "./aws";
import { chunks, mapLimit } from "./concurrency";
import { TokenBucket, callsPerSecond, limitClientCalls } from "./rate-limit";

/** EC2's limit on the values of one filter. */
export const FILTER_VALUES = 200;
const PAGE = 1000;
/** DescribeNetworkAcls pages hold at most 100. */
const ACL_PAGE = 100;

export const EC2_RATE_ENV = "EC2_CALLS_PER_SECOND";
/**
 * Describe* calls share one bucket per account and region (refilled at 20 a second for the
 * non-mutating actions); half of it leaves the rest to autoscalers, the VPC CNI and the controller.
 */
export const DEFAULT_EC2_CALLS_PER_SECOND = 10;

export function createEc2Client(
  region: string,
  overrides: Omit<EC2ClientConfig, "region"> = {},
): EC2Client {
  // Standard retries for the reason given in ./aws (createElbv2Client).
  return new EC2Client({ region, retryMode: "standard", maxAttempts: 5, ...overrides });
}

/** What the collector needs from the rest of the snapshot (already collected). */
export interface Ec2Inputs {
  loadBalancers: readonly {
    LoadBalancerArn?: string;
    SecurityGroups?: string[];
    AvailabilityZones?: { SubnetId?: string }[];
  }[];
  targetGroups: readonly {
    TargetType?: string;
    VpcId?: string;
    LoadBalancerArns?: string[];
    TargetHealthDescriptions?: { Target?: { Id?: string } }[];
  }[];
  nodes: readonly unknown[];
  pods: readonly unknown[];
}

export interface Ec2CollectOptions {
  /** EC2 calls in flight. Default 4. */
  concurrency?: number;
  /** EC2 calls per second, retries included (Infinity: no limit). Default EC2_CALLS_PER_SECOND, else 10. */
  ec2CallsPerSecond?: number;
  ec2Burst?: number;
  /** A ready bucket (a fake clock, or shared); wins over the rate. */
  ec2RateLimiter?: TokenBucket;
  onProgress?: (message: string) => void;
}

export interface Ec2Section {
  instances: Instance[];
  networkInterfaces: NetworkInterface[];
  securityGroups: SecurityGroup[];
  subnets: Subnet[];
  networkAcls: NetworkAcl[];
  gaps: Gap[];
}

interface PodLike {
  metadata?: { annotations?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { podIP?: string; podIPs?: { ip?: string }[] };
}
interface NodeLike {
  metadata?: { name?: string };
  spec?: { providerID?: string };
}

/** The targets of the audited paths: instance ids, ip addresses by VPC, pods' branch interfaces. */
export function auditedPaths(inputs: Ec2Inputs) {
  const instanceIds = new Set<string>();
  const addressesByVpc = new Map<string, Set<string>>();
  const loadBalancerArns = new Set<string>();
  for (const tg of inputs.targetGroups) {
    const targets = tg.TargetHealthDescriptions ?? [];
    if (targets.length === 0) continue;
    for (const arn of tg.LoadBalancerArns ?? []) loadBalancerArns.add(arn);
    for (const t of targets) {
      const id = t.Target?.Id;
      if (!id) continue;
      if (tg.TargetType === "instance") instanceIds.add(id);
      else if (tg.TargetType === "ip" && !id.includes(":")) {
        const vpc = tg.VpcId ?? "";
        const set = addressesByVpc.get(vpc) ?? new Set<string>();
        set.add(id);
        addressesByVpc.set(vpc, set);
      }
    }
  }
  const ipTargets = new Set([...addressesByVpc.values()].flatMap((s) => [...s]));
  const nodeInstance = new Map<string, string>();
  for (const n of inputs.nodes as NodeLike[]) {
    const id = instanceIdOf(n.spec?.providerID);
    if (n.metadata?.name && id) nodeInstance.set(n.metadata.name, id);
  }
  const branchIds = new Set<string>();
  for (const pod of inputs.pods as PodLike[]) {
    const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
    const targeted = ips.filter((ip): ip is string => typeof ip === "string" && ipTargets.has(ip));
    if (targeted.length === 0) continue;
    const node = pod.spec?.nodeName ? nodeInstance.get(pod.spec.nodeName) : undefined;
    if (node) instanceIds.add(node);
    const annotation = pod.metadata?.annotations?.[POD_ENI_ANNOTATION];
    for (const ip of new Set(targeted)) {
      const eni = branchInterfaceId(annotation, ip);
      if (eni) branchIds.add(eni);
    }
  }
  const loadBalancers = inputs.loadBalancers.filter(
    (lb) => lb.LoadBalancerArn && loadBalancerArns.has(lb.LoadBalancerArn),
  );
  return { instanceIds, addressesByVpc, branchIds, loadBalancers };
}

function rateLimiter(options: Ec2CollectOptions): TokenBucket | undefined {
  if (options.ec2RateLimiter) return options.ec2RateLimiter;
  const rate = callsPerSecond(
    options.ec2CallsPerSecond,
    EC2_RATE_ENV,
    DEFAULT_EC2_CALLS_PER_SECOND,
    "ec2CallsPerSecond",
  );
  return Number.isFinite(rate) ? new TokenBucket(rate, options.ec2Burst) : undefined;
}

type ListSource =
  | "aws.instances"
  | "aws.networkInterfaces"
  | "aws.securityGroups"
  | "aws.subnets"
  | "aws.networkAcls";

export async function collectEc2(
  ec2: EC2Client,
  inputs: Ec2Inputs,
  options: Ec2CollectOptions = {},
): Promise<Ec2Section> {
  const progress = options.onProgress ?? (() => {});
  const concurrency = options.concurrency ?? 4;
  limitClientCalls(ec2, rateLimiter(options));
  const failures = new Map<ListSource, { api: string; message: string; batches: number }>();

  /** Every item the filter matches, batch by batch; a failed batch is remembered for its list. */
  async function read<T>(
    source: ListSource,
    api: string,
    values: Iterable<string>,
    call: (filters: Filter[], token: string | undefined) => Promise<{ items?: T[]; next?: string }>,
    filter: (batch: string[]) => Filter[],
  ): Promise<T[]> {
    const batches = chunks([...new Set(values)].sort(), FILTER_VALUES);
    const results = await mapLimit(batches, concurrency, async (batch) => {
      try {
        return await listPaged(api, (token) => call(filter(batch), token), progress, "NextToken");
      } catch (error) {
        const failure = failures.get(source);
        if (failure) failure.batches++;
        else failures.set(source, { api, message: describeAwsError(error), batches: 1 });
        return [] as T[];
      }
    });
    return results.flat();
  }

  const paths = auditedPaths(inputs);
  const total =
    paths.instanceIds.size + [...paths.addressesByVpc.values()].reduce((n, s) => n + s.size, 0);
  if (total === 0 && paths.loadBalancers.length === 0) {
    return {
      instances: [],
      networkInterfaces: [],
      securityGroups: [],
      subnets: [],
      networkAcls: [],
      gaps: [],
    };
  }
  progress(`EC2: reading the network paths of ${total} targets`);

  const readInstances = read<Instance>(
    "aws.instances",
    "DescribeInstances",
    paths.instanceIds,
    async (Filters, NextToken) => {
      const out = await ec2.send(
        new DescribeInstancesCommand({ Filters, NextToken, MaxResults: PAGE }),
      );
      return {
        items: (out.Reservations ?? []).flatMap((r) => r.Instances ?? []),
        next: out.NextToken,
      };
    },
    (batch) => [{ Name: "instance-id", Values: batch }],
  );
  const describeInterfaces = async (Filters: Filter[], NextToken: string | undefined) => {
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters, NextToken, MaxResults: PAGE }),
    );
    return { items: out.NetworkInterfaces, next: out.NextToken };
  };
  const readInterfaces = (async () => {
    const byAddress = await Promise.all(
      [...paths.addressesByVpc].map(([vpc, addresses]) =>
        read<NetworkInterface>(
          "aws.networkInterfaces",
          "DescribeNetworkInterfaces",
          addresses,
          describeInterfaces,
          (batch) => [
            { Name: "addresses.private-ip-address", Values: batch },
            ...(vpc ? [{ Name: "vpc-id", Values: [vpc] }] : []),
          ],
        ),
      ),
    );
    const found = byAddress.flat();
    const seen = new Set(found.map((n) => n.NetworkInterfaceId));
    const branches = await read<NetworkInterface>(
      "aws.networkInterfaces",
      "DescribeNetworkInterfaces",
      [...paths.branchIds].filter((id) => !seen.has(id)),
      describeInterfaces,
      (batch) => [{ Name: "network-interface-id", Values: batch }],
    );
    return unique([...found, ...branches], (n) => n.NetworkInterfaceId);
  })();
  const [instances, networkInterfaces] = await Promise.all([readInstances, readInterfaces]);

  // The interfaces that receive the checks: instances' primary ones, and those read by address.
  const targetInterfaces = [
    ...instances.flatMap((i) =>
      (i.NetworkInterfaces ?? []).filter((n) => n.Attachment?.DeviceIndex === 0),
    ),
    ...networkInterfaces,
  ];
  const groupIds = new Set([
    ...paths.loadBalancers.flatMap((lb) => lb.SecurityGroups ?? []),
    ...targetInterfaces.flatMap((n) =>
      (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    ),
  ]);
  const subnetIds = new Set([
    ...paths.loadBalancers.flatMap((lb) =>
      (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])),
    ),
    ...targetInterfaces.flatMap((n) => (n.SubnetId ? [n.SubnetId] : [])),
  ]);

  const readGroups = (ids: Iterable<string>) =>
    read<SecurityGroup>(
      "aws.securityGroups",
      "DescribeSecurityGroups",
      ids,
      async (Filters, NextToken) => {
        const out = await ec2.send(
          new DescribeSecurityGroupsCommand({ Filters, NextToken, MaxResults: PAGE }),
        );
        return { items: out.SecurityGroups, next: out.NextToken };
      },
      (batch) => [{ Name: "group-id", Values: batch }],
    );
  const readAcls = (values: Iterable<string>, filter: (batch: string[]) => Filter[]) =>
    read<NetworkAcl>(
      "aws.networkAcls",
      "DescribeNetworkAcls",
      values,
      async (Filters, NextToken) => {
        const out = await ec2.send(
          new DescribeNetworkAclsCommand({ Filters, NextToken, MaxResults: ACL_PAGE }),
        );
        return { items: out.NetworkAcls, next: out.NextToken };
      },
      filter,
    );
  const [groups, subnets, acls] = await Promise.all([
    readGroups(groupIds),
    read<Subnet>(
      "aws.subnets",
      "DescribeSubnets",
      subnetIds,
      async (Filters, NextToken) => {
        const out = await ec2.send(
          new DescribeSubnetsCommand({ Filters, NextToken, MaxResults: PAGE }),
        );
        return { items: out.Subnets, next: out.NextToken };
      },
      (batch) => [{ Name: "subnet-id", Values: batch }],
    ),
    readAcls(subnetIds, (batch) => [{ Name: "association.subnet-id", Values: batch }]),
  ]);

  // Referenced groups: evidence of what a rule's source is; one level is enough for that.
  const have = new Set(groups.map((g) => g.GroupId));
  const referenced = groups.flatMap((g) =>
    [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])].flatMap((p) =>
      (p.UserIdGroupPairs ?? []).flatMap((pair) =>
        pair.GroupId && !have.has(pair.GroupId) && (!pair.UserId || pair.UserId === g.OwnerId)
          ? [pair.GroupId]
          : [],
      ),
    ),
  );
  const associated = new Set(acls.flatMap((a) => (a.Associations ?? []).map((s) => s.SubnetId)));
  const orphanVpcs = new Set(
    subnets.flatMap((s) => (s.SubnetId && !associated.has(s.SubnetId) && s.VpcId ? [s.VpcId] : [])),
  );
  const [moreGroups, defaults] = await Promise.all([
    readGroups(referenced),
    readAcls(orphanVpcs, (batch) => [
      { Name: "default", Values: ["true"] },
      { Name: "vpc-id", Values: batch },
    ]),
  ]);

  const gaps: Gap[] = [...failures].map(([source, f]) => ({
    source,
    message: `${f.api} failed${f.batches > 1 ? ` (${f.batches} calls)` : ""}: ${f.message}`,
  }));
  const section: Ec2Section = {
    instances: toJson(instances),
    networkInterfaces: toJson(networkInterfaces),
    securityGroups: toJson(unique([...groups, ...moreGroups], (g) => g.GroupId)),
    subnets: toJson(unique(subnets, (s) => s.SubnetId)),
    networkAcls: toJson(unique([...acls, ...defaults], (a) => a.NetworkAclId)),
    gaps,
  };
  progress(
    `EC2: ${section.instances.length} instances, ${section.networkInterfaces.length} interfaces, ${section.securityGroups.length} security groups, ${section.subnets.length} subnets, ${section.networkAcls.length} network ACLs`,
  );
  return section;
}

function unique<T>(items: T[], key: (item: T) => string | undefined): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (k === undefined || seen.has(k)) return k === undefined;
    seen.add(k);
    return true;
  });
}
