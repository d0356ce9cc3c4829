import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { noReadyEndpoints as rule } from "../../../lib/analyze/rules/tgt003-no-ready-endpoints";
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

type RawPod = ReturnType<typeof k8s>["pods"][number];

function failTargets(s: SnapshotInput) {
  for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
    d.TargetHealth = { State: "unhealthy", Reason: "Target.Timeout" };
  }
}

function endpointsNotReady(s: SnapshotInput) {
  for (const e of k8s(s).endpointSlices[0]!.endpoints!) {
    e.conditions = { ready: false, serving: false, terminating: false };
  }
}

/** The cart container crash-loops: waiting CrashLoopBackOff, restarted, last exit code 1. */
function crashLoop(pod: RawPod, restarts: number) {
  pod.status!.conditions = [
    {
      type: "Ready",
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [cart]",
    },
  ];
  pod.status!.containerStatuses![0] = {
    name: "cart",
    ready: false,
    restartCount: restarts,
    state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting" } },
    lastState: { terminated: { reason: "Error", exitCode: 1 } },
  };
}

describe("TGT003 NoReadyEndpoints", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("lists every crash-looping pod with its reason, restarts and last exit", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        endpointsNotReady(s);
        failTargets(s);
        crashLoop(k8s(s).pods[0]!, 7);
        crashLoop(k8s(s).pods[1]!, 3);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.code).toBe("TGT003");
    expect(f.severity).toBe("critical");
    expect(f.targetGroupArn).toBe(APP_TG_ARN);
    expect(f.title).toContain("k8s-shop-cart-0987654321");
    expect(f.title).toContain("shop/cart");
    expect(f.affectedTargets.map((t) => t.id)).toEqual(["10.0.1.60", "10.0.2.60"]);
    expect(f.evidence.expected).toEqual({ readyEndpoints: ">= 1" });
    expect(f.evidence.actual.readyEndpoints).toBe(0);
    const pods = f.evidence.actual.pods as {
      pod: string;
      ready: boolean;
      conditions: Record<string, { reason?: string }>;
      containers: { name: string; reason: string | null; restartCount: number }[];
      why: string;
    }[];
    expect(pods.map((p) => p.pod)).toEqual(["shop/cart-7c9d-aaaaa", "shop/cart-7c9d-bbbbb"]);
    expect(pods[0]!.ready).toBe(false);
    expect(pods[0]!.conditions.Ready?.reason).toBe("ContainersNotReady");
    expect(pods[0]!.containers[0]).toMatchObject({
      name: "cart",
      reason: "CrashLoopBackOff",
      restartCount: 7,
    });
    expect(pods[0]!.why).toContain("CrashLoopBackOff");
    expect(pods[0]!.why).toContain("7 restarts");
    expect(pods[0]!.why).toContain("last exit Error (exit 1)");
    expect(f.rootCause).toContain("shop/cart-7c9d-bbbbb");
    expect(f.remediation).toContain("kubectl -n shop logs cart-7c9d-aaaaa -c cart --previous");
  });

  it("explains an image pull failure and an OOM kill differently", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        endpointsNotReady(s);
        failTargets(s);
        const [a, b] = k8s(s).pods as [RawPod, RawPod];
        a.status!.containerStatuses![0] = {
          name: "cart",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } },
        };
        crashLoop(b, 4);
        b.status!.containerStatuses![0]!.lastState = {
          terminated: { reason: "OOMKilled", exitCode: 137 },
        };
      }),
    );
    const f = findings[0]!;
    expect(f.remediation).toContain("cannot pull its image");
    expect(f.remediation).toContain("OOMKilled: raise its memory limit");
    const pods = f.evidence.actual.pods as { why: string }[];
    expect(pods[0]!.why).toContain("ImagePullBackOff");
    expect(pods[1]!.why).toContain("OOMKilled (exit 137)");
  });

  it("names the failing readiness probe of a running container, through Istio's rewrite", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        endpointsNotReady(s);
        failTargets(s);
        for (const pod of k8s(s).pods) {
          pod.status!.conditions = [
            { type: "Ready", status: "False", reason: "ContainersNotReady" },
          ];
          pod.status!.containerStatuses![0]!.ready = false;
        }
      }),
    );
    const f = findings[0]!;
    const pods = f.evidence.actual.pods as { why: string }[];
    expect(pods[0]!.why).toContain(
      "container cart running but not ready: its readiness probe HTTP GET :8080/ready via the Istio agent fails",
    );
    expect(f.remediation).toContain("kubectl -n shop describe pod cart-7c9d-aaaaa");
    expect(f.remediation).toContain("Readiness probe failed");
  });

  it("finds Pending pods through the selector although they have no endpoint", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).endpointSlices[0]!.endpoints = [];
        failTargets(s);
        for (const pod of k8s(s).pods) {
          delete pod.spec.nodeName;
          pod.status = {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/3 nodes are available: 3 Insufficient memory.",
              },
            ],
          };
        }
      }),
    );
    const f = findings[0]!;
    const pods = f.evidence.actual.pods as { pod: string; phase: string; why: string }[];
    expect(pods).toHaveLength(2);
    expect(pods[0]!.phase).toBe("Pending");
    expect(pods[0]!.why).toContain("Insufficient memory");
    expect(f.remediation).toContain("cannot be scheduled");
  });

  it("says the selector matches nothing when there are no pods at all", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).endpointSlices[0]!.endpoints = [];
        k8s(s).pods = [];
        failTargets(s);
      }),
    );
    const f = findings[0]!;
    expect(f.title).toContain("no pods");
    expect(f.evidence.actual.pods).toEqual([]);
    expect(f.evidence.actual.note).toContain("selector app=cart matches nothing in namespace shop");
    expect(f.remediation).toContain("selector app=cart matches nothing");
  });

  it("says so when the Service has no selector", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).endpointSlices[0]!.endpoints = [];
        delete k8s(s).services[0]!.spec!.selector;
        failTargets(s);
      }),
    );
    expect(findings[0]!.evidence.actual.selector).toBeNull();
    expect(findings[0]!.remediation).toContain("has no selector");
    // Pods carrying the app label are not backing pods of a selector-less Service.
    expect(findings[0]!.evidence.actual.pods).toEqual([]);
  });

  it("still fires, and says the pods are unknown, when the pods list is a gap", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        endpointsNotReady(s);
        failTargets(s);
        k8s(s).pods = [];
        s.gaps = [{ source: "kubernetes.pods", message: "forbidden" }];
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence.actual.podsListRead).toBe(false);
    expect(findings[0]!.remediation).toContain("pods list could not be read");
  });

  it("stays quiet while one endpoint is still ready", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).endpointSlices[0]!.endpoints![0]!.conditions = { ready: false };
        crashLoop(k8s(s).pods[0]!, 2);
        tgs(s)[0]!.TargetHealthDescriptions![0]!.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.Timeout",
        };
      }),
    );
    expect(findings).toEqual([]);
  });

  it("stays quiet when AWS reports every target healthy", () => {
    const findings = run(snapshotOf(healthyIpAppInput(), endpointsNotReady));
    expect(findings).toEqual([]);
  });

  it("leaves a missing Service to BIND002", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        k8s(s).services = [];
        failTargets(s);
      }),
    );
    expect(findings).toEqual([]);
  });
});
