import { describe, expect, it } from "vitest";
import {
  generatedFor,
  generatedServiceSpecFix,
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

describe("generatedServiceSpecFix", () => {
  const ref = { gatewayRef: { namespace: "istio-ingress", name: "public" }, istio: true };

  it("writes the ConfigMap overlay and points the Gateway at it", () => {
    const text = generatedServiceSpecFix({ ...ref, gateway: gw }, "public-istio", {
      externalTrafficPolicy: "Cluster",
    });
    expect(text).toContain(
      "name: public-options\n  namespace: istio-ingress\ndata:\n  service: |\n    spec:\n      externalTrafficPolicy: Cluster\nCommand: kubectl apply -f - <<'EOF'",
    );
    expect(text).toMatch(
      /\nEOF\nThen point the Gateway at it:\nkubectl -n istio-ingress patch gateways\.gateway\.networking\.k8s\.io public --type=merge/,
    );
  });

  it("adds to the ConfigMap the Gateway already names, without re-pointing it", () => {
    const named = gateway("istio-ingress", "public", "istio", {
      infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "gw-options" } },
    });
    const text = generatedServiceSpecFix({ ...ref, gateway: named }, "public-istio", {
      externalTrafficPolicy: "Cluster",
    });
    expect(text).toContain("name: gw-options\n");
    expect(text).toContain(
      "already names ConfigMap gw-options in spec.infrastructure.parametersRef",
    );
    expect(text).not.toContain("patch gateways");
  });

  it("names no Istio mechanism for another implementation's Service", () => {
    const text = generatedServiceSpecFix({ ...ref, istio: false }, "public-envoy", {
      externalTrafficPolicy: "Cluster",
    });
    expect(text).toContain("The Gateway's controller generates Service istio-ingress/public-envoy");
    expect(text).not.toContain("ConfigMap");
  });
});
