import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { missingTarget } from "../../../lib/analyze/rules/tgt002-missing-target";
import type { Snapshot } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(missingTarget).check({ model: buildModel(snapshot), prior: [], rules: [] });

describe("TGT002 MissingTarget", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a ready endpoint the controller never registered, beside the target it left", () => {
    // Pod bbbbb came back on a new address; the old one is still registered and times out.
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      k8s(s).endpointSlices[0]!.endpoints![1]!.addresses = ["10.0.2.61"];
      tgs(s)[0]!.TargetHealthDescriptions![1] = target(
        "10.0.2.60",
        8080,
        "unhealthy",
        "Target.Timeout",
      );
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT002");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart-0987654321");
    expect(f.title).toContain("10.0.2.61");
    // The port is the container port the Service's named targetPort "http" resolves to.
    expect(f.affectedTargets).toEqual([
      { id: "10.0.2.61", port: 8080, state: "unused", reason: "Target.NotRegistered" },
    ]);
    expect(f.evidence.expected.registered).toEqual(["10.0.1.60", "10.0.2.61"]);
    expect(f.evidence.actual.registered).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.evidence.actual.pods).toEqual(["shop/cart-7c9d-bbbbb"]);
    expect(f.rootCause).toContain("TargetGroupBinding shop/k8s-shop-cart-0987654321");
    expect(f.remediation).toContain(
      "kubectl -n shop describe targetgroupbinding k8s-shop-cart-0987654321",
    );
    expect(f.remediation).toContain("logs deployment/aws-load-balancer-controller");
    expect(f.remediation).toContain(
      `aws elbv2 register-targets --target-group-arn ${APP_TG_ARN} --targets Id=10.0.2.61,Port=8080`,
    );
  });

  it("flags every ready endpoint when the group has no target at all", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions = [];
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60", "10.0.2.60"]);
  });

  it("stays quiet while every registered target is healthy (precision rule)", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.pop();
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("does not expect a not-ready endpoint to be registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions = [];
      k8s(s).endpointSlices[0]!.endpoints![1]!.conditions = {
        ready: false,
        serving: false,
        terminating: true,
      };
    });
    expect(run(snapshot)[0]!.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60"]);
  });

  it("does not expect an endpoint that is no pod to be registered (hand-made slice)", () => {
    // A slice written by hand for a selectorless Service names no Pod: the controller skips it.
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      const manual = structuredClone(k8s(s).endpointSlices[0]!);
      manual.metadata.name = "cart-manual";
      manual.endpoints = [{ addresses: ["10.0.9.9"], conditions: { ready: true } }];
      k8s(s).endpointSlices.push(manual);
      tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = {
        State: "unhealthy",
        Reason: "Target.Timeout",
      };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("expects only the binding's IP family of a dual-stack Service", () => {
    const dualStack = (family?: string) =>
      snapshotOf(healthyIpAppInput(), (s) => {
        const v6 = structuredClone(k8s(s).endpointSlices[0]!);
        v6.metadata.name = "cart-v6";
        v6.addressType = "IPv6";
        v6.endpoints!.forEach((e, i) => (e.addresses = [`fd00::${i + 1}`]));
        k8s(s).endpointSlices.push(v6);
        if (family) k8s(s).targetGroupBindings[0]!.spec.ipAddressType = family;
        tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.Timeout",
        };
      });
    // An IPv4 group: the controller reads only the IPv4 slices, so the IPv6 addresses are no miss.
    expect(run(dualStack())).toEqual([]);
    // An IPv6 binding registers the IPv6 addresses: those are missing, the IPv4 ones are not.
    const v6 = run(dualStack("ipv6"));
    expect(v6.map((f) => f.affectedTargets.map((t) => t.id))).toEqual([["fd00::1", "fd00::2"]]);
  });

  it("counts a target that is still registering as registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      const d = tgs(s)[0]!.TargetHealthDescriptions!;
      d[0] = target("10.0.1.60", 8080, "unhealthy", "Target.Timeout");
      d[1]!.TargetHealth = { State: "initial", Reason: "Elb.RegistrationInProgress" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("does not judge a group whose target health could not be read", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions = [];
      s.gaps = [{ source: "aws.targetGroups", targetGroupArn: APP_TG_ARN, message: "Throttling" }];
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("leaves an unbound group to BIND001", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions = [];
      k8s(s).targetGroupBindings = [];
    });
    expect(run(snapshot)).toEqual([]);
  });
});
