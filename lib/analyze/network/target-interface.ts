/**
 * Which network interface receives a target's health checks, and so whose security groups and
 * subnet decide them: instance mode, the instance's primary interface (DeviceIndex 0); ip mode,
 * the pod's branch interface (security groups for pods) when its `vpc.amazonaws.com/pod-eni`
 * annotation names one for the address, else the interface that holds the address.
 */
import { isIpv6 } from "./ipv4";
import { NETWORK_SOURCES, type NetworkInventory } from "./inventory";
import type { AnyNetworkInterface } from "./shapes";

export const POD_ENI_ANNOTATION = "vpc.amazonaws.com/pod-eni";

export type TargetSpec =
  | { type: "instance"; instanceId: string }
  | {
      type: "ip";
      address: string;
      /** The target group's VPC: addresses repeat across VPCs. */
      vpcId?: string;
      /** The backing pod's `vpc.amazonaws.com/pod-eni` annotation, verbatim. */
      podEni?: string;
    };

export interface TargetInterface {
  interfaceId: string;
  /** primary: an instance's DeviceIndex 0; branch: a pod's own interface; holder: holds the IP. */
  kind: "primary" | "branch" | "holder";
  address: string;
  subnetId?: string;
  vpcId?: string;
  securityGroupIds: string[];
}

export type Resolved = { ok: true; target: TargetInterface } | { ok: false; reason: string };

/** The branch interface the annotation names for `address` (a JSON list of attachments). */
export function branchInterfaceId(annotation: string | undefined, address: string) {
  if (!annotation) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const entry of parsed as { eniId?: unknown; privateIp?: unknown }[]) {
    if (entry && typeof entry.eniId === "string" && entry.privateIp === address) return entry.eniId;
  }
  return undefined;
}

const groupIds = (eni: AnyNetworkInterface) =>
  (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));

function fromInterface(
  eni: AnyNetworkInterface,
  kind: TargetInterface["kind"],
  address: string | undefined,
): Resolved {
  const ip = address ?? eni.PrivateIpAddress;
  if (!ip) return { ok: false, reason: `interface ${eni.NetworkInterfaceId} has no IPv4 address` };
  return {
    ok: true,
    target: {
      interfaceId: eni.NetworkInterfaceId ?? "(unnamed)",
      kind,
      address: ip,
      ...(eni.SubnetId ? { subnetId: eni.SubnetId } : {}),
      ...(eni.VpcId ? { vpcId: eni.VpcId } : {}),
      securityGroupIds: groupIds(eni),
    },
  };
}

const notCollected = (list: keyof typeof NETWORK_SOURCES) =>
  `${NETWORK_SOURCES[list]} was not collected`;

export function resolveTarget(inventory: NetworkInventory, spec: TargetSpec): Resolved {
  if (spec.type === "instance") {
    if (!inventory.collected.instances) return { ok: false, reason: notCollected("instances") };
    const instance = inventory.instance(spec.instanceId);
    if (!instance) {
      return { ok: false, reason: `instance ${spec.instanceId} is not in the snapshot` };
    }
    const primary = (instance.NetworkInterfaces ?? []).find((n) => n.Attachment?.DeviceIndex === 0);
    if (!primary) {
      return { ok: false, reason: `instance ${spec.instanceId} has no primary network interface` };
    }
    return fromInterface(
      { VpcId: instance.VpcId, ...primary },
      "primary",
      primary.PrivateIpAddress ?? instance.PrivateIpAddress,
    );
  }
  if (isIpv6(spec.address)) {
    return { ok: false, reason: `target address ${spec.address} is IPv6` };
  }
  if (!inventory.collected.networkInterfaces) {
    return { ok: false, reason: notCollected("networkInterfaces") };
  }
  const branchId = branchInterfaceId(spec.podEni, spec.address);
  if (branchId) {
    const branch = inventory.networkInterface(branchId);
    if (!branch) {
      return {
        ok: false,
        reason: `branch interface ${branchId} of the pod (${POD_ENI_ANNOTATION}) is not in the snapshot`,
      };
    }
    return fromInterface(branch, "branch", spec.address);
  }
  const holders = inventory.holdersOf(spec.address, spec.vpcId);
  const [holder] = holders;
  if (!holder) {
    return { ok: false, reason: `no network interface in the snapshot holds ${spec.address}` };
  }
  if (holders.length > 1) {
    const ids = holders.map((h) => h.NetworkInterfaceId).join(", ");
    return { ok: false, reason: `several network interfaces hold ${spec.address} (${ids})` };
  }
  return fromInterface(holder, "holder", spec.address);
}
