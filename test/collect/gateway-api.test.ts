import { afterEach, describe, expect, it } from "vitest";
import { eksKubeConfig } from "../../lib/collect/kubeconfig";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import {
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
} from "./fake-apiserver";
import {
  binding,
  clusterCollections,
  gatewayCollections,
  loadBalancerConfiguration,
  range,
  targetGroupConfiguration,
} from "./kube-objects";

const TOKEN = "k8s-aws-v1.test-token";
const TGB_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef";
const GATEWAY_SOURCES = [
  "kubernetes.gatewayClasses",
  "kubernetes.gateways",
  "kubernetes.httpRoutes",
  "kubernetes.grpcRoutes",
  "kubernetes.tcpRoutes",
  "kubernetes.udpRoutes",
  "kubernetes.tlsRoutes",
  "kubernetes.targetGroupConfigurations",
];

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

const connect = (url: string) =>
  eksKubeConfig({ name: "prod", endpoint: url, caData: TEST_CA_DATA }, async () => TOKEN);
const fast = { retries: 0, retryDelayMs: 1, requestTimeoutMs: 5_000 };
const sources = (gaps: { source: string }[]) => gaps.map((g) => g.source).sort();

describe("collectKubernetes: Gateway API kinds", () => {
  it("lists the Gateway API kinds and the controller's TargetGroupConfigurations as served", async () => {
    const s = await start((o) => Object.assign(o.collections, gatewayCollections()));
    const { lists, gaps, notServed } = await collectKubernetes(connect(s.url), fast);

    expect(sources(gaps)).toEqual(["kubernetes.peerAuthentications"]);
    expect(lists.gatewayClasses).toEqual([
      expect.objectContaining({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        spec: { controllerName: "gateway.k8s.aws/alb" },
      }),
    ]);
    expect(lists.gateways[0]).toMatchObject({ kind: "Gateway", metadata: { name: "web-gw" } });
    expect(lists.httpRoutes[0]).toMatchObject({
      kind: "HTTPRoute",
      spec: { parentRefs: [{ name: "web-gw" }] },
    });
    expect(lists.grpcRoutes).toEqual([]);
    expect(lists.targetGroupConfigurations[0]).toMatchObject({
      apiVersion: "gateway.k8s.aws/v1",
      spec: { targetReference: { name: "web" } },
    });
    // The standard channel has no TCP/UDP/TLS routes: both versions 404, and that is no gap.
    expect(lists.tcpRoutes).toEqual([]);
    expect(sources(notServed)).toEqual([
      "kubernetes.tcpRoutes",
      "kubernetes.tlsRoutes",
      "kubernetes.udpRoutes",
    ]);
    expect(s.requests.filter((r) => r.path.endsWith("/tcproutes")).map((r) => r.path)).toEqual([
      PATHS.tcpRoutesV1alpha2,
      PATHS.tcpRoutesV1,
    ]);
    // v1 answered, so v1beta1 is never asked.
    expect(s.requests.some((r) => r.path === PATHS.targetGroupConfigurationsV1beta1)).toBe(false);
  });

  it("in a cluster without Gateway API CRDs gives empty lists and no gap for them", async () => {
    const s = await start();
    const { lists, gaps, notServed } = await collectKubernetes(connect(s.url), fast);

    for (const source of GATEWAY_SOURCES) {
      expect(lists[source.slice("kubernetes.".length) as keyof typeof lists]).toEqual([]);
    }
    expect(sources(gaps)).toEqual(["kubernetes.peerAuthentications"]);
    expect(sources(notServed)).toEqual([...GATEWAY_SOURCES].sort());
    const tgc = notServed.find((g) => g.source === "kubernetes.targetGroupConfigurations");
    expect(tgc?.message).toBe(
      "the server could not find the requested resource (404) [tried gateway.k8s.aws/v1, gateway.k8s.aws/v1beta1]",
    );
    expect(lists.pods).toHaveLength(1);
    expect(s.requests.filter((r) => r.path.includes("targetgroupconfigurations"))).toHaveLength(2);
  });

  it("falls back to TargetGroupConfiguration v1beta1 and TCPRoute v1 when only those are served", async () => {
    const s = await start((o) => {
      o.collections[PATHS.targetGroupConfigurationsV1beta1] = {
        listKind: "TargetGroupConfigurationList",
        apiVersion: "gateway.k8s.aws/v1beta1",
        items: [targetGroupConfiguration("shop", "web", "gateway.k8s.aws/v1beta1")],
      };
      o.collections[PATHS.tcpRoutesV1] = {
        listKind: "TCPRouteList",
        apiVersion: "gateway.networking.k8s.io/v1",
        items: [{ metadata: { name: "db", namespace: "shop" }, spec: {} }],
      };
    });
    const { lists, notServed } = await collectKubernetes(connect(s.url), fast);
    expect(lists.targetGroupConfigurations).toEqual([
      expect.objectContaining({ apiVersion: "gateway.k8s.aws/v1beta1" }),
    ]);
    // A list item without apiVersion/kind takes the version that served it.
    expect(lists.tcpRoutes).toEqual([
      expect.objectContaining({ apiVersion: "gateway.networking.k8s.io/v1", kind: "TCPRoute" }),
    ]);
    expect(sources(notServed)).not.toContain("kubernetes.targetGroupConfigurations");
    expect(sources(notServed)).not.toContain("kubernetes.tcpRoutes");
  });

  it("keeps a Gateway API kind that is served but cannot be read a gap (403, 500)", async () => {
    const s = await start((o) => {
      Object.assign(o.collections, gatewayCollections());
      o.answers = {
        [PATHS.httpRoutes]: {
          status: 403,
          reason: "Forbidden",
          message:
            'httproutes.gateway.networking.k8s.io is forbidden: User "auditor" cannot list resource "httproutes" in API group "gateway.networking.k8s.io" at the cluster scope',
        },
        [PATHS.targetGroupConfigurationsV1]: {
          status: 500,
          reason: "InternalError",
          message: "conversion webhook failed",
        },
      };
    });
    const { lists, gaps, notServed } = await collectKubernetes(connect(s.url), fast);
    expect(lists.httpRoutes).toEqual([]);
    expect(lists.targetGroupConfigurations).toEqual([]);
    expect(gaps).toEqual(
      expect.arrayContaining([
        {
          source: "kubernetes.httpRoutes",
          message: expect.stringMatching(/cannot list resource "httproutes".*\(403\)$/),
        },
        {
          source: "kubernetes.targetGroupConfigurations",
          message: "conversion webhook failed (500)",
        },
      ]),
    );
    expect(sources(notServed)).not.toContain("kubernetes.httpRoutes");
    // A 500 is not "not served": v1beta1 is not tried in its place.
    expect(s.requests.some((r) => r.path === PATHS.targetGroupConfigurationsV1beta1)).toBe(false);
  });
});

describe("collectKubernetes: LoadBalancerConfigurations (an optional extension)", () => {
  const lbcList = (apiVersion: string, items: Record<string, unknown>[]) => ({
    listKind: "LoadBalancerConfigurationList",
    apiVersion,
    items,
  });

  it("lists them page by page at v1", async () => {
    const items = range(5, (i) => loadBalancerConfiguration(`team-${i}`, "alb-config"));
    const s = await start((o) => {
      o.collections[PATHS.loadBalancerConfigurationsV1] = lbcList("gateway.k8s.aws/v1", items);
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), { ...fast, pageSize: 2 });
    expect(
      lists.loadBalancerConfigurations?.map((l) => (l.metadata as { namespace: string }).namespace),
    ).toEqual(items.map((l) => l.metadata.namespace));
    expect(lists.loadBalancerConfigurations?.[0]).toMatchObject({
      apiVersion: "gateway.k8s.aws/v1",
      kind: "LoadBalancerConfiguration",
      spec: { defaultTargetGroupConfiguration: { name: "alb-config-defaults" } },
    });
    expect(sources(gaps)).not.toContain("kubernetes.loadBalancerConfigurations");
    const pages = s.requests.filter((r) => r.path === PATHS.loadBalancerConfigurationsV1);
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((r) => r.continue !== null)).toBe(true);
  });

  it("falls back to v1beta1 when only that is served", async () => {
    const s = await start((o) => {
      o.collections[PATHS.loadBalancerConfigurationsV1beta1] = lbcList("gateway.k8s.aws/v1beta1", [
        loadBalancerConfiguration("edge", "alb-config", "gateway.k8s.aws/v1beta1"),
      ]);
    });
    const { lists } = await collectKubernetes(connect(s.url), fast);
    expect(lists.loadBalancerConfigurations).toEqual([
      expect.objectContaining({ apiVersion: "gateway.k8s.aws/v1beta1" }),
    ]);
  });

  it("leaves the list out, with no gap, when the CRD is not served (404) or the role lacks it (403)", async () => {
    for (const answer of [
      undefined,
      {
        status: 403,
        reason: "Forbidden",
        message:
          'loadbalancerconfigurations.gateway.k8s.aws is forbidden: User "auditor" cannot list resource "loadbalancerconfigurations" in API group "gateway.k8s.aws" at the cluster scope',
      },
    ]) {
      const s = await start((o) => {
        o.collections[PATHS.loadBalancerConfigurationsV1beta1] = lbcList(
          "gateway.k8s.aws/v1beta1",
          [loadBalancerConfiguration("edge", "alb-config")],
        );
        if (answer) o.answers = { [PATHS.loadBalancerConfigurationsV1]: answer };
        // 404 case: v1beta1 is not served either.
        else delete o.collections[PATHS.loadBalancerConfigurationsV1beta1];
      });
      const progress: string[] = [];
      const listed: string[] = [];
      const { lists, gaps, notServed } = await collectKubernetes(connect(s.url), {
        ...fast,
        onProgress: (m) => progress.push(m),
        onListed: (list) => listed.push(list),
      });
      expect("loadBalancerConfigurations" in lists).toBe(false);
      expect(listed).not.toContain("loadBalancerConfigurations");
      expect(listed).toContain("targetGroupConfigurations");
      expect(sources([...gaps, ...notServed])).not.toContain(
        "kubernetes.loadBalancerConfigurations",
      );
      expect(
        progress.some((m) => m.startsWith("loadbalancerconfigurations: left out of the snapshot")),
      ).toBe(true);
      // A 403 is the role, whichever version: v1beta1 is not tried in its place.
      if (answer)
        expect(s.requests.some((r) => r.path === PATHS.loadBalancerConfigurationsV1beta1)).toBe(
          false,
        );
      await s.close();
      server = undefined;
    }
  });

  it("keeps a served list that cannot be read a gap (500)", async () => {
    const s = await start((o) => {
      o.answers = {
        [PATHS.loadBalancerConfigurationsV1]: {
          status: 500,
          reason: "InternalError",
          message: "etcdserver: request timed out",
        },
      };
    });
    const { lists, gaps } = await collectKubernetes(connect(s.url), fast);
    expect(lists.loadBalancerConfigurations).toEqual([]);
    expect(gaps).toContainEqual({
      source: "kubernetes.loadBalancerConfigurations",
      message: "etcdserver: request timed out (500)",
    });
  });
});
