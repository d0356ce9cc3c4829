import { describe, expect, it } from "vitest";
import {
  declaredHealthCheck,
  tgcTargeting,
  type RouteIdentity,
} from "../../../lib/analyze/gateway-api/declared-health-check";
import {
  loadBalancerConfigurationOf,
  type GatewayApiObject,
} from "../../../lib/analyze/gateway-api/objects";
import { gateway, gatewayClass, tgc } from "./objects";

const SVC = { namespace: "shop", name: "web" };
const GW = { namespace: "edge", name: "public-gw" };
const ROUTE: RouteIdentity = { kind: "HTTPRoute", namespace: "shop", name: "web" };

const hc = (path: string, extra: Record<string, unknown> = {}) => ({
  healthCheckConfig: { healthCheckPath: path, ...extra },
});
const entry = (id: Record<string, string>, path: string) => ({
  routeIdentifier: id,
  targetGroupProps: hc(path),
});

/** The path the block in effect declares, or the status when none does. */
function effective(tgcs: GatewayApiObject[], route: RouteIdentity = ROUTE): string {
  const d = declaredHealthCheck({ targetGroupConfigurations: tgcs }, SVC, GW, route);
  if (d.status !== "declared") return d.status;
  return `${d.block.tgc.metadata.name} ${d.block.path} ${String(d.settings.find((s) => s.setting === "path")?.value)}`;
}

const service = (spec: Record<string, unknown>, name = "web-tgc") =>
  tgc("shop", name, { targetReference: { name: "web" }, ...spec });
const gatewayLevel = (spec: Record<string, unknown>) =>
  tgc("edge", "gw-tgc", { targetReference: { kind: "Gateway", name: "public-gw" }, ...spec });

describe("declaredHealthCheck: which block is in effect", () => {
  const DEFAULT = "spec.defaultConfiguration.healthCheckConfig";
  const ENTRY = (i: number) => `spec.routeConfigurations[${i}].targetGroupProps.healthCheckConfig`;
  it.each<[string, GatewayApiObject[], string]>([
    ["no TargetGroupConfiguration", [], "none"],
    [
      "the Service's defaultConfiguration",
      [service({ defaultConfiguration: hc("/d") })],
      `web-tgc ${DEFAULT} /d`,
    ],
    [
      "kind+namespace+name beats kind+namespace and kind, wherever listed",
      [
        service({
          defaultConfiguration: hc("/d"),
          routeConfigurations: [
            entry({ kind: "HTTPRoute" }, "/kind"),
            entry({ kind: "HTTPRoute", namespace: "shop" }, "/kind-ns"),
            entry({ kind: "HTTPRoute", namespace: "shop", name: "web" }, "/full"),
          ],
        }),
      ],
      `web-tgc ${ENTRY(2)} /full`,
    ],
    [
      "kind+namespace beats kind",
      [
        service({
          routeConfigurations: [
            entry({ kind: "HTTPRoute" }, "/kind"),
            entry({ kind: "HTTPRoute", namespace: "shop" }, "/kind-ns"),
          ],
        }),
      ],
      `web-tgc ${ENTRY(1)} /kind-ns`,
    ],
    [
      "of two equally specific entries the first",
      [
        service({
          routeConfigurations: [
            entry({ kind: "HTTPRoute" }, "/first"),
            entry({ kind: "HTTPRoute" }, "/second"),
          ],
        }),
      ],
      `web-tgc ${ENTRY(0)} /first`,
    ],
    [
      "kind+namespace beats kind listed after it",
      [
        service({
          routeConfigurations: [
            entry({ kind: "HTTPRoute", namespace: "shop" }, "/kind-ns"),
            entry({ kind: "HTTPRoute" }, "/kind"),
          ],
        }),
      ],
      `web-tgc ${ENTRY(0)} /kind-ns`,
    ],
    [
      "entries for another route, namespace or kind do not apply: defaultConfiguration does",
      [
        service({
          defaultConfiguration: hc("/d"),
          routeConfigurations: [
            entry({ kind: "HTTPRoute", namespace: "shop", name: "other" }, "/other"),
            entry({ kind: "HTTPRoute", namespace: "blog" }, "/blog"),
            entry({ kind: "GRPCRoute" }, "/grpc"),
            // A name without a namespace never matches (the controller compares both).
            entry({ kind: "HTTPRoute", name: "web" }, "/no-ns"),
          ],
        }),
      ],
      `web-tgc ${DEFAULT} /d`,
    ],
    [
      "a matching entry without healthCheckConfig takes the defaultConfiguration's",
      [
        service({
          defaultConfiguration: hc("/d"),
          routeConfigurations: [
            { routeIdentifier: { kind: "HTTPRoute" }, targetGroupProps: { targetType: "ip" } },
          ],
        }),
      ],
      `web-tgc ${DEFAULT} /d`,
    ],
    [
      "the Gateway-level one when the Service has none",
      [gatewayLevel({ defaultConfiguration: hc("/gw") })],
      `gw-tgc ${DEFAULT} /gw`,
    ],
    [
      "the Gateway-level one when the Service's declares no healthCheckConfig",
      [
        service({ defaultConfiguration: { targetType: "ip" } }),
        gatewayLevel({ defaultConfiguration: hc("/gw") }),
      ],
      `gw-tgc ${DEFAULT} /gw`,
    ],
    [
      "the Service's block over the Gateway's",
      [
        gatewayLevel({ defaultConfiguration: hc("/gw") }),
        service({ defaultConfiguration: hc("/svc") }),
      ],
      `web-tgc ${DEFAULT} /svc`,
    ],
    [
      "the Gateway-level one's own route entries",
      [
        gatewayLevel({
          defaultConfiguration: hc("/gw"),
          routeConfigurations: [entry({ kind: "HTTPRoute" }, "/gw-http")],
        }),
      ],
      `gw-tgc ${ENTRY(0)} /gw-http`,
    ],
    [
      "a configuration for another Service, a Gateway elsewhere or without targetReference does not apply",
      [
        tgc("shop", "api-tgc", {
          targetReference: { name: "api" },
          defaultConfiguration: hc("/api"),
        }),
        tgc("blog", "web-tgc", {
          targetReference: { name: "web" },
          defaultConfiguration: hc("/blog"),
        }),
        tgc("edge", "other-gw", {
          targetReference: { kind: "Gateway", name: "other" },
          defaultConfiguration: hc("/o"),
        }),
        tgc("shop", "lbc-default", { defaultConfiguration: hc("/lbc") }),
        // kind Gateway naming a Service's name is not the Service's.
        tgc("shop", "gw-named-web", {
          targetReference: { kind: "Gateway", name: "web" },
          defaultConfiguration: hc("/x"),
        }),
      ],
      "none",
    ],
    [
      "two configurations for the Service: the first by name, as the API lists them",
      [
        service({ defaultConfiguration: hc("/b") }, "b-tgc"),
        service({ defaultConfiguration: hc("/a") }, "a-tgc"),
      ],
      `a-tgc ${DEFAULT} /a`,
    ],
  ])("%s", (_, tgcs, expected) => {
    expect(effective(tgcs)).toBe(expected);
  });
});

describe("declaredHealthCheck: what the block declares", () => {
  it("declares only the fields the block in effect has, each with where it is written", () => {
    const d = declaredHealthCheck(
      {
        targetGroupConfigurations: [
          // The Gateway's interval is not inherited: a Service-level block replaces it whole.
          gatewayLevel({
            defaultConfiguration: hc("/gw", { healthCheckInterval: 30, healthCheckTimeout: 10 }),
          }),
          service({
            defaultConfiguration: {
              healthCheckConfig: {
                healthCheckPort: "8081",
                healthCheckPath: "/healthz",
                healthCheckProtocol: "HTTP",
                matcher: { httpCode: "200-299" },
              },
            },
          }),
        ],
      },
      SVC,
      GW,
      ROUTE,
    );
    expect(d.status).toBe("declared");
    if (d.status !== "declared") return;
    expect(d.settings).toEqual([
      {
        setting: "port",
        field: "healthCheckPort",
        value: "8081",
        object: "TargetGroupConfiguration shop/web-tgc",
        at: "spec.defaultConfiguration.healthCheckConfig.healthCheckPort",
      },
      expect.objectContaining({ setting: "path", value: "/healthz" }),
      expect.objectContaining({ setting: "protocol", value: "HTTP" }),
      expect.objectContaining({
        setting: "successCodes",
        field: "matcher.httpCode",
        value: "200-299",
        at: "spec.defaultConfiguration.healthCheckConfig.matcher.httpCode",
      }),
    ]);
    expect(d.serviceTgc?.metadata.name).toBe("web-tgc");
  });

  it("names numbers and gRPC codes as declared", () => {
    const d = declaredHealthCheck(
      {
        targetGroupConfigurations: [
          service({
            defaultConfiguration: {
              healthCheckConfig: {
                healthCheckInterval: 10,
                healthCheckTimeout: 5,
                healthyThresholdCount: 2,
                unhealthyThresholdCount: 3,
                matcher: { grpcCode: "0-2" },
              },
            },
          }),
        ],
      },
      SVC,
      GW,
      ROUTE,
    );
    if (d.status !== "declared") throw new Error(d.status);
    expect(Object.fromEntries(d.settings.map((s) => [s.setting, s.value]))).toEqual({
      intervalSeconds: 10,
      timeoutSeconds: 5,
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
      successCodes: "0-2",
    });
  });
});

describe("declaredHealthCheck: when the snapshot cannot tell", () => {
  const routed = service({
    defaultConfiguration: hc("/d"),
    routeConfigurations: [entry({ kind: "HTTPRoute", namespace: "shop" }, "/ns")],
  });

  it("holds its verdict when TargetGroupConfigurations were not collected", () => {
    expect(declaredHealthCheck({}, SVC, GW, ROUTE)).toEqual({
      status: "unknown",
      reason: "TargetGroupConfigurations were not collected",
    });
  });

  it("holds it when an entry depends on a route the snapshot does not have", () => {
    const d = declaredHealthCheck({ targetGroupConfigurations: [routed] }, SVC, GW, {
      kind: "HTTPRoute",
    });
    expect(d).toMatchObject({ status: "unknown" });
    expect(effective([routed], {})).toBe("unknown");
  });

  it("still decides when no entry depends on what is unknown", () => {
    const kindOnly = service({
      defaultConfiguration: hc("/d"),
      routeConfigurations: [
        entry({ kind: "GRPCRoute", namespace: "shop" }, "/g"),
        entry({ kind: "HTTPRoute" }, "/k"),
      ],
    });
    expect(effective([kindOnly], { kind: "HTTPRoute" })).toBe(
      "web-tgc spec.routeConfigurations[1].targetGroupProps.healthCheckConfig /k",
    );
    expect(effective([service({ defaultConfiguration: hc("/d") })], {})).toBe(
      "web-tgc spec.defaultConfiguration.healthCheckConfig /d",
    );
  });
});

describe("tgcTargeting", () => {
  it("reports the configurations the controller ignores", () => {
    const a = service({}, "a");
    const b = service({}, "b");
    expect(tgcTargeting([b, a], { kind: "Service", ...SVC })).toEqual({ tgc: a, others: [b] });
  });
});

describe("declaredHealthCheck under a LoadBalancerConfiguration not collected", () => {
  const LBC = "Gateway edge/public-gw names LoadBalancerConfiguration edge/alb-config";
  const unseen = {
    status: "unknown" as const,
    reason: `${LBC}, whose defaultTargetGroupConfiguration would apply and is not in the snapshot`,
  };
  const declared = (tgcs: GatewayApiObject[]) =>
    declaredHealthCheck({ targetGroupConfigurations: tgcs }, SVC, GW, ROUTE, unseen);

  it("holds the verdict when no Service-level block applies: the LBC's default may", () => {
    for (const tgcs of [
      [],
      [service({ defaultConfiguration: { targetType: "ip" } })],
      [gatewayLevel({ defaultConfiguration: hc("/gw") })],
    ]) {
      expect(declared(tgcs)).toEqual({
        status: "unknown",
        reason: `${LBC}, whose defaultTargetGroupConfiguration would apply and is not in the snapshot`,
      });
    }
  });

  it("keeps the Service's own block, which replaces any default whole", () => {
    const d = declared([service({ defaultConfiguration: hc("/svc") })]);
    expect(d.status).toBe("declared");
  });
});

describe("loadBalancerConfigurationOf", () => {
  const lbcRef = {
    group: "gateway.k8s.aws",
    kind: "LoadBalancerConfiguration",
    name: "alb-config",
  };
  it.each<[string, GatewayApiObject | undefined, GatewayApiObject | undefined, string | undefined]>(
    [
      [
        "neither names one",
        gateway("edge", "gw", "aws-alb"),
        gatewayClass("aws-alb", "gateway.k8s.aws/alb"),
        undefined,
      ],
      [
        "the Gateway's infrastructure.parametersRef",
        gateway("edge", "gw", "aws-alb", { infrastructure: { parametersRef: lbcRef } }),
        undefined,
        "Gateway edge/gw names LoadBalancerConfiguration edge/alb-config",
      ],
      [
        "the class's parametersRef",
        gateway("edge", "gw", "aws-alb"),
        {
          ...gatewayClass("aws-alb", "gateway.k8s.aws/alb"),
          spec: {
            controllerName: "gateway.k8s.aws/alb",
            parametersRef: { ...lbcRef, namespace: "kube-system" },
          },
        },
        "GatewayClass aws-alb names LoadBalancerConfiguration kube-system/alb-config",
      ],
      [
        "an Istio options ConfigMap is no LoadBalancerConfiguration",
        gateway("edge", "gw", "istio", {
          infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "gw-options" } },
        }),
        undefined,
        undefined,
      ],
    ],
  )("%s", (_, gw, cls, expected) => {
    expect(loadBalancerConfigurationOf(gw, cls)).toBe(expected);
  });
});
