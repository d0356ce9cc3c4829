import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckAnnotationNotApplied as rule } from "../../../lib/analyze/rules/hc005-health-check-annotation-not-applied";
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

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

const A = "alb.ingress.kubernetes.io/";
const svcAnnotations = (s: SnapshotInput) => (k8s(s).services[0]!.metadata.annotations ??= {});
const ingAnnotations = (s: SnapshotInput) => (k8s(s).ingresses[0]!.metadata.annotations ??= {});

/** Seed 001: the fix moved to the gateway Service, but the group still has the defaults. */
function notReconciled(s: SnapshotInput) {
  Object.assign(svcAnnotations(s), { [`${A}healthcheck-port`]: "status-port" });
  const tg = tgs(s)[0]!;
  Object.assign(tg, { HealthCheckPort: "traffic-port", HealthCheckPath: "/" });
  tg.HealthCheckProtocol = "HTTPS";
}

describe("HC005 HealthCheckAnnotationNotApplied", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("lists every declared setting the group lacks, even while targets are healthy", () => {
    const [f, ...rest] = run(snapshotOf(healthyInstanceGatewayInput(), notReconciled));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC005",
      name: "HealthCheckAnnotationNotApplied",
      severity: "warning",
      targetGroupArn: GW_TG_ARN,
      affectedTargets: [],
    });
    expect(f!.title).toContain("k8s-istiosys-gw-1234567890");
    const svc = "Service istio-system/istio-ingressgateway";
    expect(f!.evidence.expected).toEqual({
      [`${A}healthcheck-port`]: { object: svc, declared: "status-port", resolved: 31127 },
      [`${A}healthcheck-path`]: { object: svc, declared: "/healthz/ready" },
      [`${A}healthcheck-protocol`]: { object: svc, declared: "HTTP" },
    });
    expect(f!.evidence.actual).toEqual({
      [`${A}healthcheck-port`]: { field: "HealthCheckPort", live: "traffic-port" },
      [`${A}healthcheck-path`]: { field: "HealthCheckPath", live: "/" },
      [`${A}healthcheck-protocol`]: { field: "HealthCheckProtocol", live: "HTTPS" },
    });
    expect(f!.rootCause).toContain("has not reconciled");
    expect(f!.remediation).toContain("kubectl -n istio-system describe ingress gateway");
  });

  it("stays quiet when a port name resolves to the live port", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      svcAnnotations(s)[`${A}healthcheck-port`] = "status-port";
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("resolves a port name to the container port in ip mode", () => {
    const declare = (s: SnapshotInput) => {
      svcAnnotations(s)[`${A}healthcheck-port`] = "http";
    };
    const live8080 = snapshotOf(healthyIpAppInput(), (s) => {
      declare(s);
      tgs(s)[0]!.HealthCheckPort = "8080";
    });
    expect(run(live8080)).toEqual([]);
    const [f] = run(snapshotOf(healthyIpAppInput(), declare));
    expect(f?.evidence.expected[`${A}healthcheck-port`]).toMatchObject({
      declared: "http",
      resolved: 8080,
    });
  });

  it("compares only the Service's value when both objects declare a key", () => {
    const ignored = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      ingAnnotations(s)[`${A}healthcheck-path`] = "/status";
    });
    expect(run(ignored)).toEqual([]);

    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        delete svcAnnotations(s)[`${A}healthcheck-path`];
        ingAnnotations(s)[`${A}healthcheck-path`] = "/status";
      }),
    );
    expect(f?.evidence.expected).toEqual({
      [`${A}healthcheck-path`]: { object: "Ingress istio-system/gateway", declared: "/status" },
    });
  });

  it("names a value the controller rejects", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        svcAnnotations(s)[`${A}healthcheck-port`] = "status";
        svcAnnotations(s)[`${A}healthcheck-protocol`] = "http";
      }),
    );
    expect(Object.keys(f!.evidence.expected)).toEqual([
      `${A}healthcheck-port`,
      `${A}healthcheck-protocol`,
    ]);
    expect(f!.evidence.expected[`${A}healthcheck-port`]).toMatchObject({
      invalid: 'no port named "status" in the Service; its ports are status-port, http2, https',
    });
    expect(f!.rootCause).toContain("cannot apply");
    expect(f!.remediation).toContain('must be HTTP or HTTPS; use "HTTP"');
  });

  it("compares thresholds, timing and success codes by value", () => {
    const equal = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      Object.assign(tgs(s)[0]!, {
        HealthCheckIntervalSeconds: 15,
        HealthyThresholdCount: 2,
        Matcher: { HttpCode: "200,204" },
      });
      Object.assign(ingAnnotations(s), {
        [`${A}healthcheck-interval-seconds`]: "15",
        [`${A}healthy-threshold-count`]: "2",
        [`${A}success-codes`]: "204, 200",
      });
    });
    expect(run(equal)).toEqual([]);

    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        Object.assign(tgs(s)[0]!, { HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 5 });
        Object.assign(ingAnnotations(s), {
          [`${A}healthcheck-timeout-seconds`]: "20",
          [`${A}success-codes`]: "200-299",
        });
      }),
    );
    expect(f?.evidence.actual).toEqual({
      [`${A}healthcheck-timeout-seconds`]: { field: "HealthCheckTimeoutSeconds", live: 5 },
      [`${A}success-codes`]: { field: "Matcher", live: "200" },
    });
    expect(f?.evidence.expected[`${A}healthcheck-timeout-seconds`]).toMatchObject({
      invalid: "must be shorter than the interval (15s)",
    });
  });

  it("stays quiet for a group the controller does not manage from an Ingress", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      notReconciled(s);
      tgs(s)[0]!.Tags = [];
    });
    expect(run(snapshot)).toEqual([]);
  });
});
