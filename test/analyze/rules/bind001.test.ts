import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { unboundTargetGroup } from "../../../lib/analyze/rules/bind001-unbound-target-group";
import type { Snapshot } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  CLUSTER,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(unboundTargetGroup).check({ model: buildModel(snapshot), prior: [], rules: [] });

const unbound = (s: Parameters<typeof k8s>[0]) => {
  k8s(s).targetGroupBindings = [];
};

describe("BIND001 UnboundTargetGroup", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a cluster-tagged group without a binding, even with every target healthy", () => {
    const findings = run(snapshotOf(healthyInstanceGatewayInput(), unbound));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("BIND001");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f.evidence.actual).toMatchObject({
      targetGroupBindings: 0,
      "elbv2.k8s.aws/cluster": CLUSTER,
      registeredTargets: 3,
    });
    // The Service comes from the controller's resource tag; Ingress and Service are the objects.
    expect(f.resources).toEqual([
      { kind: "Service", namespace: "istio-system", name: "istio-ingressgateway" },
      { kind: "Ingress", namespace: "istio-system", name: "gateway" },
    ]);
    expect(f.remediation).toContain("for Ingress istio-system/gateway");
    expect(f.remediation).toContain("kubectl -n istio-system get ingress gateway -o yaml");
    expect(f.remediation).toContain(
      [
        "kind: TargetGroupBinding",
        "metadata:",
        "  name: k8s-istiosys-gw-1234567890",
        "  namespace: istio-system",
        "spec:",
        `  targetGroupARN: ${GW_TG_ARN}`,
        "  targetType: instance",
        "  serviceRef:",
        "    name: istio-ingressgateway",
        "    port: 80",
      ].join("\n"),
    );
    // Attached to a load balancer: binding it is the first suggestion, deleting it the last.
    expect(f.remediation.indexOf("kind: TargetGroupBinding")).toBeLessThan(
      f.remediation.indexOf("delete-target-group"),
    );
  });

  it("suggests deleting a detached leftover first", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        unbound(s);
        tgs(s)[0]!.LoadBalancerArns = [];
        tgs(s)[0]!.TargetHealthDescriptions = [];
      }),
    );
    const f = findings[0]!;
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.rootCause).toContain("No load balancer forwards to it");
    expect(f.remediation).toContain(
      `aws elbv2 delete-target-group --target-group-arn ${APP_TG_ARN}`,
    );
    expect(f.remediation.indexOf("delete-target-group")).toBeLessThan(
      f.remediation.indexOf("kind: TargetGroupBinding"),
    );
  });

  /** The fix for an unbound NLB group whose Service is gone, tagged with `resource`. */
  const nlbFix = (resource: string) =>
    run(
      snapshotOf(healthyIpAppInput(), (s) => {
        unbound(s);
        k8s(s).services = [];
        tgs(s)[0]!.Tags = [
          { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
          { Key: "service.k8s.aws/stack", Value: "shop/cart-nlb" },
          { Key: "service.k8s.aws/resource", Value: resource },
        ];
      }),
    )[0]!.remediation;

  it("takes the Service from service.k8s.aws tags even when the Service is gone", () => {
    expect(nlbFix("443")).toContain(
      "  namespace: shop\nspec:\n" +
        `  targetGroupARN: ${APP_TG_ARN}\n  targetType: ip\n  serviceRef:\n    name: cart-nlb\n    port: 443`,
    );
  });

  it("reads the Service port from the controller's resource ID <ns>/<service>:<port>", () => {
    // pkg/service tags an NLB's group with its resource ID, not a bare port.
    expect(nlbFix("shop/cart-nlb:443")).toContain(
      "  serviceRef:\n    name: cart-nlb\n    port: 443\n",
    );
  });

  it("ignores groups tagged for another cluster or not tagged at all", () => {
    const other = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      unbound(s);
      tgs(s)[0]!.Tags = [{ Key: "elbv2.k8s.aws/cluster", Value: "shop-staging" }];
    });
    const untagged = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      unbound(s);
      tgs(s)[0]!.Tags = [];
    });
    expect(run(other)).toEqual([]);
    expect(run(untagged)).toEqual([]);
  });

  it("counts a binding in any namespace", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      k8s(s).targetGroupBindings[0]!.metadata.namespace = "elsewhere";
    });
    expect(run(snapshot)).toEqual([]);
  });
});
