/**
 * The network verdict for one load balancer, one target and one TCP port (findings.md,
 * "Network verdicts"): security groups and network ACLs judged apart, since NET001 and NET002
 * each speak for one of them, and an overall status for the hint TGT005 gives.
 */
import { NetworkInventory } from "./inventory";
import { evaluateAcls, type AclVerdict } from "./network-acls";
import {
  inbound,
  outbound,
  type DirectionVerdict,
  type LoadBalancerSide,
  type Status,
} from "./security-groups";
import type { LoadBalancerShape, NetworkLists } from "./shapes";
import { resolveTarget, type TargetInterface, type TargetSpec } from "./target-interface";

export interface SecurityGroupVerdict {
  status: Status;
  reason?: string;
  /** The target's groups admitting the load balancer on the port. */
  inbound: DirectionVerdict;
  /** The load balancer's groups letting the port out; absent for one without groups. */
  outbound?: DirectionVerdict;
}

export interface PathVerdict {
  port: number;
  status: Status;
  /** Why the overall verdict is unknown. */
  reason?: string;
  target?: TargetInterface;
  loadBalancer: LoadBalancerSide;
  securityGroups: SecurityGroupVerdict;
  networkAcls: AclVerdict;
}

/** Every unknown keeps the rules quiet; open only when all parts are open. */
function combine(parts: { status: Status; reason?: string }[]): {
  status: Status;
  reason?: string;
} {
  if (parts.every((p) => p.status === "open")) return { status: "open" };
  const unknown = parts.find((p) => p.status === "unknown");
  if (unknown) return { status: "unknown", ...(unknown.reason ? { reason: unknown.reason } : {}) };
  return { status: "closed" };
}

export function loadBalancerSide(
  inventory: NetworkInventory,
  lb: LoadBalancerShape,
): LoadBalancerSide {
  const subnetIds = [
    ...new Set((lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : []))),
  ];
  return {
    securityGroupIds: [...(lb.SecurityGroups ?? [])],
    subnets: subnetIds.map((subnetId) => {
      const cidr = inventory.subnet(subnetId)?.CidrBlock;
      return cidr ? { subnetId, cidr } : { subnetId };
    }),
  };
}

/**
 * Verdicts for many targets of one snapshot. Targets that share an interface's groups, subnet
 * and load balancer share the inbound evaluation, the largest part of the work.
 */
export class NetworkPaths {
  readonly inventory: NetworkInventory;
  private readonly sides = new Map<string, LoadBalancerSide>();
  private readonly inbounds = new Map<string, DirectionVerdict>();

  constructor(lists: NetworkLists | NetworkInventory) {
    this.inventory = lists instanceof NetworkInventory ? lists : new NetworkInventory(lists);
  }

  /** True when any of the EC2 lists is in the snapshot. */
  get collectedAny(): boolean {
    return Object.values(this.inventory.collected).some(Boolean);
  }

  side(lb: LoadBalancerShape): LoadBalancerSide {
    let side = this.sides.get(lb.LoadBalancerArn);
    if (!side) {
      side = loadBalancerSide(this.inventory, lb);
      this.sides.set(lb.LoadBalancerArn, side);
    }
    return side;
  }

  evaluate(lb: LoadBalancerShape, spec: TargetSpec, port: number): PathVerdict {
    const loadBalancer = this.side(lb);
    const resolved = resolveTarget(this.inventory, spec);
    if (!resolved.ok) {
      const unknown = { status: "unknown" as const, reason: resolved.reason };
      return {
        port,
        ...unknown,
        loadBalancer,
        securityGroups: { ...unknown, inbound: { ...unknown, rules: [] } },
        networkAcls: { ...unknown, denials: [] },
      };
    }
    const target = resolved.target;
    const key = `${lb.LoadBalancerArn}|${port}|${[...target.securityGroupIds].sort().join(",")}`;
    let inVerdict = this.inbounds.get(key);
    if (!inVerdict) {
      inVerdict = inbound(this.inventory, target, loadBalancer, port);
      this.inbounds.set(key, inVerdict);
    }
    const outVerdict = outbound(this.inventory, target, loadBalancer, port);
    const securityGroups: SecurityGroupVerdict = {
      ...combine(outVerdict ? [inVerdict, outVerdict] : [inVerdict]),
      inbound: inVerdict,
      ...(outVerdict ? { outbound: outVerdict } : {}),
    };
    const networkAcls = evaluateAcls(this.inventory, target, loadBalancer.subnets, port);
    const overall =
      securityGroups.status === "closed" || networkAcls.status === "closed"
        ? { status: "closed" as const }
        : combine([securityGroups, networkAcls]);
    return { port, ...overall, target, loadBalancer, securityGroups, networkAcls };
  }
}
