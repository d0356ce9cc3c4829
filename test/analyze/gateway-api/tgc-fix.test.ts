import { describe, expect, it } from "vitest";
import { declaredHealthCheck } from "../../../lib/analyze/gateway-api/declared-health-check";
import type { GatewayApiObject } from "../../../lib/analyze/gateway-api/objects";
import {
  healthCheckConfigOf,
  targetGroupConfigurationFix,
} from "../../../lib/analyze/gateway-api/tgc-fix";
import { tgc } from "./objects";

const SVC = { namespace: "shop", name: "web" };
const GW = { namespace: "edge", name: "public-gw" };
const ROUTE = { kind: "HTTPRoute" as const, namespace: "shop", name: "web" };
const FIX = { port: 8081, path: "/healthz", protocol: "http" };

function fixWith(tgcs: GatewayApiObject[], values = FIX, grpc = false) {
  const declared = declaredHealthCheck({ targetGroupConfigurations: tgcs }, SVC, GW, ROUTE);
  if (declared.status === "unknown") throw new Error(declared.reason);
  return targetGroupConfigurationFix({
    service: SVC,
    declared,
    values,
    grpc,
    apiVersion: "gateway.k8s.aws/v1",
  });
}

/** The JSON a `-p '...'` argument carries. */
const patchOf = (text: string) => JSON.parse(/ -p '(.*)'$/m.exec(text)![1]!) as unknown;

describe("healthCheckConfigOf", () => {
  it("writes the CRD's field names and types", () => {
    expect(
      healthCheckConfigOf(
        {
          port: 8081,
          path: "/healthz",
          protocol: "https",
          timeoutSeconds: "10",
          intervalSeconds: 15,
          successCodes: "200",
        },
        false,
      ),
    ).toEqual({
      healthCheckPort: "8081",
      healthCheckPath: "/healthz",
      healthCheckProtocol: "HTTPS",
      healthCheckTimeout: 10,
      healthCheckInterval: 15,
      matcher: { httpCode: "200" },
    });
    expect(healthCheckConfigOf({ successCodes: "0-2" }, true)).toEqual({
      matcher: { grpcCode: "0-2" },
    });
  });
});

describe("targetGroupConfigurationFix", () => {
  it("patches the Service's defaultConfiguration block in place with a merge patch", () => {
    const text = fixWith([
      tgc("shop", "web-tgc", {
        targetReference: { name: "web" },
        defaultConfiguration: {
          healthCheckConfig: { healthCheckPath: "/", healthCheckInterval: 10 },
        },
      }),
    ]);
    expect(text).toContain(
      "Set in TargetGroupConfiguration shop/web-tgc, spec.defaultConfiguration.healthCheckConfig",
    );
    expect(text).toContain(
      'healthCheckConfig:\n  healthCheckPort: "8081"\n  healthCheckPath: "/healthz"\n  healthCheckProtocol: "HTTP"',
    );
    expect(text).toContain(
      "kubectl -n shop patch targetgroupconfigurations.gateway.k8s.aws web-tgc --type=merge",
    );
    // Merge patch: the interval already there stays.
    expect(patchOf(text)).toEqual({
      spec: {
        defaultConfiguration: {
          healthCheckConfig: {
            healthCheckPort: "8081",
            healthCheckPath: "/healthz",
            healthCheckProtocol: "HTTP",
          },
        },
      },
    });
    expect(text).not.toMatch(/annotat/i);
  });

  it("patches a route entry with a JSON patch, leaving the other entries alone", () => {
    const text = fixWith([
      tgc("shop", "web-tgc", {
        targetReference: { name: "web" },
        routeConfigurations: [
          {
            routeIdentifier: { kind: "GRPCRoute" },
            targetGroupProps: { healthCheckConfig: { healthCheckPath: "/g" } },
          },
          {
            routeIdentifier: ROUTE,
            targetGroupProps: { healthCheckConfig: { healthCheckPath: "/" } },
          },
        ],
      }),
    ]);
    expect(text).toContain("spec.routeConfigurations[1].targetGroupProps.healthCheckConfig");
    expect(text).toContain("--type=json");
    expect(patchOf(text)).toEqual([
      {
        op: "add",
        path: "/spec/routeConfigurations/1/targetGroupProps/healthCheckConfig/healthCheckPort",
        value: "8081",
      },
      {
        op: "add",
        path: "/spec/routeConfigurations/1/targetGroupProps/healthCheckConfig/healthCheckPath",
        value: "/healthz",
      },
      {
        op: "add",
        path: "/spec/routeConfigurations/1/targetGroupProps/healthCheckConfig/healthCheckProtocol",
        value: "HTTP",
      },
    ]);
  });

  it("gives the Service's own configuration a block that restates the Gateway-level fields", () => {
    const text = fixWith([
      tgc("shop", "web-tgc", {
        targetReference: { name: "web" },
        defaultConfiguration: { targetType: "ip" },
      }),
      tgc("edge", "gw-tgc", {
        targetReference: { kind: "Gateway", name: "public-gw" },
        defaultConfiguration: {
          healthCheckConfig: { healthCheckPath: "/", healthCheckInterval: 30 },
        },
      }),
    ]);
    expect(text).toContain(
      "Set in TargetGroupConfiguration shop/web-tgc, spec.defaultConfiguration.healthCheckConfig",
    );
    expect(text).toContain(
      "TargetGroupConfiguration edge/gw-tgc, which a Service-level healthCheckConfig replaces whole",
    );
    expect(patchOf(text)).toEqual({
      spec: {
        defaultConfiguration: {
          healthCheckConfig: {
            healthCheckPath: "/healthz",
            healthCheckInterval: 30,
            healthCheckPort: "8081",
            healthCheckProtocol: "HTTP",
          },
        },
      },
    });
  });

  it("creates a configuration for a Service that has none", () => {
    const text = fixWith([], { port: 31500, path: "/healthz/ready", protocol: "HTTP" });
    expect(text).toContain("Service shop/web has no TargetGroupConfiguration; create one.");
    const manifest = [
      'apiVersion: "gateway.k8s.aws/v1"',
      'kind: "TargetGroupConfiguration"',
      "metadata:",
      '  name: "web"',
      '  namespace: "shop"',
      "spec:",
      "  targetReference:",
      '    name: "web"',
      "  defaultConfiguration:",
      "    healthCheckConfig:",
      '      healthCheckPort: "31500"',
      '      healthCheckPath: "/healthz/ready"',
      '      healthCheckProtocol: "HTTP"',
    ].join("\n");
    expect(text).toContain(`${manifest}\nCommand: kubectl apply -f - <<'EOF'\n${manifest}\nEOF`);
  });

  it("sets gRPC codes for a gRPC group", () => {
    const text = fixWith(
      [
        tgc("shop", "web-tgc", {
          targetReference: { name: "web" },
          defaultConfiguration: { healthCheckConfig: {} },
        }),
      ],
      { successCodes: "0-2" } as never,
      true,
    );
    expect(patchOf(text)).toEqual({
      spec: { defaultConfiguration: { healthCheckConfig: { matcher: { grpcCode: "0-2" } } } },
    });
  });
});
