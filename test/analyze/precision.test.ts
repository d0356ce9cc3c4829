/**
 * Precision: realistic healthy or differently-broken configurations on which the engine must
 * stay quiet or say exactly the right thing (a false alarm at 3 a.m. is a bug).
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";

const codes = (input: SnapshotInput, edit?: (s: SnapshotInput) => void) =>
  analyze(snapshotOf(input, edit)).findings.map((f) => `${f.code} ${f.targetGroupArn ?? ""}`);

const OTHER_TG_ARN = APP_TG_ARN.replace("bbbbbbbbbbbbbbbb", "cccccccccccccccc");

describe("precision", () => {
  it("ignores another cluster's target group that carries the same stack tags", () => {
    // Staging and prod run the same manifests in one account: the staging controller's group
    // names shop/cart too, but its health is the staging pods', not ours.
    const found = codes(healthyIpAppInput(), (s) => {
      const other = structuredClone(tgs(s)[0]!);
      other.TargetGroupArn = OTHER_TG_ARN;
      other.Tags = other.Tags!.map((t) =>
        t.Key === "elbv2.k8s.aws/cluster" ? { ...t, Value: "shop-staging" } : t,
      );
      other.HealthCheckPath = "/";
      other.TargetHealthDescriptions = [
        target(
          "10.9.1.1",
          8080,
          "unhealthy",
          "Target.ResponseCodeMismatch",
          "Health checks failed with these codes: [404]",
        ),
      ];
      tgs(s).push(other);
    });
    expect(found).toEqual([]);
  });

  it("reports a wrong path even when the checks time out, as the catalog defines HC002", () => {
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        tgs(s)[0]!.HealthCheckPath = "/";
        delete k8s(s).services[0]!.metadata.annotations;
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
        }
      }),
    );
    // The catalog fires HC002 on any failing check reason HC001 names: the path is wrong and
    // must change whatever else (a security group) also blocks the check.
    expect(report.findings.map((f) => f.code)).toEqual(["HC002"]);
  });

  it("suggests a TCP connect, not a tcp:// URL, for a TCP health check", () => {
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        Object.assign(tgs(s)[0]!, { HealthCheckProtocol: "TCP" });
        delete tgs(s)[0]!.HealthCheckPath;
        delete tgs(s)[0]!.Matcher;
        delete k8s(s).services[0]!.metadata.annotations;
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
        }
      }),
    );
    const f = report.findings.find((x) => x.code === "TGT005")!;
    expect(f.remediation).not.toContain("tcp://");
    expect(f.remediation).toContain("nc -vz 10.0.1.60 8080");
  });

  it("does not take an Ingress of the same group in another namespace as this group's creator", () => {
    // IngressGroup "shop": admin/admin routes to admin/cart, a different Service of the same name.
    const found = codes(healthyIpAppInput(), (s) => {
      const own = k8s(s).ingresses[0]!;
      own.metadata.annotations!["alb.ingress.kubernetes.io/group.name"] = "shop";
      const admin = structuredClone(own);
      admin.metadata = {
        name: "admin",
        namespace: "admin",
        annotations: {
          "alb.ingress.kubernetes.io/group.name": "shop",
          "alb.ingress.kubernetes.io/success-codes": "200-299",
        },
      };
      k8s(s).ingresses.push(admin);
      tgs(s)[0]!.Tags = tgs(s)[0]!.Tags!.map((t) =>
        t.Key === "ingress.k8s.aws/stack" ? { ...t, Value: "shop" } : t,
      );
    });
    expect(found).toEqual([]);
  });

  it("does not compare a gRPC group's method path with an HTTP readiness path", () => {
    const found = codes(healthyIpAppInput(), (s) => {
      Object.assign(tgs(s)[0]!, {
        ProtocolVersion: "GRPC",
        HealthCheckPath: "/grpc.health.v1.Health/Check",
        Matcher: { GrpcCode: "0" },
      });
      delete k8s(s).services[0]!.metadata.annotations;
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
        d.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.ResponseCodeMismatch",
          Description: "Health checks failed with these codes: [12]",
        };
      }
    });
    expect(found).toEqual([`TGT005 ${APP_TG_ARN}`]);
  });

  it("reads the creating Ingress of a group from the resource tag when it routes by action", () => {
    // shop/cart forwards through an action annotation, so no backend names Service cart; the
    // group's other Ingress shop/web declares its own success codes for its own Service.
    const found = codes(healthyIpAppInput(), (s) => {
      const cart = k8s(s).ingresses[0]!;
      cart.metadata.annotations!["alb.ingress.kubernetes.io/group.name"] = "shop";
      cart.metadata.annotations!["alb.ingress.kubernetes.io/actions.forward-cart"] = JSON.stringify(
        {
          type: "forward",
          forwardConfig: { targetGroups: [{ serviceName: "cart", servicePort: "80" }] },
        },
      );
      cart.spec!.rules![0]!.http!.paths[0]!.backend = {
        service: { name: "forward-cart", port: { name: "use-annotation" } },
      };
      const web = structuredClone(k8s(s).ingresses[0]!);
      web.metadata = {
        name: "web",
        namespace: "shop",
        annotations: {
          "alb.ingress.kubernetes.io/group.name": "shop",
          "alb.ingress.kubernetes.io/success-codes": "200-299",
        },
      };
      web.spec!.rules![0]!.http!.paths[0]!.backend = {
        service: { name: "web", port: { number: 80 } },
      };
      k8s(s).ingresses.push(web);
      tgs(s)[0]!.Tags = tgs(s)[0]!.Tags!.map((t) =>
        t.Key === "ingress.k8s.aws/stack" ? { ...t, Value: "shop" } : t,
      );
    });
    expect(found).toEqual([]);
  });

  it("registers a missing ip target on the port its EndpointSlice resolved when pods are unread", () => {
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).pods = [];
        s.gaps = [{ source: "kubernetes.pods", message: "pods is forbidden" }];
        // The Service's targetPort is the name "http": only the slice says it is 8080.
        tgs(s)[0]!.TargetHealthDescriptions = [
          target("10.0.1.60", 8080, "unhealthy", "Target.Timeout"),
        ];
      }),
    );
    const f = report.findings.find((x) => x.code === "TGT002")!;
    expect(f.affectedTargets).toEqual([
      { id: "10.0.2.60", port: 8080, state: "unused", reason: "Target.NotRegistered" },
    ]);
    expect(f.remediation).toContain("--targets Id=10.0.2.60,Port=8080");
  });

  it("does not call an ip-mode health port stale while the pods answer on it", () => {
    // The app serves /health on 8081 without declaring it (containerPort is informational) and
    // probes readiness over TCP: a pod IP that passes on 8081 proves the pod listens there.
    const found = codes(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.HealthCheckPort = "8081";
      tgs(s)[0]!.HealthCheckPath = "/health";
      k8s(s).services[0]!.metadata.annotations = {
        "alb.ingress.kubernetes.io/healthcheck-port": "8081",
        "alb.ingress.kubernetes.io/healthcheck-path": "/health",
      };
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) d.HealthCheckPort = "8081";
    });
    expect(found).toEqual([]);
  });

  it("does not call a gRPC group's check of its gRPC port a wrong port", () => {
    // A gRPC group checks the gRPC server itself (a gRPC method, gRPC codes): the HTTP readiness
    // port of the pods is no place it could check instead.
    const found = codes(healthyInstanceGatewayInput(), (s) => {
      Object.assign(tgs(s)[0]!, {
        ProtocolVersion: "GRPC",
        Matcher: { GrpcCode: "12" },
        HealthCheckPort: "traffic-port",
        HealthCheckPath: "/AWS.ALB/healthcheck",
      });
      k8s(s).services[0]!.metadata.annotations = {};
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
        d.HealthCheckPort = "31246";
        d.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.ResponseCodeMismatch",
          Description: "Health checks failed with these codes: [14]",
        };
      }
    });
    expect(found).toEqual([`TGT005 ${GW_TG_ARN}`]);
  });

  it("fixes the traffic protocol too when the check on the traffic port fails for the same reason", () => {
    // backend-protocol HTTPS in front of a plaintext app: fixing only the check would turn the
    // targets healthy while every request still fails the TLS handshake.
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        Object.assign(tgs(s)[0]!, { Protocol: "HTTPS", HealthCheckProtocol: "HTTPS" });
        k8s(s).services[0]!.metadata.annotations!["alb.ingress.kubernetes.io/backend-protocol"] =
          "HTTPS";
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = { State: "unhealthy", Reason: "Target.FailedHealthChecks" };
        }
      }),
    );
    const f = report.findings.find((x) => x.code === "HC003")!;
    expect(f.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-protocol: "HTTP"');
    expect(f.remediation).toContain("alb.ingress.kubernetes.io/backend-protocol=HTTP");
  });

  it("does not call a target stale while it is being registered (snapshot race in a rollout)", () => {
    // The lists are read in parallel: a pod created meanwhile is registered (initial) before
    // its address reaches the EndpointSlices we read. The controller registers only endpoints.
    const found = codes(healthyIpAppInput(), (s) => {
      tgs(s)[0]!.TargetHealthDescriptions!.push(
        target("10.0.3.61", 8080, "initial", "Elb.RegistrationInProgress"),
      );
    });
    expect(found).toEqual([]);
  });

  it("sees through the controller's readiness gate: pods wait on the check, not the reverse", () => {
    // With pod readiness gates a pod turns ready only once its target passes the ALB's check,
    // so a failing check leaves no ready endpoint although every container is ready.
    const gate = "target-health.elbv2.k8s.aws/k8s-shop-cart-0987654321";
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        for (const pod of k8s(s).pods) {
          (pod.spec as { readinessGates?: unknown }).readinessGates = [{ conditionType: gate }];
          pod.status!.conditions = [
            { type: "ContainersReady", status: "True" },
            { type: gate, status: "False" },
            { type: "Ready", status: "False", reason: "ReadinessGatesNotReady" },
          ];
        }
        for (const ep of k8s(s).endpointSlices[0]!.endpoints!) {
          ep.conditions = { ready: false, serving: false, terminating: false };
        }
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = {
            State: "unhealthy",
            Reason: "Target.ResponseCodeMismatch",
            Description: "Health checks failed with these codes: [302]",
          };
        }
      }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(["HC006", "TGT003"]);
    const tgt003 = report.findings.find((f) => f.code === "TGT003")!;
    expect(tgt003.rootCause).not.toContain("whatever the health-check settings");
    expect(tgt003.rootCause).toContain("readiness gate");
    expect(tgt003.remediation).toContain(gate);
  });

  it("shows how to call a gRPC health check, which a plain curl cannot", () => {
    const report = analyze(
      snapshotOf(healthyIpAppInput(), (s) => {
        Object.assign(tgs(s)[0]!, {
          ProtocolVersion: "GRPC",
          HealthCheckPath: "/AWS.ALB/healthcheck",
          Matcher: { GrpcCode: "12" },
        });
        delete k8s(s).services[0]!.metadata.annotations;
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = {
            State: "unhealthy",
            Reason: "Target.ResponseCodeMismatch",
            Description: "Health checks failed with these codes: [14]",
          };
        }
      }),
    );
    const f = report.findings.find((x) => x.code === "TGT005")!;
    expect(f.remediation).toContain("outside 12");
    expect(f.remediation).toContain(
      "curl -sv --http2-prior-knowledge -X POST -H 'content-type: application/grpc' -H 'te: trailers' http://10.0.1.60:8080/AWS.ALB/healthcheck",
    );
  });

  it("does not call the sidecar's own readiness port a traffic port (ip mode)", () => {
    // Checking Envoy's /healthz/ready on 15021 is a health check by another route; when it
    // times out (a security group), that port carries no traffic to blame.
    const found = codes(healthyIpAppInput(), (s) => {
      Object.assign(tgs(s)[0]!, { HealthCheckPort: "15021", HealthCheckPath: "/healthz/ready" });
      delete k8s(s).services[0]!.metadata.annotations;
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
        d.HealthCheckPort = "15021";
        d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
      }
    });
    expect(found).toEqual([`TGT005 ${APP_TG_ARN}`]);
  });
});
