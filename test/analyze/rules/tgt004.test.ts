import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { targetGroupNotInUse } from "../../../lib/analyze/rules/tgt004-target-group-not-in-use";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  LB_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(targetGroupNotInUse).check({ model: buildModel(snapshot), prior: [], rules: [] });

const NOT_IN_USE = { State: "unused", Reason: "Target.NotInUse" };

/** The load balancer serves only eu-west-1a and eu-west-1b; the third node's target is unused. */
function zoneCDisabled(s: SnapshotInput) {
  const lb = s.aws.loadBalancers![0]!;
  lb.AvailabilityZones = lb.AvailabilityZones!.filter((z) => z.ZoneName !== NODES[2].zone);
  tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
    ...NOT_IN_USE,
    Description: "Target is in an Availability Zone that is not enabled for the load balancer",
  };
}

describe("TGT004 TargetGroupNotInUse", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a target whose zone is not enabled on the load balancer", () => {
    const findings = run(snapshotOf(healthyInstanceGatewayInput(), zoneCDisabled));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT004");
    expect(f.severity).toBe("warning");
    expect(f.targetGroupArn).toBe(GW_TG_ARN);
    expect(f.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f.title).toContain("eu-west-1c");
    expect(f.affectedTargets).toEqual([
      { id: NODES[2].id, port: 31246, state: "unused", reason: "Target.NotInUse" },
    ]);
    expect(f.evidence.expected.zones).toEqual(["eu-west-1a", "eu-west-1b"]);
    expect(f.evidence.actual.zones).toEqual(["eu-west-1c"]);
    expect(f.evidence.actual.targets).toEqual([
      { id: NODES[2].id, node: NODES[2].name, zone: "eu-west-1c", reason: "Target.NotInUse" },
    ]);
    // Ingress-managed, internal, no subnets annotation: the controller discovers subnets by tag.
    expect(f.remediation).toContain(
      "aws ec2 create-tags --resources <subnet-in-eu-west-1c> --tags Key=kubernetes.io/role/internal-elb,Value=1",
    );
  });

  it("takes the zone from the providerID when the node has no zone label", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        zoneCDisabled(s);
        k8s(s).nodes[2]!.metadata.labels = {};
      }),
    );
    expect(findings[0]!.evidence.actual.zones).toEqual(["eu-west-1c"]);
  });

  it("extends the Ingress's subnets annotation when it declares one", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        zoneCDisabled(s);
        k8s(s).ingresses[0]!.metadata.annotations!["alb.ingress.kubernetes.io/subnets"] =
          "subnet-a,subnet-b";
      }),
    );
    expect(findings[0]!.remediation).toContain(
      "kubectl -n istio-system annotate ingress gateway --overwrite alb.ingress.kubernetes.io/subnets=subnet-a,subnet-b,<subnet-in-eu-west-1c>",
    );
  });

  it("fixes a group nobody reconciles with set-subnets, keeping the current subnets", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        zoneCDisabled(s);
        tgs(s)[0]!.Tags = [{ Key: "elbv2.k8s.aws/cluster", Value: "shop-prod" }];
      }),
    );
    expect(findings[0]!.remediation).toContain(
      `aws elbv2 set-subnets --load-balancer-arn ${LB_ARN} --subnets subnet-eu-west-1a subnet-eu-west-1b <subnet-in-eu-west-1c>`,
    );
  });

  it("does not blame the zone when the target's zone is enabled", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = NOT_IN_USE;
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("does not blame the zone for targets failing for another reason", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      zoneCDisabled(s);
      tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
        State: "unhealthy",
        Reason: "Target.Timeout",
      };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("flags a group attached to no load balancer whose targets are unused", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.LoadBalancerArns = [];
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.TargetHealth = NOT_IN_USE;
    });
    const findings = run(snapshot);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("attached to no load balancer");
    expect(f.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.evidence.actual.loadBalancerArns).toEqual([]);
    expect(f.rootCause).toContain("Ingress shop/cart");
    expect(f.remediation).toContain("kubectl -n shop describe ingress cart");
    expect(f.remediation).toContain(
      `aws elbv2 delete-target-group --target-group-arn ${APP_TG_ARN}`,
    );
  });

  it("tells how to attach a detached group nobody reconciles", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.LoadBalancerArns = [];
      tgs(s)[0]!.Tags = [];
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.TargetHealth = NOT_IN_USE;
    });
    expect(run(snapshot)[0]!.remediation).toContain(
      `--default-actions Type=forward,TargetGroupArn=${APP_TG_ARN}`,
    );
  });

  it("stays quiet for a detached group that reports nothing failing", () => {
    const empty = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.LoadBalancerArns = [];
      tgs(s)[0]!.TargetHealthDescriptions = [];
    });
    const unregistered = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.LoadBalancerArns = [];
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!)
        d.TargetHealth = { State: "unused", Reason: "Target.NotRegistered" };
    });
    expect(run(empty)).toEqual([]);
    expect(run(unregistered)).toEqual([]);
  });

  it("ignores detached groups of another cluster", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.LoadBalancerArns = [];
      tgs(s)[0]!.Tags = [{ Key: "elbv2.k8s.aws/cluster", Value: "staging" }];
      k8s(s).targetGroupBindings = [];
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.TargetHealth = NOT_IN_USE;
    });
    expect(run(snapshot)).toEqual([]);
  });
});
