import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { externalTrafficPolicyLocalNodesWithoutEndpoints as rule } from "../../../lib/analyze/rules/tp001-external-traffic-policy-local-nodes-without-endpoints";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  node,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

const [A, B, C] = NODES;
const EXTRA: readonly { name: string; id: string; zone: string }[] = [
  {
    name: "ip-10-0-1-20.eu-west-1.compute.internal",
    id: "i-0000000000000000d",
    zone: "eu-west-1a",
  },
  {
    name: "ip-10-0-2-20.eu-west-1.compute.internal",
    id: "i-0000000000000000e",
    zone: "eu-west-1b",
  },
];

const setLocal = (s: SnapshotInput) => {
  k8s(s).services[0]!.spec!.externalTrafficPolicy = "Local";
};

/** Sets each registered target's health by instance id (unlisted ids stay healthy). */
function setHealth(s: SnapshotInput, states: Health) {
  const tg = tgs(s)[0]!;
  for (const d of tg.TargetHealthDescriptions ?? []) {
    const st = states[d.Target.Id];
    if (st) d.TargetHealth = { State: st[0], ...(st[1] ? { Reason: st[1] } : {}) };
  }
}

type Health = Record<string, [string, string?]>;
const timeouts = (ids: string[]): Health =>
  Object.fromEntries(ids.map((id) => [id, ["unhealthy", "Target.Timeout"]]));

/** Adds nodes d and e to the cluster and registers them, checked like the others. */
function addNodes(s: SnapshotInput) {
  for (const n of EXTRA) {
    k8s(s).nodes.push(node(n.name, n.id, n.zone));
    tgs(s)[0]!.TargetHealthDescriptions!.push({ ...target(n.id, 31246), HealthCheckPort: "31127" });
  }
}

describe("TP001 ExternalTrafficPolicyLocalNodesWithoutEndpoints", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires a warning for the node without a gateway pod when the others pass", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        setHealth(s, { [C.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TP001");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f.affectedTargets).toEqual([
      { id: C.id, port: 31246, state: "unhealthy", reason: "Target.Timeout" },
    ]);
    expect(f.resources).toContainEqual({
      kind: "Service",
      namespace: "istio-system",
      name: "istio-ingressgateway",
    });
    expect(f.evidence.expected.externalTrafficPolicy).toBe("Cluster");
    expect(f.evidence.actual.externalTrafficPolicy).toBe("Local");
    expect(f.evidence.actual.failingNodesWithoutEndpoints).toEqual([
      {
        instanceId: C.id,
        node: C.name,
        localReadyEndpoints: 0,
        state: "unhealthy",
        reason: "Target.Timeout",
      },
    ]);
    expect(f.evidence.actual.healthyNodesWithEndpoints).toEqual([
      expect.objectContaining({ instanceId: A.id, node: A.name, localReadyEndpoints: 1 }),
      expect.objectContaining({ instanceId: B.id, node: B.name, localReadyEndpoints: 1 }),
    ]);
    expect(f.rootCause).toContain(C.name);
    expect(f.remediation).toContain(
      `kubectl -n istio-system patch service istio-ingressgateway -p '{"spec":{"externalTrafficPolicy":"Cluster"}}'`,
    );
    expect(f.remediation).toContain("X-Forwarded-For");
    expect(f.remediation).toContain("alb.ingress.kubernetes.io/target-type");
    expect(f.remediation).toContain("alb.ingress.kubernetes.io/target-node-labels");
  });

  it("is critical when no target passes, and tolerates one unexplained node at the 80% threshold", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        addNodes(s);
        // Only node a keeps a gateway pod; it fails too (for another reason).
        const slice = k8s(s).endpointSlices[0]!;
        slice.endpoints = slice.endpoints!.slice(0, 1);
        setHealth(s, timeouts([A, B, C, ...EXTRA].map((n) => n.id)));
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe("critical");
    expect(findings[0]!.affectedTargets.map((t) => t.id)).toEqual([
      B.id,
      C.id,
      ...EXTRA.map((n) => n.id),
    ]);
    expect(findings[0]!.evidence.actual.explainedShare).toBe(0.8);
  });

  it("stays quiet below the threshold (3 of 4 failing nodes lack a pod)", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        addNodes(s);
        setHealth(s, timeouts([A.id, C.id, ...EXTRA.map((n) => n.id)]));
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet with Local when every registered node runs a pod and passes", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        const tg = tgs(s)[0]!;
        tg.TargetHealthDescriptions = tg.TargetHealthDescriptions!.filter(
          (d) => d.Target.Id !== C.id,
        );
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet with Local when the failing node does run a ready pod", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        setHealth(s, { [A.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet with externalTrafficPolicy Cluster even if a node without a pod fails", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setHealth(s, { [C.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    expect(findings).toEqual([]);
  });

  it("leaves a Service with no ready endpoint at all to TGT003", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        for (const e of k8s(s).endpointSlices[0]!.endpoints!) e.conditions = { ready: false };
        setHealth(s, timeouts([A.id, B.id, C.id]));
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet when the checked port is not one of the Service's nodePorts", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        const tg = tgs(s)[0]!;
        tg.HealthCheckPort = "30999";
        for (const d of tg.TargetHealthDescriptions!) d.HealthCheckPort = "30999";
        setHealth(s, { [C.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    expect(findings).toEqual([]);
  });

  it("ignores targets unused because their zone is not enabled", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        setLocal(s);
        setHealth(s, { [C.id]: ["unused", "Target.NotInUse"] });
      }),
    );
    expect(findings).toEqual([]);
  });

  /** The scenario's group, built by the controller for Gateway istio-system/edge instead. */
  const gatewayBuilt = (s: SnapshotInput) => {
    tgs(s)[0]!.Tags = [
      { Key: "elbv2.k8s.aws/cluster", Value: "shop-prod" },
      { Key: "gateway.k8s.aws.alb/stack", Value: "istio-system/edge" },
      {
        Key: "gateway.k8s.aws.alb/resource",
        Value:
          "istio-system/edge:istio-system-web:HTTPRoute-istio-system-istio-ingressgateway:8080",
      },
    ];
    (s.kubernetes as Record<string, unknown>).targetGroupConfigurations = [];
  };

  it("changes a Gateway's group in a TargetGroupConfiguration, not by annotation or binding patch", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        gatewayBuilt(s);
        setLocal(s);
        setHealth(s, { [C.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    expect(f?.code).toBe("TP001");
    const fix = f!.remediation;
    expect(fix).toContain(
      "Service istio-system/istio-ingressgateway has no TargetGroupConfiguration; create one",
    );
    expect(fix).toMatch(/defaultConfiguration:\n {4}targetType: "ip"\nCommand: kubectl apply/);
    expect(fix).toMatch(/nodeSelector:\n {6}matchLabels:\n {8}alb-target: "istio-ingressgateway"/);
    // A heredoc ends on its own line: nothing follows EOF there.
    expect(fix).not.toMatch(/^EOF./m);
    expect(fix).not.toContain("alb.ingress.kubernetes.io/");
    expect(fix).not.toContain("patch targetgroupbinding");
  });

  it("sends the fixes for an Istio-generated Service to its Gateway", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).services[0]!.metadata.labels = {
          "gateway.networking.k8s.io/gateway-name": "public",
          "gateway.istio.io/managed": "istio.io-gateway-controller",
        };
        setLocal(s);
        setHealth(s, { [C.id]: ["unhealthy", "Target.Timeout"] });
      }),
    );
    const fix = f!.remediation;
    expect(fix).toContain(
      "Istio generates Service istio-system/istio-ingressgateway for Gateway istio-system/public",
    );
    expect(fix).toMatch(/data:\n {2}service: \|\n {4}spec:\n {6}externalTrafficPolicy: Cluster\n/);
    expect(fix).toContain(
      `kubectl -n istio-system patch gateways.gateway.networking.k8s.io public --type=merge -p '{"spec":{"infrastructure":{"parametersRef":{"group":"","kind":"ConfigMap","name":"public-options"}}}}'`,
    );
    expect(fix).toContain(
      `-p '{"spec":{"infrastructure":{"annotations":{"alb.ingress.kubernetes.io/target-type":"ip"}}}}'`,
    );
    expect(fix).not.toMatch(/^EOF./m);
    expect(fix).not.toContain("patch service istio-ingressgateway");
    expect(fix).not.toContain("annotate service");
  });
});

describe("TP001 when node selection leaves out the nodes that run the pods", () => {
  const EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers";
  /** Gateway pods on A and B, both excluded; only C is registered, and it has no pod. */
  const onlyC = (label: (s: SnapshotInput) => void) =>
    snapshotOf(healthyInstanceGatewayInput(), (s) => {
      setLocal(s);
      label(s);
      const tg = tgs(s)[0]!;
      tg.TargetHealthDescriptions = tg
        .TargetHealthDescriptions!.filter((d) => d.Target.Id === C.id)
        .map((d) => ({ ...d, TargetHealth: { State: "unhealthy", Reason: "Target.Timeout" } }));
    });

  it("names the exclusion label as the cause and removing it as the first fix", () => {
    const [f] = run(
      onlyC((s) => {
        for (const n of k8s(s).nodes.slice(0, 2)) n.metadata.labels![EXCLUDE] = "false";
      }),
    );
    expect(f!.severity).toBe("critical");
    expect(f!.evidence.actual["nodesWithEndpointsLeftOut"]).toEqual([
      {
        node: A.name,
        localReadyEndpoints: 1,
        leftOutBy: "exclusionLabel",
        detail: `label ${EXCLUDE}="false"`,
      },
      {
        node: B.name,
        localReadyEndpoints: 1,
        leftOutBy: "exclusionLabel",
        detail: `label ${EXCLUDE}="false"`,
      },
    ]);
    expect(f!.rootCause).toContain("left out by the controller's node selection");
    expect(f!.remediation).toMatch(new RegExp(`^First bring the nodes that run the pods back`));
    // One command for both nodes the same label keeps out.
    expect(f!.remediation).toContain(`kubectl label node ${A.name} ${B.name} ${EXCLUDE}-`);
    expect(f!.remediation).toContain("externalTrafficPolicy");
  });

  it("says nothing about node selection when the pods' nodes are simply not there", () => {
    const [f] = run(
      onlyC((s) => {
        // A and B run the pods but are no targets for another reason than selection (just joined).
        void s;
      }),
    );
    expect(f!.evidence.actual).not.toHaveProperty("nodesWithEndpointsLeftOut");
    expect(f!.remediation).not.toContain("First bring");
  });
});
