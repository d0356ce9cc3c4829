import { describe, expect, it } from "vitest";
import { buildModel } from "../../lib/analyze/model";
import { guardedModel, UndeclaredRead } from "../support/guarded-model";
import { GW_TG_ARN, healthyInstanceGatewayInput, k8s, snapshotOf, tgs } from "../support/scenarios";

describe("the model's declared sources", () => {
  // A binding that names its group by spec.targetGroupName is joined through the group list: a
  // gap there changes which bindings a group has, so reading the index must demand that list.
  const byName = snapshotOf(healthyInstanceGatewayInput(), (s) => {
    const b = k8s(s).targetGroupBindings[0]!;
    const { targetGroupARN: _arn, ...spec } = b.spec;
    b.spec = { ...spec, targetGroupName: tgs(s)[0]!.TargetGroupName! };
  });

  it("bindingsByArn is built from the bindings and the target groups", () => {
    const bindingsOnly = guardedModel(buildModel(byName), ["kubernetes.targetGroupBindings"]);
    expect(() => bindingsOnly.bindingsByArn).toThrow(UndeclaredRead);
    const both = guardedModel(buildModel(byName), [
      "kubernetes.targetGroupBindings",
      "aws.targetGroups",
    ]);
    expect(both.bindingsByArn.get(GW_TG_ARN)).toHaveLength(1);
  });
});
