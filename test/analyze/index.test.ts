import { describe, expect, it } from "vitest";
import { analyze, runRules } from "../../lib/analyze";
import type { Finding, ResourceRef, Severity } from "../../lib/analyze/finding";
import { buildModel } from "../../lib/analyze/model";
import { AFTER_ALL, makeFinding, type Rule } from "../../lib/analyze/rule";
import { RULES } from "../../lib/analyze/rules";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../support/scenarios";

/** Both baselines in one cluster: the gateway's instance group and the app's ip group. */
function bothInput(): SnapshotInput {
  const gw = healthyInstanceGatewayInput();
  const app = healthyIpAppInput();
  tgs(gw).push(...tgs(app));
  const [g, a] = [k8s(gw), k8s(app)];
  g.services.push(...a.services);
  g.endpointSlices.push(...a.endpointSlices);
  g.pods.push(...a.pods);
  g.ingresses.push(...a.ingresses);
  g.targetGroupBindings.push(...a.targetGroupBindings);
  g.peerAuthentications.push(...a.peerAuthentications);
  return gw;
}

const CART: ResourceRef = { kind: "Service", namespace: "shop", name: "cart" };
const GATEWAY: ResourceRef = {
  kind: "Service",
  namespace: "istio-system",
  name: "istio-ingressgateway",
};

const finding = (
  code: string,
  severity: Severity,
  targetGroupArn: string | null,
  resources: ResourceRef[] = [],
): Finding =>
  makeFinding(code, {
    severity,
    title: `${code} ${severity}`,
    targetGroupArn,
    resources,
    affectedTargets: [],
    evidence: { expected: {}, actual: {} },
    rootCause: "",
    remediation: "",
  });

/** A rule that returns fixed findings, and records what it was shown. */
function fixed(
  code: string,
  findings: Finding[],
  inputs: Rule["inputs"] = [],
  after: Rule["after"] = [],
) {
  const seen: { prior: string[] }[] = [];
  const rule: Rule = {
    code,
    inputs,
    after,
    check: ({ prior }) => {
      seen.push({ prior: prior.map((f) => f.code) });
      return findings;
    },
  };
  return { rule, seen };
}

describe("analyze", () => {
  it("finds nothing on the healthy baselines with every rule of the catalog", () => {
    for (const input of [healthyInstanceGatewayInput(), healthyIpAppInput(), bothInput()]) {
      const report = analyze(snapshotOf(input));
      expect(report.findings).toEqual([]);
      expect(report.summary.findings).toBe(0);
    }
  });

  it("orders findings by severity, then code, then target group", () => {
    const { rule } = fixed("MIX", [
      finding("TGT005", "warning", GW_TG_ARN),
      finding("AUDIT001", "warning", null),
      finding("HC001", "critical", GW_TG_ARN),
      finding("TGT001", "warning", APP_TG_ARN),
      finding("TGT001", "warning", GW_TG_ARN),
      finding("BIND002", "critical", APP_TG_ARN),
    ]);
    const report = analyze(snapshotOf(bothInput()), { rules: [rule] });
    expect(report.findings.map((f) => [f.severity, f.code, f.targetGroupArn])).toEqual([
      ["critical", "BIND002", APP_TG_ARN],
      ["critical", "HC001", GW_TG_ARN],
      ["warning", "AUDIT001", null],
      // ARNs compare as text: targetgroup/k8s-istiosys-gw before targetgroup/k8s-shop-cart.
      ["warning", "TGT001", GW_TG_ARN],
      ["warning", "TGT001", APP_TG_ARN],
      ["warning", "TGT005", GW_TG_ARN],
    ]);
    expect(report.summary.bySeverity).toEqual({ critical: 2, warning: 4, info: 0 });
    expect(report.summary.byCode).toEqual({
      BIND002: 1,
      HC001: 1,
      AUDIT001: 1,
      TGT001: 2,
      TGT005: 1,
    });
  });

  it("drops findings whose object carries alb-health-auditor/ignore and counts them", () => {
    const snapshot = snapshotOf(bothInput(), (s) => {
      const cart = k8s(s).services.find((svc) => svc.metadata.name === "cart")!;
      cart.metadata.annotations = {
        ...cart.metadata.annotations,
        "alb-health-auditor/ignore": "tgt005, HC001",
      };
    });
    const { rule } = fixed("MIX", [
      finding("TGT005", "warning", APP_TG_ARN, [CART]),
      finding("HC001", "critical", APP_TG_ARN, [CART]),
      finding("TGT001", "warning", APP_TG_ARN, [CART]),
      finding("TGT005", "warning", GW_TG_ARN, [GATEWAY]),
    ]);
    const report = analyze(snapshot, { rules: [rule] });
    expect(report.findings.map((f) => [f.code, f.targetGroupArn])).toEqual([
      ["TGT001", APP_TG_ARN],
      ["TGT005", GW_TG_ARN],
    ]);
    expect(report.summary.suppressed).toBe(2);
    expect(report.summary.suppressedByCode).toEqual({ TGT005: 1, HC001: 1 });
    expect(report.summary.findings).toBe(2);
    expect(report.summary.byCode).toEqual({ TGT001: 1, TGT005: 1 });
  });

  it("honours the annotation on a TargetGroupBinding and on an Ingress", () => {
    const snapshot = snapshotOf(bothInput(), (s) => {
      k8s(s).targetGroupBindings[0]!.metadata.annotations = {
        "alb-health-auditor/ignore": "TGT001",
      };
      k8s(s).ingresses[1]!.metadata.annotations!["alb-health-auditor/ignore"] = "TGT004";
    });
    const binding: ResourceRef = {
      kind: "TargetGroupBinding",
      namespace: "istio-system",
      name: "k8s-istiosys-gw-1234567890",
    };
    const ingress: ResourceRef = { kind: "Ingress", namespace: "shop", name: "cart" };
    const { rule } = fixed("MIX", [
      finding("TGT001", "warning", GW_TG_ARN, [binding, GATEWAY]),
      finding("TGT004", "warning", APP_TG_ARN, [CART, ingress]),
      // Same code, but on an object that does not ignore it.
      finding("TGT004", "warning", GW_TG_ARN, [GATEWAY]),
    ]);
    const report = analyze(snapshot, { rules: [rule] });
    expect(report.findings.map((f) => [f.code, f.targetGroupArn])).toEqual([["TGT004", GW_TG_ARN]]);
    expect(report.summary.suppressedByCode).toEqual({ TGT001: 1, TGT004: 1 });
  });

  it("honours the annotation on a workload's pod template for cluster-wide findings", () => {
    const snapshot = snapshotOf(bothInput(), (s) => {
      for (const pod of k8s(s).pods.filter((p) => p.metadata.namespace === "shop")) {
        pod.metadata.ownerReferences = [
          { kind: "ReplicaSet", name: "cart-7c9d", controller: true },
        ];
        pod.metadata.labels = { ...pod.metadata.labels, "pod-template-hash": "7c9d" };
        pod.metadata.annotations = {
          ...pod.metadata.annotations,
          "alb-health-auditor/ignore": "MESH002",
        };
      }
    });
    const deployment: ResourceRef = { kind: "Deployment", namespace: "shop", name: "cart" };
    const other: ResourceRef = { kind: "Deployment", namespace: "shop", name: "payments" };
    const { rule } = fixed("MIX", [
      finding("MESH002", "warning", null, [deployment]),
      finding("MESH002", "warning", null, [other]),
    ]);
    const report = analyze(snapshot, { rules: [rule] });
    expect(report.findings.map((f) => f.resources[0]?.name)).toEqual(["payments"]);
    expect(report.summary.suppressedByCode).toEqual({ MESH002: 1 });
  });

  it("skips a rule whose input is a gap, but not for a gap of one group's health", () => {
    const pods = fixed("TGT003", [finding("TGT003", "critical", GW_TG_ARN)], ["kubernetes.pods"]);
    const tgsRule = fixed(
      "TGT005",
      [finding("TGT005", "warning", GW_TG_ARN)],
      ["aws.targetGroups"],
    );
    const snapshot = snapshotOf(bothInput(), (s) => {
      s.gaps = [
        { source: "kubernetes.pods", message: "pods is forbidden (403)" },
        { source: "aws.targetGroups", targetGroupArn: APP_TG_ARN, message: "Throttling" },
      ];
    });
    const report = analyze(snapshot, { rules: [pods.rule, tgsRule.rule] });
    expect(pods.seen).toEqual([]);
    expect(tgsRule.seen).toHaveLength(1);
    expect(report.findings.map((f) => f.code)).toEqual(["TGT005"]);
    expect(report.summary.gaps).toBe(2);
    expect(report.summary.targetGroups).toBe(2);
    expect(report.summary.targetGroupsAudited).toBe(1);
  });

  it("shows each rule the findings of the rules before it", () => {
    const first = fixed("HC001", [finding("HC001", "critical", GW_TG_ARN)]);
    const second = fixed("TP001", [finding("TP001", "warning", GW_TG_ARN)], [], ["HC001"]);
    const last = fixed("TGT005", [], [], AFTER_ALL);
    runRules(buildModel(snapshotOf(bothInput())), [first.rule, second.rule, last.rule]);
    expect(first.seen).toEqual([{ prior: [] }]);
    expect(second.seen).toEqual([{ prior: ["HC001"] }]);
    expect(last.seen).toEqual([{ prior: ["HC001", "TP001"] }]);
  });

  it("keeps TGT005 after every rule that explains targets and AUDIT001 last", () => {
    const codes = RULES.map((r) => r.code);
    expect(codes.at(-1)).toBe("AUDIT001");
    expect(codes.at(-2)).toBe("TGT005");
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("summarises targets, failing targets and the report time", () => {
    const snapshot = snapshotOf(bothInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = {
        State: "unhealthy",
        Reason: "Target.Timeout",
      };
      tgs(s)[1]!.TargetHealthDescriptions![0]!.TargetHealth = {
        State: "draining",
        Reason: "Target.DeregistrationInProgress",
      };
    });
    const report = analyze(snapshot, { rules: [] });
    expect(report.auditedAt).toBe(snapshot.capturedAt);
    expect(report.summary.targets).toBe(5);
    expect(report.summary.unhealthyTargets).toBe(1);
    expect(analyze(snapshot, { rules: [], auditedAt: "2026-11-25T00:00:00Z" }).auditedAt).toBe(
      "2026-11-25T00:00:00Z",
    );
  });
});
