import { describe, expect, it } from "vitest";
import type { Finding } from "../../../lib/analyze/finding";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import {
  fixedTimeouts,
  healthCheckTimeoutShorterThanProbe,
} from "../../../lib/analyze/rules/hc007-health-check-timeout-shorter-than-probe";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot, prior: Finding[] = []) =>
  guard(healthCheckTimeoutShorterThanProbe).check({
    model: buildModel(snapshot),
    prior,
    rules: [],
  });

/** The original probe Istio recorded for the cart pods waits `seconds`. */
function probeTimeout(s: SnapshotInput, seconds: number) {
  for (const pod of k8s(s).pods) {
    const env = pod.spec.containers[1]!.env![0]!;
    const probers = JSON.parse(env.value!) as Record<string, { timeoutSeconds?: number }>;
    probers["/app-health/cart/readyz"]!.timeoutSeconds = seconds;
    env.value = JSON.stringify(probers);
  }
}

function slowCart(edit: (s: SnapshotInput) => void = () => {}) {
  return snapshotOf(healthyIpAppInput(), (s) => {
    probeTimeout(s, 5);
    const tg = tgs(s)[0]!;
    tg.HealthCheckTimeoutSeconds = 2;
    tg.HealthCheckIntervalSeconds = 5;
    tg.TargetHealthDescriptions = ["10.0.1.60", "10.0.2.60"].map((ip) =>
      target(ip, 8080, "unhealthy", "Target.Timeout", "Request timed out"),
    );
    edit(s);
  });
}

describe("HC007 HealthCheckTimeoutShorterThanProbe", () => {
  it("stays quiet on the healthy baselines", () => {
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
  });

  it("flags a check that waits less than the pods' probe, with the probe's timeout as the fix", () => {
    const [f, ...rest] = run(slowCart());
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC007",
      severity: "critical",
      targetGroupArn: APP_TG_ARN,
      affectedTargets: [
        { id: "10.0.1.60", reason: "Target.Timeout" },
        { id: "10.0.2.60", reason: "Target.Timeout" },
      ],
      evidence: {
        expected: { readinessProbeTimeoutSeconds: 5 },
        actual: { HealthCheckTimeoutSeconds: 2, HealthCheckIntervalSeconds: 5, port: 8080 },
      },
    });
    // The timeout the original probe has (Istio's agent calls it with that), and a longer interval.
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-timeout-seconds: "5"');
    expect(f!.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-interval-seconds: "6"');
    expect(f!.remediation).toContain("kubectl -n shop annotate service cart --overwrite");
  });

  it("is a warning while some targets still pass", () => {
    const [f] = run(
      slowCart((s) => {
        tgs(s)[0]!.TargetHealthDescriptions![1] = target("10.0.2.60", 8080);
      }),
    );
    expect(f!.severity).toBe("warning");
    expect(f!.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60"]);
  });

  it("stays quiet when the probe's timeout equals the load balancer's", () => {
    expect(run(slowCart((s) => probeTimeout(s, 2)))).toEqual([]);
  });

  it("stays quiet when the path is wrong (HC002's) or the failure is no timeout", () => {
    expect(run(slowCart((s) => (tgs(s)[0]!.HealthCheckPath = "/")))).toEqual([]);
    expect(
      run(
        slowCart((s) => {
          tgs(s)[0]!.TargetHealthDescriptions = ["10.0.1.60", "10.0.2.60"].map((ip) =>
            target(ip, 8080, "unhealthy", "Target.ResponseCodeMismatch"),
          );
        }),
      ),
    ).toEqual([]);
  });

  it("leaves targets a NET finding explains to it", () => {
    const net = {
      code: "NET001",
      targetGroupArn: APP_TG_ARN,
      affectedTargets: [
        { id: "10.0.1.60", port: 8080, state: "unhealthy", reason: "Target.Timeout" },
        { id: "10.0.2.60", port: 8080, state: "unhealthy", reason: "Target.Timeout" },
      ],
    } as Finding;
    expect(run(slowCart(), [net])).toEqual([]);
  });

  it("leaves a Local Service's nodes without a pod to TP001: kube-proxy drops their checks", () => {
    // Seed 004 with a slow probe: node C runs no gateway pod and times out whatever the timeout.
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).services[0]!.spec!.externalTrafficPolicy = "Local";
        tgs(s)[0]!.HealthCheckTimeoutSeconds = 5;
        for (const p of k8s(s).pods) p.spec.containers[0]!.readinessProbe!.timeoutSeconds = 10;
        tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.Timeout",
        };
      }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(["TP001"]);
  });

  it("reads the probe's own timeoutSeconds when Istio did not rewrite it", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      for (const pod of k8s(s).pods) {
        const proxy = pod.spec.containers.find((c) => c.readinessProbe?.httpGet)!;
        proxy.readinessProbe!.timeoutSeconds = 10;
      }
      const tg = tgs(s)[0]!;
      tg.HealthCheckTimeoutSeconds = 5;
      tg.HealthCheckIntervalSeconds = 30;
      tg.TargetHealthDescriptions = tg.TargetHealthDescriptions!.map((d) => ({
        ...d,
        TargetHealth: { State: "unhealthy", Reason: "Target.Timeout" },
      }));
    });
    const [f] = run(snapshot);
    expect(f?.evidence.expected["readinessProbeTimeoutSeconds"]).toBe(10);
    // The interval is already longer than the new timeout: it stays.
    expect(f!.remediation).toContain('healthcheck-interval-seconds: "30"');
  });

  it("keeps the fix within AWS's bounds", () => {
    expect(fixedTimeouts(1, undefined)).toEqual({ timeoutSeconds: 2, intervalSeconds: 5 });
    expect(fixedTimeouts(200, 10)).toEqual({ timeoutSeconds: 120, intervalSeconds: 121 });
  });
});
