/**
 * Precision for NLB target groups the controller makes for Services of type LoadBalancer: their
 * fixes go through service.beta.kubernetes.io annotations, never ALB ones or rules.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import {
  CLUSTER,
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";

const codes = (input: SnapshotInput, edit?: (s: SnapshotInput) => void) =>
  analyze(snapshotOf(input, edit)).findings.map((f) => `${f.code} ${f.targetGroupArn ?? ""}`);

/**
 * An NLB the controller made for the gateway Service of type LoadBalancer with
 * externalTrafficPolicy Local: it checks kube-proxy's healthCheckNodePort (HTTP /healthz), where
 * only nodes that run a gateway pod answer 200. Node C runs none and fails by design.
 */
function nlbLocal(s: SnapshotInput) {
  const tg = tgs(s)[0]!;
  Object.assign(tg, {
    Protocol: "TCP",
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: "32100",
    HealthCheckPath: "/healthz",
    Tags: [
      { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
      { Key: "service.k8s.aws/stack", Value: "istio-system/istio-ingressgateway" },
      { Key: "service.k8s.aws/resource", Value: "80" },
    ],
    TargetHealthDescriptions: NODES.map((n, i) => ({
      ...(i < 2
        ? target(n.id, 31246)
        : target(n.id, 31246, "unhealthy", "Target.FailedHealthChecks")),
      HealthCheckPort: "32100",
    })),
  });
  delete tg.Matcher;
  const svc = k8s(s).services[0]!;
  svc.metadata.annotations = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
  };
  Object.assign(svc.spec!, {
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    healthCheckNodePort: 32100,
  });
  k8s(s).ingresses = [];
  k8s(s).targetGroupBindings[0]!.metadata.labels = {
    "service.k8s.aws/stack": "istio-system/istio-ingressgateway",
  };
  s.aws.loadBalancers![0]!.Type = "network";
}

describe("precision: NLB groups", () => {
  it("counts kube-proxy's healthCheckNodePort as a current port of a Local Service (NLB)", () => {
    const found = codes(healthyInstanceGatewayInput(), (s) => {
      nlbLocal(s);
      // Every node passes (a gateway pod on each): nothing is stale.
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.TargetHealth = { State: "healthy" };
    });
    expect(found).toEqual([]);
    const failing = codes(healthyInstanceGatewayInput(), nlbLocal);
    expect(failing).not.toContain(`HC004 ${GW_TG_ARN}`);
  });

  it("names the Service whose NLB annotation holds a stale health-check port", () => {
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        nlbLocal(s);
        const tg = tgs(s)[0]!;
        tg.HealthCheckPort = "31999";
        for (const d of tg.TargetHealthDescriptions!) {
          d.HealthCheckPort = "31999";
          d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
        }
        k8s(s).services[0]!.metadata.annotations![
          "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"
        ] = "31999";
      }),
    );
    const f = report.findings.find((x) => x.code === "HC004")!;
    expect(f.evidence.actual["declaredIn"]).toEqual(["Service istio-system/istio-ingressgateway"]);
    // The name resolves to the current nodePort each reconcile, with the NLB's own key.
    expect(f.remediation).toContain(
      'Alternatively annotate service.beta.kubernetes.io/aws-load-balancer-healthcheck-port: "status-port" on Service istio-system/istio-ingressgateway',
    );
  });

  it("stays quiet when kube-proxy's health port fails a node without a pod, as designed", () => {
    // The NLB skips node C because it runs no gateway pod: that is what the port is for.
    expect(codes(healthyInstanceGatewayInput(), nlbLocal)).toEqual([]);
  });

  it("explains an NLB checking the traffic port of a Local Service, with NLB advice", () => {
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        nlbLocal(s);
        const tg = tgs(s)[0]!;
        Object.assign(tg, { HealthCheckProtocol: "TCP", HealthCheckPort: "traffic-port" });
        delete tg.HealthCheckPath;
        for (const d of tg.TargetHealthDescriptions!) {
          d.HealthCheckPort = "31246";
          if (d.TargetHealth?.State === "unhealthy") d.TargetHealth.Reason = "Target.Timeout";
        }
      }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(["TP001"]);
    const f = report.findings[0]!;
    expect(f.severity).toBe("warning");
    expect(f.affectedTargets.map((t) => t.id)).toEqual([NODES[2].id]);
    // An NLB passes no X-Forwarded-For, and alb.ingress.kubernetes.io annotations do nothing here.
    expect(f.remediation).not.toContain("X-Forwarded-For");
    expect(f.remediation).not.toContain("alb.ingress.kubernetes.io");
    expect(f.remediation).toContain("client address");
    expect(f.remediation).toContain(
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: "ip"',
    );
    // First the change that keeps Local and the target group: check kube-proxy's health port,
    // which drains the nodes without a pod by design (the controller's default for Local).
    expect(f.remediation).toMatch(/^Preferred: check kube-proxy's healthCheckNodePort 32100/);
    expect(f.remediation).toContain(
      "kubectl -n istio-system annotate service istio-ingressgateway --overwrite service.beta.kubernetes.io/aws-load-balancer-healthcheck-port=32100 service.beta.kubernetes.io/aws-load-balancer-healthcheck-path=/healthz service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol=HTTP",
    );
  });

  it("annotates an NLB's Service without mentioning an Ingress it does not have", () => {
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        nlbLocal(s);
        const svc = k8s(s).services[0]!;
        svc.spec!.externalTrafficPolicy = "Cluster";
        delete (svc.spec as { healthCheckNodePort?: number }).healthCheckNodePort;
        Object.assign(tgs(s)[0]!, { HealthCheckPort: "31127", HealthCheckPath: "/" });
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.HealthCheckPort = "31127";
          d.TargetHealth = {
            State: "unhealthy",
            Reason: "Target.ResponseCodeMismatch",
            Description: "Health checks failed with these codes: [404]",
          };
        }
      }),
    );
    const f = report.findings.find((x) => x.code === "HC002")!;
    expect(f.remediation).toContain(
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path: "/healthz/ready"',
    );
    expect(f.remediation).not.toContain("Ingress");
  });

  it("adds an NLB's missing zone through the Service the controller reads, not set-subnets", () => {
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        nlbLocal(s);
        k8s(s).services[0]!.metadata.annotations![
          "service.beta.kubernetes.io/aws-load-balancer-subnets"
        ] = "subnet-eu-west-1a,subnet-eu-west-1b";
        const lb = s.aws.loadBalancers![0]!;
        lb.AvailabilityZones = lb.AvailabilityZones!.filter((z) => z.ZoneName !== NODES[2].zone);
        tgs(s)[0]!.TargetHealthDescriptions![2]!.TargetHealth = {
          State: "unused",
          Reason: "Target.NotInUse",
        };
      }),
    );
    const f = report.findings.find((x) => x.code === "TGT004")!;
    // The controller owns the NLB's subnets and would undo a manual set-subnets.
    expect(f.remediation).not.toContain("set-subnets");
    expect(f.remediation).toContain(
      "kubectl -n istio-system annotate service istio-ingressgateway --overwrite service.beta.kubernetes.io/aws-load-balancer-subnets=subnet-eu-west-1a,subnet-eu-west-1b,<subnet-in-eu-west-1c>",
    );
  });

  it("does not suggest listener rules for a detached NLB group, which has none", () => {
    const report = analyze(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        nlbLocal(s);
        tgs(s)[0]!.LoadBalancerArns = [];
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = { State: "unused", Reason: "Target.NotInUse" };
        }
      }),
    );
    const f = report.findings.find((x) => x.code === "TGT004")!;
    expect(f.remediation).not.toContain("create-rule");
    expect(f.remediation).toContain(
      "kubectl -n istio-system describe service istio-ingressgateway",
    );
  });
});
