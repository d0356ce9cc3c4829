import { afterEach, describe, expect, it, vi } from "vitest";
import { eksKubeConfig } from "../../lib/collect/kubeconfig";
import { eksEndpoint } from "../../lib/collect/eks-cluster";
import { collectKubernetes, listedResources } from "../../lib/collect/kubernetes";
import {
  OTHER_CA_DATA,
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
} from "./fake-apiserver";
import { binding, clusterCollections, peerAuthentication, pod, range } from "./kube-objects";

const TOKEN = "k8s-aws-v1.test-token";
const TGB_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef";

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(edit: (o: FakeApiServerOptions) => void = () => {}) {
  const options: FakeApiServerOptions = {
    authorize: (header) => header === `Bearer ${TOKEN}`,
    collections: clusterCollections([binding("shop", "web", TGB_ARN)]),
  };
  edit(options);
  server = await startFakeApiServer(options);
  return server;
}

const connect = (url: string, token = async () => TOKEN, caData = TEST_CA_DATA) =>
  eksKubeConfig({ name: "prod", endpoint: url, caData }, token);

const fast = { retries: 0, retryDelayMs: 1, requestTimeoutMs: 5_000 };

describe("collectKubernetes against an HTTPS API server", () => {
  it("pages through every kind with limit/continue and keeps the served JSON", async () => {
    const s = await start((o) => {
      o.collections[PATHS.pods] = {
        listKind: "PodList",
        apiVersion: "v1",
        items: range(1234, (i) => pod("shop", `web-${i}`)),
      };
      o.collections[PATHS.peerAuthenticationsV1] = {
        listKind: "PeerAuthenticationList",
        apiVersion: "security.istio.io/v1",
        items: [peerAuthentication("istio-system", "security.istio.io/v1")],
      };
    });
    const progress: string[] = [];
    const { lists, gaps } = await collectKubernetes(connect(s.url), {
      ...fast,
      onProgress: (m) => progress.push(m),
    });

    expect(gaps).toEqual([]);
    expect(lists.pods).toHaveLength(1234);
    expect(new Set(lists.pods.map((p) => (p.metadata as { name: string }).name)).size).toBe(1234);
    const podPages = s.requests.filter((r) => r.path === PATHS.pods);
    expect(podPages.map((r) => r.limit)).toEqual(["500", "500", "500"]);
    expect(podPages[0]?.continue).toBeNull();
    expect(podPages.slice(1).every((r) => r.continue)).toBe(true);
    expect(progress).toEqual(
      expect.arrayContaining(["listing pods: 500 so far", "listing pods: 1000 so far"]),
    );

    // Items as kubectl shows them: apiVersion/kind set, unknown fields and timestamps untouched.
    const first = lists.pods[0] as {
      apiVersion: string;
      kind: string;
      spec: { futureField?: unknown };
      status: { startTime?: unknown };
    };
    expect(first.apiVersion).toBe("v1");
    expect(first.kind).toBe("Pod");
    expect(first.spec.futureField).toEqual({ keep: true });
    expect(first.status.startTime).toBe("2026-11-24T09:00:00Z");
    expect(lists.nodes[0]).toMatchObject({ apiVersion: "v1", kind: "Node" });
    expect(lists.nodes[0]?.metadata).toMatchObject({ creationTimestamp: "2026-11-01T08:00:00Z" });
    expect(lists.endpointSlices[0]).toMatchObject({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
    });
    expect(lists.ingresses[0]).toMatchObject({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
    });
    expect(lists.services[0]).toMatchObject({ apiVersion: "v1", kind: "Service" });
    expect(lists.targetGroupBindings[0]).toMatchObject({
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      spec: { targetGroupARN: TGB_ARN },
    });
    expect(lists.peerAuthentications[0]).toMatchObject({
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
    });

    // Cluster-wide lists only, each with a page limit; never Secrets or ConfigMaps. No Gateway
    // API here: each of its versions is asked once and answers 404.
    const { peerAuthenticationsV1beta1: _served, ...asked } = PATHS;
    expect(new Set(s.requests.map((r) => r.path))).toEqual(new Set(Object.values(asked)));
    expect(s.requests.every((r) => r.method === "GET" && r.limit === "500")).toBe(true);
    // Only Warning events are asked for; every other list is unfiltered.
    expect(s.requests.filter((r) => r.fieldSelector).map((r) => [r.path, r.fieldSelector])).toEqual(
      [[PATHS.events, "type=Warning"]],
    );
    expect(s.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("turns a forbidden kind and missing Istio CRDs into gaps and still lists the rest", async () => {
    const s = await start((o) => {
      o.answers = {
        [PATHS.targetGroupBindings]: {
          status: 403,
          reason: "Forbidden",
          message:
            'targetgroupbindings.elbv2.k8s.aws is forbidden: User "auditor" cannot list resource "targetgroupbindings" in API group "elbv2.k8s.aws" at the cluster scope',
        },
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), fast);

    expect(lists.targetGroupBindings).toEqual([]);
    expect(lists.peerAuthentications).toEqual([]);
    expect(lists.pods).toHaveLength(1);
    expect(lists.services).toHaveLength(1);
    expect(gaps).toHaveLength(2);
    const tgb = gaps.find((g) => g.source === "kubernetes.targetGroupBindings");
    expect(tgb?.message).toMatch(/forbidden: User "auditor" cannot list.*\(403\)$/);
    const pa = gaps.find((g) => g.source === "kubernetes.peerAuthentications");
    expect(pa?.message).toContain("the server could not find the requested resource (404)");
    expect(pa?.message).toContain("security.istio.io/v1beta1");
    // v1 first, then v1beta1; a 403 is not retried under another version.
    expect(
      s.requests.filter((r) => r.path.includes("peerauthentications")).map((r) => r.path),
    ).toEqual([PATHS.peerAuthenticationsV1, PATHS.peerAuthenticationsV1beta1]);
    expect(s.requests.filter((r) => r.path === PATHS.targetGroupBindings)).toHaveLength(1);
  });

  it("falls back to security.istio.io/v1beta1 when only that version is served", async () => {
    const s = await start((o) => {
      o.collections[PATHS.peerAuthenticationsV1beta1] = {
        listKind: "PeerAuthenticationList",
        apiVersion: "security.istio.io/v1beta1",
        items: [peerAuthentication("shop", "security.istio.io/v1beta1")],
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), fast);
    expect(gaps).toEqual([]);
    expect(lists.peerAuthentications).toEqual([
      expect.objectContaining({
        apiVersion: "security.istio.io/v1beta1",
        kind: "PeerAuthentication",
      }),
    ]);
  });

  it("asks the token source on every request and reports a rejected token as gaps (401)", async () => {
    const s = await start();
    const token = vi.fn(async () => "k8s-aws-v1.wrong");
    const { lists, gaps } = await collectKubernetes(connect(s.url, token), fast);
    expect(token).toHaveBeenCalledTimes(s.requests.length);
    expect(Object.values(lists).every((l) => l.length === 0)).toBe(true);
    expect(gaps).toHaveLength(listedResources().length);
    expect(gaps.every((g) => g.message.includes("(401)"))).toBe(true);
    expect(JSON.stringify(gaps)).not.toContain("k8s-aws-v1.wrong");
  });

  it("refuses a server whose certificate the cluster CA did not sign", async () => {
    const s = await start();
    const { gaps } = await collectKubernetes(
      connect(s.url, async () => TOKEN, OTHER_CA_DATA),
      fast,
    );
    expect(gaps).toHaveLength(listedResources().length);
    expect(gaps[0]?.message).toMatch(/certificate/i);
    expect(s.requests).toHaveLength(0);
  });

  it("keeps verifying the server when NODE_TLS_REJECT_UNAUTHORIZED=0 is set (kubeconfig and EKS paths)", async () => {
    const s = await start();
    vi.stubEnv("NODE_TLS_REJECT_UNAUTHORIZED", "0");
    try {
      const viaKubeconfig = await collectKubernetes(
        connect(s.url, async () => TOKEN, OTHER_CA_DATA),
        fast,
      );
      const endpoint = eksEndpoint({ endpoint: s.url, caData: OTHER_CA_DATA }, async () => TOKEN);
      const viaEks = await collectKubernetes(endpoint, fast);
      endpoint.close?.();
      for (const { gaps } of [viaKubeconfig, viaEks]) {
        expect(gaps).toHaveLength(listedResources().length);
        expect(gaps[0]?.message).toMatch(/certificate/i);
      }
      // The bearer token never reached the server with the wrong certificate.
      expect(s.requests).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("records a gap for a list the server ended while announcing more items", async () => {
    const s = await start((o) => {
      o.collections[PATHS.pods] = {
        listKind: "PodList",
        apiVersion: "v1",
        items: range(1234, (i) => pod("shop", `web-${i}`)),
      };
      o.stopPagingAfter = { [PATHS.pods]: 1 };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), { ...fast, pageSize: 1 });
    expect(s.requests.filter((r) => r.path === PATHS.pods)).toHaveLength(1);
    expect(lists.pods).toEqual([]);
    expect(gaps.find((g) => g.source === "kubernetes.pods")).toEqual({
      source: "kubernetes.pods",
      message: "the server ended the list after 1 of 1234 items it announced",
    });
  });

  it("quotes only a Status message in a gap, never a proxy's error page", async () => {
    const page = `<html><pre>GET /api/v1/pods\nAuthorization: Bearer ${TOKEN}</pre></html>`;
    const s = await start((o) => {
      o.answers = {
        [PATHS.pods]: { status: 502, reason: "", message: "", rawBody: page },
        [PATHS.nodes]: { status: 403, reason: "", message: "", rawBody: page },
        [PATHS.services]: { status: 403, reason: "Forbidden", message: "services is forbidden" },
      };
    });
    const { gaps } = await collectKubernetes(connect(s.url), fast);
    const message = (source: string) => gaps.find((g) => g.source === source)?.message;
    expect(message("kubernetes.pods")).toBe("bad gateway (502)");
    expect(message("kubernetes.nodes")).toBe("forbidden (403)");
    expect(message("kubernetes.services")).toBe("services is forbidden (403)");
    expect(JSON.stringify(gaps)).not.toContain(TOKEN);
  });

  it("retries a 503 and restarts a list whose continue token expired (410)", async () => {
    const s = await start((o) => {
      o.collections[PATHS.pods] = {
        listKind: "PodList",
        apiVersion: "v1",
        items: range(7, (i) => pod("shop", `web-${i}`)),
      };
      o.answers = {
        [PATHS.nodes]: {
          status: 503,
          reason: "ServiceUnavailable",
          message: "etcd busy",
          times: 1,
        },
        [PATHS.pods]: {
          status: 410,
          reason: "Expired",
          message: "The provided continue parameter is too old",
          times: 1,
          onContinue: true,
        },
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), {
      ...fast,
      retries: 2,
      pageSize: 3,
    });
    expect(gaps.filter((g) => g.source !== "kubernetes.peerAuthentications")).toEqual([]);
    expect(lists.nodes).toHaveLength(1);
    expect(s.requests.filter((r) => r.path === PATHS.nodes)).toHaveLength(2);
    expect(lists.pods.map((p) => (p.metadata as { name: string }).name)).toEqual(
      range(7, (i) => `web-${i}`),
    );
    // first page, expired continuation, then a fresh list of three pages
    expect(s.requests.filter((r) => r.path === PATHS.pods).map((r) => r.continue === null)).toEqual(
      [true, false, true, false, false],
    );
  });

  it("gives up on a request the server never answers", async () => {
    const s = await start((o) => {
      o.answers = {
        [PATHS.ingresses]: { status: 0, reason: "", message: "", hang: true, times: 5 },
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), {
      ...fast,
      retries: 1,
      requestTimeoutMs: 300,
    });
    expect(lists.ingresses).toEqual([]);
    expect(gaps).toContainEqual({
      source: "kubernetes.ingresses",
      message: "no answer within 0.3s (timeout)",
    });
    expect(s.requests.filter((r) => r.path === PATHS.ingresses)).toHaveLength(2);
    expect(lists.pods).toHaveLength(1);
  });

  it("gives up on a kind that keeps failing with a server error", async () => {
    const s = await start((o) => {
      o.answers = {
        [PATHS.services]: { status: 500, reason: "InternalError", message: "boom", times: 10 },
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), { ...fast, retries: 1 });
    expect(lists.services).toEqual([]);
    expect(gaps).toContainEqual({ source: "kubernetes.services", message: "boom (500)" });
    expect(s.requests.filter((r) => r.path === PATHS.services)).toHaveLength(2);
  });
});
