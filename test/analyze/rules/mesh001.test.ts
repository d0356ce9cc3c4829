import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { strictMtlsBlocksAlbHealthCheck as rule } from "../../../lib/analyze/rules/mesh001-strict-mtls-blocks-alb-health-check";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

const meshStrict = (s: SnapshotInput) => {
  k8s(s).peerAuthentications[0]!.spec = { mtls: { mode: "STRICT" } };
};

/** The ALB sees the sidecar close the connection: targets fail. `only` limits it to some ids. */
function fail(s: SnapshotInput, only?: string[]) {
  for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
    if (only && !only.includes(d.Target.Id)) continue;
    d.TargetHealth = {
      State: "unhealthy",
      Reason: "Target.ResponseCodeMismatch",
      Description: "Health checks failed with these codes: [502]",
    };
  }
}

const workloadPolicy = (name: string, matchLabels: Record<string, string>, spec: object) => ({
  apiVersion: "security.istio.io/v1",
  kind: "PeerAuthentication",
  metadata: { name, namespace: "shop", creationTimestamp: "2026-05-01T00:00:00Z" },
  spec: { selector: { matchLabels }, ...spec },
});

describe("MESH001 StrictMtlsBlocksAlbHealthCheck", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical when mesh-wide STRICT fails every ip target on its checked port", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        fail(s);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("MESH001");
    expect(f.severity).toBe("critical");
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart-0987654321");
    expect(f.title).toContain("port 8080");
    expect(f.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.resources).toContainEqual({
      kind: "PeerAuthentication",
      namespace: "istio-system",
      name: "default",
    });
    expect(f.resources).toContainEqual({ kind: "Service", namespace: "shop", name: "cart" });
    expect(f.evidence.actual).toMatchObject({
      mtlsModeOnCheckedPort: "STRICT",
      checkedPorts: [8080],
      decidedBy: ["PeerAuthentication istio-system/default (mesh-wide)"],
      strictTrafficPorts: [8080],
    });
    expect(f.evidence.actual.targets).toContainEqual(
      expect.objectContaining({ id: "10.0.1.60", pod: "shop/cart-7c9d-aaaaa", mode: "STRICT" }),
    );
    expect(f.rootCause).toContain("istio-system/default");
    expect(f.remediation).toContain("kind: PeerAuthentication");
    expect(f.remediation).toContain('matchLabels:\n      app: "cart"');
    expect(f.remediation).toContain('"8080":\n      mode: PERMISSIVE');
    expect(f.remediation).toContain('alb.ingress.kubernetes.io/healthcheck-port: "15020"');
    expect(f.remediation).toContain(
      'alb.ingress.kubernetes.io/healthcheck-path: "/app-health/cart/readyz"',
    );
    expect(f.remediation).toContain(
      "already serves the app's readiness at /app-health/cart/readyz",
    );
    expect(f.remediation).toContain("fixes the health check only");
  });

  it("is a warning for the one pod a workload policy makes STRICT while the other passes", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).pods[0]!.metadata.labels!.version = "v2";
        k8s(s).peerAuthentications.push(
          workloadPolicy("cart-v2", { app: "cart", version: "v2" }, { mtls: { mode: "STRICT" } }),
        );
        fail(s, ["10.0.1.60"]);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.severity).toBe("warning");
    expect(f.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60"]);
    expect(f.resources).toContainEqual({
      kind: "PeerAuthentication",
      namespace: "shop",
      name: "cart-v2",
    });
    // A new workload policy would lose to the older one that selects the pod: patch that one.
    expect(f.remediation).toContain(
      `kubectl -n shop patch peerauthentication cart-v2 --type merge -p '{"spec":{"portLevelMtls":{"8080":{"mode":"PERMISSIVE"}}}}'`,
    );
  });

  it("makes the traffic port PERMISSIVE too when the check uses another STRICT port", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        const tg = tgs(s)[0]!;
        tg.HealthCheckPort = "9090";
        for (const d of tg.TargetHealthDescriptions!) d.HealthCheckPort = "9090";
        fail(s);
      }),
    );
    const f = findings[0]!;
    expect(f.evidence.actual.checkedPorts).toEqual([9090]);
    expect(f.evidence.actual.strictTrafficPorts).toEqual([8080]);
    expect(f.remediation).toContain('"8080":\n      mode: PERMISSIVE\n    "9090":');
  });

  it("stays quiet when STRICT targets are all healthy (precision rule)", () => {
    expect(run(snapshotOf(healthyIpAppInput(), meshStrict))).toEqual([]);
  });

  it("stays quiet when a port-level PERMISSIVE exempts the checked port", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        k8s(s).peerAuthentications.push(
          workloadPolicy(
            "cart",
            { app: "cart" },
            { portLevelMtls: { "8080": { mode: "PERMISSIVE" } } },
          ),
        );
        fail(s);
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet for pods without a sidecar", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        for (const pod of k8s(s).pods) {
          pod.spec.containers = pod.spec.containers.filter((c) => c.name !== "istio-proxy");
          delete pod.metadata.annotations!["sidecar.istio.io/status"];
        }
        fail(s);
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet when the check goes to the agent's plaintext port 15020", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        const tg = tgs(s)[0]!;
        tg.HealthCheckPort = "15020";
        for (const d of tg.TargetHealthDescriptions!) d.HealthCheckPort = "15020";
        fail(s);
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet in instance mode, where the check reaches a node, not a sidecar", () => {
    const findings = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        k8s(s).peerAuthentications = [
          {
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "default", namespace: "istio-system" },
            spec: { mtls: { mode: "STRICT" } },
          },
        ];
        for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
          d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
        }
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet for a TCP health check, which the sidecar accepts under STRICT", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        tgs(s)[0]!.HealthCheckProtocol = "TCP";
        fail(s);
      }),
    );
    expect(findings).toEqual([]);
  });
});
