/**
 * A stand-in for the Kubernetes API server on 127.0.0.1: HTTPS with the test CA, bearer-token
 * check, paged lists that honour `limit` and `continue`, and canned error answers by path.
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
} as const;

export interface Collection {
  /** List kind, e.g. "PodList", and the list's apiVersion. */
  listKind: string;
  apiVersion: string;
  items: Record<string, unknown>[];
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
}

export interface RecordedRequest {
  method: string;
  path: string;
  limit: string | null;
  continue: string | null;
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
        return send(canned.status, status(canned.status, canned.reason, canned.message));
      }
      const collection = options.collections[url.pathname];
      if (!collection || req.method !== "GET") {
        return send(
          404,
          status(404, "NotFound", "the server could not find the requested resource"),
        );
      }
      const offset = recorded.continue
        ? Number(Buffer.from(recorded.continue, "base64url").toString("utf8"))
        : 0;
      const limit = recorded.limit ? Number(recorded.limit) : collection.items.length;
      const items = collection.items.slice(offset, offset + limit);
      const next = offset + limit < collection.items.length;
      send(200, {
        kind: collection.listKind,
        apiVersion: collection.apiVersion,
        metadata: {
          resourceVersion: "4711",
          ...(next ? { continue: Buffer.from(String(offset + limit)).toString("base64url") } : {}),
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
