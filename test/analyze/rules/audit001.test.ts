import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import type { Rule } from "../../../lib/analyze/rule";
import { auditIncomplete } from "../../../lib/analyze/rules/audit001-audit-incomplete";
import { staleTarget } from "../../../lib/analyze/rules/tgt001-stale-target";
import { targetGroupNotInUse } from "../../../lib/analyze/rules/tgt004-target-group-not-in-use";
import { unboundTargetGroup } from "../../../lib/analyze/rules/bind001-unbound-target-group";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";
import { readFileSync } from "node:fs";

/** Example 20: a target group the controller built for Gateway orders/public. */
const gatewayExample = (): SnapshotInput =>
  JSON.parse(
    readFileSync(
      new URL("../../../examples/20-gateway-api-tgc-not-applied.json", import.meta.url),
      "utf8",
    ),
  ) as SnapshotInput;

/** Stand-ins for rules of the catalog, reading the lists named. */
const reads = (code: string, ...inputs: Rule["inputs"]): Rule => ({
  code,
  inputs,
  check: () => [],
});
const RULES = [
  reads("MESH001", "kubernetes.peerAuthentications", "kubernetes.pods"),
  reads("MESH002", "kubernetes.peerAuthentications"),
  reads("TGT003", "kubernetes.endpointSlices", "kubernetes.pods"),
  auditIncomplete,
];

const run = (snapshot: Snapshot, rules: readonly Rule[] = RULES) =>
  guard(auditIncomplete).check({ model: buildModel(snapshot), prior: [], rules });

const withGaps =
  (...gaps: NonNullable<SnapshotInput["gaps"]>) =>
  (s: SnapshotInput) => {
    s.gaps = gaps;
  };

describe("AUDIT001 AuditIncomplete", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("names the checks a missing CRD kept from running, and says they do not apply", () => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps({
        source: "kubernetes.peerAuthentications",
        message: "the server could not find the requested resource (404)",
      }),
    );
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("AUDIT001");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBeNull();
    expect(f.title).toBe(
      "kubernetes.peerAuthentications could not be read; checks not run: MESH001, MESH002",
    );
    expect(f.evidence.actual.checksNotRun).toEqual(["MESH001", "MESH002"]);
    expect(f.remediation).toContain("Istio is not installed");
    expect(f.remediation).toContain("kubectl get crd peerauthentications.security.istio.io");
  });

  it("stays quiet about a missing PeerAuthentication API when no pod runs Istio", () => {
    const noIstio = (s: SnapshotInput) => {
      for (const pod of k8s(s).pods) pod.spec.containers[0]!.name = "nginx-ingress-controller";
      s.gaps = [{ source: "kubernetes.peerAuthentications", message: "not found (404)" }];
    };
    expect(run(snapshotOf(healthyInstanceGatewayInput(), noIstio))).toEqual([]);
    // Without the pods, nobody can tell that the mesh is absent: the gap is reported.
    const podsUnknown = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      noIstio(s);
      s.gaps!.push({ source: "kubernetes.pods", message: "forbidden (403)" });
    });
    expect(run(podsUnknown).map((f) => f.evidence.expected)).toEqual([
      { "kubernetes.peerAuthentications": "read" },
      { "kubernetes.pods": "read" },
    ]);
  });

  it("points a forbidden list at the auditor's RBAC", () => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps({
        source: "kubernetes.endpointSlices",
        message:
          'endpointslices.discovery.k8s.io is forbidden: User "auditor" cannot list resource "endpointslices" (403)',
      }),
    );
    const f = run(snapshot)[0]!;
    expect(f.title).toContain("checks not run: TGT003");
    expect(f.remediation).toContain(
      "kubectl auth can-i list endpointslices.discovery.k8s.io --all-namespaces",
    );
    expect(f.remediation).toContain('apiGroups: ["discovery.k8s.io"]');
    expect(f.remediation).toContain("infra/");
  });

  it("points an AWS access denial at the IAM policy", () => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps({
        source: "aws.loadBalancers",
        message:
          "AccessDenied: not authorized to perform elasticloadbalancing:DescribeLoadBalancers",
      }),
    );
    expect(run(snapshot)[0]!.remediation).toContain("elasticloadbalancing:DescribeLoadBalancers");
  });

  it("says which group is not audited when its target health could not be read", () => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps({
        source: "aws.targetGroups",
        targetGroupArn: GW_TG_ARN,
        message: "Throttling: Rate exceeded",
      }),
    );
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toBe(
      "k8s-istiosys-gw-1234567890: target health could not be read; the group is not audited",
    );
    expect(f.rootCause).toContain("target health of this group could not be read");
    expect(f.remediation).toContain("run the audit again");
  });

  it("reports a list the snapshot left out, naming no check when none reads it", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      delete (s.kubernetes as Record<string, unknown>).ingresses;
    });
    const f = run(snapshot)[0]!;
    expect(f.title).toContain("checks not run: none");
    expect(f.remediation).toContain("kubectl get ingresses.networking.k8s.io --all-namespaces");
  });

  it("merges repeated gaps of one list into one finding", () => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps(
        { source: "kubernetes.pods", message: "page 1: timeout" },
        { source: "kubernetes.pods", message: "page 2: timeout" },
      ),
    );
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.rootCause).toContain("page 1: timeout; page 2: timeout");
  });

  it("runs last in analyze and names the real rules a gap blocked", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      // The nodes list is unreadable: without it every target would look stale.
      k8s(s).nodes = [];
      s.gaps = [{ source: "kubernetes.nodes", message: "nodes is forbidden (403)" }];
    });
    const report = analyze(snapshot, {
      rules: [staleTarget, targetGroupNotInUse, unboundTargetGroup, auditIncomplete],
    });
    expect(report.findings.map((f) => f.code)).toEqual(["AUDIT001"]);
    expect(report.findings[0]!.evidence.actual.checksNotRun).toEqual(["TGT001", "TGT004"]);
  });

  it.each([
    [
      "kubernetes.targetGroupConfigurations",
      "targetgroupconfigurations.gateway.k8s.aws",
      "gateway.k8s.aws",
    ],
    ["kubernetes.httpRoutes", "httproutes.gateway.networking.k8s.io", "gateway.networking.k8s.io"],
    ["kubernetes.tcpRoutes", "tcproutes.gateway.networking.k8s.io", "gateway.networking.k8s.io"],
  ])("points a forbidden %s at the RBAC for %s", (source, qualified, group) => {
    const snapshot = snapshotOf(
      healthyInstanceGatewayInput(),
      withGaps({ source, message: `${qualified} is forbidden (403)` }),
    );
    const f = run(snapshot)[0]!;
    expect(f.remediation).toContain(`kubectl auth can-i list ${qualified} --all-namespaces`);
    expect(f.remediation).toContain(`apiGroups: ["${group}"]`);
  });

  it("says a Gateway API kind a Gateway's target group needs is missing, not that nothing is to fix", () => {
    const message = "404 on gateway.networking.k8s.io/v1 gateways";
    const needed = run(
      snapshotOf(gatewayExample(), withGaps({ source: "kubernetes.gateways", message })),
    )[0]!;
    expect(needed.remediation).toMatch(
      /^The gateways\.gateway\.networking\.k8s\.io API is not served, yet target group \S+ was built by the controller for a Gateway/,
    );
    expect(needed.remediation).toContain("kubectl get crd gateways.gateway.networking.k8s.io");
    // Without such a group the CRD is simply not installed.
    const plain = run(
      snapshotOf(
        healthyInstanceGatewayInput(),
        withGaps({ source: "kubernetes.gateways", message }),
      ),
    )[0]!;
    expect(plain.remediation).toContain("the Gateway API is not installed in this cluster");
  });
});
