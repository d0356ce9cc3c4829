/**
 * The EC2 side of the healthy baselines (scenarios.ts), laid out as the AWS Load Balancer
 * Controller leaves it: the ALB has its own security group and the controller's shared backend
 * group; the nodes' group carries the cluster tag and admits the backend group on the ports the
 * bindings name; the load balancer sits in subnets of its own (10.0.10x.0/24), the nodes in
 * 10.0.x.0/24; the VPC's default network ACL allows everything. Tests break one fact.
 */
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { CLUSTER, NODES, healthyInstanceGatewayInput, k8s, snapshotOf, tgs } from "./scenarios";

export const LB_SG = "sg-0lb";
export const BACKEND_SG = "sg-0backend";
export const NODE_SG = "sg-0node";
export const EKS_SG = "sg-0ekscluster";
export const DEFAULT_ACL = "acl-0default";
export const ZONES = ["a", "b", "c"] as const;
export const LB_SUBNETS = ZONES.map((z, i) => ({
  id: `subnet-lb-${z}`,
  cidr: `10.0.10${i + 1}.0/24`,
}));
export const NODE_SUBNETS = NODES.map((n, i) => ({
  id: `subnet-${n.zone}`,
  cidr: `10.0.${i + 1}.0/24`,
}));
export const nodeAddress = (i: number) => `10.0.${i + 1}.10`;
export const nodeEni = (i: number) => `eni-0node${i}`;

type Aws = SnapshotInput["aws"];
type SecurityGroupInput = NonNullable<Aws["securityGroups"]>[number];
type Rule = NonNullable<SecurityGroupInput["IpPermissions"]>[number];
export const tcp = (from: number, to: number, source: Rule): Rule => ({
  IpProtocol: "tcp",
  FromPort: from,
  ToPort: to,
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
  ...source,
});
export const fromGroup = (GroupId: string) => ({
  UserIdGroupPairs: [{ GroupId, UserId: "111122223333" }],
});
export const fromCidr = (...cidrs: string[]) => ({ IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) });
const allOut = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };

export function securityGroup(
  GroupId: string,
  IpPermissions: Rule[],
  extra: Partial<SecurityGroupInput> = {},
): SecurityGroupInput {
  return {
    GroupId,
    GroupName: GroupId,
    VpcId: "vpc-1",
    OwnerId: "111122223333",
    IpPermissions,
    IpPermissionsEgress: [allOut],
    Tags: [],
    ...extra,
  };
}

type AclInput = NonNullable<Aws["networkAcls"]>[number];
type AclEntry = NonNullable<AclInput["Entries"]>[number];

const allowAll = (RuleNumber: number, Egress: boolean) => ({
  RuleNumber,
  Protocol: "-1",
  RuleAction: "allow",
  Egress,
  CidrBlock: "0.0.0.0/0",
});
const denyAll = (Egress: boolean) => ({
  RuleNumber: 32767,
  Protocol: "-1",
  RuleAction: "deny",
  Egress,
  CidrBlock: "0.0.0.0/0",
});
export const aclEntry = (
  RuleNumber: number,
  RuleAction: "allow" | "deny",
  Egress: boolean,
  CidrBlock: string,
  ports?: [number, number],
): AclEntry => ({
  RuleNumber,
  Protocol: ports ? "6" : "-1",
  RuleAction,
  Egress,
  CidrBlock,
  ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
});

/** A network ACL of its own for `subnets`, with `entries` and the final denies. */
export function networkAcl(id: string, subnets: string[], entries: AclEntry[]): AclInput {
  return {
    NetworkAclId: id,
    VpcId: "vpc-1",
    IsDefault: false,
    Associations: subnets.map((SubnetId, i) => ({
      NetworkAclAssociationId: `aclassoc-${id}-${i}`,
      NetworkAclId: id,
      SubnetId,
    })),
    Entries: [...entries, denyAll(false), denyAll(true)],
  };
}

/** Adds the five EC2 lists (healthy) to a baseline, and the bindings' networking. */
export function withNetwork(s: SnapshotInput, ports: number[]): void {
  const lb = s.aws.loadBalancers![0]!;
  lb.SecurityGroups = [LB_SG, BACKEND_SG];
  lb.AvailabilityZones = NODES.map((n, i) => ({ ZoneName: n.zone, SubnetId: LB_SUBNETS[i]!.id }));
  for (const b of k8s(s).targetGroupBindings) {
    (b.spec as Record<string, unknown>).networking = {
      ingress: [
        {
          from: [{ securityGroup: { groupID: BACKEND_SG } }],
          ports: ports.map((port) => ({ protocol: "TCP", port })),
        },
      ],
    };
  }
  // Pods' addresses are secondary addresses of their node's interface (the VPC CNI).
  const podIps = new Map<string, string[]>();
  for (const p of k8s(s).pods) {
    const nodeName = p.spec.nodeName;
    const ip = p.status?.podIP;
    if (nodeName && ip) podIps.set(nodeName, [...(podIps.get(nodeName) ?? []), ip]);
  }
  const interfaces = NODES.map((n, i) => ({
    NetworkInterfaceId: nodeEni(i),
    InterfaceType: "interface",
    SubnetId: NODE_SUBNETS[i]!.id,
    VpcId: "vpc-1",
    PrivateIpAddress: nodeAddress(i),
    PrivateIpAddresses: [
      { PrivateIpAddress: nodeAddress(i), Primary: true },
      ...(podIps.get(n.name) ?? []).map((PrivateIpAddress) => ({
        PrivateIpAddress,
        Primary: false,
      })),
    ],
    Groups: [{ GroupId: NODE_SG, GroupName: NODE_SG }],
    Attachment: { DeviceIndex: 0, InstanceId: n.id },
  }));
  Object.assign(s.aws, {
    instances: NODES.map((n, i) => ({
      InstanceId: n.id,
      VpcId: "vpc-1",
      SubnetId: NODE_SUBNETS[i]!.id,
      PrivateIpAddress: nodeAddress(i),
      Placement: { AvailabilityZone: n.zone },
      State: { Name: "running" },
      NetworkInterfaces: [structuredClone(interfaces[i])],
    })),
    networkInterfaces: interfaces,
    securityGroups: [
      securityGroup(LB_SG, [
        tcp(80, 80, fromCidr("10.0.0.0/8")),
        tcp(443, 443, fromCidr("10.0.0.0/8")),
      ]),
      securityGroup(BACKEND_SG, [], {
        Tags: [
          { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
          { Key: "elbv2.k8s.aws/resource", Value: "backend-sg" },
        ],
      }),
      securityGroup(
        NODE_SG,
        [
          ...ports.map((p) => tcp(p, p, fromGroup(BACKEND_SG))),
          { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: NODE_SG }] },
        ],
        { Tags: [{ Key: `kubernetes.io/cluster/${CLUSTER}`, Value: "owned" }] },
      ),
    ],
    subnets: [...LB_SUBNETS, ...NODE_SUBNETS].map((sub, i) => ({
      SubnetId: sub.id,
      VpcId: "vpc-1",
      CidrBlock: sub.cidr,
      AvailabilityZone: NODES[i % 3]!.zone,
    })),
    networkAcls: [
      {
        NetworkAclId: DEFAULT_ACL,
        VpcId: "vpc-1",
        IsDefault: true,
        Associations: [...LB_SUBNETS, ...NODE_SUBNETS].map((sub, i) => ({
          NetworkAclAssociationId: `aclassoc-${i}`,
          NetworkAclId: DEFAULT_ACL,
          SubnetId: sub.id,
        })),
        Entries: [allowAll(100, false), allowAll(100, true), denyAll(false), denyAll(true)],
      },
    ],
  });
}

/** Typed access to the EC2 lists of a raw input. */
export const ec2 = (s: SnapshotInput) =>
  s.aws as Required<
    Pick<Aws, "instances" | "networkInterfaces" | "securityGroups" | "subnets" | "networkAcls">
  >;

/** The node group's security group with `rules` instead of the healthy ones. */
export function nodeRules(s: SnapshotInput, rules: Rule[]): void {
  const sg = ec2(s).securityGroups.find((g) => g.GroupId === NODE_SG)!;
  sg.IpPermissions = rules;
}

/** The gateway baseline (instance mode, checked on 31127, traffic 31246) with the healthy EC2 lists, edited. */
export const networkGateway = (edit?: (s: SnapshotInput) => void) =>
  snapshotOf(healthyInstanceGatewayInput(), (s) => {
    withNetwork(s, [31127, 31246]);
    edit?.(s);
  });

export const TIMEOUT = {
  State: "unhealthy",
  Reason: "Target.Timeout",
  Description: "Request timed out",
};

/** Every target of the first target group times out. */
export function allTimeOut(s: SnapshotInput): void {
  for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.TargetHealth = { ...TIMEOUT };
}

/** The nodes' subnets get an ACL of their own with `entries`; the load balancer's keep the default. */
export function nodeAcl(s: SnapshotInput, entries: AclEntry[]): void {
  const nodeSubnets = NODE_SUBNETS.map((n) => n.id);
  for (const a of ec2(s).networkAcls)
    a.Associations = a.Associations?.filter(
      (x: { SubnetId?: string }) => !nodeSubnets.includes(x.SubnetId ?? ""),
    );
  ec2(s).networkAcls.push(networkAcl("acl-0nodes", nodeSubnets, entries));
}
