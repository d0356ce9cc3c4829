import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { bindingBackendMissing } from "../../../lib/analyze/rules/bind002-binding-backend-missing";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(bindingBackendMissing).check({ model: buildModel(snapshot), prior: [], rules: [] });

const binding = (s: SnapshotInput) => k8s(s).targetGroupBindings[0]!;

/** A binding the user wrote by hand (no controller stack label). */
const handMade = (s: SnapshotInput) => {
  binding(s).metadata.labels = {};
};

describe("BIND002 BindingBackendMissing", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a binding naming a Service that does not exist, listing the failing targets", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      handMade(s);
      binding(s).spec.serviceRef.name = "cart-v2";
      tgs(s)[0]!.TargetHealthDescriptions![0] = target(
        "10.0.1.60",
        8080,
        "unhealthy",
        "Target.Timeout",
      );
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("BIND002");
    expect(f.severity).toBe("critical");
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart-0987654321");
    expect(f.title).toContain("missing Service cart-v2");
    expect(f.affectedTargets).toEqual([
      { id: "10.0.1.60", port: 8080, state: "unhealthy", reason: "Target.Timeout" },
    ]);
    expect(f.evidence.expected.serviceRef).toEqual({
      namespace: "shop",
      name: "cart-v2",
      port: 80,
    });
    expect(f.evidence.actual.servicesInNamespace).toEqual(["cart"]);
    expect(f.resources).toEqual([
      { kind: "TargetGroupBinding", namespace: "shop", name: "k8s-shop-cart-0987654321" },
    ]);
    expect(f.remediation).toContain(
      `kubectl -n shop patch targetgroupbinding k8s-shop-cart-0987654321 --type merge -p '{"spec":{"serviceRef":{"name":"cart","port":80}}}'`,
    );
  });

  it("flags a binding naming a port the Service does not have", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      handMade(s);
      binding(s).spec.serviceRef.port = 8080;
    });
    const f = run(snapshot)[0]!;
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("missing port 8080 of Service istio-ingressgateway");
    expect(f.evidence.actual.servicePorts).toEqual([
      { name: "status-port", port: 15021 },
      { name: "http2", port: 80 },
      { name: "https", port: 443 },
    ]);
    expect(f.rootCause).toContain("status-port:15021, http2:80, https:443");
    expect(f.resources).toContainEqual({
      kind: "Service",
      namespace: "istio-system",
      name: "istio-ingressgateway",
    });
    expect(f.remediation).toContain(`--type merge -p '{"spec":{"serviceRef":{"port":15021}}}'`);
    // Every target is healthy, so none is listed as affected.
    expect(f.affectedTargets).toEqual([]);
  });

  it("resolves a port given by name", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      binding(s).spec.serviceRef.port = "http2";
    });
    expect(run(snapshot)).toEqual([]);
    const typo = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      binding(s).spec.serviceRef.port = "http";
    });
    expect(run(typo)).toHaveLength(1);
  });

  it("looks for the Service in the binding's namespace only", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      handMade(s);
      binding(s).metadata.namespace = "shop-canary";
    });
    const f = run(snapshot)[0]!;
    expect(f.evidence.expected.serviceRef).toMatchObject({ namespace: "shop-canary" });
    expect(f.evidence.actual.servicesInNamespace).toEqual([]);
    expect(f.remediation).toContain("namespace shop-canary has no Service");
  });

  it("checks a binding whose target group is not in the snapshot", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      binding(s).spec.serviceRef.name = "cart-v2";
      tgs(s).length = 0;
    });
    const f = run(snapshot)[0]!;
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart");
    expect(f.affectedTargets).toEqual([]);
  });

  it("sends the fix of a controller-made binding to its Ingress", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      binding(s).spec.serviceRef.name = "cart-v2";
    });
    const f = run(snapshot)[0]!;
    expect(f.remediation).toContain("Ingress shop/cart (kubectl -n shop edit ingress cart)");
    expect(f.remediation).toContain("Re-create Service shop/cart-v2");
    expect(f.remediation).not.toContain("patch targetgroupbinding");
  });

  it("recognises the labels the controller really puts on its bindings", () => {
    const missingService = (labels: Record<string, string>) =>
      run(
        snapshotOf(healthyIpAppInput(), (s) => {
          binding(s).metadata.labels = labels;
          binding(s).spec.serviceRef.name = "cart-v2";
        }),
      )[0]!.remediation;
    expect(
      missingService({
        "ingress.k8s.aws/stack-namespace": "shop",
        "ingress.k8s.aws/stack-name": "cart",
      }),
    ).toMatch(
      /^The controller made this binding from Ingress shop\/cart \(kubectl -n shop edit ingress cart\)/,
    );
    expect(
      missingService({
        "service.k8s.aws/stack-namespace": "shop",
        "service.k8s.aws/stack-name": "cart-nlb",
      }),
    ).toMatch(/^The controller made this binding from Service shop\/cart-nlb;/);
    expect(missingService({ "ingress.k8s.aws/stack": "storefront" })).toMatch(
      /from the Ingresses of group storefront;/,
    );
  });
});
