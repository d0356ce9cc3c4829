/** HC005 for NLBs the controller builds for a Service: its service.beta healthcheck annotations. */
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckAnnotationNotApplied } from "../../../lib/analyze/rules/hc005-health-check-annotation-not-applied";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  CLUSTER,
  healthyInstanceGatewayInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(healthCheckAnnotationNotApplied).check({
    model: buildModel(snapshot),
    prior: [],
    rules: [],
  });

const NLB = "service.beta.kubernetes.io/aws-load-balancer-";

/** The gateway behind an NLB made for its Service of type LoadBalancer, checked as annotated. */
function nlb(annotations: Record<string, string>, edit: (s: SnapshotInput) => void = () => {}) {
  return snapshotOf(healthyInstanceGatewayInput(), (s) => {
    Object.assign(tgs(s)[0]!, {
      Protocol: "TCP",
      HealthCheckProtocol: "HTTP",
      HealthCheckPort: "31127",
      HealthCheckPath: "/healthz/ready",
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 10,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: "200-399" },
      Tags: [
        { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
        { Key: "service.k8s.aws/stack", Value: "istio-system/istio-ingressgateway" },
        { Key: "service.k8s.aws/resource", Value: "80" },
      ],
    });
    const svc = k8s(s).services[0]!;
    svc.metadata.annotations = {
      [`${NLB}type`]: "external",
      [`${NLB}nlb-target-type`]: "instance",
      ...annotations,
    };
    svc.spec!.type = "LoadBalancer";
    k8s(s).ingresses = [];
    s.aws.loadBalancers![0]!.Type = "network";
    edit(s);
  });
}

const applied = {
  [`${NLB}healthcheck-protocol`]: "http",
  [`${NLB}healthcheck-port`]: "status-port",
  [`${NLB}healthcheck-path`]: "/healthz/ready",
  [`${NLB}healthcheck-interval`]: "10",
  [`${NLB}healthcheck-timeout`]: "10",
  [`${NLB}healthcheck-healthy-threshold`]: "3",
  [`${NLB}healthcheck-unhealthy-threshold`]: "3",
  [`${NLB}healthcheck-success-codes`]: "200-399",
};

describe("HC005 on an NLB built for a Service", () => {
  it("stays quiet when every declared value is applied (protocol case, named port included)", () => {
    expect(run(nlb(applied))).toEqual([]);
  });

  it("names each service.beta key the group does not have", () => {
    const [f, ...rest] = run(
      nlb({
        ...applied,
        [`${NLB}healthcheck-path`]: "/ready",
        [`${NLB}healthcheck-interval`]: "30",
        [`${NLB}healthcheck-success-codes`]: "200",
      }),
    );
    expect(rest).toEqual([]);
    expect(Object.keys(f!.evidence.expected).sort()).toEqual([
      `${NLB}healthcheck-interval`,
      `${NLB}healthcheck-path`,
      `${NLB}healthcheck-success-codes`,
    ]);
    expect(f!.evidence.actual[`${NLB}healthcheck-path`]).toEqual({
      field: "HealthCheckPath",
      live: "/healthz/ready",
    });
    expect(f!.title).toContain("aws-load-balancer-healthcheck-path");
    expect(f!.remediation).toContain(
      "kubectl -n istio-system describe service istio-ingressgateway",
    );
    expect(f!.rootCause).toContain("spec.loadBalancerClass");
  });

  it("reads no ALB annotation on such a Service, and no path or codes for a TCP check", () => {
    const tcp = nlb(
      {
        "alb.ingress.kubernetes.io/healthcheck-path": "/other",
        [`${NLB}healthcheck-protocol`]: "TCP",
        [`${NLB}healthcheck-path`]: "/ignored-for-tcp",
      },
      (s) => {
        Object.assign(tgs(s)[0]!, { HealthCheckProtocol: "TCP" });
        delete tgs(s)[0]!.HealthCheckPath;
      },
    );
    expect(run(tcp)).toEqual([]);
  });

  it("says a value is invalid the way the controller parses it", () => {
    const [f] = run(nlb({ [`${NLB}healthcheck-timeout`]: "abc" }));
    expect(f!.evidence.expected[`${NLB}healthcheck-timeout`]).toMatchObject({
      declared: "abc",
      invalid: "not an integer",
    });
  });

  it("names the controller's Warning event as the reason the value did not take", () => {
    const message =
      "Failed build model due to failed to parse int32 annotation, service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout: abc";
    const snapshot = nlb({ [`${NLB}healthcheck-timeout`]: "abc" }, (s) => {
      (s.kubernetes as { events?: unknown[] }).events = [
        {
          metadata: { name: "e1", namespace: "istio-system" },
          involvedObject: {
            kind: "Service",
            namespace: "istio-system",
            name: "istio-ingressgateway",
          },
          type: "Warning",
          reason: "FailedBuildModel",
          message,
          count: 2,
          source: { component: "service" },
          lastTimestamp: "2026-11-24T09:50:00Z",
        },
      ];
    });
    const [f] = run(snapshot);
    expect(f!.evidence.actual["controllerEvent"]).toEqual({
      object: "Service istio-system/istio-ingressgateway",
      reason: "FailedBuildModel",
      message,
      lastSeen: "2026-11-24T09:50:00Z",
    });
    expect(f!.rootCause).toContain(
      "The controller says why it does not apply them: FailedBuildModel",
    );
  });
});
