/**
 * The few words each finding's blamed edge carries, read from the evidence the rules really
 * write: the bundled examples, and the network rules run on the scenarios their own tests use
 * (no example has an ACL denial or a closed traffic port).
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../lib/analyze/finding";
import { buildModel } from "../../lib/analyze/model";
import type { Rule } from "../../lib/analyze/rule";
import { securityGroupBlocksHealthCheck } from "../../lib/analyze/rules/net001-security-group-blocks-health-check";
import { networkAclBlocksHealthCheck } from "../../lib/analyze/rules/net002-network-acl-blocks-health-check";
import { securityGroupBlocksTrafficPort } from "../../lib/analyze/rules/net003-security-group-blocks-traffic-port";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { blameOf } from "../../lib/report/blame";
import { auditExample } from "../support/audited-examples";
import {
  BACKEND_SG,
  LB_SG,
  NODE_SG,
  aclEntry,
  ec2,
  fromGroup,
  nodeRules,
  tcp,
  allTimeOut,
  networkGateway,
  nodeAcl,
} from "../support/network-scenarios";

/** A finding's frame, for the evidence a test gives it. */
const exampleLike = (code: string): Finding => ({
  code,
  name: code,
  severity: "warning",
  title: code,
  targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1",
  resources: [],
  affectedTargets: [],
  evidence: { expected: {}, actual: {} },
  rootCause: "",
  remediation: "",
  fingerprint: code,
});

async function exampleFinding(name: string, code: string): Promise<Finding> {
  const { report } = await auditExample(name);
  const f = report.findings.find((x) => x.code === code);
  if (!f) throw new Error(`${name} has no ${code}`);
  return f;
}

/** The gateway scenario (instance mode, checked on 31127, traffic 31246), edited, through one rule. */
function ruleFinding(rule: Rule, edit: (s: SnapshotInput) => void): Finding {
  const snapshot = networkGateway(edit);
  const [f] = rule.check({ model: buildModel(snapshot), prior: [], rules: [] });
  if (!f) throw new Error(`${rule.code} did not fire`);
  return f;
}

describe("NET001: the security groups that close the checked port", () => {
  it("example 30: the targets' own group, not the load balancer's", async () => {
    const f = await exampleFinding(
      "30-custom-security-groups-without-backend-rules.json",
      "NET001",
    );
    expect(blameOf(f)).toEqual({
      edge: "tg-targets",
      label: "security group sg-0a7c51e9d2b84f360 closes 31127",
    });
  });

  it("example 31: both groups of the new node group's interface", async () => {
    const f = await exampleFinding(
      "31-new-node-group-without-cluster-security-group.json",
      "NET001",
    );
    expect(blameOf(f).label).toBe(
      "security groups sg-07e2b9c4d1a6f5038, sg-0b5f3a8e6c2d19747 close 31127",
    );
  });

  it("only the way out closed: the load balancer's groups", () => {
    const f = ruleFinding(securityGroupBlocksHealthCheck, (s) => {
      allTimeOut(s);
      for (const g of ec2(s).securityGroups)
        if (g.GroupId === LB_SG || g.GroupId === BACKEND_SG) g.IpPermissionsEgress = [];
    });
    expect(blameOf(f).label).toBe(
      `load balancer's security groups ${LB_SG}, ${BACKEND_SG} let nothing out on 31127`,
    );
  });
});

describe("NET002: the network ACL, which way, and whether it drops the check or its answer", () => {
  it("an entry denying the check into the nodes' subnets", () => {
    const f = ruleFinding(networkAclBlocksHealthCheck, (s) => {
      allTimeOut(s);
      nodeAcl(s, [
        aclEntry(90, "deny", false, "10.0.101.0/24", [31000, 31200]),
        aclEntry(100, "allow", false, "10.0.96.0/19", [30000, 32767]),
        aclEntry(100, "allow", true, "10.0.96.0/19", [1024, 65535]),
      ]);
    });
    expect(blameOf(f)).toEqual({
      edge: "tg-targets",
      label: "network ACL acl-0nodes denies inbound 31127",
    });
  });

  it("no way back for the answer on the ephemeral ports", () => {
    const f = ruleFinding(networkAclBlocksHealthCheck, (s) => {
      allTimeOut(s);
      nodeAcl(s, [aclEntry(100, "allow", false, "10.0.96.0/19", [30000, 32767])]);
    });
    expect(blameOf(f).label).toMatch(
      /^network ACL acl-0nodes denies outbound 1024-65535, the answer( \(\+\d+ more\))?$/,
    );
  });
});

describe("NET003: the traffic port the security groups close", () => {
  it("names the nodes' group and the traffic port, not the health-check port", () => {
    const f = ruleFinding(securityGroupBlocksTrafficPort, (s) =>
      nodeRules(s, [tcp(31127, 31127, fromGroup(BACKEND_SG))]),
    );
    expect(blameOf(f)).toEqual({
      edge: "tg-targets",
      label: `security group ${NODE_SG} closes traffic port 31246: requests time out`,
    });
  });
});

describe("TGT006: the node selection that left the group empty", () => {
  it("example 08: the exclusion label on every node, on the controller's link", async () => {
    const f = await exampleFinding("08-exclusion-label-empties-target-group.json", "TGT006");
    expect(blameOf(f)).toEqual({
      edge: "service-tg",
      label: "registers 0 of 3 nodes: label exclude-from-external-load-balancers on all 3",
    });
  });
});

describe("HC005: the declared settings and the object that declares them", () => {
  it("example 20: a TargetGroupConfiguration's fields by their last name, the object named", async () => {
    const f = await exampleFinding("20-gateway-api-tgc-not-applied.json", "HC005");
    expect(blameOf(f)).toEqual({
      edge: "service-tg",
      label:
        "healthCheckPort, healthCheckPath on TargetGroupConfiguration orders/orders-api not applied",
    });
  });

  it("example 02: annotations without their prefix, on the Ingress that carries them", async () => {
    const f = await exampleFinding("02-annotation-on-wrong-object.json", "HC005");
    expect(blameOf(f).label).toBe(
      "healthcheck-port, healthcheck-path on Ingress istio-system/istio-ingress not applied",
    );
  });
});

describe("HC007: both timeouts", () => {
  it("the load balancer's and the probe's, under the keys the rule writes", () => {
    const f = {
      ...exampleLike("HC007"),
      evidence: {
        expected: { HealthCheckTimeoutSeconds: ">= 5", readinessProbeTimeoutSeconds: 5 },
        actual: { HealthCheckTimeoutSeconds: 2, HealthCheckIntervalSeconds: 5 },
      },
    };
    expect(blameOf(f)).toEqual({
      edge: "tg-targets",
      label: "gives up after 2 s, the pods' probe waits 5 s",
    });
  });
});
