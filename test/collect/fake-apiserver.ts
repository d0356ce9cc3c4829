/**
 * A stand-in for the Kubernetes API server on 127.0.0.1: HTTPS with the test CA, bearer-token
 * check, paged lists that honour `limit`, `continue` and `fieldSelector` (on the field labels a
 * collection declares, as the real server supports only some per kind) and announce
 * `remainingItemCount` as the real server does, and canned error answers by path (Status
 * bodies, or raw text as a proxy in front of the server answers).
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const tls = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), "utf8");

export const TEST_CA_PEM = tls("ca.pem");
export const OTHER_CA_PEM = tls("other-ca.pem");
/** As DescribeCluster and kubeconfig carry it: base64 of the PEM bundle. */
export const TEST_CA_DATA = Buffer.from(TEST_CA_PEM).toString("base64");
export const OTHER_CA_DATA = Buffer.from(OTHER_CA_PEM).toString("base64");

export const PATHS = {
  nodes: "/api/v1/nodes",
  services: "/api/v1/services",
  endpointSlices: "/apis/discovery.k8s.io/v1/endpointslices",
  pods: "/api/v1/pods",
  ingresses: "/apis/networking.k8s.io/v1/ingresses",
  targetGroupBindings: "/apis/elbv2.k8s.aws/v1beta1/targetgroupbindings",
  peerAuthenticationsV1: "/apis/security.istio.io/v1/peerauthentications",
  peerAuthenticationsV1beta1: "/apis/security.istio.io/v1beta1/peerauthentications",
  events: "/api/v1/events",
  gatewayClasses: "/apis/gateway.networking.k8s.io/v1/gatewayclasses",
  gateways: "/apis/gateway.networking.k8s.io/v1/gateways",
  httpRoutes: "/apis/gateway.networking.k8s.io/v1/httproutes",
  grpcRoutes: "/apis/gateway.networking.k8s.io/v1/grpcroutes",
  tcpRoutesV1alpha2: "/apis/gateway.networking.k8s.io/v1alpha2/tcproutes",
  tcpRoutesV1: "/apis/gateway.networking.k8s.io/v1/tcproutes",
  udpRoutesV1alpha2: "/apis/gateway.networking.k8s.io/v1alpha2/udproutes",
  udpRoutesV1: "/apis/gateway.networking.k8s.io/v1/udproutes",
  tlsRoutesV1alpha2: "/apis/gateway.networking.k8s.io/v1alpha2/tlsroutes",
  tlsRoutesV1: "/apis/gateway.networking.k8s.io/v1/tlsroutes",
  targetGroupConfigurationsV1: "/apis/gateway.k8s.aws/v1/targetgroupconfigurations",
  targetGroupConfigurationsV1beta1: "/apis/gateway.k8s.aws/v1beta1/targetgroupconfigurations",
  loadBalancerConfigurationsV1: "/apis/gateway.k8s.aws/v1/loadbalancerconfigurations",
  loadBalancerConfigurationsV1beta1: "/apis/gateway.k8s.aws/v1beta1/loadbalancerconfigurations",
} as const;

/** The field labels the API server accepts in a field selector for core/v1 Events. */
export const EVENT_FIELD_LABELS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
];

export interface Collection {
  /** List kind, e.g. "PodList", and the list's apiVersion. */
  listKind: string;
  apiVersion: string;
  items: Record<string, unknown>[];
  /** Field labels a `fieldSelector` may use besides metadata.name and metadata.namespace. */
  fieldLabels?: string[];
}

export interface CannedAnswer {
  status: number;
  reason: string;
  message: string;
  /** Answer this way only this many times, then serve normally. */
  times?: number;
  /** Answer this way only to requests that carry a continue token. */
  onContinue?: boolean;
  /** Never answer (the client's timeout has to end the request). */
  hang?: boolean;
  /** Answer with this text/html body instead of a Status (a proxy's error page). */
  rawBody?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  limit: string | null;
  continue: string | null;
  fieldSelector: string | null;
  authorization: string | undefined;
}

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeApiServerOptions {
  /** Which Authorization headers are accepted; everything else gets 401. */
  authorize: (authorization: string | undefined) => boolean;
  collections: Partial<Record<string, Collection>>;
  answers?: Partial<Record<string, CannedAnswer>>;
  /**
   * Paths whose list stops after this many pages: the last page still announces the remaining
   * items but carries no continue token (a broken proxy or aggregated API).
   */
  stopPagingAfter?: Partial<Record<string, number>>;
}

/** The value a field label selects on: a dotted path, `source` being the event's component. */
function fieldValue(item: Record<string, unknown>, label: string): string {
  const path = label === "source" ? "source.component" : label;
  let value: unknown = item;
  for (const key of path.split(".")) {
    value =
      value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value === undefined || value === null ? "" : String(value);
}

/** Parses `a=b,c!=d`; returns the failing label when one is not supported. */
function fieldMatcher(
  selector: string,
  labels: string[],
): { unsupported: string } | ((item: Record<string, unknown>) => boolean) {
  const terms = selector
    .split(",")
    .filter(Boolean)
    .map((term) => {
      const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
      return match ? { label: match[1]!, negate: match[2] === "!=", value: match[3]! } : undefined;
    });
  const allowed = new Set(["metadata.name", "metadata.namespace", ...labels]);
  const bad = terms.find((t) => !t || !allowed.has(t.label));
  if (bad !== undefined || terms.some((t) => !t)) return { unsupported: bad?.label ?? selector };
  return (item) => terms.every((t) => (fieldValue(item, t!.label) === t!.value) !== t!.negate);
}

const status = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  code,
});

export async function startFakeApiServer(options: FakeApiServerOptions): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const answers = structuredClone(options.answers ?? {});
  const server: Server = createServer(
    { cert: tls("server.pem"), key: tls("server-key.pem") },
    (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        limit: url.searchParams.get("limit"),
        continue: url.searchParams.get("continue"),
        fieldSelector: url.searchParams.get("fieldSelector"),
        authorization: req.headers.authorization,
      };
      requests.push(recorded);
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!options.authorize(req.headers.authorization)) {
        return send(401, status(401, "Unauthorized", "Unauthorized"));
      }
      const canned = answers[url.pathname];
      if (canned && (canned.times ?? 1) > 0 && (!canned.onContinue || recorded.continue)) {
        if (canned.times !== undefined) canned.times--;
        if (canned.hang) return;
        if (canned.rawBody !== undefined) {
          res.writeHead(canned.status, { "content-type": "text/html" });
          return res.end(canned.rawBody);
        }
        return send(canned.status, status(canned.status, canned.reason, canned.message));
      }
      const collection = options.collections[url.pathname];
      if (!collection || req.method !== "GET") {
        return send(
          404,
          status(404, "NotFound", "the server could not find the requested resource"),
        );
      }
      let all = collection.items;
      if (recorded.fieldSelector) {
        const matcher = fieldMatcher(recorded.fieldSelector, collection.fieldLabels ?? []);
        if (typeof matcher !== "function") {
          return send(
            400,
            status(400, "BadRequest", `field label not supported: ${matcher.unsupported}`),
          );
        }
        all = all.filter(matcher);
      }
      const offset = recorded.continue
        ? Number(Buffer.from(recorded.continue, "base64url").toString("utf8"))
        : 0;
      const limit = recorded.limit ? Number(recorded.limit) : all.length;
      const items = all.slice(offset, offset + limit);
      const remaining = all.length - offset - items.length;
      const stopAfter = options.stopPagingAfter?.[url.pathname];
      const pageNumber = Math.ceil(offset / Math.max(limit, 1)) + 1;
      const next = remaining > 0 && (stopAfter === undefined || pageNumber < stopAfter);
      send(200, {
        kind: collection.listKind,
        apiVersion: collection.apiVersion,
        metadata: {
          resourceVersion: "4711",
          ...(next ? { continue: Buffer.from(String(offset + limit)).toString("base64url") } : {}),
          // The real server announces what is left on every page but the last, and nothing
          // when a selector makes the count unknown.
          ...(remaining > 0 && !recorded.fieldSelector ? { remainingItemCount: remaining } : {}),
        },
        items,
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
