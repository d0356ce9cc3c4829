/**
 * A local stand-in for the Kubernetes API server: HTTPS with the test CA, bearer token, and
 * cluster-wide lists paged by `limit`/`continue` like the real server, with the latency and
 * throttling (429) of ./faults. It serves the Kubernetes lists of one snapshot.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import type { GatewayListName } from "../../lib/collect/kubernetes";
import { Faults, type FaultOptions } from "./faults";

const tls = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/tls/${name}`, import.meta.url)), "utf8");

export const CA_DATA = Buffer.from(tls("ca.pem")).toString("base64");
export const KUBE_TOKEN = "bench-token";

type Lists = Required<SnapshotInput["kubernetes"]> & { events: unknown[] };

/** List path, list kind and the snapshot list it serves; custom resources keep apiVersion/kind. */
const ROUTES: {
  path: string;
  listKind: string;
  apiVersion: string;
  list: keyof Lists | GatewayListName;
  crd?: boolean;
}[] = [
  { path: "/api/v1/nodes", listKind: "NodeList", apiVersion: "v1", list: "nodes" },
  { path: "/api/v1/services", listKind: "ServiceList", apiVersion: "v1", list: "services" },
  {
    path: "/apis/discovery.k8s.io/v1/endpointslices",
    listKind: "EndpointSliceList",
    apiVersion: "discovery.k8s.io/v1",
    list: "endpointSlices",
  },
  { path: "/api/v1/pods", listKind: "PodList", apiVersion: "v1", list: "pods" },
  {
    path: "/apis/networking.k8s.io/v1/ingresses",
    listKind: "IngressList",
    apiVersion: "networking.k8s.io/v1",
    list: "ingresses",
  },
  {
    path: "/apis/elbv2.k8s.aws/v1beta1/targetgroupbindings",
    listKind: "TargetGroupBindingList",
    apiVersion: "elbv2.k8s.aws/v1beta1",
    list: "targetGroupBindings",
    crd: true,
  },
  {
    path: "/apis/security.istio.io/v1/peerauthentications",
    listKind: "PeerAuthenticationList",
    apiVersion: "security.istio.io/v1",
    list: "peerAuthentications",
    crd: true,
  },
  // A snapshot's events are already the Warnings; the fieldSelector needs no filtering here.
  { path: "/api/v1/events", listKind: "EventList", apiVersion: "v1", list: "events" },
  // A cluster with the Gateway API and the controller's CRDs installed (lists empty unless the
  // snapshot has them), so each kind costs one page as the floor counts it, not a 404 per version.
  ...(
    [
      ["gateway.networking.k8s.io/v1", "GatewayClass", "gatewayclasses", "gatewayClasses"],
      ["gateway.networking.k8s.io/v1", "Gateway", "gateways", "gateways"],
      ["gateway.networking.k8s.io/v1", "HTTPRoute", "httproutes", "httpRoutes"],
      ["gateway.networking.k8s.io/v1", "GRPCRoute", "grpcroutes", "grpcRoutes"],
      ["gateway.networking.k8s.io/v1alpha2", "TCPRoute", "tcproutes", "tcpRoutes"],
      ["gateway.networking.k8s.io/v1alpha2", "UDPRoute", "udproutes", "udpRoutes"],
      ["gateway.networking.k8s.io/v1alpha2", "TLSRoute", "tlsroutes", "tlsRoutes"],
      [
        "gateway.k8s.aws/v1",
        "TargetGroupConfiguration",
        "targetgroupconfigurations",
        "targetGroupConfigurations",
      ],
      [
        "gateway.k8s.aws/v1",
        "LoadBalancerConfiguration",
        "loadbalancerconfigurations",
        "loadBalancerConfigurations",
      ],
    ] as const
  ).map(([apiVersion, kind, plural, list]) => ({
    path: `/apis/${apiVersion}/${plural}`,
    listKind: `${kind}List`,
    apiVersion,
    list,
    crd: true,
  })),
];

/** The snapshot lists the stand-in serves, one cluster-wide list each. */
export const SERVED_LISTS: readonly string[] = ROUTES.map((r) => String(r.list));

export interface KubeStandIn {
  url: string;
  faults: Faults;
  /** TLS connections accepted so far. */
  connections(): number;
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

export async function startKubeStandIn(
  lists: SnapshotInput["kubernetes"],
  faults: FaultOptions = {},
): Promise<KubeStandIn> {
  const f = new Faults(faults);
  const routes = new Map(
    ROUTES.map((r) => {
      const items = ((lists as Record<string, unknown>)[r.list] ?? []) as Record<string, unknown>[];
      // Built-in kinds come without apiVersion/kind in list items; custom resources keep theirs.
      const served = r.crd ? items : items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      return [r.path, { ...r, items: served }];
    }),
  );
  // Pages are rendered once: the stand-in's own serialising is not what is measured.
  const pages = new Map<string, string>();
  const server: Server = createServer(
    { cert: tls("server.pem"), key: tls("server-key.pem") },
    (req, res) => {
      void (async () => {
        const url = new URL(req.url ?? "/", "https://127.0.0.1");
        const send = (code: number, body: unknown) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        const status = (code: number, reason: string, message: string) =>
          send(code, {
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            reason,
            message,
            code,
          });
        if (req.headers.authorization !== `Bearer ${KUBE_TOKEN}`)
          return status(401, "Unauthorized", "Unauthorized");
        const route = routes.get(url.pathname);
        if (!(await f.admit(`kube:${route?.list ?? url.pathname}`))) {
          return status(429, "TooManyRequests", "too many requests, please try again later");
        }
        if (!route)
          return status(404, "NotFound", "the server could not find the requested resource");
        const offset = Number(
          Buffer.from(url.searchParams.get("continue") ?? "", "base64url").toString() || 0,
        );
        const limit = Number(url.searchParams.get("limit") || route.items.length);
        const key = `${url.pathname} ${offset} ${limit}`;
        let body = pages.get(key);
        if (body === undefined) {
          const next = offset + limit < route.items.length;
          body = JSON.stringify({
            kind: route.listKind,
            apiVersion: route.apiVersion,
            metadata: {
              resourceVersion: "1",
              ...(next
                ? { continue: Buffer.from(String(offset + limit)).toString("base64url") }
                : {}),
            },
            items: route.items.slice(offset, offset + limit),
          });
          pages.set(key, body);
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
      })();
    },
  );
  let connections = 0;
  server.on("secureConnection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    faults: f,
    connections: () => connections,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "bench", server: url, caData: CA_DATA, skipTLSVerify: false }],
        users: [{ name: "bench", token: KUBE_TOKEN }],
        contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
        currentContext: "bench",
      });
      return kc;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
