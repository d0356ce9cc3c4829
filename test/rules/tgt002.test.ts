import { describe, expect, it } from "vitest";
import { buildModel } from "../../lib/analyze/model";
import { missingTarget } from "../../lib/analyze/rules/tgt002-missing-target";
import type { Snapshot } from "../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../support/scenarios";

const run = (snapshot: Snapshot) =>
  missingTarget.run({ model: buildModel(snapshot), prior: [], rules: [] });

describe("TGT002 MissingTarget", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a ready endpoint whose address is not registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.pop();
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT002");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart-0987654321");
    expect(f.title).toContain("10.0.2.60");
    // The port is the container port the Service's named targetPort "http" resolves to.
    expect(f.affectedTargets).toEqual([
      { id: "10.0.2.60", port: 8080, state: "unused", reason: "Target.NotRegistered" },
    ]);
    expect(f.evidence.expected.registered).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.evidence.actual.registered).toEqual(["10.0.1.60"]);
    expect(f.evidence.actual.pods).toEqual(["shop/cart-7c9d-bbbbb"]);
    expect(f.rootCause).toContain("TargetGroupBinding shop/k8s-shop-cart-0987654321");
    expect(f.remediation).toContain(
      "kubectl -n shop describe targetgroupbinding k8s-shop-cart-0987654321",
    );
    expect(f.remediation).toContain("logs deployment/aws-load-balancer-controller");
    expect(f.remediation).toContain(
      `aws elbv2 register-targets --target-group-arn ${APP_TG_ARN} --targets Id=10.0.2.60,Port=8080`,
    );
  });

  it("does not expect a not-ready endpoint to be registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.pop();
      k8s(s).endpointSlices[0]!.endpoints![1]!.conditions = {
        ready: false,
        serving: false,
        terminating: true,
      };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("counts a target that is still registering as registered", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions![1]!.TargetHealth = {
        State: "initial",
        Reason: "Elb.RegistrationInProgress",
      };
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
