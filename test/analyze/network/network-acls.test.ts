import { describe, expect, it } from "vitest";
import {
  NetworkPaths,
  firstDeny,
  freeRuleNumber,
  type NetworkAcl,
  type NetworkLists,
  type TargetSpec,
} from "../../../lib/analyze/network";
import { acl, alb, allowAll, entry, world } from "./world";

const node: TargetSpec = { type: "instance", instanceId: "i-0node" };
const PORT = 31246;

/** The node subnet gets `nodeEntries`; the load balancer subnets keep allow-all. */
function nodeAcl(nodeEntries: Parameters<typeof acl>[2], lbEntries = allowAll): NetworkLists {
  return world({
    networkAcls: [
      acl("acl-lb", ["subnet-lb-a", "subnet-lb-b"], lbEntries, true),
      acl("acl-nodes", ["subnet-nodes"], nodeEntries),
    ],
  });
}

const evaluate = (lists: NetworkLists, port = PORT) =>
  new NetworkPaths(lists).evaluate(alb, node, port).networkAcls;

describe("network ACL verdicts", () => {
  it.each([
    { name: "allow all both ways", entries: allowAll, status: "open" },
    {
      name: "check port and return range allowed from the VPC",
      entries: [
        entry(100, "allow", false, "10.0.0.0/16", [PORT, PORT]),
        entry(100, "allow", true, "10.0.0.0/16", [1024, 65535]),
      ],
      status: "open",
    },
    {
      name: "return range split over two entries that together cover 1024-65535",
      entries: [
        entry(100, "allow", false, "10.0.0.0/16", [PORT, PORT]),
        entry(100, "allow", true, "10.0.0.0/16", [1024, 32767]),
        entry(110, "allow", true, "0.0.0.0/0", [32768, 65535]),
      ],
      status: "open",
    },
    {
      name: "a deny for other ports before the allow decides nothing",
      entries: [
        entry(50, "deny", false, "0.0.0.0/0", [22, 22]),
        entry(100, "allow", false, "0.0.0.0/0"),
        entry(100, "allow", true, "0.0.0.0/0"),
      ],
      status: "open",
    },
    {
      name: "an IPv6 entry is not read for IPv4 packets",
      entries: [
        {
          RuleNumber: 10,
          RuleAction: "deny",
          Egress: false,
          Ipv6CidrBlock: "::/0",
          Protocol: "-1",
        },
        ...allowAll,
      ],
      status: "open",
    },
  ])("$name: $status", ({ entries, status }) => {
    expect(evaluate(nodeAcl(entries)).status).toBe(status);
  });

  it("the first match by ascending RuleNumber decides, whatever the listed order", () => {
    const v = evaluate(
      nodeAcl([
        entry(200, "allow", false, "0.0.0.0/0"),
        entry(90, "deny", false, "10.0.0.0/16", [30000, 32767]),
        entry(100, "allow", true, "0.0.0.0/0"),
      ]),
    );
    expect(v.status).toBe("closed");
    // One denial per load balancer subnet, each naming the entry that decides.
    expect(v.denials).toEqual([
      {
        side: "target",
        direction: "inbound",
        subnetId: "subnet-nodes",
        networkAclId: "acl-nodes",
        peer: "10.0.0.0/24",
        ports: [PORT, PORT],
        entry: expect.objectContaining({ RuleNumber: 90, RuleAction: "deny" }),
        freeRuleNumber: 89,
      },
      expect.objectContaining({ peer: "10.0.1.0/24", freeRuleNumber: 89 }),
    ]);
  });

  it("a deny covering part of one load balancer subnet closes the path", () => {
    const v = evaluate(
      nodeAcl([
        entry(10, "deny", false, "10.0.1.128/25"),
        entry(100, "allow", false, "0.0.0.0/0"),
        entry(100, "allow", true, "0.0.0.0/0"),
      ]),
    );
    expect(v.denials.map((d) => [d.peer, d.entry?.RuleNumber])).toEqual([["10.0.1.0/24", 10]]);
  });

  it("the ephemeral return path: open only when all of 1024-65535 is allowed", () => {
    const v = evaluate(
      nodeAcl([
        entry(100, "allow", false, "0.0.0.0/0"),
        entry(100, "allow", true, "0.0.0.0/0", [1024, 60000]),
      ]),
    );
    expect(v.status).toBe("closed");
    expect(v.denials[0]).toMatchObject({
      direction: "outbound",
      side: "target",
      ports: [1024, 65535],
      entry: { RuleNumber: 32767, RuleAction: "deny" },
      freeRuleNumber: 32766,
    });
  });

  it("the load balancer subnet's ACL: check out to the target and its return in", () => {
    const v = evaluate(
      nodeAcl(allowAll, [
        entry(100, "allow", true, "0.0.0.0/0"),
        entry(100, "allow", false, "0.0.0.0/0", [0, 1023]),
      ]),
    );
    expect(v.denials.map((d) => [d.side, d.direction, d.subnetId, d.peer])).toEqual([
      ["load-balancer", "inbound", "subnet-lb-a", "10.0.16.10/32"],
      ["load-balancer", "inbound", "subnet-lb-b", "10.0.16.10/32"],
    ]);
  });

  it("traffic inside one subnet crosses no ACL", () => {
    const lists = world({
      networkAcls: [acl("acl-deny", ["subnet-lb-a", "subnet-lb-b", "subnet-nodes"], [], true)],
    });
    const sameSubnet = { ...alb, AvailabilityZones: [{ SubnetId: "subnet-nodes" }] };
    expect(new NetworkPaths(lists).evaluate(sameSubnet, node, PORT).networkAcls.status).toBe(
      "open",
    );
    expect(evaluate(lists).status).toBe("closed");
  });

  it("a subnet without an association falls back to its VPC's default ACL", () => {
    const lists = world({
      networkAcls: [
        acl("acl-default", [], [], true),
        acl("acl-lb", ["subnet-lb-a", "subnet-lb-b"], allowAll),
      ],
    });
    const v = evaluate(lists);
    expect(v.denials[0]).toMatchObject({ networkAclId: "acl-default", subnetId: "subnet-nodes" });
  });

  it.each([
    {
      name: "ACLs not collected",
      lists: world({ networkAcls: undefined }),
      reason: /aws.networkAcls was not collected/,
    },
    {
      name: "subnets not collected",
      lists: world({ subnets: undefined }),
      reason: /aws.subnets was not collected/,
    },
    {
      name: "no ACL for the target subnet",
      lists: world({ networkAcls: [acl("acl-lb", ["subnet-lb-a", "subnet-lb-b"], allowAll)] }),
      reason: /no network ACL of subnet subnet-nodes/,
    },
    {
      name: "a load balancer subnet missing",
      lists: world({
        subnets: (world().subnets ?? []).filter((s) => s.SubnetId !== "subnet-lb-a"),
      }),
      reason: /load balancer subnet subnet-lb-a is not in the snapshot/,
    },
  ])("unknown: $name", ({ lists, reason }) => {
    const v = evaluate(lists);
    expect(v.status).toBe("unknown");
    expect(v.reason).toMatch(reason);
  });
});

describe("firstDeny and freeRuleNumber", () => {
  const table: NetworkAcl = acl(
    "acl-1",
    [],
    [
      entry(100, "allow", false, "10.0.0.0/8", [80, 80]),
      entry(99, "allow", false, "10.0.0.0/8", [443, 443]),
      entry(101, "deny", false, "0.0.0.0/0"),
    ],
  );
  it("returns undefined when every packet is allowed, the entry when not, null for none", () => {
    expect(firstDeny(table, false, [167772160, 167772160], [80, 80])).toBeUndefined();
    expect(firstDeny(table, false, [167772160, 167772160], [80, 81])?.RuleNumber).toBe(101);
    expect(firstDeny({ NetworkAclId: "acl-empty" }, false, [1, 1], [80, 80])).toBeNull();
  });
  it("picks the highest number below the denying entry that is free in that direction", () => {
    expect(freeRuleNumber(table, false, 101)).toBe(98);
    expect(freeRuleNumber(table, true, 101)).toBe(100);
    expect(
      freeRuleNumber(acl("a", [], [entry(1, "deny", false, "0.0.0.0/0")]), false, 1),
    ).toBeUndefined();
  });
});
