import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckPortNotHealthPort } from "../../../lib/analyze/rules/hc001-health-check-port-not-health-port";
import { healthCheckPathMismatch as rule } from "../../../lib/analyze/rules/hc002-health-check-path-mismatch";
import type { Rule } from "../../../lib/analyze/rule";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot, r: Rule = rule) =>
  guard(r).check({ model: buildModel(snapshot), prior: [], rules: [] });

/** Every target of the first group fails the check with a 404. */
function failAll(s: SnapshotInput, reason = "Target.ResponseCodeMismatch") {
  for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
    d.TargetHealth = {
      State: "unhealthy",
      Reason: reason,
      Description: "Health checks failed with these codes: [404]",
    };
  }
}

const rootPath = (s: SnapshotInput) => {
  tgs(s)[0]!.HealthCheckPath = "/";
  failAll(s);
};

describe("HC002 HealthCheckPathMismatch", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical in ip mode with the path of the probe Istio rewrote", () => {
    const [f, ...rest] = run(snapshotOf(healthyIpAppInput(), rootPath));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC002",
      name: "HealthCheckPathMismatch",
      severity: "critical",
      targetGroupArn: APP_TG_ARN,
    });
    expect(f!.title).toContain("k8s-shop-cart-0987654321");
    expect(f!.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f!.evidence.expected).toMatchObject({ path: "/ready", port: 8080 });
    expect(f!.evidence.expected.healthEndpoint).toContain("the probe Istio rewrote");
    expect(f!.evidence.actual).toMatchObject({ path: "/", port: 8080, protocol: "HTTP" });
    expect(f!.rootCause).toContain("Service shop/cart");
    expect(f!.remediation).toContain("Annotate Service shop/cart");
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-path: "/ready"');
    expect(f!.remediation).not.toContain("healthcheck-port");
  });

  it("fires in instance mode when the status nodePort is checked on the wrong path", () => {
    const [f] = run(snapshotOf(healthyInstanceGatewayInput(), rootPath));
    expect(f).toMatchObject({ code: "HC002", targetGroupArn: GW_TG_ARN, severity: "critical" });
    expect(f!.evidence.expected).toMatchObject({ path: "/healthz/ready", port: 31127 });
    expect(f!.remediation).toContain(
      'alb.ingress.kubernetes.io/healthcheck-path: "/healthz/ready"',
    );
  });

  it("is a warning when a target is draining rather than failing", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        rootPath(s);
        tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = { State: "draining" };
      }),
    );
    expect(f?.severity).toBe("warning");
    expect(f?.affectedTargets).toHaveLength(2);
  });

  it("stays quiet when one target is healthy", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      rootPath(s);
      tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = { State: "healthy" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("stays quiet for a TCP check, which sends no path", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      rootPath(s);
      tgs(s)[0]!.HealthCheckProtocol = "TCP";
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("leaves a wrong path on a wrong port to HC001, which fixes both", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      rootPath(s);
      tgs(s)[0]!.HealthCheckPort = "traffic-port";
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.HealthCheckPort = "31246";
    });
    expect(run(snapshot, healthCheckPortNotHealthPort).map((f) => f.code)).toEqual(["HC001"]);
    expect(run(snapshot)).toEqual([]);
  });
});
