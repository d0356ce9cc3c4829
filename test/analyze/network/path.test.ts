import { describe, expect, it } from "vitest";
import {
  NetworkPaths,
  type LoadBalancerShape,
  type NetworkLists,
  type TargetSpec,
} from "../../../lib/analyze/network";
import {
  LB_SG,
  NODE_SG,
  POD_SG,
  alb,
  all,
  branchPodIp,
  fromCidr,
  fromGroup,
  fromPrefixList,
  group,
  nlb,
  podEni,
  podIp,
  tcp,
  withGroups,
  world,
} from "./world";

const node: TargetSpec = { type: "instance", instanceId: "i-0node" };

interface Case {
  name: string;
  lists: NetworkLists;
  lb?: LoadBalancerShape;
  target?: TargetSpec;
  port?: number;
  inbound: "open" | "closed" | "unknown";
  outbound?: "open" | "closed" | "unknown" | "none";
  reason?: RegExp;
}

const cases: Case[] = [
  {
    name: "protocol -1 from the load balancer's group",
    lists: world(),
    inbound: "open",
    outbound: "open",
  },
  {
    name: "tcp range that holds the port (controller's merged range)",
    lists: withGroups(group(NODE_SG, [tcp(30000, 32767, fromGroup(LB_SG))])),
    inbound: "open",
  },
  {
    name: "tcp range that ends below the port",
    lists: withGroups(group(NODE_SG, [tcp(30000, 31245, fromGroup(LB_SG))])),
    inbound: "closed",
  },
  {
    name: "udp rule for the port does not carry TCP",
    lists: withGroups(
      group(NODE_SG, [{ IpProtocol: "udp", FromPort: 31246, ToPort: 31246, ...fromGroup(LB_SG) }]),
    ),
    inbound: "closed",
  },
  {
    name: "the load balancer's group, named with another account's UserId",
    lists: withGroups(group(NODE_SG, [tcp(31246, 31246, fromGroup(LB_SG, "999988887777"))])),
    inbound: "open",
  },
  {
    name: "a group that is none of the load balancer's, whichever account owns it",
    lists: withGroups(
      group(NODE_SG, [tcp(31246, 31246, fromGroup("sg-0elsewhere", "111122223333"))]),
    ),
    inbound: "closed",
  },
  {
    name: "CIDR rules that together contain every load balancer subnet",
    lists: withGroups(
      group(NODE_SG, [
        tcp(31246, 31246, fromCidr("10.0.0.0/25")),
        tcp(31000, 32000, fromCidr("10.0.0.128/25", "10.0.1.0/24")),
      ]),
    ),
    inbound: "open",
  },
  {
    name: "one CIDR (the VPC's) that contains both subnets",
    lists: withGroups(group(NODE_SG, [all(fromCidr("10.0.0.0/16"))])),
    inbound: "open",
  },
  {
    name: "CIDRs that miss part of one load balancer subnet",
    lists: withGroups(group(NODE_SG, [tcp(31246, 31246, fromCidr("10.0.0.0/24", "10.0.1.0/25"))])),
    inbound: "closed",
  },
  {
    name: "NLB without groups: CIDRs of its subnets (the controller's rules)",
    lb: nlb,
    lists: withGroups(group(NODE_SG, [tcp(31246, 31246, fromCidr("10.0.0.0/24", "10.0.1.0/24"))])),
    inbound: "open",
    outbound: "none",
  },
  {
    name: "NLB without groups: a group source cannot be it",
    lb: nlb,
    lists: withGroups(group(NODE_SG, [all(fromGroup(LB_SG))])),
    inbound: "closed",
    outbound: "none",
  },
  {
    name: "prefix-list source where no other rule allows",
    lists: withGroups(group(NODE_SG, [tcp(31246, 31246, fromPrefixList("pl-0abc"))])),
    inbound: "unknown",
    reason: /prefix list pl-0abc/,
  },
  {
    name: "prefix-list source beside an allowing rule",
    lists: withGroups(
      group(NODE_SG, [tcp(31246, 31246, fromPrefixList("pl-0abc")), all(fromGroup(LB_SG))]),
    ),
    inbound: "open",
  },
  {
    name: "a prefix list for another port decides nothing",
    lists: withGroups(group(NODE_SG, [tcp(22, 22, fromPrefixList("pl-0abc"))])),
    inbound: "closed",
  },
  {
    name: "a group of the target's interface missing from the snapshot",
    lists: world({ securityGroups: [group(LB_SG, [])] }),
    inbound: "unknown",
    reason: /sg-0node of the target's interface is not in the snapshot/,
  },
  {
    name: "security groups not collected",
    lists: world({ securityGroups: undefined }),
    inbound: "unknown",
    reason: /aws.securityGroups was not collected/,
  },
  {
    name: "instances not collected",
    lists: world({ instances: undefined }),
    inbound: "unknown",
    reason: /aws.instances was not collected/,
  },
  {
    name: "instance target missing from the list",
    lists: world({ instances: [] }),
    inbound: "unknown",
    reason: /instance i-0node is not in the snapshot/,
  },
  {
    name: "CIDR rules with a load balancer subnet missing",
    lists: world({
      subnets: (world().subnets ?? []).filter((s) => s.SubnetId !== "subnet-lb-b"),
      securityGroups: [group(LB_SG, []), group(NODE_SG, [all(fromCidr("10.0.0.0/24"))])],
    }),
    inbound: "unknown",
    reason: /subnet-lb-b is not in the snapshot/,
  },
  {
    name: "egress: the load balancer's group sends nothing",
    lists: withGroups(group(LB_SG, [], [])),
    inbound: "open",
    outbound: "closed",
  },
  {
    name: "egress: to the target's group on the port",
    lists: withGroups(group(LB_SG, [], [tcp(31246, 31246, fromGroup(NODE_SG))])),
    inbound: "open",
    outbound: "open",
  },
  {
    name: "egress: a CIDR that does not hold the target",
    lists: withGroups(group(LB_SG, [], [all(fromCidr("10.0.32.0/20"))])),
    inbound: "open",
    outbound: "closed",
  },
  {
    name: "egress: a CIDR that holds the target's primary address",
    lists: withGroups(group(LB_SG, [], [tcp(31246, 31246, fromCidr("10.0.16.10/32"))])),
    inbound: "open",
    outbound: "open",
  },
  {
    name: "egress: the load balancer's group missing",
    lists: world({ securityGroups: [group(NODE_SG, [all(fromGroup(LB_SG))])] }),
    inbound: "open",
    outbound: "unknown",
    reason: /sg-0lb of the load balancer is not in the snapshot/,
  },
  {
    name: "ip target: the interface holding the address (secondary IP of the node)",
    target: { type: "ip", address: podIp, vpcId: "vpc-1" },
    lists: world(),
    inbound: "open",
  },
  {
    name: "ip target in another VPC than any interface holding the address",
    target: { type: "ip", address: podIp, vpcId: "vpc-2" },
    lists: world(),
    inbound: "unknown",
    reason: /no network interface in the snapshot holds 10.0.17.5/,
  },
  {
    name: "ip target with a branch interface: the pod's groups decide (8080 allowed)",
    target: { type: "ip", address: branchPodIp, podEni },
    port: 8080,
    lists: world(),
    inbound: "open",
  },
  {
    name: "ip target with a branch interface: the pod's groups decide (9090 not)",
    target: { type: "ip", address: branchPodIp, podEni },
    port: 9090,
    lists: world(),
    inbound: "closed",
  },
  {
    name: "branch interface named by the pod but not in the snapshot",
    target: { type: "ip", address: branchPodIp, podEni },
    lists: world({ networkInterfaces: [] }),
    inbound: "unknown",
    reason: /branch interface eni-branch .* is not in the snapshot/,
  },
  {
    name: "IPv6 target",
    target: { type: "ip", address: "2001:db8::5" },
    lists: world(),
    inbound: "unknown",
    reason: /IPv6/,
  },
  {
    name: "network interfaces not collected (ip target)",
    target: { type: "ip", address: podIp },
    lists: world({ networkInterfaces: undefined }),
    inbound: "unknown",
    reason: /aws.networkInterfaces was not collected/,
  },
];

describe("security-group verdicts", () => {
  it.each(cases)("$name", (c) => {
    const verdict = new NetworkPaths(c.lists).evaluate(
      c.lb ?? alb,
      c.target ?? node,
      c.port ?? 31246,
    );
    expect(verdict.securityGroups.inbound.status).toBe(c.inbound);
    if (c.outbound === "none") expect(verdict.securityGroups.outbound).toBeUndefined();
    else if (c.outbound) expect(verdict.securityGroups.outbound?.status).toBe(c.outbound);
    if (c.reason) expect(verdict.securityGroups.reason).toMatch(c.reason);
    // Unknown anywhere keeps the security-group verdict from closing.
    const parts = [c.inbound, c.outbound ?? "open"];
    const expected = parts.includes("unknown")
      ? "unknown"
      : parts.includes("closed")
        ? "closed"
        : "open";
    expect(verdict.securityGroups.status).toBe(expected);
  });

  it("uses the instance's primary interface (DeviceIndex 0), not the first listed", () => {
    const v = new NetworkPaths(world()).evaluate(alb, node, 31246);
    expect(v.target).toMatchObject({
      interfaceId: "eni-primary",
      kind: "primary",
      address: "10.0.16.10",
      securityGroupIds: [NODE_SG],
    });
  });

  it("uses the branch interface the pod names, and the holder without the annotation", () => {
    const paths = new NetworkPaths(world());
    const branch = paths.evaluate(alb, { type: "ip", address: branchPodIp, podEni }, 8080);
    expect(branch.target).toMatchObject({
      interfaceId: "eni-branch",
      kind: "branch",
      securityGroupIds: [POD_SG],
    });
    const plain = paths.evaluate(alb, { type: "ip", address: podIp }, 8080);
    expect(plain.target).toMatchObject({ interfaceId: "eni-secondary", kind: "holder" });
    // An annotation for another address of the pod does not name this one's interface.
    const other = paths.evaluate(alb, { type: "ip", address: podIp, podEni }, 8080);
    expect(other.target?.interfaceId).toBe("eni-secondary");
  });

  it("lists the rules evaluated for the port and marks those that allow", () => {
    const lists = withGroups(
      group(NODE_SG, [
        tcp(31246, 31246, fromCidr("10.0.0.0/24")),
        tcp(22, 22, fromCidr("0.0.0.0/0")),
      ]),
    );
    const v = new NetworkPaths(lists).evaluate(alb, node, 31246);
    expect(v.securityGroups.inbound.rules).toEqual([
      { groupId: NODE_SG, rule: expect.objectContaining({ FromPort: 31246 }), allows: false },
    ]);
  });

  it("shares the inbound evaluation between targets with the same groups", () => {
    const paths = new NetworkPaths(world());
    const a = paths.evaluate(alb, { type: "ip", address: podIp }, 31246);
    const b = paths.evaluate(alb, node, 31246);
    expect(a.securityGroups.inbound).toBe(b.securityGroups.inbound);
  });
});
