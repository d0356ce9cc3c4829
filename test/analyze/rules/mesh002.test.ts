import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { httpProbeBlockedByStrictMtls as rule } from "../../../lib/analyze/rules/mesh002-http-probe-blocked-by-strict-mtls";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

type RawPod = ReturnType<typeof k8s>["pods"][number];

const meshStrict = (s: SnapshotInput) => {
  k8s(s).peerAuthentications[0]!.spec = { mtls: { mode: "STRICT" } };
};

/** What the injector leaves when rewrite is off: the app's own probes, nothing in the agent. */
function unrewritten(pod: RawPod) {
  pod.metadata.annotations!["sidecar.istio.io/rewriteAppHTTPProbers"] = "false";
  const app = pod.spec.containers[0]!;
  app.readinessProbe = { httpGet: { path: "/ready", port: "http", scheme: "HTTP" } };
  app.livenessProbe = { httpGet: { path: "/live", port: 8080, scheme: "HTTP" } };
  pod.spec.containers[1]!.env = [];
}

function ownedByDeployment(pod: RawPod, deployment: string, hash: string) {
  pod.metadata.labels!["pod-template-hash"] = hash;
  Object.assign(pod.metadata, {
    ownerReferences: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `${deployment}-${hash}`,
        controller: true,
      },
    ],
  });
}

function notReady(pod: RawPod) {
  pod.status!.conditions = [{ type: "Ready", status: "False", reason: "ContainersNotReady" }];
  pod.status!.containerStatuses![0]!.ready = false;
}

/** Both cart pods, owned by Deployment cart, with un-rewritten probes under mesh-wide STRICT. */
function broken(s: SnapshotInput) {
  meshStrict(s);
  for (const pod of k8s(s).pods) {
    unrewritten(pod);
    ownedByDeployment(pod, "cart", "7c9d");
  }
}

describe("MESH002 HttpProbeBlockedByStrictMtls", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires once per Deployment, critical while its pods are not ready", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        k8s(s).pods.forEach(notReady);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("MESH002");
    expect(f.severity).toBe("critical");
    expect(f.targetGroupArn).toBeNull();
    expect(f.affectedTargets).toEqual([]);
    expect(f.title).toContain("Deployment shop/cart");
    expect(f.title).toContain("2/2 pods not ready");
    expect(f.resources).toEqual([
      { kind: "Deployment", namespace: "shop", name: "cart" },
      { kind: "PeerAuthentication", namespace: "istio-system", name: "default" },
    ]);
    expect(f.evidence.actual.probes).toEqual([
      expect.objectContaining({
        container: "cart",
        probe: "readiness",
        port: 8080,
        path: "/ready",
        mode: "STRICT",
      }),
      expect.objectContaining({
        container: "cart",
        probe: "liveness",
        port: 8080,
        path: "/live",
        mode: "STRICT",
      }),
    ]);
    expect(f.evidence.actual["sidecar.istio.io/rewriteAppHTTPProbers"]).toBe("false");
    expect(f.evidence.actual.pods).toEqual([
      expect.objectContaining({ pod: "shop/cart-7c9d-aaaaa", ready: false }),
      expect.objectContaining({ pod: "shop/cart-7c9d-bbbbb", ready: false }),
    ]);
    expect(f.rootCause).toContain("istio-system/default");
    expect(f.rootCause).toContain('rewriteAppHTTPProbers: "false"');
    expect(f.remediation).toContain(
      `kubectl -n shop patch deployment cart --type merge -p '{"spec":{"template":{"metadata":{"annotations":{"sidecar.istio.io/rewriteAppHTTPProbers":"true"}}}}}'`,
    );
    expect(f.remediation).toContain('"8080":\n      mode: PERMISSIVE');
  });

  it("is a warning while the pods are still ready, and keeps its fingerprint across pod names", () => {
    const first = run(snapshotOf(healthyIpAppInput(), broken));
    const afterRollout = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        for (const pod of k8s(s).pods) {
          pod.metadata.name = pod.metadata.name.replace("7c9d", "55aa");
          ownedByDeployment(pod, "cart", "55aa");
        }
      }),
    );
    expect(first[0]!.severity).toBe("warning");
    expect(afterRollout[0]!.fingerprint).toBe(first[0]!.fingerprint);
  });

  it("reports a bare pod on its own, with the annotation as YAML", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        meshStrict(s);
        const pod = k8s(s).pods[0]!;
        unrewritten(pod);
        delete pod.metadata.annotations!["sidecar.istio.io/rewriteAppHTTPProbers"];
        notReady(pod);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.resources[0]).toEqual({ kind: "Pod", namespace: "shop", name: "cart-7c9d-aaaaa" });
    expect(f.evidence.actual["sidecar.istio.io/rewriteAppHTTPProbers"]).toBeNull();
    expect(f.rootCause).toContain("the injector did not rewrite them");
    expect(f.remediation).toContain('sidecar.istio.io/rewriteAppHTTPProbers: "true"');
    expect(f.remediation).toContain("recreate the pods");
  });

  it("separates Deployments", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        ownedByDeployment(k8s(s).pods[1]!, "cart-canary", "1111");
      }),
    );
    expect(findings.map((f) => f.resources[0]!.name).sort()).toEqual(["cart", "cart-canary"]);
  });

  it("stays quiet for rewritten probes under STRICT", () => {
    expect(run(snapshotOf(healthyIpAppInput(), meshStrict))).toEqual([]);
  });

  it("stays quiet for exec and tcp probes under STRICT", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        for (const pod of k8s(s).pods) {
          pod.spec.containers[0]!.readinessProbe = { tcpSocket: { port: 8080 } };
          pod.spec.containers[0]!.livenessProbe = {
            exec: { command: ["curl", "-f", "http://localhost:8080/live"] },
          };
        }
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet for un-rewritten probes when the mode is PERMISSIVE", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        meshStrict(s);
        k8s(s).peerAuthentications[0]!.spec = { mtls: { mode: "PERMISSIVE" } };
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet when the probe's port is port-level PERMISSIVE or bypasses the sidecar", () => {
    const permissivePort = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        k8s(s).peerAuthentications.push({
          apiVersion: "security.istio.io/v1",
          kind: "PeerAuthentication",
          metadata: { name: "cart", namespace: "shop" },
          spec: {
            selector: { matchLabels: { app: "cart" } },
            portLevelMtls: { "8080": { mode: "PERMISSIVE" } },
          },
        });
      }),
    );
    expect(permissivePort).toEqual([]);
    const excluded = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        broken(s);
        for (const pod of k8s(s).pods) {
          pod.metadata.annotations!["traffic.sidecar.istio.io/excludeInboundPorts"] = "8080";
        }
      }),
    );
    expect(excluded).toEqual([]);
  });

  it("never fires for gateway pods, which are the proxy rather than carry one", () => {
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
        for (const pod of k8s(s).pods) {
          pod.spec.containers[0]!.readinessProbe = { httpGet: { path: "/ready", port: 8080 } };
        }
      }),
    );
    expect(findings).toEqual([]);
  });
});
