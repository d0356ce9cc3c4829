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
