/**
 * A small VPC for the network verdict tests, in the EC2 output shapes: two load balancer
 * subnets, a node subnet, an ALB with one security group, nodes with a primary and a secondary
 * interface, and a pod with a branch interface. Each test changes what it is about.
 */
import type {
  Instance,
  IpPermission,
  LoadBalancerShape,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  NetworkLists,
  SecurityGroup,
  Subnet,
} from "../../../lib/analyze/network";

export const VPC = "vpc-1";
export const LB_SG = "sg-0lb";
export const NODE_SG = "sg-0node";
export const POD_SG = "sg-0pod";

export const tcp = (
  from: number,
  to: number,
  source: Partial<IpPermission> = {},
): IpPermission => ({
  IpProtocol: "tcp",
  FromPort: from,
  ToPort: to,
  IpRanges: [],
  UserIdGroupPairs: [],
  PrefixListIds: [],
  ...source,
});
export const all = (source: Partial<IpPermission> = {}): IpPermission => ({
  IpProtocol: "-1",
  IpRanges: [],
  UserIdGroupPairs: [],
  PrefixListIds: [],
  ...source,
});
export const fromGroup = (GroupId: string, UserId = "111122223333") => ({
  UserIdGroupPairs: [{ GroupId, UserId }],
});
export const fromCidr = (...cidrs: string[]) => ({ IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) });
export const fromPrefixList = (id: string) => ({ PrefixListIds: [{ PrefixListId: id }] });

export const group = (
  GroupId: string,
  IpPermissions: IpPermission[],
  IpPermissionsEgress: IpPermission[] = [all(fromCidr("0.0.0.0/0"))],
): SecurityGroup => ({
  GroupId,
  GroupName: GroupId,
  VpcId: VPC,
  IpPermissions,
  IpPermissionsEgress,
});

export const subnets: Subnet[] = [
  { SubnetId: "subnet-lb-a", VpcId: VPC, CidrBlock: "10.0.0.0/24", AvailabilityZone: "eu-west-1a" },
  { SubnetId: "subnet-lb-b", VpcId: VPC, CidrBlock: "10.0.1.0/24", AvailabilityZone: "eu-west-1b" },
  {
    SubnetId: "subnet-nodes",
    VpcId: VPC,
    CidrBlock: "10.0.16.0/20",
    AvailabilityZone: "eu-west-1a",
  },
];

export const entry = (
  RuleNumber: number,
  RuleAction: "allow" | "deny",
  Egress: boolean,
  CidrBlock: string,
  ports?: [number, number],
): NetworkAclEntry => ({
  RuleNumber,
  RuleAction,
  Egress,
  CidrBlock,
  Protocol: ports ? "6" : "-1",
  ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
});

/** What AWS puts in every ACL: the `*` entries. */
const star = [entry(32767, "deny", false, "0.0.0.0/0"), entry(32767, "deny", true, "0.0.0.0/0")];

export const acl = (
  NetworkAclId: string,
  subnetIds: string[],
  entries: NetworkAclEntry[],
  IsDefault = false,
): NetworkAcl => ({
  NetworkAclId,
  VpcId: VPC,
  IsDefault,
  Associations: subnetIds.map((SubnetId) => ({ SubnetId })),
  Entries: [...entries, ...star],
});

export const allowAll = [
  entry(100, "allow", false, "0.0.0.0/0"),
  entry(100, "allow", true, "0.0.0.0/0"),
];

const eni = (
  id: string,
  address: string,
  groups: string[],
  extra: Partial<NetworkInterface> = {},
): NetworkInterface => ({
  NetworkInterfaceId: id,
  SubnetId: "subnet-nodes",
  VpcId: VPC,
  PrivateIpAddress: address,
  PrivateIpAddresses: [{ PrivateIpAddress: address, Primary: true }],
  Groups: groups.map((GroupId) => ({ GroupId, GroupName: GroupId })),
  ...extra,
});

export const instance: Instance = {
  InstanceId: "i-0node",
  VpcId: VPC,
  SubnetId: "subnet-nodes",
  PrivateIpAddress: "10.0.16.10",
  NetworkInterfaces: [
    // Listed second on purpose: the primary is found by DeviceIndex, not by order.
    eni("eni-secondary", "10.0.16.11", ["sg-0other"], { Attachment: { DeviceIndex: 1 } }),
    eni("eni-primary", "10.0.16.10", [NODE_SG], { Attachment: { DeviceIndex: 0 } }),
  ],
};

export const podIp = "10.0.17.5";
export const branchPodIp = "10.0.17.9";
export const interfaces: NetworkInterface[] = [
  // The node's secondary interface holds the ordinary pod's address as a secondary IP.
  eni("eni-secondary", "10.0.16.11", [NODE_SG], {
    PrivateIpAddresses: [
      { PrivateIpAddress: "10.0.16.11", Primary: true },
      { PrivateIpAddress: podIp, Primary: false },
    ],
  }),
  eni("eni-branch", branchPodIp, [POD_SG], { InterfaceType: "branch" }),
];

export const podEni = JSON.stringify([
  {
    eniId: "eni-branch",
    ifAddress: "0e:aa",
    privateIp: branchPodIp,
    vlanId: 1,
    subnetCidr: "10.0.16.0/20",
  },
]);

export const alb: LoadBalancerShape = {
  LoadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1",
  Type: "application",
  SecurityGroups: [LB_SG],
  AvailabilityZones: [{ SubnetId: "subnet-lb-a" }, { SubnetId: "subnet-lb-b" }],
};

export const nlb: LoadBalancerShape = {
  LoadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/tcp/2",
  Type: "network",
  AvailabilityZones: [{ SubnetId: "subnet-lb-a" }, { SubnetId: "subnet-lb-b" }],
};

/** A world where everything is open: the node group admits the ALB's group on every port. */
export function world(change: Partial<NetworkLists> = {}): NetworkLists {
  return {
    instances: [instance],
    networkInterfaces: interfaces,
    securityGroups: [
      group(LB_SG, [tcp(443, 443, fromCidr("0.0.0.0/0"))]),
      group(NODE_SG, [all(fromGroup(LB_SG))]),
      group(POD_SG, [tcp(8080, 8080, fromGroup(LB_SG))]),
      group("sg-0other", []),
    ],
    subnets,
    networkAcls: [
      acl("acl-default", ["subnet-lb-a", "subnet-lb-b", "subnet-nodes"], allowAll, true),
    ],
    ...change,
  };
}

/** The world with these security groups in place of the node group (others kept). */
export function withGroups(...replacements: SecurityGroup[]): NetworkLists {
  const base = world().securityGroups ?? [];
  const ids = new Set(replacements.map((g) => g.GroupId));
  return world({ securityGroups: [...base.filter((g) => !ids.has(g.GroupId)), ...replacements] });
}
