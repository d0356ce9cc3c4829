import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckPortNotHealthPort as rule } from "../../../lib/analyze/rules/hc001-health-check-port-not-health-port";
import { healthCheckPathMismatch } from "../../../lib/analyze/rules/hc002-health-check-path-mismatch";
import { healthCheckProtocolMismatch } from "../../../lib/analyze/rules/hc003-health-check-protocol-mismatch";
import { healthCheckPortStale } from "../../../lib/analyze/rules/hc004-health-check-port-stale";
import { healthCheckAnnotationNotApplied } from "../../../lib/analyze/rules/hc005-health-check-annotation-not-applied";
import { healthCheckCodeMismatch } from "../../../lib/analyze/rules/hc006-health-check-code-mismatch";
import type { Rule } from "../../../lib/analyze/rule";
import { readSnapshotFile } from "../../../lib/snapshot/read";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot, r: Rule = rule) =>
  guard(r).check({ model: buildModel(snapshot), prior: [], rules: [] });

const HC_RULES = [
  rule,
  healthCheckPathMismatch,
  healthCheckProtocolMismatch,
  healthCheckPortStale,
  healthCheckAnnotationNotApplied,
  healthCheckCodeMismatch,
];

/** Seed 000: the gateway group checked on its traffic port with the controller's defaults. */
function checkTrafficPort(s: SnapshotInput, reason = "Target.FailedHealthChecks") {
  const tg = tgs(s)[0]!;
  Object.assign(tg, { HealthCheckPort: "traffic-port", HealthCheckPath: "/" });
  tg.HealthCheckProtocol = "HTTPS";
  for (const d of tg.TargetHealthDescriptions!) {
    d.HealthCheckPort = "31246";
    d.TargetHealth = { State: "unhealthy", Reason: reason, Description: "Health checks failed" };
  }
  delete k8s(s).services[0]!.metadata.annotations;
}

describe("HC001 HealthCheckPortNotHealthPort", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical when an instance group checks the gateway's traffic nodePort", () => {
    const [f, ...rest] = run(snapshotOf(healthyInstanceGatewayInput(), checkTrafficPort));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC001",
      name: "HealthCheckPortNotHealthPort",
      severity: "critical",
      targetGroupArn: GW_TG_ARN,
    });
    expect(f!.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f!.title).not.toContain("\n");
    expect(f!.resources).toEqual([
      {
        kind: "TargetGroupBinding",
        namespace: "istio-system",
        name: "k8s-istiosys-gw-1234567890",
      },
      { kind: "Service", namespace: "istio-system", name: "istio-ingressgateway" },
      { kind: "Ingress", namespace: "istio-system", name: "gateway" },
    ]);
    expect(f!.affectedTargets).toHaveLength(3);
    expect(f!.evidence.expected).toMatchObject({
      port: 31127,
      path: "/healthz/ready",
      protocol: "HTTP",
    });
    expect(f!.evidence.actual).toMatchObject({
      port: 31246,
      healthCheckPort: "traffic-port",
      path: "/",
      protocol: "HTTPS",
    });
    expect(f!.rootCause).toContain("istio-system/istio-ingressgateway");
    expect(f!.rootCause).toContain("31127");
    expect(f!.remediation).toContain("Annotate Service istio-system/istio-ingressgateway");
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-port: "31127"');
    expect(f!.remediation).toContain(
      'alb.ingress.kubernetes.io/healthcheck-path: "/healthz/ready"',
    );
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-protocol: "HTTP"');
  });

  it("is a warning when some targets are not failing yet (initial), none healthy", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        checkTrafficPort(s, "Target.ResponseCodeMismatch");
        tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
          State: "initial",
          Reason: "Elb.RegistrationInProgress",
        };
      }),
    );
    expect(f?.severity).toBe("warning");
    expect(f?.affectedTargets.map((t) => t.id)).toEqual([
      "i-0000000000000000a",
      "i-0000000000000000b",
    ]);
  });

  it("stays quiet when one target of the group is healthy", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      checkTrafficPort(s);
      tgs(s)[0]!.TargetHealthDescriptions![1]!.TargetHealth = { State: "healthy" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("stays quiet when targets fail for a reason a wrong port does not produce", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      checkTrafficPort(s);
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
        d.TargetHealth = { State: "unused", Reason: "Target.NotInUse" };
      }
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("leaves a checked port that is no nodePort at all to HC004", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      checkTrafficPort(s);
      tgs(s)[0]!.HealthCheckPort = "30218";
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.HealthCheckPort = "30218";
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("asks for a Service port when none reaches the health container port", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        checkTrafficPort(s);
        const svc = k8s(s).services[0]!;
        svc.spec!.ports = svc.spec!.ports!.filter((p) => p.name !== "status-port");
      }),
    );
    expect(f?.code).toBe("HC001");
    expect(f!.remediation).toContain("has no port that reaches container port 15021");
    expect(f!.remediation).toMatch(
      /- name: health\n {4}port: 15021\n {4}targetPort: 15021\n {4}nodePort: 30000\n/,
    );
    expect(f!.remediation).toContain('"op":"add","path":"/spec/ports/-"');
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-port: "30000"');
    expect(f!.evidence.expected).toMatchObject({ port: 30000, path: "/healthz/ready" });
    expect(f!.evidence.expected.reachedThrough).toContain(
      "add a Service port for container port 15021",
    );
  });

  it("fires in ip mode when the check goes to another container port of the pods", () => {
    const [f] = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        const tg = tgs(s)[0]!;
        tg.HealthCheckPort = "15090";
        for (const d of tg.TargetHealthDescriptions!) {
          d.HealthCheckPort = "15090";
          d.TargetHealth = {
            State: "unhealthy",
            Reason: "Target.ResponseCodeMismatch",
            Description: "Health checks failed with these codes: [404]",
          };
        }
      }),
    );
    expect(f).toMatchObject({ code: "HC001", severity: "critical", targetGroupArn: APP_TG_ARN });
    expect(f!.evidence.expected).toMatchObject({ port: 8080, path: "/ready", protocol: "HTTP" });
    expect(f!.evidence.actual).toMatchObject({ port: 15090, healthCheckPort: "15090" });
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-port: "8080"');
    expect(f!.remediation).toContain("Service shop/cart");
  });

  it("does not call Istio's agent port a wrong port: it serves the rewritten probes", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      const tg = tgs(s)[0]!;
      Object.assign(tg, { HealthCheckPort: "15020", HealthCheckPath: "/app-health/cart/readyz" });
      for (const d of tg.TargetHealthDescriptions!) {
        d.HealthCheckPort = "15020";
        d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
      }
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("gives the AWS CLI command for a group no controller manages", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        checkTrafficPort(s);
        tgs(s)[0]!.Tags = [];
      }),
    );
    expect(f!.remediation).toContain(
      `aws elbv2 modify-target-group --target-group-arn ${GW_TG_ARN} --health-check-port 31127 --health-check-path /healthz/ready --health-check-protocol HTTP`,
    );
  });

  it("is the only HC finding of the seed-000 example, with the three annotations", async () => {
    const snapshot = await readSnapshotFile(
      new URL("../../../../shared/examples/seed-000-istio-traffic-port.json", import.meta.url)
        .pathname,
    );
    const findings = HC_RULES.flatMap((r) => run(snapshot, r));
    expect(findings.map((f) => [f.code, f.severity])).toEqual([["HC001", "critical"]]);
    const [f] = findings;
    expect(f!.affectedTargets).toHaveLength(3);
    expect(f!.evidence.actual).toMatchObject({
      port: 31246,
      healthCheckPort: "traffic-port",
      path: "/",
      protocol: "HTTPS",
    });
    expect(f!.remediation).toContain("Service istio-system/istio-ingressgateway");
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-port: "31127"');
    expect(f!.remediation).toContain(
      'alb.ingress.kubernetes.io/healthcheck-path: "/healthz/ready"',
    );
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-protocol: "HTTP"');
  });
});
