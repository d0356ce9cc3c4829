import { describe, expect, it } from "vitest";
import {
  describeDecision,
  effectiveMtls,
  permissivePortsFix,
  sidecarInterceptsInbound,
  workloadLabels,
} from "../../../lib/analyze/istio";
import { buildModel } from "../../../lib/analyze/model";
import type { SnapshotInput } from "../../../lib/snapshot/schema";
import {
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
} from "../../support/scenarios";

type Spec = {
  selector?: { matchLabels?: Record<string, string> };
  mtls?: { mode?: string };
  portLevelMtls?: Record<string, { mode?: string }>;
};

const pa = (namespace: string, name: string, spec: Spec, created = "2026-01-01T00:00:00Z") => ({
  apiVersion: "security.istio.io/v1",
  kind: "PeerAuthentication",
  metadata: { name, namespace, creationTimestamp: created },
  spec,
});

/** The cart pod's (or gateway pod's) mode on a port, with only the given policies present. */
function modeFor(policies: ReturnType<typeof pa>[], port: number | null, gateway = false) {
  const input: SnapshotInput = gateway ? healthyInstanceGatewayInput() : healthyIpAppInput();
  const snapshot = snapshotOf(input, (s) => {
    k8s(s).peerAuthentications = policies;
  });
  const model = buildModel(snapshot);
  const pod = model.podsByKey.get(
    gateway ? "istio-system/istio-ingressgateway-5f7d-aaaaa" : "shop/cart-7c9d-aaaaa",
  )!;
  return effectiveMtls(model, pod, port);
}

const CART = { matchLabels: { app: "cart" } };

describe("effectiveMtls", () => {
  it("is PERMISSIVE by Istio's default when no policy exists", () => {
    const d = modeFor([], 8080);
    expect(d).toEqual({ mode: "PERMISSIVE", level: "default" });
    expect(describeDecision(d)).toContain("Istio's default");
  });

  it("takes the mesh-wide policy from the root namespace", () => {
    const d = modeFor([pa("istio-system", "default", { mtls: { mode: "STRICT" } })], 8080);
    expect(d.mode).toBe("STRICT");
    expect(d.level).toBe("mesh");
    expect(d.policy?.metadata.name).toBe("default");
    expect(describeDecision(d)).toBe("PeerAuthentication istio-system/default (mesh-wide)");
  });

  it("lets a namespace-wide policy override the mesh, and UNSET inherit from it", () => {
    const mesh = pa("istio-system", "default", { mtls: { mode: "STRICT" } });
    expect(modeFor([mesh, pa("shop", "ns", { mtls: { mode: "PERMISSIVE" } })], 8080)).toMatchObject(
      { mode: "PERMISSIVE", level: "namespace" },
    );
    expect(modeFor([mesh, pa("shop", "ns", { mtls: { mode: "UNSET" } })], 8080)).toMatchObject({
      mode: "STRICT",
      level: "mesh",
    });
    expect(modeFor([mesh, pa("shop", "ns", {})], 8080).level).toBe("mesh");
  });

  it("treats a selector with empty matchLabels as namespace-wide", () => {
    const d = modeFor(
      [pa("shop", "ns", { selector: { matchLabels: {} }, mtls: { mode: "STRICT" } })],
      8080,
    );
    expect(d).toMatchObject({ mode: "STRICT", level: "namespace" });
    expect(d.workloadPolicy).toBeUndefined();
  });

  it("lets a workload policy that selects the pod win over the namespace", () => {
    const d = modeFor(
      [
        pa("shop", "ns", { mtls: { mode: "PERMISSIVE" } }),
        pa("shop", "cart", { selector: CART, mtls: { mode: "STRICT" } }),
      ],
      8080,
    );
    expect(d).toMatchObject({ mode: "STRICT", level: "workload" });
    expect(d.policy?.metadata.name).toBe("cart");
    expect(d.workloadPolicy?.metadata.name).toBe("cart");
  });

  it("ignores workload policies whose labels do not match or that live in another namespace", () => {
    const ns = pa("shop", "ns", { mtls: { mode: "PERMISSIVE" } });
    expect(
      modeFor(
        [
          ns,
          pa("shop", "other", {
            selector: { matchLabels: { app: "other" } },
            mtls: { mode: "STRICT" },
          }),
        ],
        8080,
      ).mode,
    ).toBe("PERMISSIVE");
    expect(
      modeFor([ns, pa("payments", "cart", { selector: CART, mtls: { mode: "STRICT" } })], 8080)
        .mode,
    ).toBe("PERMISSIVE");
  });

  it("uses the oldest of several workload policies, and of several namespace-wide ones", () => {
    const newer = pa(
      "shop",
      "newer",
      { selector: CART, mtls: { mode: "PERMISSIVE" } },
      "2026-03-01T00:00:00Z",
    );
    const older = pa(
      "shop",
      "older",
      { selector: CART, mtls: { mode: "STRICT" } },
      "2026-02-01T00:00:00Z",
    );
    expect(modeFor([newer, older], 8080).policy?.metadata.name).toBe("older");
    const nsNew = pa("shop", "b", { mtls: { mode: "DISABLE" } }, "2026-03-01T00:00:00Z");
    const nsOld = pa("shop", "a", { mtls: { mode: "STRICT" } }, "2026-02-01T00:00:00Z");
    expect(modeFor([nsNew, nsOld], 8080)).toMatchObject({ mode: "STRICT", level: "namespace" });
  });

  it("applies a port-level entry to that container port only, UNSET inheriting the workload", () => {
    const policies = [
      pa("istio-system", "default", { mtls: { mode: "STRICT" } }),
      pa("shop", "cart", {
        selector: CART,
        portLevelMtls: { "8080": { mode: "PERMISSIVE" }, "9090": { mode: "UNSET" } },
      }),
    ];
    expect(modeFor(policies, 8080)).toMatchObject({ mode: "PERMISSIVE", level: "port" });
    // The workload policy has no mode of its own, so other ports inherit the mesh's STRICT.
    expect(modeFor(policies, 9090)).toMatchObject({ mode: "STRICT", level: "mesh" });
    expect(modeFor(policies, 7070).workloadPolicy?.metadata.name).toBe("cart");
    expect(modeFor(policies, null).mode).toBe("STRICT");
  });

  it("ignores portLevelMtls on a namespace-wide policy", () => {
    const d = modeFor(
      [
        pa("shop", "ns", {
          mtls: { mode: "STRICT" },
          portLevelMtls: { "8080": { mode: "DISABLE" } },
        }),
      ],
      8080,
    );
    expect(d).toMatchObject({ mode: "STRICT", level: "namespace" });
  });

  it("applies only the mesh policy to pods of the root namespace, never selector policies there", () => {
    const d = modeFor(
      [
        pa("istio-system", "default", { mtls: { mode: "PERMISSIVE" } }),
        pa("istio-system", "gw", {
          selector: { matchLabels: { app: "istio-ingressgateway" } },
          mtls: { mode: "STRICT" },
        }),
      ],
      8080,
      true,
    );
    expect(d).toMatchObject({ mode: "PERMISSIVE", level: "mesh" });
  });

  it("indexes the policies once per model", () => {
    const snapshot = snapshotOf(healthyIpAppInput());
    const model = buildModel(snapshot);
    const pod = model.podsByKey.get("shop/cart-7c9d-aaaaa")!;
    expect(effectiveMtls(model, pod, 8080).level).toBe("mesh");
    // Later changes to the list are not seen by the same model: the index is cached for it.
    snapshot.kubernetes.peerAuthentications.length = 0;
    expect(effectiveMtls(model, pod, 8080).level).toBe("mesh");
    expect(effectiveMtls(buildModel(snapshot), pod, 8080).level).toBe("default");
  });
});

describe("sidecarInterceptsInbound", () => {
  const pod = (annotations: Record<string, string>) => {
    const model = buildModel(
      snapshotOf(healthyIpAppInput(), (s) => {
        Object.assign(k8s(s).pods[0]!.metadata.annotations!, annotations);
      }),
    );
    return model.podsByKey.get("shop/cart-7c9d-aaaaa")!;
  };

  it("intercepts app ports but never the agent's ports", () => {
    expect(sidecarInterceptsInbound(pod({}), 8080)).toBe(true);
    expect(sidecarInterceptsInbound(pod({}), 15020)).toBe(false);
    expect(sidecarInterceptsInbound(pod({}), 15021)).toBe(false);
  });

  it("honours excludeInboundPorts and includeInboundPorts", () => {
    const excluded = pod({ "traffic.sidecar.istio.io/excludeInboundPorts": "9090, 8080" });
    expect(sidecarInterceptsInbound(excluded, 8080)).toBe(false);
    const included = pod({ "traffic.sidecar.istio.io/includeInboundPorts": "9090" });
    expect(sidecarInterceptsInbound(included, 8080)).toBe(false);
    expect(sidecarInterceptsInbound(included, 9090)).toBe(true);
    expect(
      sidecarInterceptsInbound(pod({ "traffic.sidecar.istio.io/includeInboundPorts": "*" }), 8080),
    ).toBe(true);
  });
});

describe("permissivePortsFix", () => {
  it("creates a workload policy that only sets the given ports", () => {
    const fix = permissivePortsFix({
      decision: { mode: "STRICT", level: "mesh" },
      namespace: "shop",
      workload: "cart",
      purpose: "alb-health-check",
      labels: { app: "cart" },
      ports: [8080],
    });
    expect(fix).toContain("kind: PeerAuthentication");
    expect(fix).toContain("name: cart-alb-health-check\n  namespace: shop");
    expect(fix).toContain('matchLabels:\n      app: "cart"');
    expect(fix).toContain('portLevelMtls:\n    "8080":\n      mode: PERMISSIVE');
    expect(fix).not.toContain("mtls:\n    mode");
  });

  it("patches the workload policy that already selects the pods instead", () => {
    const existing = pa("shop", "cart-strict", { selector: CART, mtls: { mode: "STRICT" } });
    const fix = permissivePortsFix({
      decision: { mode: "STRICT", level: "workload", policy: existing, workloadPolicy: existing },
      namespace: "shop",
      workload: "cart",
      purpose: "alb-health-check",
      labels: { app: "cart" },
      ports: [8080],
    });
    expect(fix).toContain(
      `kubectl -n shop patch peerauthentication cart-strict --type merge -p '{"spec":{"portLevelMtls":{"8080":{"mode":"PERMISSIVE"}}}}'`,
    );
  });

  it("never emits an empty selector, which would make the policy namespace-wide", () => {
    const fix = permissivePortsFix({
      decision: { mode: "STRICT", level: "mesh" },
      namespace: "shop",
      workload: "cart",
      purpose: "probe",
      labels: {},
      ports: [8080],
    });
    expect(fix).toContain('app: "cart"');
    expect(fix).toContain("add app: cart to the pod template");
  });
});

describe("workloadLabels", () => {
  it("drops per-pod and Istio-added labels", () => {
    const model = buildModel(
      snapshotOf(healthyIpAppInput(), (s) => {
        Object.assign(k8s(s).pods[0]!.metadata.labels!, {
          "pod-template-hash": "7c9d",
          "security.istio.io/tlsMode": "istio",
          version: "v1",
        });
      }),
    );
    expect(workloadLabels(model.podsByKey.get("shop/cart-7c9d-aaaaa")!)).toEqual({
      app: "cart",
      version: "v1",
    });
  });
});
