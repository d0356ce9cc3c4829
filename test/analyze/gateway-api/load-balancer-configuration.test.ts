import { describe, expect, it } from "vitest";
import {
  declaredHealthCheck,
  type RouteIdentity,
} from "../../../lib/analyze/gateway-api/declared-health-check";
import {
  gatewayDefaults,
  lbcsOf,
  manageBackendRulesFix,
  unmanagedSecurityGroups,
} from "../../../lib/analyze/gateway-api/load-balancer-configuration";
import type { GatewayApiLists, GatewayApiObject } from "../../../lib/analyze/gateway-api/objects";
import { targetGroupConfigurationFix } from "../../../lib/analyze/gateway-api/tgc-fix";
import { gateway, gatewayClass, tgc } from "./objects";

const SVC = { namespace: "shop", name: "web" };
const GW_REF = { namespace: "edge", name: "public-gw" };
const ROUTE: RouteIdentity = { kind: "HTTPRoute", namespace: "shop", name: "web" };
const lbcRef = (name: string, namespace?: string) => ({
  group: "gateway.k8s.aws",
  kind: "LoadBalancerConfiguration",
  name,
  ...(namespace ? { namespace } : {}),
});

const lbc = (namespace: string, name: string, spec: Record<string, unknown>): GatewayApiObject => ({
  apiVersion: "gateway.k8s.aws/v1",
  kind: "LoadBalancerConfiguration",
  metadata: { namespace, name },
  spec,
});
/** A default TargetGroupConfiguration: no targetReference. */
const defaultTgc = (namespace: string, name: string, spec: Record<string, unknown>) =>
  tgc(namespace, name, spec);
const hc = (path: string) => ({ healthCheckConfig: { healthCheckPath: path } });

const gw = (ref?: string) =>
  gateway(
    "edge",
    "public-gw",
    "aws-alb",
    ref ? { infrastructure: { parametersRef: lbcRef(ref) } } : {},
  );
const cls = (ref?: { name: string; namespace?: string }) => ({
  ...gatewayClass("aws-alb", "gateway.k8s.aws/alb"),
  spec: {
    controllerName: "gateway.k8s.aws/alb",
    ...(ref ? { parametersRef: lbcRef(ref.name, ref.namespace) } : {}),
  },
});

/** The path in effect and the object it comes from, or the status. */
function effective(lists: GatewayApiLists, g: GatewayApiObject, c: GatewayApiObject): string {
  const d = declaredHealthCheck(lists, SVC, GW_REF, ROUTE, gatewayDefaults(lists, g, c));
  if (d.status === "unknown") return `unknown: ${d.reason}`;
  if (d.status !== "declared") return d.status;
  const path = d.settings.find((s) => s.setting === "path")?.value;
  const via = d.block.via ? ` via ${d.block.via.lbc.metadata.name}` : "";
  return `${d.block.level} ${d.block.tgc.metadata.name} ${d.block.path} ${String(path)}${via}`;
}

const DEFAULT = "spec.defaultConfiguration.healthCheckConfig";
const CLASS = cls({ name: "class-config", namespace: "kube-system" });

/** The Gateway's and its class's configurations, each naming a default with `spec`. */
const both = (
  gwDefaults: Record<string, unknown>,
  classDefaults: Record<string, unknown>,
  classSpec: Record<string, unknown> = {},
): GatewayApiLists => ({
  loadBalancerConfigurations: [
    lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
    lbc("kube-system", "class-config", {
      ...classSpec,
      defaultTargetGroupConfiguration: { name: "class-defaults" },
    }),
  ],
  targetGroupConfigurations: [
    defaultTgc("edge", "gw-defaults", gwDefaults),
    defaultTgc("kube-system", "class-defaults", classDefaults),
  ],
});

describe("the Gateway-wide default a LoadBalancerConfiguration names", () => {
  it.each<[string, GatewayApiLists, GatewayApiObject, GatewayApiObject, string]>([
    [
      "the Gateway's LoadBalancerConfiguration names a default in its namespace",
      {
        loadBalancerConfigurations: [
          lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
        ],
        targetGroupConfigurations: [
          defaultTgc("edge", "gw-defaults", { defaultConfiguration: hc("/gw") }),
        ],
      },
      gw("alb-config"),
      cls(),
      `default gw-defaults ${DEFAULT} /gw via alb-config`,
    ],
    [
      "a TargetGroupConfiguration of that name in another namespace is not it",
      {
        loadBalancerConfigurations: [
          lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
        ],
        targetGroupConfigurations: [
          defaultTgc("shop", "gw-defaults", { defaultConfiguration: hc("/gw") }),
        ],
      },
      gw("alb-config"),
      cls(),
      "unknown: TargetGroupConfiguration edge/gw-defaults, which LoadBalancerConfiguration edge/alb-config names as spec.defaultTargetGroupConfiguration, is not in the snapshot (the controller does not build the Gateway until it exists)",
    ],
    [
      "the Service's own block wins over the default whole",
      {
        loadBalancerConfigurations: [
          lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
        ],
        targetGroupConfigurations: [
          defaultTgc("edge", "gw-defaults", { defaultConfiguration: hc("/gw") }),
          tgc("shop", "web-tgc", {
            targetReference: { name: "web" },
            defaultConfiguration: hc("/svc"),
          }),
        ],
      },
      gw("alb-config"),
      cls(),
      `service web-tgc ${DEFAULT} /svc`,
    ],
    [
      "the default's routeConfigurations entry for the route",
      {
        loadBalancerConfigurations: [
          lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
        ],
        targetGroupConfigurations: [
          defaultTgc("edge", "gw-defaults", {
            defaultConfiguration: hc("/gw"),
            routeConfigurations: [
              {
                routeIdentifier: { kind: "HTTPRoute", namespace: "shop" },
                targetGroupProps: hc("/shop"),
              },
            ],
          }),
        ],
      },
      gw("alb-config"),
      cls(),
      `default gw-defaults spec.routeConfigurations[0].targetGroupProps.healthCheckConfig /shop via alb-config`,
    ],
    [
      "class and Gateway: the class's default wins by default (prefer-gateway-class)",
      both({ defaultConfiguration: hc("/gw") }, { defaultConfiguration: hc("/class") }),
      gw("alb-config"),
      CLASS,
      `default class-defaults ${DEFAULT} /class via class-config`,
    ],
    [
      "mergingMode prefer-gateway on the class's puts the Gateway's first",
      both(
        { defaultConfiguration: hc("/gw") },
        { defaultConfiguration: hc("/class") },
        { mergingMode: "prefer-gateway" },
      ),
      gw("alb-config"),
      CLASS,
      `default gw-defaults ${DEFAULT} /gw via alb-config`,
    ],
    [
      "the winner without a healthCheckConfig takes the other's, field by field",
      both({ defaultConfiguration: hc("/gw") }, { defaultConfiguration: { targetType: "ip" } }),
      gw("alb-config"),
      CLASS,
      `default gw-defaults ${DEFAULT} /gw via alb-config`,
    ],
    [
      "the loser's routeConfigurations do not apply (the controller keeps the winner's)",
      both(
        {
          routeConfigurations: [
            { routeIdentifier: { kind: "HTTPRoute" }, targetGroupProps: hc("/gw-route") },
          ],
        },
        { defaultConfiguration: hc("/class") },
      ),
      gw("alb-config"),
      CLASS,
      `default class-defaults ${DEFAULT} /class via class-config`,
    ],
    [
      "a LoadBalancerConfiguration without a default leaves the catalog's Gateway-level one",
      {
        loadBalancerConfigurations: [lbc("edge", "alb-config", { scheme: "internal" })],
        targetGroupConfigurations: [
          tgc("edge", "gw-tgc", {
            targetReference: { kind: "Gateway", name: "public-gw" },
            defaultConfiguration: hc("/gw-level"),
          }),
        ],
      },
      gw("alb-config"),
      cls(),
      `gateway gw-tgc ${DEFAULT} /gw-level`,
    ],
    [
      "the named LoadBalancerConfiguration missing from the list holds the verdict",
      { loadBalancerConfigurations: [], targetGroupConfigurations: [] },
      gw("alb-config"),
      cls(),
      "unknown: Gateway edge/public-gw names LoadBalancerConfiguration edge/alb-config, which is not in the snapshot's loadBalancerConfigurations (without it the controller does not build the Gateway)",
    ],
    [
      "a class reference without a namespace is rejected by the controller",
      { loadBalancerConfigurations: [], targetGroupConfigurations: [] },
      gw(),
      cls({ name: "class-config" }),
      "unknown: GatewayClass aws-alb names LoadBalancerConfiguration class-config without a namespace, which the controller rejects (the class is not Accepted, so its Gateways are not built)",
    ],
    [
      "a default with a targetReference is refused by the controller",
      {
        loadBalancerConfigurations: [
          lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "web-tgc" } }),
        ],
        targetGroupConfigurations: [
          tgc("edge", "web-tgc", {
            targetReference: { name: "other" },
            defaultConfiguration: hc("/x"),
          }),
        ],
      },
      gw("alb-config"),
      cls(),
      "unknown: TargetGroupConfiguration edge/web-tgc, which LoadBalancerConfiguration edge/alb-config names as spec.defaultTargetGroupConfiguration, has a targetReference, which the controller refuses in a default (it does not build the Gateway)",
    ],
    [
      "the list not collected: held as before the list existed",
      { targetGroupConfigurations: [] },
      gw("alb-config"),
      cls(),
      "unknown: Gateway edge/public-gw names LoadBalancerConfiguration edge/alb-config, whose defaultTargetGroupConfiguration would apply and is not in the snapshot",
    ],
  ])("%s", (_, lists, g, c, expected) => {
    expect(effective(lists, g, c)).toBe(expected);
  });

  it("needs no LoadBalancerConfiguration list when none is named", () => {
    expect(lbcsOf({}, gw(), cls())).toEqual({ status: "none" });
  });
});

describe("fixes for a block a LoadBalancerConfiguration's default holds", () => {
  const lists: GatewayApiLists = {
    loadBalancerConfigurations: [
      lbc("edge", "alb-config", { defaultTargetGroupConfiguration: { name: "gw-defaults" } }),
    ],
    targetGroupConfigurations: [
      defaultTgc("edge", "gw-defaults", {
        defaultConfiguration: {
          healthCheckConfig: { healthCheckPath: "/", healthCheckPort: "8080" },
        },
      }),
    ],
  };
  const declared = declaredHealthCheck(
    lists,
    SVC,
    GW_REF,
    ROUTE,
    gatewayDefaults(lists, gw("alb-config"), cls()),
  );

  it("overrides it for this Service only and offers the default's own patch", () => {
    if (declared.status === "unknown") throw new Error(declared.reason);
    const text = targetGroupConfigurationFix({
      service: SVC,
      declared,
      values: { path: "/healthz" },
      grpc: false,
    });
    expect(text).toContain(
      "It restates the fields of spec.defaultConfiguration.healthCheckConfig of TargetGroupConfiguration edge/gw-defaults (the Gateway-wide default that LoadBalancerConfiguration edge/alb-config of Gateway edge/public-gw names)",
    );
    // The Service-level block keeps the default's port, which it replaces whole.
    expect(text).toContain('healthCheckPath: "/healthz"');
    expect(text).toContain('healthCheckPort: "8080"');
    expect(text).toContain(
      `Command: kubectl -n edge patch targetgroupconfigurations.gateway.k8s.aws gw-defaults --type=merge -p '{"spec":{"defaultConfiguration":{"healthCheckConfig":{"healthCheckPath":"/healthz"}}}}'`,
    );
  });
});

describe("custom security groups of a Gateway's LoadBalancerConfiguration", () => {
  const both = (gwSpec: Record<string, unknown>, classSpec: Record<string, unknown>) => ({
    loadBalancerConfigurations: [
      lbc("edge", "alb-config", gwSpec),
      lbc("kube-system", "class-config", classSpec),
    ],
  });
  const classRef = { name: "class-config", namespace: "kube-system" };

  it("is unmanaged when the groups are set and manageBackendSecurityGroupRules is not true", () => {
    const u = unmanagedSecurityGroups(
      both({ securityGroups: ["sg-0frontend"] }, {}),
      gw("alb-config"),
      cls(classRef),
    );
    expect(u?.groups).toEqual(["sg-0frontend"]);
    expect(u?.patch.lbc.metadata.name).toBe("alb-config");
    expect(manageBackendRulesFix(u!)).toContain(
      `Command: kubectl -n edge patch loadbalancerconfigurations.gateway.k8s.aws alb-config --type=merge -p '{"spec":{"manageBackendSecurityGroupRules":true}}'`,
    );
  });

  it("patches the configuration whose false wins (the class's by default)", () => {
    const u = unmanagedSecurityGroups(
      both(
        { securityGroups: ["sg-0frontend"], manageBackendSecurityGroupRules: true },
        { manageBackendSecurityGroupRules: false },
      ),
      gw("alb-config"),
      cls(classRef),
    );
    expect(u?.manage).toBe(false);
    expect(u?.patch.lbc.metadata.name).toBe("class-config");
  });

  it("stays quiet when the rules are managed, or no groups are set, or the list is absent", () => {
    for (const [lists, c] of [
      [
        both({ securityGroups: ["sg-0frontend"], manageBackendSecurityGroupRules: true }, {}),
        cls(classRef),
      ],
      [both({ scheme: "internal" }, {}), cls(classRef)],
      [{}, cls()],
    ] as const) {
      expect(unmanagedSecurityGroups(lists, gw("alb-config"), c)).toBeUndefined();
    }
  });
});
