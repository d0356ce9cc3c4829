/**
 * Findings behind a Gateway whose class or itself names a LoadBalancerConfiguration: with the
 * optional list the block in effect is known and named; without it (or with the named object
 * missing) the verdict is held and says what could not be seen.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { securityGroupBlocksHealthCheck } from "../../../lib/analyze/rules/net001-security-group-blocks-health-check";
import { parseSnapshot } from "../../../lib/snapshot/read";
import type { Finding } from "../../../lib/analyze/finding";
import type { SnapshotInput } from "../../../lib/snapshot/schema";
import { guard } from "../../support/guarded-model";
import {
  BACKEND_SG,
  LB_SG,
  NODE_SG,
  fromGroup,
  nodeRules,
  tcp,
  withNetwork,
} from "../../support/network-scenarios";
import { healthyInstanceGatewayInput, snapshotOf, tgs } from "../../support/scenarios";

type Lists = Record<string, Record<string, unknown>[]>;

const example = (edit: (k: Lists, input: SnapshotInput) => void = () => {}): Finding[] => {
  const input = JSON.parse(
    readFileSync(
      new URL("../../../examples/23-gateway-api-class-default-wins.json", import.meta.url),
      "utf8",
    ),
  ) as SnapshotInput;
  edit(input.kubernetes as unknown as Lists, input);
  return analyze(parseSnapshot(input)).findings.filter((f) => f.severity !== "info");
};

const byName = (list: Record<string, unknown>[], name: string) =>
  list.find((o) => (o.metadata as { name: string }).name === name)!;
const specOf = (o: Record<string, unknown>) => o.spec as Record<string, unknown>;

/** The class's configuration lets the Gateway's own default win. */
const preferGateway = (k: Lists) => {
  specOf(byName(k.loadBalancerConfigurations!, "platform-alb")).mergingMode = "prefer-gateway";
};

/** The live group has the Gateway default's values, and the targets pass. */
const liveIsGatewayDefault = (input: SnapshotInput) => {
  const tg = input.aws.targetGroups![0]!;
  Object.assign(tg, { HealthCheckPort: "8081", HealthCheckPath: "/healthz" });
  for (const t of tg.TargetHealthDescriptions!) {
    t.HealthCheckPort = "8081";
    t.TargetHealth = { State: "healthy" };
  }
};

const HELD = "The snapshot cannot tell which TargetGroupConfiguration block applies";

describe("a Gateway whose class's LoadBalancerConfiguration default is in effect (example 23)", () => {
  it("names the class's default as the block in effect and fixes the Service's own", () => {
    const findings = example();
    expect(findings.map((f) => f.code)).toEqual(["HC001"]);
    const fix = findings[0]!.remediation;
    expect(fix).not.toContain(HELD);
    expect(fix).toContain(
      "It restates the fields of spec.defaultConfiguration.healthCheckConfig of TargetGroupConfiguration kube-system/platform-tg-defaults (the Gateway-wide default that LoadBalancerConfiguration kube-system/platform-alb of GatewayClass aws-alb names; it wins over TargetGroupConfiguration orders/orders-tg-defaults",
    );
    expect(fix).toContain(
      "spec.mergingMode of the class's LoadBalancerConfiguration: prefer-gateway-class",
    );
    // The new Service-level block keeps the class default's interval, which it replaces whole.
    expect(fix).toContain("healthCheckInterval: 15");
    expect(fix).toContain(
      `Command: kubectl -n kube-system patch targetgroupconfigurations.gateway.k8s.aws platform-tg-defaults --type=merge -p '{"spec":{"defaultConfiguration":{"healthCheckConfig":{"healthCheckPort":"8081","healthCheckPath":"/healthz","healthCheckProtocol":"HTTP"}}}}'`,
    );
  });

  it("without the list holds the verdict as before the list existed", () => {
    const findings = example((k) => delete k.loadBalancerConfigurations);
    expect(findings.map((f) => f.code)).toEqual(["HC001"]);
    expect(findings[0]!.remediation).toContain(
      `${HELD} (Gateway orders/orders-gw names LoadBalancerConfiguration orders/orders-gw-config, whose defaultTargetGroupConfiguration would apply and is not in the snapshot)`,
    );
  });

  it("holds it, saying so, when a named object is missing from the lists", () => {
    const missingLbc = example((k) => {
      k.loadBalancerConfigurations = k.loadBalancerConfigurations!.filter(
        (l) => (l.metadata as { name: string }).name !== "orders-gw-config",
      );
    });
    expect(missingLbc.map((f) => f.code)).toEqual(["HC001"]);
    expect(missingLbc[0]!.remediation).toContain(
      `${HELD} (Gateway orders/orders-gw names LoadBalancerConfiguration orders/orders-gw-config, which is not in the snapshot's loadBalancerConfigurations`,
    );
    const missingTgc = example((k) => {
      k.targetGroupConfigurations = k.targetGroupConfigurations!.filter(
        (t) => (t.metadata as { name: string }).name !== "platform-tg-defaults",
      );
    });
    expect(missingTgc[0]!.remediation).toContain(
      `${HELD} (TargetGroupConfiguration kube-system/platform-tg-defaults, which LoadBalancerConfiguration kube-system/platform-alb names as spec.defaultTargetGroupConfiguration, is not in the snapshot`,
    );
    expect([...missingLbc, ...missingTgc].map((f) => f.code)).not.toContain("HC005");
  });

  it("HC005 when the Gateway's default wins (prefer-gateway) and the live group lacks it", () => {
    const findings = example(preferGateway);
    expect(findings.map((f) => f.code).sort()).toEqual(["HC001", "HC005"]);
    const hc005 = findings.find((f) => f.code === "HC005")!;
    expect(hc005.title).toBe(
      "Target group k8s-orders-ordersap-97886afbf4 does not have the health-check settings of TargetGroupConfiguration orders/orders-tg-defaults: healthCheckPort, healthCheckPath",
    );
    expect(hc005.resources).toEqual(
      expect.arrayContaining([
        { kind: "TargetGroupConfiguration", namespace: "orders", name: "orders-tg-defaults" },
        { kind: "LoadBalancerConfiguration", namespace: "orders", name: "orders-gw-config" },
      ]),
    );
    expect(hc005.rootCause).toContain(
      "That block is the Gateway-wide default that LoadBalancerConfiguration orders/orders-gw-config of Gateway orders/orders-gw names",
    );
    expect(hc005.remediation).toContain(
      "kubectl -n orders describe loadbalancerconfigurations.gateway.k8s.aws orders-gw-config",
    );
  });

  it("stays quiet when the live group has the default in effect and the targets pass", () => {
    expect(example((k, input) => (preferGateway(k), liveIsGatewayDefault(input)))).toEqual([]);
  });
});

describe("NET001 behind a Gateway whose LoadBalancerConfiguration sets custom security groups", () => {
  const TIMEOUT = {
    State: "unhealthy",
    Reason: "Target.Timeout",
    Description: "Request timed out",
  };
  const SELF = { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: NODE_SG }] };
  const lbc = (spec: Record<string, unknown>) => ({
    apiVersion: "gateway.k8s.aws/v1",
    kind: "LoadBalancerConfiguration",
    metadata: { name: "public-config", namespace: "istio-system" },
    spec,
  });

  /** The instance-mode baseline's group, built by the controller for Gateway istio-system/public-gw. */
  const behindGateway = (lbcs?: Record<string, unknown>[]) =>
    snapshotOf(healthyInstanceGatewayInput(), (s) => {
      withNetwork(s, [31127, 31246]);
      nodeRules(s, [tcp(31246, 31246, fromGroup(BACKEND_SG)), SELF]);
      const tg = tgs(s)[0]!;
      for (const d of tg.TargetHealthDescriptions!) d.TargetHealth = { ...TIMEOUT };
      tg.Tags = [
        { Key: "elbv2.k8s.aws/cluster", Value: "shop-prod" },
        { Key: "gateway.k8s.aws.alb/stack", Value: "istio-system/public-gw" },
      ];
      const k = s.kubernetes as unknown as Lists;
      k.ingresses = [];
      const binding = k.targetGroupBindings![0]!;
      (binding.metadata as Record<string, unknown>).labels = {
        "gateway.k8s.aws.alb/stack-name": "public-gw",
        "gateway.k8s.aws.alb/stack-namespace": "istio-system",
      };
      delete specOf(binding).networking;
      k.gatewayClasses = [
        { metadata: { name: "aws-alb" }, spec: { controllerName: "gateway.k8s.aws/alb" } },
      ];
      k.gateways = [
        {
          metadata: { name: "public-gw", namespace: "istio-system" },
          spec: {
            gatewayClassName: "aws-alb",
            infrastructure: {
              parametersRef: {
                group: "gateway.k8s.aws",
                kind: "LoadBalancerConfiguration",
                name: "public-config",
              },
            },
          },
        },
      ];
      if (lbcs) k.loadBalancerConfigurations = lbcs;
    });
  const run = (lbcs?: Record<string, unknown>[]) =>
    guard(securityGroupBlocksHealthCheck).check({
      model: buildModel(behindGateway(lbcs)),
      prior: [],
      rules: [],
    });

  it("fixes it on the LoadBalancerConfiguration (b), not with a rule the controller does not own", () => {
    const [f, ...rest] = run([lbc({ securityGroups: [LB_SG] })]);
    expect(rest).toEqual([]);
    expect(f?.evidence.actual.fix).toEqual(["managed-backend-rules"]);
    expect(f?.remediation).toContain(
      `LoadBalancerConfiguration istio-system/public-config of Gateway istio-system/public-gw sets spec.securityGroups (${LB_SG}) without spec.manageBackendSecurityGroupRules`,
    );
    expect(f?.remediation).toContain(
      `Command: kubectl -n istio-system patch loadbalancerconfigurations.gateway.k8s.aws public-config --type=merge -p '{"spec":{"manageBackendSecurityGroupRules":true}}'`,
    );
  });

  it("takes another branch when the rules are managed or the list is absent", () => {
    for (const lbcs of [
      [lbc({ securityGroups: [LB_SG], manageBackendSecurityGroupRules: true })],
      undefined,
    ]) {
      const [f] = run(lbcs);
      // The binding is the controller's (its Gateway stack labels): no patch of it, which the
      // controller would revert, but the rule itself.
      expect(f?.evidence.actual.fix).toEqual(["authorize"]);
    }
  });
});
