/**
 * The EC2 side of a planned cluster, as the network checks read it (SDK v3 output shapes): the
 * AWS Load Balancer Controller's default layout, where every load balancer carries its own
 * frontend group and the cluster's shared backend group, and each node group's security group
 * admits the backend group on the NodePort range and the pod ports. Each node has a primary
 * interface and a secondary one holding its pods' addresses (the VPC CNI), the subnets are one
 * per zone on each side, and every subnet keeps the VPC's default ACL (allow all).
 *
 * Node and pod addresses are planned without regard to zones, so node subnets carry nominal
 * CIDRs: the verdicts read the load balancer subnets' CIDRs only, and those are exact.
 */
import type { ClusterPlan, NodePlan } from "./plan";
import type { LoadBalancerJson } from "./aws";

export interface Ec2Lists {
  instances: Record<string, unknown>[];
  networkInterfaces: Record<string, unknown>[];
  securityGroups: Record<string, unknown>[];
  subnets: Record<string, unknown>[];
  networkAcls: Record<string, unknown>[];
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const nodeGroupSg = (group: string) => `sg-0${hex(Number(group.replace(/\D/g, "")) + 8192, 16)}`;
const nodeSubnet = (plan: ClusterPlan, zone: number) =>
  `subnet-0${hex(zone + 32, 2)}${plan.vpcId.slice(-14)}`;

/** The controller's shared backend group (`k8s-traffic-<cluster>`), on every load balancer. */
export const BACKEND_SG = `sg-0${hex(0xbac, 16)}`;

const allOut = [
  {
    IpProtocol: "-1",
    IpRanges: [{ CidrIp: "0.0.0.0/0" }],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
  },
];

const allowAll = (egress: boolean) => ({
  CidrBlock: "0.0.0.0/0",
  Egress: egress,
  Protocol: "-1",
  RuleAction: "allow",
  RuleNumber: 100,
});
const denyAll = (egress: boolean) => ({
  CidrBlock: "0.0.0.0/0",
  Egress: egress,
  Protocol: "-1",
  RuleAction: "deny",
  RuleNumber: 32767,
});

function eni(
  plan: ClusterPlan,
  node: NodePlan,
  index: number,
  addresses: string[],
  zoneIndex: number,
) {
  return {
    Attachment: {
      AttachmentId: `eni-attach-0${hex(node.index * 2 + index, 16)}`,
      DeviceIndex: index,
      InstanceId: node.instanceId,
      Status: "attached",
    },
    AvailabilityZone: node.zone,
    Groups: [{ GroupId: nodeGroupSg(node.group), GroupName: `eks-${node.group}` }],
    InterfaceType: "interface",
    NetworkInterfaceId: `eni-0${hex(node.index * 2 + index, 16)}`,
    OwnerId: plan.account,
    PrivateIpAddress: addresses[0],
    PrivateIpAddresses: addresses.map((a, i) => ({ PrivateIpAddress: a, Primary: i === 0 })),
    SubnetId: nodeSubnet(plan, zoneIndex),
    VpcId: plan.vpcId,
  };
}

export function ec2Objects(plan: ClusterPlan, loadBalancers: LoadBalancerJson[]): Ec2Lists {
  const backend = BACKEND_SG;
  const podIps = new Map<NodePlan, string[]>();
  for (const w of plan.workloads) {
    for (const p of w.pods) podIps.set(p.node, [...(podIps.get(p.node) ?? []), p.ip]);
  }
  const zoneIndex = new Map(plan.zones.map((z, i) => [z, i]));
  const instances: Record<string, unknown>[] = [];
  const networkInterfaces: Record<string, unknown>[] = [];
  for (const node of plan.nodes) {
    const zi = zoneIndex.get(node.zone) ?? 0;
    const primary = eni(plan, node, 0, [node.ip], zi);
    // The CNI's secondary interface: a first address of its own, then the pods'.
    const secondary = eni(
      plan,
      node,
      1,
      [`100.64.${(node.index >> 8) & 255}.${node.index & 255}`, ...(podIps.get(node) ?? [])],
      zi,
    );
    networkInterfaces.push(primary, secondary);
    instances.push({
      InstanceId: node.instanceId,
      InstanceType: "m6i.xlarge",
      Placement: { AvailabilityZone: node.zone },
      PrivateIpAddress: node.ip,
      SubnetId: primary.SubnetId,
      VpcId: plan.vpcId,
      State: { Code: 16, Name: "running" },
      SecurityGroups: primary.Groups,
      // DescribeInstances nests a shorter shape: no zone, no instance id in the attachment.
      NetworkInterfaces: [primary, secondary].map(({ AvailabilityZone: _z, ...n }) => ({
        ...n,
        Attachment: { ...n.Attachment, InstanceId: undefined },
      })),
    });
  }
  const groups = [...new Set(plan.nodes.map((n) => n.group))];
  const securityGroups = [
    ...loadBalancers.flatMap((lb) =>
      (lb.SecurityGroups ?? [])
        .filter((g) => g !== backend)
        .map((GroupId) => ({
          GroupId,
          GroupName: `k8s-${lb.LoadBalancerName}`,
          OwnerId: plan.account,
          VpcId: plan.vpcId,
          IpPermissions: [
            {
              IpProtocol: "tcp",
              FromPort: 80,
              ToPort: 80,
              IpRanges: [{ CidrIp: "10.0.0.0/8" }],
              Ipv6Ranges: [],
              PrefixListIds: [],
              UserIdGroupPairs: [],
            },
          ],
          IpPermissionsEgress: allOut,
          Tags: [{ Key: "elbv2.k8s.aws/cluster", Value: plan.clusterName }],
        })),
    ),
    {
      GroupId: backend,
      GroupName: `k8s-traffic-${plan.clusterName}`,
      OwnerId: plan.account,
      VpcId: plan.vpcId,
      IpPermissions: [],
      IpPermissionsEgress: allOut,
      Tags: [{ Key: "elbv2.k8s.aws/resource", Value: "backend-sg" }],
    },
    ...groups.map((group) => ({
      GroupId: nodeGroupSg(group),
      GroupName: `eks-${group}`,
      OwnerId: plan.account,
      VpcId: plan.vpcId,
      // The controller's backend rules, merged into ranges: NodePorts and the pod ports.
      IpPermissions: [
        { from: 30000, to: 32767 },
        { from: 8080, to: 8443 },
        { from: 15021, to: 15021 },
      ].map(({ from, to }) => ({
        IpProtocol: "tcp",
        FromPort: from,
        ToPort: to,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [{ GroupId: backend, UserId: plan.account }],
      })),
      IpPermissionsEgress: allOut,
      Tags: [{ Key: `kubernetes.io/cluster/${plan.clusterName}`, Value: "owned" }],
    })),
  ];
  const lbSubnets = plan.zones.map((zone, zi) => ({
    SubnetId: `subnet-0${(zi + 10).toString(16)}${plan.vpcId.slice(-14)}`,
    AvailabilityZone: zone,
    CidrBlock: `10.0.${zi}.0/24`,
    VpcId: plan.vpcId,
    State: "available",
  }));
  const nodeSubnets = plan.zones.map((zone, zi) => ({
    SubnetId: nodeSubnet(plan, zi),
    AvailabilityZone: zone,
    CidrBlock: `10.${128 + zi * 16}.0.0/12`,
    VpcId: plan.vpcId,
    State: "available",
  }));
  const subnets = [...lbSubnets, ...nodeSubnets];
  return {
    instances,
    networkInterfaces,
    securityGroups,
    subnets,
    networkAcls: [
      {
        NetworkAclId: `acl-0${hex(1, 16)}`,
        IsDefault: true,
        VpcId: plan.vpcId,
        OwnerId: plan.account,
        Associations: subnets.map((s, i) => ({
          NetworkAclAssociationId: `aclassoc-0${hex(i, 16)}`,
          NetworkAclId: `acl-0${hex(1, 16)}`,
          SubnetId: s.SubnetId,
        })),
        Entries: [allowAll(false), allowAll(true), denyAll(false), denyAll(true)],
      },
    ],
  };
}
