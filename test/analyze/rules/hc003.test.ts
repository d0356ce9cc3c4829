import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckPortNotHealthPort } from "../../../lib/analyze/rules/hc001-health-check-port-not-health-port";
import { healthCheckProtocolMismatch as rule } from "../../../lib/analyze/rules/hc003-health-check-protocol-mismatch";
import type { Rule } from "../../../lib/analyze/rule";
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
import { readFileSync } from "node:fs";

const exampleInput = (name: string): SnapshotInput =>
  JSON.parse(
    readFileSync(new URL(`../../../examples/${name}`, import.meta.url), "utf8"),
  ) as SnapshotInput;

const run = (snapshot: Snapshot, r: Rule = rule) =>
  guard(r).check({ model: buildModel(snapshot), prior: [], rules: [] });

function failAll(s: SnapshotInput, reason = "Target.FailedHealthChecks") {
  for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
    d.TargetHealth = { State: "unhealthy", Reason: reason, Description: "Health checks failed" };
  }
}

const overHttps = (s: SnapshotInput) => {
  tgs(s)[0]!.HealthCheckProtocol = "HTTPS";
  failAll(s);
};

describe("HC003 HealthCheckProtocolMismatch", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical when the status nodePort is checked over HTTPS", () => {
    const [f, ...rest] = run(snapshotOf(healthyInstanceGatewayInput(), overHttps));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC003",
      name: "HealthCheckProtocolMismatch",
      severity: "critical",
      targetGroupArn: GW_TG_ARN,
    });
    expect(f!.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f!.affectedTargets).toHaveLength(3);
    expect(f!.evidence.expected).toMatchObject({ protocol: "HTTP", port: 31127 });
    expect(f!.evidence.actual).toMatchObject({
      protocol: "HTTPS",
      port: 31127,
      path: "/healthz/ready",
    });
    expect(f!.rootCause).toContain("TLS handshake");
    expect(f!.remediation).toContain("Annotate Service istio-system/istio-ingressgateway");
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-protocol: "HTTP"');
    expect(f!.remediation).not.toContain("healthcheck-path");
  });

  it("asks for HTTPS when the readiness probe is HTTPS and the check plain HTTP", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        failAll(s, "Target.ResponseCodeMismatch");
        for (const pod of k8s(s).pods) {
          pod.spec.containers[0]!.readinessProbe!.httpGet!.scheme = "HTTPS";
        }
      }),
    );
    expect(f?.evidence.expected).toMatchObject({ protocol: "HTTPS" });
    expect(f?.evidence.actual).toMatchObject({ protocol: "HTTP" });
    expect(f?.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-protocol: "HTTPS"');
  });

  it("never fires for a TCP check", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      failAll(s);
      tgs(s)[0]!.HealthCheckProtocol = "TCP";
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("stays quiet when one target is healthy", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      overHttps(s);
      tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = { State: "healthy" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("leaves HTTPS on the traffic port to HC001 (seed 000), which fixes the protocol too", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      overHttps(s);
      tgs(s)[0]!.HealthCheckPort = "traffic-port";
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.HealthCheckPort = "31246";
    });
    expect(run(snapshot, healthCheckPortNotHealthPort).map((f) => f.code)).toEqual(["HC001"]);
    expect(run(snapshot)).toEqual([]);
  });

  it("changes a Gateway's group in the TargetGroupConfiguration entry in effect: check and traffic protocol", () => {
    const snapshot = snapshotOf(exampleInput("22-healthy-gateway-api-route-config.json"), (s) => {
      // The pods now serve their readiness over TLS on the traffic port.
      for (const pod of k8s(s).pods) {
        for (const c of pod.spec.containers) {
          if (c.readinessProbe?.httpGet)
            c.readinessProbe.httpGet = { path: "/healthz", port: "http", scheme: "HTTPS" };
        }
      }
      const tg = tgs(s)[0]!;
      tg.HealthCheckPort = "traffic-port";
      for (const d of tg.TargetHealthDescriptions ?? []) delete d.HealthCheckPort;
      failAll(s, "Target.ResponseCodeMismatch");
    });
    const [f] = run(snapshot);
    expect(f?.code).toBe("HC003");
    const fix = f!.remediation;
    expect(fix).toContain(
      "Set in TargetGroupConfiguration orders/orders-api, spec.routeConfigurations[1].targetGroupProps.healthCheckConfig",
    );
    expect(fix).toContain(
      '"path":"/spec/routeConfigurations/1/targetGroupProps/healthCheckConfig/healthCheckProtocol","value":"HTTPS"',
    );
    expect(fix).toContain("The controller then creates a new target group with protocol HTTPS");
    expect(fix).toContain(
      '"path":"/spec/routeConfigurations/1/targetGroupProps/protocol","value":"HTTPS"',
    );
    expect(fix).not.toContain("alb.ingress.kubernetes.io/");
    expect(fix).not.toContain("--protocol HTTPS");
  });
});
