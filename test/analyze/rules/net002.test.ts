import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { networkAclBlocksHealthCheck } from "../../../lib/analyze/rules/net002-network-acl-blocks-health-check";
import type { Snapshot } from "../../../lib/snapshot/schema";
import { guard } from "../../support/guarded-model";
import {
  BACKEND_SG,
  DEFAULT_ACL,
  LB_SUBNETS,
  NODE_SUBNETS,
  aclEntry,
  ec2,
  fromGroup,
  nodeRules,
  tcp,
  allTimeOut,
  networkGateway,
  nodeAcl,
} from "../../support/network-scenarios";
import { GW_TG_ARN, NODES } from "../../support/scenarios";

const run = (snapshot: Snapshot) =>
  guard(networkAclBlocksHealthCheck).check({ model: buildModel(snapshot), prior: [], rules: [] });

const gateway = networkGateway;

/** What a nodes' ACL needs: the checks in from the load balancer's subnets, the answers out. */
const healthyNodeEntries = () => [
  aclEntry(100, "allow", false, "10.0.96.0/19", [30000, 32767]),
  aclEntry(110, "allow", false, "10.0.0.0/16", [1024, 65535]),
  aclEntry(100, "allow", true, "10.0.96.0/19", [1024, 65535]),
  aclEntry(110, "allow", true, "0.0.0.0/0", [443, 443]),
];

describe("NET002 NetworkAclBlocksHealthCheck", () => {
  it("stays quiet when the nodes' ACL allows the checks in and the ephemeral ports back", () => {
    expect(run(gateway((s) => allTimeOut(s)))).toEqual([]);
    expect(run(gateway((s) => (allTimeOut(s), nodeAcl(s, healthyNodeEntries()))))).toEqual([]);
  });

  it("names the denying entry and adds an allow entry just below it", () => {
    const findings = run(
      gateway((s) => {
        allTimeOut(s);
        nodeAcl(s, [
          aclEntry(90, "deny", false, "10.0.101.0/24", [31000, 31200]),
          ...healthyNodeEntries(),
        ]);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "NET002", severity: "critical", targetGroupArn: GW_TG_ARN });
    expect(f.affectedTargets.map((t) => t.id)).toEqual(NODES.map((n) => n.id));
    // One ACL serves the three node subnets: one entry fixes all three.
    expect(f.evidence.actual.denials).toEqual([
      {
        side: "target",
        direction: "inbound",
        subnets: NODE_SUBNETS.map((n) => n.id),
        networkAcl: "acl-0nodes",
        peer: "10.0.101.0/24",
        ports: "31127",
        decidingEntry: "rule 90 deny tcp ports 31000-31200 10.0.101.0/24",
      },
    ]);
    expect(f.remediation).toBe(
      `Allow inbound tcp 31127 from 10.0.101.0/24 in network ACL acl-0nodes (subnet ${NODE_SUBNETS.map((n) => n.id).join(", ")}), ahead of entry 90:\n` +
        "aws ec2 create-network-acl-entry --network-acl-id acl-0nodes --ingress --rule-number 89 --protocol tcp --port-range From=31127,To=31127 --cidr-block 10.0.101.0/24 --rule-action allow",
    );
  });

  it("the return path: no ephemeral ports back to the load balancer's subnets", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        nodeAcl(s, [
          aclEntry(100, "allow", false, "10.0.96.0/19", [30000, 32767]),
          aclEntry(100, "allow", true, "10.0.96.0/19", [80, 443]),
        ]);
      }),
    );
    expect(f).toBeDefined();
    expect((f!.evidence.actual.denials as { direction: string; ports: string }[])[0]).toEqual({
      side: "target",
      direction: "outbound",
      subnets: NODE_SUBNETS.map((n) => n.id),
      networkAcl: "acl-0nodes",
      peer: LB_SUBNETS[0]!.cidr,
      ports: "1024-65535",
      decidingEntry: "rule * deny all all ports 0.0.0.0/0",
    });
    expect(f!.rootCause).toContain("the answer to the health check of k8s-shop never gets back");
    expect(f!.remediation).toContain(
      `aws ec2 create-network-acl-entry --network-acl-id acl-0nodes --egress --rule-number 32766 --protocol tcp --port-range From=1024,To=65535 --cidr-block ${LB_SUBNETS[0]!.cidr} --rule-action allow`,
    );
  });

  it("a deny for other ports, or an IPv6 entry, changes nothing", () => {
    expect(
      run(
        gateway((s) => {
          allTimeOut(s);
          nodeAcl(s, [
            aclEntry(90, "deny", false, "10.0.101.0/24", [22, 22]),
            {
              RuleNumber: 95,
              Protocol: "-1",
              RuleAction: "deny",
              Egress: false,
              Ipv6CidrBlock: "::/0",
            },
            ...healthyNodeEntries(),
          ]);
        }),
      ),
    ).toEqual([]);
  });

  it("fires beside NET001 when both block, and TGT005 stays out", () => {
    const report = analyze(
      gateway((s) => {
        allTimeOut(s);
        nodeRules(s, [tcp(31246, 31246, fromGroup(BACKEND_SG))]);
        nodeAcl(s, [aclEntry(90, "deny", false, "10.0.0.0/8"), ...healthyNodeEntries()]);
      }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(["NET001", "NET002"]);
  });

  it("is not run without aws.networkAcls, and the report says so", () => {
    const report = analyze(
      gateway((s) => {
        allTimeOut(s);
        delete s.aws.networkAcls;
      }),
    );
    const notRun = report.summary.notRun?.filter((n) => n.code.startsWith("NET"));
    expect(notRun).toEqual([{ code: "NET002", missing: ["aws.networkAcls"] }]);
    expect(report.findings.map((f) => f.code)).toEqual(["TGT005"]);
  });

  it("keeps the default ACL in view: a subnet without an association falls back to it", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        const acl = ec2(s).networkAcls.find((a) => a.NetworkAclId === DEFAULT_ACL)!;
        acl.Associations = [];
        acl.Entries = [aclEntry(50, "deny", false, "10.0.101.0/24"), ...(acl.Entries ?? [])];
      }),
    );
    expect(f?.title).toContain(`network ACL ${DEFAULT_ACL} blocks the health check`);
    expect(f?.remediation).toContain("--rule-number 49");
  });
});
