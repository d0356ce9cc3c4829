/**
 * Security-group half of a network verdict (findings.md, "Network verdicts"): the target's
 * groups must admit port P from the load balancer (one of its groups, or CIDRs that together
 * contain every load balancer subnet), and the load balancer's groups must let P out to the
 * target. Rules only allow, so one allowing rule opens a direction; what the snapshot cannot
 * show (a prefix list's CIDRs, a group it lacks) makes the direction unknown rather than closed.
 */
import { containsAddress, covers, parseCidr, parseIpv4, union, type Interval } from "./ipv4";
import type { NetworkInventory } from "./inventory";
import type { IpPermission, SecurityGroup } from "./shapes";
import type { TargetInterface } from "./target-interface";

export type Status = "open" | "closed" | "unknown";

/** A rule whose protocol and ports cover P, whatever its source. */
export interface EvaluatedRule {
  groupId: string;
  rule: IpPermission;
  /** This rule alone lets the load balancer through on P. */
  allows: boolean;
}

export interface DirectionVerdict {
  status: Status;
  /** Why the direction is unknown. */
  reason?: string;
  rules: EvaluatedRule[];
}

export interface LoadBalancerSide {
  securityGroupIds: string[];
  /** Every subnet of the load balancer, with its CIDR when the snapshot has the subnet. */
  subnets: { subnetId: string; cidr?: string }[];
}

/** `-1`, or TCP with P in FromPort–ToPort (the controller merges its rules into ranges). */
export function coversPort(rule: IpPermission, port: number): boolean {
  const protocol = rule.IpProtocol?.toLowerCase();
  if (protocol === "-1" || protocol === "all") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  const from = rule.FromPort ?? 0;
  const to = rule.ToPort ?? 65535;
  // -1 as a port means every port.
  return (from === -1 || from <= port) && (to === -1 || port <= to);
}

const prefixListsOf = (rule: IpPermission) =>
  (rule.PrefixListIds ?? []).flatMap((p) => (p.PrefixListId ? [p.PrefixListId] : []));

const cidrsOf = (rule: IpPermission): Interval[] =>
  (rule.IpRanges ?? []).flatMap((r) => {
    const block = r.CidrIp ? parseCidr(r.CidrIp) : undefined;
    return block ? [block] : [];
  });

function present(inventory: NetworkInventory, ids: readonly string[]) {
  const groups: { id: string; group: SecurityGroup }[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const group = inventory.securityGroup(id);
    if (group) groups.push({ id, group });
    else missing.push(id);
  }
  return { groups, missing };
}

function unknownOrClosed(
  rules: EvaluatedRule[],
  missing: string[],
  owner: string,
  port: number,
  extra?: string,
): DirectionVerdict {
  if (missing.length > 0) {
    return {
      status: "unknown",
      reason: `security group ${missing.join(", ")} of ${owner} is not in the snapshot`,
      rules,
    };
  }
  const prefixLists = rules.flatMap((r) => prefixListsOf(r.rule));
  if (prefixLists.length > 0) {
    return {
      status: "unknown",
      reason: `a rule for port ${port} names prefix list ${[...new Set(prefixLists)].join(", ")}, whose CIDRs the snapshot does not hold`,
      rules,
    };
  }
  if (extra) return { status: "unknown", reason: extra, rules };
  return { status: "closed", rules };
}

/** Target inbound: may the load balancer reach the target's interface on `port`? */
export function inbound(
  inventory: NetworkInventory,
  target: TargetInterface,
  lb: LoadBalancerSide,
  port: number,
): DirectionVerdict {
  if (!inventory.collected.securityGroups) {
    return { status: "unknown", reason: "aws.securityGroups was not collected", rules: [] };
  }
  const lbGroups = new Set(lb.securityGroupIds);
  const { groups, missing } = present(inventory, target.securityGroupIds);
  const rules: EvaluatedRule[] = [];
  const cidrs: Interval[] = [];
  for (const { id, group } of groups) {
    for (const rule of group.IpPermissions ?? []) {
      if (!coversPort(rule, port)) continue;
      // A group that is none of the load balancer's admits nothing of it, whoever owns it.
      const allows = (rule.UserIdGroupPairs ?? []).some(
        (p) => p.GroupId && lbGroups.has(p.GroupId),
      );
      rules.push({ groupId: id, rule, allows });
      cidrs.push(...cidrsOf(rule));
    }
  }
  if (rules.some((r) => r.allows)) return { status: "open", rules };
  const blocks = lb.subnets.map((s) => (s.cidr ? parseCidr(s.cidr) : undefined));
  const unknownSubnets = lb.subnets.filter((_, i) => blocks[i] === undefined);
  if (lb.subnets.length > 0 && unknownSubnets.length === 0 && cidrs.length > 0) {
    const merged = union(cidrs);
    if (blocks.every((b) => b && covers(merged, b))) {
      // Each CIDR rule that contains some load balancer subnet took part in opening it.
      for (const r of rules) {
        r.allows = cidrsOf(r.rule).some((c) =>
          blocks.some((b) => b && c[0] <= b[1] && b[0] <= c[1]),
        );
      }
      return { status: "open", rules };
    }
  }
  const subnetProblem =
    lb.subnets.length === 0
      ? "the load balancer has no subnets in the snapshot"
      : unknownSubnets.length > 0 && cidrs.length > 0
        ? `load balancer subnet ${unknownSubnets.map((s) => s.subnetId).join(", ")} is not in the snapshot`
        : undefined;
  return unknownOrClosed(rules, missing, "the target's interface", port, subnetProblem);
}

/** Load balancer outbound: may its groups send `port` to the target? Undefined without groups. */
export function outbound(
  inventory: NetworkInventory,
  target: TargetInterface,
  lb: LoadBalancerSide,
  port: number,
): DirectionVerdict | undefined {
  if (lb.securityGroupIds.length === 0) return undefined;
  if (!inventory.collected.securityGroups) {
    return { status: "unknown", reason: "aws.securityGroups was not collected", rules: [] };
  }
  const address = parseIpv4(target.address);
  const targetGroups = new Set(target.securityGroupIds);
  const { groups, missing } = present(inventory, lb.securityGroupIds);
  const rules: EvaluatedRule[] = [];
  for (const { id, group } of groups) {
    for (const rule of group.IpPermissionsEgress ?? []) {
      if (!coversPort(rule, port)) continue;
      const allows =
        (address !== undefined && cidrsOf(rule).some((c) => containsAddress(c, address))) ||
        (rule.UserIdGroupPairs ?? []).some((p) => p.GroupId && targetGroups.has(p.GroupId));
      rules.push({ groupId: id, rule, allows });
    }
  }
  if (rules.some((r) => r.allows)) return { status: "open", rules };
  return unknownOrClosed(rules, missing, "the load balancer", port);
}
