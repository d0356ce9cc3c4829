import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { staleTarget } from "../../../lib/analyze/rules/tgt001-stale-target";
import type { Snapshot } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  CLUSTER,
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

const run = (snapshot: Snapshot) =>
  guard(staleTarget).check({ model: buildModel(snapshot), prior: [], rules: [] });

describe("TGT001 StaleTarget", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a healthy instance that is no node of the cluster", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0deadbeef0000000", 31246));
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT001");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f.title).toContain("i-0deadbeef0000000");
    expect(f.affectedTargets).toEqual([
      { id: "i-0deadbeef0000000", port: 31246, state: "healthy", reason: null },
    ]);
    expect(f.evidence.expected.clusterNodeInstances).toEqual(NODES.map((n) => n.id));
    expect(f.evidence.actual.staleTargets).toEqual([
      { id: "i-0deadbeef0000000", port: 31246, state: "healthy", reason: null },
    ]);
    expect(f.rootCause).toContain(CLUSTER);
    expect(f.remediation).toContain(
      `aws elbv2 deregister-targets --target-group-arn ${GW_TG_ARN} --targets Id=i-0deadbeef0000000,Port=31246`,
    );
    expect(f.remediation).toContain(
      "kubectl -n kube-system get deployment aws-load-balancer-controller",
    );
    expect(f.resources).toContainEqual({
      kind: "TargetGroupBinding",
      namespace: "istio-system",
      name: "k8s-istiosys-gw-1234567890",
    });
  });

  it("samples the cluster's instances in evidence instead of listing a large cluster whole", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      for (let i = 0; i < 40; i++) {
        const id = `i-1${String(i).padStart(16, "0")}`;
        k8s(s).nodes.push({
          metadata: { name: `extra-${i}` },
          spec: { providerID: `aws:///eu-west-1a/${id}` },
        });
      }
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0deadbeef0000000", 31246));
    });
    const [f] = run(snapshot);
    expect(f!.evidence.expected.clusterNodeCount).toBe(43);
    expect(f!.evidence.expected.clusterNodeInstances).toHaveLength(20);
  });

  it("lists every stale target of a group in one finding", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      // The third node left the cluster; a fourth stale instance is unhealthy.
      k8s(s).nodes.pop();
      tgs(s)[0]!.TargetHealthDescriptions!.push(
        target("i-0deadbeef0000000", 31246, "unhealthy", "Target.Timeout"),
      );
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.affectedTargets.map((t) => t.id)).toEqual([
      NODES[2].id,
      "i-0deadbeef0000000",
    ]);
    expect(findings[0]!.remediation).toContain(
      `--targets Id=${NODES[2].id},Port=31246 Id=i-0deadbeef0000000,Port=31246`,
    );
  });

  it("flags an ip target that is in no EndpointSlice of the Service", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("10.0.3.99", 8080));
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("Service shop/cart");
    expect(f.affectedTargets.map((t) => t.id)).toEqual(["10.0.3.99"]);
    expect(f.evidence.expected.serviceEndpointAddresses).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.remediation).toContain("--targets Id=10.0.3.99,Port=8080");
  });

  it("keeps an ip target whose endpoint is listed but not ready (that is not drift)", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      const ep = k8s(s).endpointSlices[0]!.endpoints![1]!;
      ep.conditions = { ready: false, serving: false, terminating: false };
      tgs(s)[0]!.TargetHealthDescriptions![1] = target(
        "10.0.2.60",
        8080,
        "unhealthy",
        "Target.Timeout",
      );
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("ignores a draining target of a removed node", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      k8s(s).nodes.pop();
      tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
        State: "draining",
        Reason: "Target.DeregistrationInProgress",
      };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("ignores target groups that belong to no binding and another cluster", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      k8s(s).targetGroupBindings = [];
      tgs(s)[0]!.Tags = [{ Key: "elbv2.k8s.aws/cluster", Value: "other-cluster" }];
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0deadbeef0000000", 31246));
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("still checks a cluster-tagged group without a binding, and says nothing deregisters it", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      k8s(s).targetGroupBindings = [];
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0deadbeef0000000", 31246));
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.remediation).toContain("No TargetGroupBinding manages this group");
  });

  it("leaves a multi-cluster group's other targets alone: they are another cluster's, by design", () => {
    // spec.multiClusterTargetGroup: the controller removes only what it registered itself, and
    // deregistering the rest would cut the other cluster's nodes out of the load balancer.
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      k8s(s).targetGroupBindings[0]!.spec.multiClusterTargetGroup = true;
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0other0000000001", 31246));
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("skips a group whose target health could not be read", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.push(target("i-0deadbeef0000000", 31246));
      s.gaps = [
        {
          source: "aws.targetGroups",
          targetGroupArn: GW_TG_ARN,
          message: "Throttling: Rate exceeded",
        },
      ];
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("declares the lists whose gaps would make it report healthy nodes as stale", () => {
    expect(staleTarget.inputs).toEqual(
      expect.arrayContaining(["kubernetes.nodes", "kubernetes.endpointSlices"]),
    );
  });
});
