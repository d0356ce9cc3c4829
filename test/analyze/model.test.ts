import { describe, expect, it } from "vitest";
import { buildModel } from "../../lib/analyze/model";
import {
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  NODES,
  snapshotOf,
  tgs,
} from "../support/scenarios";

describe("topology model", () => {
  it("joins an instance-mode group to binding, Service, endpoints, pods and nodes", () => {
    const model = buildModel(snapshotOf(healthyInstanceGatewayInput()));
    const tgv = model.targetGroups[0]!;
    expect(tgv.arn).toBe(GW_TG_ARN);
    expect(tgv.manager).toBe("ingress");
    expect(tgv.binding?.metadata.name).toBe("k8s-istiosys-gw-1234567890");
    expect(tgv.service?.metadata.name).toBe("istio-ingressgateway");
    expect(tgv.servicePort?.nodePort).toBe(31246);
    expect(tgv.ingresses.map((i) => i.metadata.name)).toEqual(["gateway"]);
    expect(tgv.loadBalancers).toHaveLength(1);
    expect(tgv.backingPods.map((p) => p.metadata.name)).toEqual([
      "istio-ingressgateway-5f7d-aaaaa",
      "istio-ingressgateway-5f7d-bbbbb",
    ]);
    expect(tgv.targets.map((t) => t.node?.metadata.name)).toEqual(NODES.map((n) => n.name));
    expect(tgv.targets.every((t) => t.checkedPort === 31127 && t.healthy && !t.failing)).toBe(true);
    expect(tgv.healthEndpoint).toMatchObject({
      port: 15021,
      path: "/healthz/ready",
      scheme: "HTTP",
      container: "istio-proxy",
    });
    expect(tgv.fixedHealthCheckPort).toBe(31127);
  });

  it("resolves ip targets to endpoints and Istio's rewritten probe to the original", () => {
    const model = buildModel(snapshotOf(healthyIpAppInput()));
    const tgv = model.targetGroups[0]!;
    expect(tgv.targetType).toBe("ip");
    expect(tgv.targets.map((t) => [t.id, t.endpoint?.pod?.metadata.name, t.checkedPort])).toEqual([
      ["10.0.1.60", "cart-7c9d-aaaaa", 8080],
      ["10.0.2.60", "cart-7c9d-bbbbb", 8080],
    ]);
    expect(tgv.healthEndpoint).toMatchObject({
      port: 8080,
      path: "/ready",
      scheme: "HTTP",
      container: "cart",
      fromIstioAppProber: true,
    });
  });

  it("joins a binding that names its group by targetGroupName alone", () => {
    const model = buildModel(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).targetGroupBindings = k8s(s).targetGroupBindings!.map((b) => {
          const { targetGroupARN: _arn, ...spec } = b.spec;
          return { ...b, spec: { ...spec, targetGroupName: tgs(s)[0]!.TargetGroupName } };
        });
        // Without the binding, the tags alone would still find the Service.
        tgs(s)[0]!.Tags = [];
      }),
    );
    const tgv = model.targetGroups[0]!;
    expect(tgv.binding?.metadata.name).toBe("k8s-istiosys-gw-1234567890");
    expect(tgv.service?.metadata.name).toBe("istio-ingressgateway");
    expect(model.bindingsByArn.get(GW_TG_ARN)).toHaveLength(1);
  });

  it("ties a group without a binding to its Service through the controller's tags", () => {
    const model = buildModel(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).targetGroupBindings = [];
      }),
    );
    const tgv = model.targetGroups[0]!;
    expect(tgv.binding).toBeUndefined();
    expect(tgv.service?.metadata.name).toBe("istio-ingressgateway");
    expect(tgv.servicePort?.port).toBe(80);
  });

  it("ties an NLB's unbound group to its Service port through the resource ID tag", () => {
    // pkg/service writes service.k8s.aws/resource = <ns>/<service>:<port>.
    const model = buildModel(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).targetGroupBindings = [];
        tgs(s)[0]!.Tags = [
          { Key: "elbv2.k8s.aws/cluster", Value: "shop-prod" },
          { Key: "service.k8s.aws/stack", Value: "istio-system/istio-ingressgateway" },
          { Key: "service.k8s.aws/resource", Value: "istio-system/istio-ingressgateway:80" },
        ];
      }),
    );
    const tgv = model.targetGroups[0]!;
    expect(tgv.manager).toBe("service");
    expect(tgv.servicePort?.port).toBe(80);
    expect(tgv.healthEndpoint?.port).toBe(15021);
  });

  it("marks unhealthy and NotInUse targets failing, initial and draining not", () => {
    const model = buildModel(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        const d = tgs(s)[0]!.TargetHealthDescriptions!;
        d[0]!.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
        d[1]!.TargetHealth = { State: "unused", Reason: "Target.NotInUse" };
        d[2]!.TargetHealth = { State: "draining", Reason: "Target.DeregistrationInProgress" };
      }),
    );
    expect(model.targetGroups[0]!.targets.map((t) => t.failing)).toEqual([true, true, false]);
  });

  it("keeps a one-group health gap from blocking the other groups", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      s.gaps = [{ source: "aws.targetGroups", targetGroupArn: GW_TG_ARN, message: "Throttling" }];
    });
    const model = buildModel(snapshot);
    expect(model.targetGroups[0]!.healthKnown).toBe(false);
    expect(model.gapSources.has("aws.targetGroups")).toBe(false);
  });
});
