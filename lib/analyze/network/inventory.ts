/**
 * The EC2 lists of a snapshot indexed by id (and interfaces by address), built once per
 * analysis so each target's verdict is a few lookups, never a scan of every security group.
 */
import type {
  Instance,
  NetworkAcl,
  NetworkInterface,
  NetworkLists,
  SecurityGroup,
  Subnet,
} from "./shapes";

export type ListName = keyof NetworkLists;

/** The names `gaps[].source` and `summary.notRun` use for the lists. */
export const NETWORK_SOURCES = {
  instances: "aws.instances",
  networkInterfaces: "aws.networkInterfaces",
  securityGroups: "aws.securityGroups",
  subnets: "aws.subnets",
  networkAcls: "aws.networkAcls",
} as const satisfies Record<ListName, string>;

function byKey<T>(items: readonly T[] | undefined, key: (item: T) => string | undefined) {
  const map = new Map<string, T>();
  for (const item of items ?? []) {
    const k = key(item);
    if (k !== undefined && !map.has(k)) map.set(k, item);
  }
  return map;
}

/** Every IPv4 address an interface holds (primary first). */
export function addressesOf(eni: NetworkInterface): string[] {
  const out = eni.PrivateIpAddress ? [eni.PrivateIpAddress] : [];
  for (const a of eni.PrivateIpAddresses ?? []) {
    if (a.PrivateIpAddress && !out.includes(a.PrivateIpAddress)) out.push(a.PrivateIpAddress);
  }
  return out;
}

export class NetworkInventory {
  /** Which lists the snapshot carries (collected, possibly with gaps). */
  readonly collected: Readonly<Record<ListName, boolean>>;
  private readonly instances: Map<string, Instance>;
  private readonly interfaces: Map<string, NetworkInterface>;
  private readonly holders = new Map<string, NetworkInterface[]>();
  private readonly groups: Map<string, SecurityGroup>;
  private readonly subnetsById: Map<string, Subnet>;
  private readonly aclBySubnet = new Map<string, NetworkAcl>();
  private readonly defaultAclByVpc = new Map<string, NetworkAcl>();

  constructor(lists: NetworkLists) {
    this.collected = {
      instances: lists.instances !== undefined,
      networkInterfaces: lists.networkInterfaces !== undefined,
      securityGroups: lists.securityGroups !== undefined,
      subnets: lists.subnets !== undefined,
      networkAcls: lists.networkAcls !== undefined,
    };
    this.instances = byKey(lists.instances, (i) => i.InstanceId);
    this.interfaces = byKey(lists.networkInterfaces, (n) => n.NetworkInterfaceId);
    for (const eni of lists.networkInterfaces ?? []) {
      for (const address of addressesOf(eni)) {
        const list = this.holders.get(address) ?? [];
        list.push(eni);
        this.holders.set(address, list);
      }
    }
    this.groups = byKey(lists.securityGroups, (g) => g.GroupId);
    this.subnetsById = byKey(lists.subnets, (s) => s.SubnetId);
    for (const acl of lists.networkAcls ?? []) {
      for (const a of acl.Associations ?? []) {
        if (a.SubnetId && !this.aclBySubnet.has(a.SubnetId)) this.aclBySubnet.set(a.SubnetId, acl);
      }
      if (acl.IsDefault && acl.VpcId && !this.defaultAclByVpc.has(acl.VpcId)) {
        this.defaultAclByVpc.set(acl.VpcId, acl);
      }
    }
  }

  instance(id: string): Instance | undefined {
    return this.instances.get(id);
  }

  networkInterface(id: string): NetworkInterface | undefined {
    return this.interfaces.get(id);
  }

  /** The interfaces holding `address`, those of `vpcId` only when it is given. */
  holdersOf(address: string, vpcId?: string): NetworkInterface[] {
    const all = this.holders.get(address) ?? [];
    return vpcId ? all.filter((n) => !n.VpcId || n.VpcId === vpcId) : all;
  }

  securityGroup(id: string): SecurityGroup | undefined {
    return this.groups.get(id);
  }

  subnet(id: string): Subnet | undefined {
    return this.subnetsById.get(id);
  }

  /** The subnet's ACL: its association, else its VPC's default ACL (every subnet has one). */
  networkAclOf(subnetId: string): NetworkAcl | undefined {
    const associated = this.aclBySubnet.get(subnetId);
    if (associated) return associated;
    const vpcId = this.subnet(subnetId)?.VpcId;
    return vpcId ? this.defaultAclByVpc.get(vpcId) : undefined;
  }
}
