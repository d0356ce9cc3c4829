import { describe, expect, it } from "vitest";
import type { Finding } from "../../../lib/analyze/finding";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { makeFinding } from "../../../lib/analyze/rule";
import { staleTarget } from "../../../lib/analyze/rules/tgt001-stale-target";
import { unexplainedUnhealthyTargets } from "../../../lib/analyze/rules/tgt005-unexplained-unhealthy-targets";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";
import {
  BACKEND_SG,
  ec2,
  fromGroup,
  nodeRules,
  tcp,
  withNetwork,
} from "../../support/network-scenarios";

const run = (snapshot: Snapshot, prior: Finding[] = []) =>
  guard(unexplainedUnhealthyTargets).check({ model: buildModel(snapshot), prior, rules: [] });

const TIMEOUT = "Request timed out";

/** The gateway's second and third nodes fail their checks with a timeout. */
function twoTimeouts(s: SnapshotInput) {
  const d = tgs(s)[0]!.TargetHealthDescriptions!;
  for (const i of [1, 2]) {
    d[i]!.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout", Description: TIMEOUT };
  }
}

/** A finding of another rule that explains the given targets of a group. */
const explaining = (arn: string, ids: string[], port = 31246): Finding =>
  makeFinding("TP001", {
    severity: "warning",
    title: "explains",
    targetGroupArn: arn,
    resources: [],
    affectedTargets: ids.map((id) => ({
      id,
      port,
      state: "unhealthy",
      reason: "Target.Timeout",
    })),
    evidence: { expected: {}, actual: {} },
    rootCause: "",
    remediation: "",
  });

describe("TGT005 UnexplainedUnhealthyTargets", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("reports failing targets nobody explained, with AWS's reason and description", () => {
    const findings = run(snapshotOf(healthyInstanceGatewayInput(), twoTimeouts));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT005");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f.title).toContain("Target.Timeout");
    expect(f.affectedTargets.map((t) => t.id)).toEqual([NODES[1].id, NODES[2].id]);
    expect(f.evidence.actual.targets).toContainEqual({
      id: NODES[2].id,
      port: 31246,
      node: NODES[2].name,
      state: "unhealthy",
      reason: "Target.Timeout",
      description: TIMEOUT,
    });
    expect(f.rootCause).toContain(`${NODES[1].id} Target.Timeout (${TIMEOUT})`);
    // The hint names the checked port (the health-check port, not the traffic port).
    expect(f.remediation).toContain("inbound on port 31127");
    expect(f.remediation).toContain(
      `aws elbv2 describe-target-health --target-group-arn ${GW_TG_ARN}`,
    );
  });

  it("lists only the targets earlier findings did not explain", () => {
    const prior = [explaining(GW_TG_ARN, [NODES[1].id])];
    const findings = run(snapshotOf(healthyInstanceGatewayInput(), twoTimeouts), prior);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.affectedTargets.map((t) => t.id)).toEqual([NODES[2].id]);
  });

  it("stays quiet when earlier findings explain every failing target", () => {
    const prior = [explaining(GW_TG_ARN, [NODES[1].id, NODES[2].id])];
    expect(run(snapshotOf(healthyInstanceGatewayInput(), twoTimeouts), prior)).toEqual([]);
  });

  it("does not count a finding on another target group as an explanation", () => {
    const prior = [explaining(APP_TG_ARN, [NODES[1].id, NODES[2].id])];
    expect(run(snapshotOf(healthyInstanceGatewayInput(), twoTimeouts), prior)).toHaveLength(1);
  });

  it("does not count the same instance on another port as explained", () => {
    const prior = [explaining(GW_TG_ARN, [NODES[1].id, NODES[2].id], 31253)];
    expect(run(snapshotOf(healthyInstanceGatewayInput(), twoTimeouts), prior)).toHaveLength(1);
  });

  it("treats initial and draining targets as not failing", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      const d = tgs(s)[0]!.TargetHealthDescriptions!;
      d[1]!.TargetHealth = { State: "initial", Reason: "Elb.InitialHealthChecking" };
      d[2]!.TargetHealth = { State: "draining", Reason: "Target.DeregistrationInProgress" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("curls an ip target on its own address", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions![0] = target(
        "10.0.1.60",
        8080,
        "unhealthy",
        "Target.ResponseCodeMismatch",
        "Health checks failed with these codes: [503]",
      );
    });
    const f = run(snapshot)[0]!;
    expect(f.remediation).toContain("curl -sv http://10.0.1.60:8080/ready");
  });

  it("does not repeat a stale target TGT001 already reports (through analyze)", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      twoTimeouts(s);
      k8s(s).nodes.pop();
    });
    const report = analyze(snapshot, { rules: [staleTarget, unexplainedUnhealthyTargets] });
    const byCode = Object.fromEntries(report.findings.map((f) => [f.code, f]));
    expect(byCode.TGT001?.affectedTargets.map((t) => t.id)).toEqual([NODES[2].id]);
    expect(byCode.TGT005?.affectedTargets.map((t) => t.id)).toEqual([NODES[1].id]);
  });
});

describe("TGT005's timeout hint: what the network check concluded", () => {
  const hint = (edit: (s: SnapshotInput) => void) => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        twoTimeouts(s);
        edit(s);
      }),
    );
    return f?.remediation.split("\n") ?? [];
  };

  it("says the check did not run when the snapshot holds no EC2 lists", () => {
    expect(hint(() => {})).toContain(
      "Network check not run: the snapshot holds no aws.instances, aws.networkInterfaces, aws.securityGroups, aws.subnets (collected with --no-network or NETWORK_CHECKS=false, or by an older collector).",
    );
  });

  it("says the path is open, and drops the security-group advice", () => {
    const lines = hint((s) => withNetwork(s, [31127, 31246]));
    expect(lines).toContain(
      "Network check open: the security groups and network ACLs let k8s-shop reach port 31127.",
    );
    expect(lines[0]).toMatch(
      /^Target\.Timeout: the check got no answer, though the path to port 31127 is open\./,
    );
    expect(lines.join("\n")).not.toContain("Allow the load balancer's security group");
    // The node lists no address, but the snapshot's instance does; the group sets no timeout.
    expect(lines[0]).toContain("answers within the check's timeout.");
    expect(lines[0]).toContain("curl -sv http://10.0.2.10:31127/healthz/ready");
  });

  it("says why it is unknown", () => {
    const lines = hint((s) => {
      withNetwork(s, [31127, 31246]);
      nodeRules(s, [tcp(31127, 31127, { PrefixListIds: [{ PrefixListId: "pl-0lb" }] })]);
    });
    expect(lines).toContain(
      "Network check unknown: a rule for port 31127 names prefix list pl-0lb, whose CIDRs the snapshot does not hold.",
    );
  });

  it("says a closed verdict is not trusted when a passing target has the same groups", () => {
    const lines = hint((s) => {
      withNetwork(s, [31127, 31246]);
      nodeRules(s, [tcp(31246, 31246, fromGroup(BACKEND_SG))]);
    });
    expect(lines).toContain(
      "Network check closed: by the security groups on port 31127, but a passing target of the group has the same security groups, so they are not the cause.",
    );
  });

  it("says which EC2 list could not be read", () => {
    const lines = hint((s) => {
      withNetwork(s, [31127, 31246]);
      ec2(s).securityGroups.length = 0;
      s.gaps = [{ source: "aws.securityGroups", message: "AccessDenied" }];
    });
    expect(lines).toContain(
      "Network check not run: aws.securityGroups could not be read (see AUDIT001).",
    );
  });
});
