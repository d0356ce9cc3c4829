import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze/index";
import { buildModel } from "../../../lib/analyze/model";
import { loadBalancerControllerError } from "../../../lib/analyze/rules/ctrl001-load-balancer-controller-error";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  k8s,
  NODES,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(loadBalancerControllerError).check({ model: buildModel(snapshot), prior: [], rules: [] });

const GROUP = "alb.ingress.kubernetes.io/group.name";
const BROKEN_MESSAGE =
  "Failed build model due to ingress: shop/broken: failed to parse int32 annotation, alb.ingress.kubernetes.io/healthcheck-interval-seconds: abc";

interface EventOptions {
  type?: string;
  reason?: string;
  message?: string;
  component?: string;
  lastTimestamp?: string;
  count?: number;
}

function event(kind: string, namespace: string, name: string, o: EventOptions = {}) {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${Math.random().toString(16).slice(2)}`, namespace },
    involvedObject: { kind, namespace, name },
    type: o.type ?? "Warning",
    reason: o.reason ?? "FailedBuildModel",
    message: o.message ?? BROKEN_MESSAGE,
    count: o.count ?? 4,
    source: { component: o.component ?? "ingress" },
    firstTimestamp: "2026-11-24T09:10:00Z",
    lastTimestamp: o.lastTimestamp ?? "2026-11-24T09:58:00Z",
  };
}

/** The gateway's Ingress in IngressGroup "shop" with a second member that does not build. */
function blockedGroup(events: (s: SnapshotInput) => ReturnType<typeof event>[]) {
  return snapshotOf(healthyInstanceGatewayInput(), (s) => {
    const gw = k8s(s).ingresses[0]!;
    gw.metadata.annotations = { ...gw.metadata.annotations, [GROUP]: "shop" };
    k8s(s).ingresses.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "broken",
        namespace: "shop",
        annotations: {
          [GROUP]: "shop",
          "alb.ingress.kubernetes.io/healthcheck-interval-seconds": "abc",
        },
      },
      spec: { ingressClassName: "alb" },
    });
    tgs(s)[0]!.Tags = tgs(s)[0]!.Tags!.map((t) =>
      t.Key === "ingress.k8s.aws/stack" ? { ...t, Value: "shop" } : t,
    );
    (s.kubernetes as { events?: unknown[] }).events = events(s);
  });
}

const bothMembers = () => [
  event("Ingress", "istio-system", "gateway"),
  event("Ingress", "shop", "broken"),
];

describe("CTRL001 LoadBalancerControllerError", () => {
  it("stays quiet without warnings, and does not run when events were not collected", () => {
    expect(run(blockedGroup(() => []))).toEqual([]);
    const report = analyze(snapshotOf(healthyInstanceGatewayInput()));
    expect(report.findings).toEqual([]);
    expect(report.summary.notRun).toContainEqual({
      code: "CTRL001",
      missing: ["kubernetes.events"],
    });
  });

  it("reports one IngressGroup's error once, naming the member that blocks it", () => {
    const findings = run(blockedGroup(bothMembers));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      code: "CTRL001",
      severity: "warning",
      targetGroupArn: GW_TG_ARN,
      affectedTargets: [],
      resources: [
        { kind: "Ingress", namespace: "istio-system", name: "gateway" },
        { kind: "Ingress", namespace: "shop", name: "broken" },
      ],
      evidence: {
        actual: {
          objects: ["Ingress istio-system/gateway", "Ingress shop/broken"],
          reason: "FailedBuildModel",
          message: BROKEN_MESSAGE,
          count: 8,
          lastSeen: "2026-11-24T09:58:00Z",
        },
      },
    });
    expect(f.title).toBe(
      "AWS Load Balancer Controller: FailedBuildModel on 2 Ingresses of IngressGroup shop",
    );
    expect(f.remediation).toContain("Ingress shop/broken breaks the model of IngressGroup shop");
    expect(f.remediation).toContain(
      "kubectl -n shop annotate ingress broken alb.ingress.kubernetes.io/healthcheck-interval-seconds-",
    );
  });

  it("ignores an event older than the hour before the capture, a Normal event, and other components", () => {
    const quiet = blockedGroup(() => [
      event("Ingress", "shop", "broken", { lastTimestamp: "2026-11-24T08:59:59Z" }),
      event("Ingress", "shop", "broken", { type: "Normal", reason: "SuccessfullyReconciled" }),
      event("Service", "istio-system", "istio-ingressgateway", {
        component: "service-controller",
        reason: "SyncLoadBalancerFailed",
      }),
    ]);
    expect(run(quiet)).toEqual([]);
    // Exactly one hour before still counts.
    const edge = blockedGroup(() => [
      event("Ingress", "shop", "broken", { lastTimestamp: "2026-11-24T09:00:00Z" }),
    ]);
    expect(run(edge)).toHaveLength(1);
  });

  it("ignores objects tied to no audited target group", () => {
    const other = blockedGroup(() => [event("Ingress", "shop", "elsewhere")]);
    expect(run(other)).toEqual([]);
  });

  it("raises one finding per object and reason, with the reason's fix", () => {
    const findings = run(
      blockedGroup(() => [
        event("TargetGroupBinding", "istio-system", "k8s-istiosys-gw-1234567890", {
          component: "targetGroupBinding",
          reason: "FailedNetworkReconcile",
          message:
            "expected exactly one securityGroup tagged with kubernetes.io/cluster/shop-prod for eni eni-0abc123, got: [sg-1 sg-2] (clusterName: shop-prod)",
        }),
        event("TargetGroupBinding", "istio-system", "k8s-istiosys-gw-1234567890", {
          component: "targetGroupBinding",
          reason: "BackendNotFound",
          message: "backend not found: Service istio-system/istio-ingressgateway not found",
        }),
      ]),
    );
    expect(findings.map((f) => f.evidence.actual["reason"])).toEqual([
      "FailedNetworkReconcile",
      "BackendNotFound",
    ]);
    // The message names both tagged groups: untag all but one, by id.
    expect(findings[0]!.remediation).toContain(
      "Keep the tag on sg-1 only:\naws ec2 delete-tags --resources sg-2 --tags Key=kubernetes.io/cluster/shop-prod",
    );
    expect(findings[0]!.remediation).not.toContain("<sg-id>");
    expect(findings[1]!.remediation).toContain("spec.serviceRef");
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
  });

  const untagged = (cluster: string, edit: (s: SnapshotInput) => void = () => {}) =>
    run(
      blockedGroup((s) => {
        edit(s);
        return [
          event("TargetGroupBinding", "istio-system", "k8s-istiosys-gw-1234567890", {
            component: "targetGroupBinding",
            reason: "FailedNetworkReconcile",
            message: `expected exactly one securityGroup tagged with kubernetes.io/cluster/${cluster} for eni eni-0abc123, got: [] (clusterName: ${cluster})`,
          }),
        ];
      }),
    )[0]!.remediation;

  it("names the group to tag from the snapshot's interface when none is tagged", () => {
    const fix = untagged("shop-prod", (s) => {
      s.aws.networkInterfaces = [
        {
          NetworkInterfaceId: "eni-0abc123",
          Groups: [{ GroupId: "sg-0node" }, { GroupId: "sg-0eks" }],
        },
      ];
      s.aws.securityGroups = [
        { GroupId: "sg-0node", GroupName: "node-group-sg" },
        { GroupId: "sg-0eks", GroupName: "eks-cluster-sg-shop-prod-123" },
      ];
    });
    expect(fix).toContain(
      "Interface eni-0abc123 has security groups sg-0node, sg-0eks; tag sg-0eks",
    );
    expect(fix).toContain(
      "aws ec2 create-tags --resources sg-0eks --tags Key=kubernetes.io/cluster/shop-prod,Value=owned",
    );
    // Without the interface in the snapshot, the fix says how to list its groups.
    expect(untagged("shop-prod")).toContain(
      "aws ec2 describe-network-interfaces --network-interface-ids eni-0abc123",
    );
  });

  it("says when the controller looks for another cluster's tag (its --cluster-name)", () => {
    const fix = untagged("shop");
    expect(fix).toContain(
      "The controller looks for kubernetes.io/cluster/shop, not kubernetes.io/cluster/shop-prod: it runs with --cluster-name shop",
    );
    expect(fix).toContain("Key=kubernetes.io/cluster/shop,Value=owned");
  });

  it("cuts a long message to 500 characters", () => {
    const long = `Failed deploy model due to ${"x".repeat(900)}`;
    const [f] = run(
      blockedGroup(() => [
        event("Ingress", "shop", "broken", { reason: "FailedDeployModel", message: long }),
      ]),
    );
    expect((f!.evidence.actual["message"] as string).length).toBe(500);
    expect(f!.remediation).toContain("kubectl -n shop describe ingress broken");
  });

  it("lists no target and leaves failing targets to the rules that explain them (TGT005)", () => {
    const snapshot = blockedGroup((s) => {
      tgs(s)[0]!.TargetHealthDescriptions = NODES.map((n) => ({
        ...target(n.id, 31246, "unhealthy", "Target.FailedHealthChecks"),
        HealthCheckPort: "31127",
      }));
      return bothMembers();
    });
    const codes = analyze(snapshot).findings.map((f) => f.code);
    expect(codes).toContain("CTRL001");
    expect(codes).toContain("TGT005");
  });
});
