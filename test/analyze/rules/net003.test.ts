import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { securityGroupBlocksTrafficPort } from "../../../lib/analyze/rules/net003-security-group-blocks-traffic-port";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import { guard } from "../../support/guarded-model";
import {
  BACKEND_SG,
  NODE_SG,
  fromGroup,
  nodeEni,
  nodeRules,
  tcp,
  withNetwork,
} from "../../support/network-scenarios";
import {
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  snapshotOf,
} from "../../support/scenarios";

const run = (snapshot: Snapshot) =>
  guard(securityGroupBlocksTrafficPort).check({
    model: buildModel(snapshot),
    prior: [],
    rules: [],
  });

const gateway = (edit?: (s: SnapshotInput) => void) =>
  snapshotOf(healthyInstanceGatewayInput(), (s) => {
    withNetwork(s, [31127, 31246]);
    edit?.(s);
  });

/** The status port opened by hand, the traffic port not. */
const statusPortOnly = (s: SnapshotInput) =>
  nodeRules(s, [tcp(31127, 31127, fromGroup(BACKEND_SG))]);

describe("NET003 SecurityGroupBlocksTrafficPort", () => {
  it("stays quiet when both ports are open", () => {
    expect(run(gateway())).toEqual([]);
  });

  it("fires, critical, while every target passes its check on the status port", () => {
    const findings = run(gateway(statusPortOnly));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "NET003", severity: "critical", targetGroupArn: GW_TG_ARN });
    expect(f.title).toBe(
      "k8s-istiosys-gw-1234567890: targets pass the check on port 31127, but security groups block traffic port 31246 from k8s-shop",
    );
    expect(f.affectedTargets.map((t) => [t.id, t.state])).toEqual(
      NODES.map((n) => [n.id, "healthy"]),
    );
    expect(f.evidence.actual.healthCheckPort).toBe(31127);
    expect(
      (f.evidence.actual.targets as { port: number; rulesForPort: string[] }[])[0],
    ).toMatchObject({
      port: 31246,
      interface: nodeEni(0),
      rulesForPort: [],
    });
    expect(f.rootCause).toContain("times out (504)");
    expect(f.remediation).toBe(
      `Allow the load balancer's security group ${BACKEND_SG} in security group ${NODE_SG} of interface ${nodeEni(0)} on port 31246:\n` +
        `aws ec2 authorize-security-group-ingress --group-id ${NODE_SG} --ip-permissions 'IpProtocol=tcp,FromPort=31246,ToPort=31246,UserIdGroupPairs=[{GroupId=${BACKEND_SG}}]'`,
    );
  });

  it("a group checked on its traffic port is NET001's, never NET003's", () => {
    expect(
      run(
        snapshotOf(healthyIpAppInput(), (s) => {
          withNetwork(s, [8080]);
          nodeRules(s, []);
        }),
      ),
    ).toEqual([]);
  });

  it("an NLB is left alone", () => {
    expect(
      run(
        gateway((s) => {
          statusPortOnly(s);
          s.aws.loadBalancers![0]!.Type = "network";
        }),
      ),
    ).toEqual([]);
  });

  it("a traffic port the snapshot cannot judge stays quiet (prefix list)", () => {
    expect(
      run(
        gateway((s) =>
          nodeRules(s, [
            tcp(31127, 31127, fromGroup(BACKEND_SG)),
            tcp(31246, 31246, { PrefixListIds: [{ PrefixListId: "pl-0lb" }] }),
          ]),
        ),
      ),
    ).toEqual([]);
  });

  it("is the one finding of a group that looks healthy", () => {
    const report = analyze(gateway(statusPortOnly));
    expect(report.findings.map((f) => f.code)).toEqual(["NET003"]);
    expect(report.summary.unhealthyTargets).toBe(0);
  });
});
