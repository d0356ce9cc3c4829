import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze/index";
import { buildModel } from "../../../lib/analyze/model";
import { bindingTargetGroupMissing } from "../../../lib/analyze/rules/bind003-binding-target-group-missing";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(bindingTargetGroupMissing).check({ model: buildModel(snapshot), prior: [], rules: [] });

const binding = (s: SnapshotInput) => k8s(s).targetGroupBindings[0]!;
const RECREATED =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-istiosys-gw/cccccccccccccccc";

/** A binding written by hand (no controller stack label). */
const handMade = (s: SnapshotInput) => {
  binding(s).metadata.labels = {};
};

describe("BIND003 BindingTargetGroupMissing", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("flags a binding whose group was re-created under another ARN and names that ARN", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      handMade(s);
      // Re-created under the name its ARN carries (as AWS names ARNs), with a new id.
      tgs(s)[0]!.TargetGroupArn = RECREATED;
      tgs(s)[0]!.TargetGroupName = "k8s-istiosys-gw";
    });
    const [f, ...rest] = run(snapshot);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "BIND003",
      severity: "warning",
      targetGroupArn: GW_TG_ARN,
      resources: [
        {
          kind: "TargetGroupBinding",
          namespace: "istio-system",
          name: "k8s-istiosys-gw-1234567890",
        },
      ],
      affectedTargets: [],
      evidence: {
        expected: { targetGroup: { TargetGroupArn: GW_TG_ARN } },
        actual: {
          lookup: "TargetGroupNotFound",
          groupWithSameName: { TargetGroupArn: RECREATED },
        },
      },
    });
    // The ARN is immutable: the fix replaces the binding with the new one.
    expect(f!.remediation).toContain(`targetGroupARN: ${RECREATED}`);
    expect(f!.remediation).toContain("kubectl replace --force");
  });

  it("offers re-creating the group or deleting the binding when no group has its name", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      handMade(s);
      s.aws.targetGroups = [];
    });
    const [f] = run(snapshot);
    expect(f!.remediation).toContain("aws elbv2 create-target-group --name k8s-istiosys-gw ");
    expect(f!.remediation).toContain(
      "kubectl -n istio-system delete targetgroupbinding k8s-istiosys-gw-1234567890",
    );
  });

  it("leaves a binding the controller made to the controller's reconcile", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      s.aws.targetGroups = [];
    });
    const [f] = run(snapshot);
    expect(f!.remediation).toContain(
      "made by the AWS Load Balancer Controller for the Ingresses of group istio-system/gateway",
    );
  });

  it("names the Ingress or Service a controller-made binding belongs to", () => {
    const ownedBy = (labels: Record<string, string>) => {
      const [f] = run(
        snapshotOf(healthyInstanceGatewayInput(), (s) => {
          binding(s).metadata.labels = labels;
          s.aws.targetGroups = [];
        }),
      );
      return f!.remediation;
    };
    expect(
      ownedBy({
        "service.k8s.aws/stack-namespace": "edge",
        "service.k8s.aws/stack-name": "gw",
      }),
    ).toContain("for Service edge/gw:");
    expect(ownedBy({ "ingress.k8s.aws/stack-name": "web" })).toContain(
      "for Ingress istio-system/web:",
    );
  });

  it("judges a binding by name alone by the group's name", () => {
    const byName = (name: string) =>
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        handMade(s);
        const { targetGroupARN: _arn, ...spec } = binding(s).spec;
        binding(s).spec = { ...spec, targetGroupName: name };
      });
    expect(run(byName("k8s-istiosys-gw-1234567890"))).toEqual([]);
    const [f] = run(byName("gone"));
    expect(f).toMatchObject({
      targetGroupArn: null,
      evidence: { expected: { targetGroup: { TargetGroupName: "gone" } } },
    });
  });

  it("holds its verdict when the group's lookup failed (a gap names the ARN)", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      s.aws.targetGroups = [];
      s.gaps = [
        {
          source: "aws.targetGroups",
          targetGroupArn: GW_TG_ARN,
          message: "DescribeTargetGroups for bound … failed: Throttling",
        },
      ];
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("does not run when the group list itself could not be read", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      s.aws.targetGroups = [];
      s.gaps = [{ source: "aws.targetGroups", message: "Throttling" }];
    });
    expect(analyze(snapshot).findings.map((f) => f.code)).not.toContain("BIND003");
  });
});
