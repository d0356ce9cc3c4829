import { describe, expect, it } from "vitest";
import { CATALOG } from "../../lib/analyze/catalog";
import type { Finding } from "../../lib/analyze/finding";
import { BLAMED_CODES, blameOf } from "../../lib/report/blame";
import { buildPath, HANDFUL, type GroupPath } from "../../lib/report/path";
import type { GroupTopology, TopologyTarget } from "../../lib/report/topology";
import { auditExample } from "../support/audited-examples";

async function pathOfExample(name: string): Promise<GroupPath> {
  const { report, topologies } = await auditExample(name);
  const arn = report.findings.find(
    (f) => f.severity !== "info" && f.targetGroupArn,
  )!.targetGroupArn;
  return buildPath(
    topologies.find((t) => t.arn === arn)!,
    report.findings,
  );
}

const marked = (path: GroupPath) =>
  path.edges
    .filter((e) => e.marks.length > 0)
    .map((e) => ({ from: e.from, to: e.to, marks: e.marks.map((m) => `${m.code}: ${m.label}`) }));

const node = (path: GroupPath, id: string) => path.nodes.find((n) => n.id === id)!;

describe("the path of a failing group", () => {
  it("HC001 (example 01) blames the health check edge with the checked and the health port", async () => {
    const path = await pathOfExample("01-istio-gateway-traffic-port.json");
    expect(marked(path)).toEqual([
      { from: "tg", to: "t0", marks: ["HC001: checks 30486, health is on 31127"] },
    ]);
    expect(node(path, "t0")).toMatchObject({ health: "failing", title: "3 targets unhealthy" });
    expect(node(path, "t0").lines).toContain("Target.ResponseCodeMismatch");
    expect(path.severity).toBe("critical");
  });

  it("TP001 (example 04) blames only the failing nodes' edge into the Service; the healthy nodes stay unmarked", async () => {
    const path = await pathOfExample("04-nginx-external-traffic-policy-local.json");
    expect(marked(path)).toEqual([
      { from: "t0", to: "svc", marks: ["TP001: kube-proxy drops here: no local endpoint"] },
    ]);
    expect(node(path, "t0")).toMatchObject({ health: "failing", title: "2 targets unhealthy" });
    expect(node(path, "t1")).toMatchObject({ health: "healthy", title: "3 targets healthy" });
    expect(node(path, "svc").lines).toContain("externalTrafficPolicy: Local");
  });

  it("HC005 (example 02) is drawn on the controller's link from the Service back to the group", async () => {
    const path = await pathOfExample("02-annotation-on-wrong-object.json");
    expect(marked(path)).toContainEqual({
      from: "svc",
      to: "tg",
      marks: [
        "HC005: healthcheck-port, healthcheck-path on Ingress istio-system/istio-ingress not applied",
      ],
    });
  });

  it("MESH001 (example 06, ip mode) blames the check edge of the pod IPs", async () => {
    const path = await pathOfExample("06-istio-strict-mtls-alb-ip-mode.json");
    expect(marked(path)).toEqual([
      { from: "tg", to: "t0", marks: [expect.stringMatching(/^MESH001: STRICT mTLS/)] },
    ]);
    expect(node(path, "t0").lines.some((l) => l.startsWith("10.40.17.58 (orders-api-"))).toBe(true);
  });
});

describe("the network, node-selection and Gateway API examples", () => {
  it("NET001 (example 30) blames the check edge of the timed-out nodes with the targets' security group", async () => {
    const path = await pathOfExample("30-custom-security-groups-without-backend-rules.json");
    expect(marked(path)).toEqual([
      {
        from: "tg",
        to: "t0",
        marks: ["NET001: security group sg-0a7c51e9d2b84f360 closes 31127"],
      },
    ]);
    expect(node(path, "t0")).toMatchObject({ health: "failing", title: "3 targets unhealthy" });
    expect(node(path, "t0").lines).toContain("Target.Timeout");
  });

  it("NET001 (example 31) marks only the new node group's target; the three passing nodes stay unmarked", async () => {
    const path = await pathOfExample("31-new-node-group-without-cluster-security-group.json");
    expect(marked(path)).toEqual([
      {
        from: "tg",
        to: "t0",
        marks: ["NET001: security groups sg-07e2b9c4d1a6f5038, sg-0b5f3a8e6c2d19747 close 31127"],
      },
    ]);
    expect(node(path, "t0").lines).toContain("i-0d27c4e9b8f1a3605 (ip-10-40-88-19)");
    expect(node(path, "t1")).toMatchObject({ health: "healthy", title: "3 targets healthy" });
  });

  it("TGT006 (example 08) draws the empty group failing and blames the controller's node selection", async () => {
    const path = await pathOfExample("08-exclusion-label-empties-target-group.json");
    expect(node(path, "t0")).toMatchObject({ health: "failing", title: "no registered target" });
    expect(marked(path)).toEqual([
      {
        from: "svc",
        to: "tg",
        marks: [
          "TGT006: registers 0 of 3 nodes: label exclude-from-external-load-balancers on all 3",
        ],
      },
    ]);
  });

  it("Gateway API (example 20): the Gateway and HTTPRoute in front, the TargetGroupConfiguration on the controller's link", async () => {
    const path = await pathOfExample("20-gateway-api-tgc-not-applied.json");
    expect(node(path, "lb0").lines).toEqual([
      "application, internal",
      "Gateway orders/orders-gw",
      "HTTPRoute orders/orders-api",
    ]);
    expect(marked(path)).toEqual([
      { from: "tg", to: "t0", marks: ["HC001: checks 8080, health is on 8081"] },
      {
        from: "svc",
        to: "tg",
        marks: [
          "HC005: healthCheckPort, healthCheckPath on TargetGroupConfiguration orders/orders-api not applied",
        ],
      },
    ]);
  });

  it("Istio's Gateway API Service behind an Ingress (example 21) says which Gateway generated it", async () => {
    const path = await pathOfExample("21-ingress-alb-to-istio-gateway-api-traffic-port.json");
    expect(node(path, "svc").lines).toContain("generated for Gateway istio-system/public (Istio)");
    expect(node(path, "lb0").lines).toEqual(["application, internal"]);
    expect(marked(path)).toEqual([
      { from: "tg", to: "t0", marks: ["HC001: checks 30486, health is on 31127"] },
    ]);
  });
});

const ARN = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1";

function topology(targets: TopologyTarget[]): GroupTopology {
  return {
    arn: ARN,
    name: "web",
    targetType: "ip",
    traffic: "HTTP:8080",
    check: "HTTP traffic-port /",
    loadBalancers: [{ name: "alb", kind: "application" }],
    service: { name: "shop/web", port: "http 80 → 8080" },
    targets,
    healthKnown: true,
    healthyPerCloudWatch: false,
    pods: [{ name: "web-1", ready: true }],
  };
}

/** A finding as the report carries it; built by hand so codes still to come can be used. */
const finding = (
  code: string,
  targets: TopologyTarget[],
  evidence: Finding["evidence"] = { expected: {}, actual: {} },
): Finding => ({
  code,
  name: code,
  severity: "warning",
  title: `${code} title`,
  targetGroupArn: ARN,
  resources: [],
  affectedTargets: targets.map(({ id, port, state, reason }) => ({ id, port, state, reason })),
  evidence,
  rootCause: "",
  remediation: "",
  fingerprint: code,
});

const target = (
  i: number,
  state = "unhealthy",
  reason: string | null = "Target.Timeout",
): TopologyTarget => ({
  id: `10.0.0.${i}`,
  port: 8080,
  state,
  reason,
});

describe("boxes and marks", () => {
  it("a box shows a handful of targets and counts the rest", () => {
    const many = Array.from({ length: 10 }, (_, i) => target(i));
    const path = buildPath(topology(many), []);
    const box = node(path, "t0");
    expect(box.title).toBe("10 targets unhealthy");
    expect(box.lines).toEqual([
      "Target.Timeout",
      "port 8080",
      ...many.slice(0, HANDFUL).map((t) => t.id),
      `… and ${10 - HANDFUL} more`,
    ]);
  });

  it("targets with the same reason but different explaining findings get separate boxes and marks", () => {
    const [a, b, c] = [target(1), target(2), target(3)];
    const path = buildPath(topology([a!, b!, c!]), [
      finding("TP001", [a!, b!]),
      finding("TGT005", [c!]),
    ]);
    expect(path.nodes.filter((n) => n.column === "targets").map((n) => n.title)).toEqual([
      "2 targets unhealthy",
      "1 target unhealthy",
    ]);
    expect(marked(path).map((e) => [e.from, e.to, e.marks[0]!.slice(0, 6)])).toEqual([
      ["tg", "t1", "TGT005"],
      ["t0", "svc", "TP001:"],
    ]);
  });

  it("a ready endpoint the group does not list (TGT002) appears as a box of its own", () => {
    const missing = { id: "10.0.0.9", port: 8080, state: "unused", reason: "Target.NotRegistered" };
    const path = buildPath(topology([target(1, "healthy", null)]), [finding("TGT002", [missing])]);
    const box = path.nodes.find((n) => n.title === "1 target not registered")!;
    expect(box.health).toBe("failing");
    expect(marked(path)).toEqual([
      { from: "tg", to: box.id, marks: ["TGT002: ready endpoint, not registered"] },
    ]);
  });

  it("TGT003 blames the Service's edge to the pods that are not ready", () => {
    const topo = {
      ...topology([target(1)]),
      pods: [{ name: "web-1", ready: false, reason: "CrashLoopBackOff" }],
    };
    const path = buildPath(topo, [finding("TGT003", [target(1)])]);
    expect(node(path, "p0")).toMatchObject({ title: "1 pod not ready", health: "failing" });
    expect(marked(path)).toEqual([{ from: "svc", to: "p0", marks: ["TGT003: no ready endpoint"] }]);
  });

  it("findings of other groups leave this one unmarked, and a group without findings has no severity", () => {
    const other = { ...finding("TP001", [target(1)]), targetGroupArn: "arn:other" };
    const path = buildPath(topology([target(1)]), [other]);
    expect(marked(path)).toEqual([]);
    expect(path.severity).toBeNull();
  });

  it("a group with no load balancer and no targets still draws the whole path", () => {
    const path = buildPath({ ...topology([]), loadBalancers: [] }, [
      finding("TGT004", [], { expected: { loadBalancerArns: "at least one" }, actual: {} }),
    ]);
    expect(node(path, "lb0").title).toBe("no load balancer");
    expect(node(path, "t0").title).toBe("no registered target");
    expect(marked(path)).toEqual([
      { from: "lb0", to: "tg", marks: ["TGT004: attached to no load balancer"] },
    ]);
  });
});

describe("the blame table", () => {
  it("has a row for every code of the catalog", () => {
    const missing = CATALOG.filter((e) => !e.retired && !BLAMED_CODES.includes(e.code)).map(
      (e) => e.code,
    );
    expect(missing).toEqual([]);
  });

  it("a code without a row is drawn on the check edge with its title", () => {
    expect(blameOf(finding("ZZZ999", []))).toEqual({ edge: "tg-targets", label: "ZZZ999 title" });
  });
});
