import { describe, expect, it } from "vitest";
import type { Finding } from "../../../lib/analyze/finding";
import { analyze } from "../../../lib/analyze/index";
import { buildModel } from "../../../lib/analyze/model";
import { noRegisteredTargets } from "../../../lib/analyze/rules/tgt006-no-registered-targets";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot, prior: Finding[] = []) =>
  guard(noRegisteredTargets).check({ model: buildModel(snapshot), prior, rules: [] });

const EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers";

/** Every node labelled `value` with the exclusion label (the first `count` of them). */
function exclude(s: SnapshotInput, value = "false", count = 3) {
  for (const n of k8s(s).nodes.slice(0, count)) {
    n.metadata.labels = { ...n.metadata.labels, [EXCLUDE]: value };
  }
}

const emptyGateway = (edit: (s: SnapshotInput) => void = () => {}) =>
  snapshotOf(healthyInstanceGatewayInput(), (s) => {
    tgs(s)[0]!.TargetHealthDescriptions = [];
    edit(s);
  });

describe("TGT006 NoRegisteredTargets", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it('blames the exclusion label ("false" included) when it leaves every node out', () => {
    const [f, ...rest] = run(emptyGateway((s) => exclude(s)));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "TGT006",
      severity: "critical",
      targetGroupArn: GW_TG_ARN,
      affectedTargets: [],
      evidence: {
        expected: { registeredTargets: ">= 1" },
        actual: { registeredTargets: 0, nodes: 3, nodesAdmitted: 0, loadBalancers: ["k8s-shop"] },
      },
    });
    const leftOut = f!.evidence.actual["nodesLeftOut"] as { rule: string; detail: string }[];
    expect(leftOut).toHaveLength(3);
    expect(
      leftOut.every((n) => n.rule === "exclusionLabel" && n.detail.includes(`${EXCLUDE}="false"`)),
    ).toBe(true);
    expect(f!.remediation).toContain(`${EXCLUDE}-`);
    expect(f!.rootCause).toContain("503");
  });

  it("stays quiet when the label is on some nodes only and the others are registered", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      exclude(s, "true", 2);
      tgs(s)[0]!.TargetHealthDescriptions = tgs(s)[0]!.TargetHealthDescriptions!.slice(2);
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("counts a cordoned but Ready node as admitted, and then blames the controller", () => {
    const [f] = run(
      emptyGateway((s) => {
        exclude(s, "", 2);
        k8s(s).nodes[2]!.spec = { ...k8s(s).nodes[2]!.spec, unschedulable: true };
      }),
    );
    expect(f!.evidence.actual["nodesAdmitted"]).toBe(1);
    expect(f!.rootCause).toContain("admits 1 node(s), so it is not registering them");
    expect(f!.remediation).toContain("describe targetgroupbinding k8s-istiosys-gw-1234567890");
  });

  it("names a binding's nodeSelector that matches no node", () => {
    const [f] = run(
      emptyGateway((s) => {
        k8s(s).targetGroupBindings[0]!.spec.nodeSelector = { matchLabels: { role: "gateway" } };
      }),
    );
    const leftOut = f!.evidence.actual["nodesLeftOut"] as { rule: string; detail: string }[];
    expect(leftOut.map((n) => n.rule)).toEqual(["nodeSelector", "nodeSelector", "nodeSelector"]);
    expect(leftOut[0]!.detail).toContain("role=gateway");
  });

  it("labels the nodes a target-node-labels selector misses, and names the annotation's object", () => {
    const [f] = run(
      emptyGateway((s) => {
        k8s(s).targetGroupBindings[0]!.spec.nodeSelector = { matchLabels: { role: "gateway" } };
        k8s(s).services[0]!.metadata.annotations!["alb.ingress.kubernetes.io/target-node-labels"] =
          "role=gateway";
      }),
    );
    const nodes = NODES.map((n) => n.name).join(" ");
    expect(f!.remediation).toContain(`kubectl label node ${nodes} role=gateway`);
    expect(f!.remediation).toContain(
      'or widen alb.ingress.kubernetes.io/target-node-labels: "role=gateway" on Service istio-system/istio-ingressgateway',
    );
    expect(f!.remediation).toContain(
      "kubectl -n istio-system annotate service istio-ingressgateway alb.ingress.kubernetes.io/target-node-labels-",
    );
    expect(f!.remediation).not.toContain("...");
  });

  it("patches a hand-made binding's own nodeSelector, which nothing rewrites", () => {
    const [f] = run(
      emptyGateway((s) => {
        const tg = tgs(s)[0]!;
        tg.Tags = tg.Tags!.filter((t) => t.Key === "elbv2.k8s.aws/cluster");
        const b = k8s(s).targetGroupBindings[0]!;
        delete b.metadata.labels;
        b.spec.nodeSelector = {
          matchExpressions: [{ key: "pool", operator: "In", values: ["edge", "gw"] }],
        };
      }),
    );
    expect(f!.remediation).toContain("pool In (edge, gw)");
    expect(f!.remediation).toContain(
      `kubectl -n istio-system patch targetgroupbinding k8s-istiosys-gw-1234567890 --type json -p '[{"op":"remove","path":"/spec/nodeSelector"}]'`,
    );
  });

  it("says an all-Fargate cluster cannot fill an instance-mode group", () => {
    const [f] = run(
      emptyGateway((s) => {
        for (const n of k8s(s).nodes) {
          n.metadata.labels = { ...n.metadata.labels, "eks.amazonaws.com/compute-type": "fargate" };
        }
      }),
    );
    const leftOut = f!.evidence.actual["nodesLeftOut"] as { rule: string }[];
    expect(leftOut.map((n) => n.rule)).toEqual(["fargate", "fargate", "fargate"]);
    // On the object the controller reads the target type from: the Ingress's backend Service.
    expect(f!.remediation).toContain(
      "kubectl -n istio-system annotate service istio-ingressgateway --overwrite alb.ingress.kubernetes.io/target-type=ip",
    );
  });

  it("in ip mode is critical while endpoints are ready but none is registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions = [];
    });
    const [f] = run(snapshot);
    expect(f).toMatchObject({
      severity: "critical",
      targetGroupArn: APP_TG_ARN,
      evidence: { actual: { readyEndpoints: ["10.0.1.60", "10.0.2.60"] } },
    });
    const codes = analyze(snapshot).findings.map((x) => `${x.code} ${x.severity}`);
    expect(codes).toContain("TGT006 critical");
    expect(codes).toContain("TGT002 warning");
  });

  it("leaves groups no load balancer uses, unlisted health, and what TGT003 or BIND002 explain", () => {
    expect(run(emptyGateway((s) => (tgs(s)[0]!.LoadBalancerArns = [])))).toEqual([]);
    expect(
      run(
        emptyGateway((s) => {
          s.gaps = [
            { source: "aws.targetGroups", targetGroupArn: GW_TG_ARN, message: "throttled" },
          ];
        }),
      ),
    ).toEqual([]);
    const tgt003 = { code: "TGT003", targetGroupArn: GW_TG_ARN } as Finding;
    expect(
      run(
        emptyGateway((s) => exclude(s)),
        [tgt003],
      ),
    ).toEqual([]);
  });
});
