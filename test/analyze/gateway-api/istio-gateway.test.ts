import { describe, expect, it } from "vitest";
import {
  generatedFor,
  infrastructureAnnotationsFix,
} from "../../../lib/analyze/gateway-api/istio-gateway";
import type { GatewayApiObject } from "../../../lib/analyze/gateway-api/objects";
import { gateway } from "./objects";

const gw = gateway("istio-ingress", "public", "istio", {
  infrastructure: { annotations: { "team.example.com/owner": "edge" } },
});
const gateways = new Map<string, GatewayApiObject>([["istio-ingress/public", gw]]);
const svc = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, namespace: "istio-ingress", labels },
});

describe("generatedFor", () => {
  it.each([
    [
      "Istio's Service for a Gateway",
      svc("public-istio", { "gateway.networking.k8s.io/gateway-name": "public" }),
      true,
    ],
    [
      "one marked by Istio's managed label",
      svc("edge", {
        "gateway.networking.k8s.io/gateway-name": "public",
        "gateway.istio.io/managed": "istio.io-gateway-controller",
      }),
      true,
    ],
    [
      "another implementation's",
      svc("public-envoy", { "gateway.networking.k8s.io/gateway-name": "public" }),
      false,
    ],
  ])("%s", (_, service, istio) => {
    expect(generatedFor(service, gateways)).toEqual({
      gatewayRef: { namespace: "istio-ingress", name: "public" },
      gateway: gw,
      istio,
    });
  });

  it("is undefined for a Service nobody generated (a Helm-installed istio-ingressgateway)", () => {
    expect(
      generatedFor(svc("istio-ingressgateway", { istio: "ingressgateway" }), gateways),
    ).toBeUndefined();
  });

  it("still names the Gateway when the snapshot does not have it", () => {
    expect(
      generatedFor(
        svc("other-istio", { "gateway.networking.k8s.io/gateway-name": "other" }),
        gateways,
      ),
    ).toEqual({ gatewayRef: { namespace: "istio-ingress", name: "other" }, istio: true });
  });
});

describe("infrastructureAnnotationsFix", () => {
  it("puts the annotations on the Gateway's spec.infrastructure and says why", () => {
    const generated = generatedFor(
      svc("public-istio", { "gateway.networking.k8s.io/gateway-name": "public" }),
      gateways,
    )!;
    const text = infrastructureAnnotationsFix(generated, "public-istio", {
      "alb.ingress.kubernetes.io/healthcheck-port": "31021",
      "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready",
    });
    expect(text).toContain(
      "Istio generates Service istio-ingress/public-istio for Gateway istio-ingress/public and rewrites it",
    );
    expect(text).toContain(
      'spec:\n  infrastructure:\n    annotations:\n      alb.ingress.kubernetes.io/healthcheck-port: "31021"\n      alb.ingress.kubernetes.io/healthcheck-path: "/healthz/ready"\n',
    );
    const patch = JSON.parse(/ -p '(.*)'$/m.exec(text)![1]!);
    expect(text).toContain(
      "kubectl -n istio-ingress patch gateways.gateway.networking.k8s.io public --type=merge",
    );
    // A merge patch adds to the annotations the Gateway already has.
    expect(patch).toEqual({
      spec: {
        infrastructure: {
          annotations: {
            "alb.ingress.kubernetes.io/healthcheck-port": "31021",
            "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready",
          },
        },
      },
    });
    expect(text).not.toContain("kubectl -n istio-ingress annotate service");
  });

  it("says which of the Gateway's annotations it replaces", () => {
    const withOld = gateway("istio-ingress", "public", "istio", {
      infrastructure: {
        annotations: { "alb.ingress.kubernetes.io/healthcheck-port": "traffic-port" },
      },
    });
    const generated = generatedFor(
      svc("public-istio", { "gateway.networking.k8s.io/gateway-name": "public" }),
      new Map([["istio-ingress/public", withOld]]),
    )!;
    expect(
      infrastructureAnnotationsFix(generated, "public-istio", {
        "alb.ingress.kubernetes.io/healthcheck-port": "31021",
      }),
    ).toContain("(replacing its alb.ingress.kubernetes.io/healthcheck-port)");
  });
});
