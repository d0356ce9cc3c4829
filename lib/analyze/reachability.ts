/**
 * Whether a target group's load balancers can reach its targets (NET001–NET003, and the hint
 * TGT005 gives for timeouts): the snapshot's EC2 lists judged by ./network, once per snapshot.
 */
import type { LoadBalancer, Source } from "../snapshot/schema";
import { JOIN_INPUTS, type Model, type TargetGroupView, type TargetView } from "./model";
import { GATEWAY_JOIN_SOURCES } from "./gateway-api/view";
import {
  NetworkPaths,
  POD_ENI_ANNOTATION,
  resolveTarget,
  type IpPermission,
  type PathVerdict,
  type TargetInterface,
  type TargetSpec,
} from "./network";

/** The five optional EC2 lists, by their `gaps[].source` / `summary.notRun` names. */
export const EC2_SOURCES = [
  "aws.instances",
  "aws.networkInterfaces",
  "aws.securityGroups",
  "aws.subnets",
  "aws.networkAcls",
] as const satisfies readonly Source[];

/**
 * What a security-group verdict cannot be judged without, and the join to the objects its fix
 * goes on (a gap there could change which binding or Service is named).
 */
export const SECURITY_GROUP_INPUTS: readonly Source[] = [
  "aws.targetGroups",
  "aws.loadBalancers",
  "aws.instances",
  "aws.networkInterfaces",
  "aws.securityGroups",
  "aws.subnets",
  ...JOIN_INPUTS,
];

/** The same for a network-ACL verdict. */
export const NETWORK_ACL_INPUTS: readonly Source[] = [
  "aws.targetGroups",
  "aws.loadBalancers",
  "aws.instances",
  "aws.networkInterfaces",
  "aws.subnets",
  "aws.networkAcls",
  ...JOIN_INPUTS,
];

/**
 * Read when there: ip targets' pods (their branch interface) and the Ingresses a fix may go
 * on. A gap in the pods changes no verdict: a branch interface also holds the pod's address.
 */
export const NETWORK_ALSO_READS: readonly Source[] = [
  "kubernetes.ingresses",
  "kubernetes.endpointSlices",
  "kubernetes.pods",
  // A Gateway's custom security groups are in its (or its class's) LoadBalancerConfiguration.
  ...GATEWAY_JOIN_SOURCES,
  "kubernetes.loadBalancerConfigurations",
];

/** The reasons a closed path gives: no answer, or the connection refused on the way. */
export const NETWORK_FAILURE_REASONS: ReadonlySet<string> = new Set([
  "Target.Timeout",
  "Target.FailedHealthChecks",
]);

const paths = new WeakMap<object, NetworkPaths>();

/** The verdicts over this snapshot's EC2 lists (indexed once, shared by every rule). */
export function networkPaths(model: Model): NetworkPaths {
  const snapshot = model.snapshot;
  let p = paths.get(snapshot);
  if (!p) {
    p = new NetworkPaths(snapshot.aws);
    paths.set(snapshot, p);
  }
  return p;
}

/** What receives the target's checks; undefined for lambda and alb targets. */
export function targetSpec(tgv: TargetGroupView, t: TargetView): TargetSpec | undefined {
  if (tgv.targetType === "instance") return { type: "instance", instanceId: t.id };
  if (tgv.targetType !== "ip") return undefined;
  const podEni = t.endpoint?.pod?.metadata.annotations?.[POD_ENI_ANNOTATION];
  return {
    type: "ip",
    address: t.id,
    ...(tgv.tg.VpcId ? { vpcId: tgv.tg.VpcId } : {}),
    ...(podEni ? { podEni } : {}),
  };
}

export interface LoadBalancerVerdict {
  lb: LoadBalancer;
  verdict: PathVerdict;
}

/** The verdict from each load balancer of the group to the target on `port`. */
export function verdictsFor(
  model: Model,
  tgv: TargetGroupView,
  t: TargetView,
  port: number,
): LoadBalancerVerdict[] {
  const spec = targetSpec(tgv, t);
  if (!spec) return [];
  const p = networkPaths(model);
  return tgv.loadBalancers.map((lb) => ({ lb, verdict: p.evaluate(lb, spec, port) }));
}

/** A target whose security groups close `verdict.port` to `lb`. */
export interface ClosedPath {
  target: TargetView;
  lb: LoadBalancer;
  verdict: PathVerdict & { target: TargetInterface };
}

/** The first load balancer whose path to `t` on `port` the security groups close. */
export function closedBySecurityGroups(
  model: Model,
  tgv: TargetGroupView,
  t: TargetView,
  port: number,
): ClosedPath | undefined {
  for (const { lb, verdict } of verdictsFor(model, tgv, t, port)) {
    const target = verdict.target;
    if (verdict.securityGroups.status === "closed" && target) {
      return { target: t, lb, verdict: { ...verdict, target } };
    }
  }
  return undefined;
}

/** The security groups of the interface that receives the target's checks, as one key. */
export function securityGroupSetOf(
  model: Model,
  tgv: TargetGroupView,
  t: TargetView,
): string | undefined {
  const spec = targetSpec(tgv, t);
  const resolved = spec && resolveTarget(networkPaths(model).inventory, spec);
  return resolved?.ok ? [...resolved.target.securityGroupIds].sort().join(",") : undefined;
}

/** Distinct ports, ascending. */
export const sortedPorts = (ports: Iterable<number>): number[] =>
  [...new Set(ports)].sort((a, b) => a - b);

export const lbName = (lb: LoadBalancer): string =>
  lb.LoadBalancerName ?? lb.LoadBalancerArn.split("/").slice(-2, -1)[0] ?? lb.LoadBalancerArn;

export interface NetworkConclusion {
  status: "open" | "closed" | "unknown" | "not run";
  /** The conclusion in words, after its status. */
  detail: string;
}

/**
 * What the network check concluded for a failing target on its checked port (TGT005's hint):
 * open, closed but not trusted, unknown and why, or not run and why.
 */
export function networkConclusion(
  model: Model,
  tgv: TargetGroupView,
  t: TargetView,
): NetworkConclusion {
  // Without the ACLs the security-group half still speaks (the verdict then says what is unknown).
  const needed = EC2_SOURCES.filter((s) => s !== "aws.networkAcls");
  const notCollected = needed.filter((s) => model.notCollected.has(s));
  if (notCollected.length > 0) {
    return {
      status: "not run",
      detail: `the snapshot holds no ${notCollected.join(", ")} (collected with --no-network or NETWORK_CHECKS=false, or by an older collector)`,
    };
  }
  const unread = needed.filter((s) => model.gapSources.has(s));
  if (unread.length > 0) {
    return { status: "not run", detail: `${unread.join(", ")} could not be read (see AUDIT001)` };
  }
  const unknown = (detail: string): NetworkConclusion => ({ status: "unknown", detail });
  if (t.checkedPort === null) return unknown("the checked port is not known");
  const verdicts = verdictsFor(model, tgv, t, t.checkedPort);
  if (verdicts.length === 0) return unknown("no load balancer of the group is in the snapshot");
  const closed = verdicts.find((v) => v.verdict.status === "closed");
  if (closed) {
    const by =
      closed.verdict.securityGroups.status === "closed" ? "security groups" : "network ACLs";
    return {
      status: "closed",
      detail: `by the ${by} on port ${t.checkedPort}, but a passing target of the group has the same ${by}, so they are not the cause`,
    };
  }
  const undecided = verdicts.find((v) => v.verdict.status === "unknown");
  if (undecided) return unknown(undecided.verdict.reason ?? "the snapshot does not show it");
  return {
    status: "open",
    detail: `the security groups and network ACLs let ${verdicts.map((v) => lbName(v.lb)).join(", ")} reach port ${t.checkedPort}`,
  };
}

const portsText = (from?: number, to?: number) =>
  from === undefined || from === -1 ? "all" : from === to ? `${from}` : `${from}-${to ?? 65535}`;

/** One security-group rule in a line: protocol, ports and its peers (sources in, destinations out). */
export function describeRule(rule: IpPermission, direction: "inbound" | "outbound"): string {
  const protocol = rule.IpProtocol === "-1" ? "all traffic" : (rule.IpProtocol ?? "?");
  const ports = rule.IpProtocol === "-1" ? "" : ` ${portsText(rule.FromPort, rule.ToPort)}`;
  const sources = [
    ...(rule.UserIdGroupPairs ?? []).map((p) => p.GroupId ?? "?"),
    ...(rule.IpRanges ?? []).map((r) => r.CidrIp ?? "?"),
    ...(rule.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? "?"),
    ...(rule.PrefixListIds ?? []).map((p) => p.PrefixListId ?? "?"),
  ];
  const peers = sources.length > 0 ? sources.join(", ") : "nowhere";
  return `${protocol}${ports} ${direction === "inbound" ? "from" : "to"} ${peers}`;
}

/** The load balancer side of a verdict, for evidence. */
export function describeLoadBalancer(lb: LoadBalancer, verdict: PathVerdict) {
  return {
    name: lbName(lb),
    type: lb.Type ?? null,
    securityGroups: verdict.loadBalancer.securityGroupIds,
    subnets: verdict.loadBalancer.subnets.map((s) => ({
      subnetId: s.subnetId,
      cidr: s.cidr ?? null,
    })),
  };
}

/** A target's security-group verdict on one port, for evidence. */
export function describeSecurityGroupPath(
  t: TargetView,
  verdict: PathVerdict & { target: TargetInterface },
) {
  const sg = verdict.securityGroups;
  return {
    id: t.id,
    port: verdict.port,
    interface: verdict.target.interfaceId,
    interfaceKind: verdict.target.kind,
    securityGroups: verdict.target.securityGroupIds,
    closed: [
      ...(sg.inbound.status === "closed" ? ["inbound to the target"] : []),
      ...(sg.outbound?.status === "closed" ? ["outbound from the load balancer"] : []),
    ],
    rulesForPort: sg.inbound.rules.map((r) => `${r.groupId}: ${describeRule(r.rule, "inbound")}`),
    ...(sg.outbound
      ? {
          egressRulesForPort: sg.outbound.rules.map(
            (r) => `${r.groupId}: ${describeRule(r.rule, "outbound")}`,
          ),
        }
      : {}),
  };
}
