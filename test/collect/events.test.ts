/**
 * kubernetes.events: the controller's Warning events on the objects it builds from, listed with
 * fieldSelector=type=Warning and paged like every list; messages keep their words but not the
 * credentials they may quote.
 */
import { afterEach, describe, expect, it } from "vitest";
import { eksKubeConfig } from "../../lib/collect/kubeconfig";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import { REDACTED } from "../../lib/collect/redact";
import {
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
} from "./fake-apiserver";
import { clusterCollections, event, eventCollection, range } from "./kube-objects";

const TOKEN = "k8s-aws-v1.test-token";
let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(edit: (o: FakeApiServerOptions) => void, pageSize = 500) {
  const options: FakeApiServerOptions = {
    authorize: (header) => header === `Bearer ${TOKEN}`,
    collections: clusterCollections([]),
  };
  edit(options);
  server = await startFakeApiServer(options);
  const kc = eksKubeConfig(
    { name: "prod", endpoint: server.url, caData: TEST_CA_DATA },
    async () => TOKEN,
  );
  const { lists, gaps } = await collectKubernetes(kc, { retries: 0, retryDelayMs: 1, pageSize });
  // The cluster of clusterCollections has no Istio; that gap is not what these tests are about.
  return { lists, gaps: gaps.filter((g) => g.source !== "kubernetes.peerAuthentications") };
}

const names = (items: Record<string, unknown>[]) =>
  items.map((e) => (e.metadata as { name: string }).name);

const ing = { kind: "Ingress", namespace: "shop", name: "web" };

describe("collecting kubernetes.events", () => {
  it("keeps the controller's Warnings on the kinds it builds from, and nothing else", async () => {
    const { lists, gaps } = await collect((o) => {
      o.collections[PATHS.events] = eventCollection([
        event("ing-build", ing),
        event(
          "svc-build",
          { kind: "Service", namespace: "shop", name: "web" },
          {
            component: "service",
          },
        ),
        event(
          "tgb-net",
          { kind: "TargetGroupBinding", namespace: "shop", name: "web" },
          {
            component: "targetGroupBinding",
            reason: "FailedNetworkReconcile",
          },
        ),
        event(
          "gw",
          { kind: "Gateway", namespace: "shop", name: "gw" },
          {
            component: "gateway.k8s.aws/alb",
          },
        ),
        // Newer recorders fill reportingComponent and leave source empty.
        {
          ...event("route", { kind: "HTTPRoute", namespace: "shop", name: "r" }),
          source: {},
          reportingComponent: "gateway.k8s.aws/alb",
        },
        event("normal", ing, { type: "Normal", reason: "SuccessfullyReconciled" }),
        event(
          "pod",
          { kind: "Pod", namespace: "shop", name: "web-1" },
          {
            component: "kubelet",
            reason: "Unhealthy",
          },
        ),
        // The cloud provider's service controller is not the AWS Load Balancer Controller.
        event(
          "ccm",
          { kind: "Service", namespace: "shop", name: "web" },
          {
            component: "service-controller",
            reason: "SyncLoadBalancerFailed",
          },
        ),
      ]);
    });
    expect(gaps).toEqual([]);
    expect(names(lists.events)).toEqual(["ing-build", "svc-build", "tgb-net", "gw", "route"]);
    expect(lists.events[0]).toMatchObject({
      apiVersion: "v1",
      kind: "Event",
      involvedObject: ing,
      reason: "FailedBuildModel",
      count: 3,
      lastTimestamp: "2026-11-24T09:55:00Z",
    });
    const asked = server!.requests.filter((r) => r.path === PATHS.events);
    expect(asked.map((r) => r.fieldSelector)).toEqual(["type=Warning"]);
  });

  it("pages the filtered list with the selector on every page", async () => {
    const { lists, gaps } = await collect((o) => {
      o.collections[PATHS.events] = eventCollection(
        range(250, (i) =>
          event(`e-${i}`, ing, i % 2 === 0 ? {} : { type: "Normal", reason: "Sync" }),
        ),
      );
    }, 50);
    expect(gaps).toEqual([]);
    expect(names(lists.events)).toEqual(range(125, (i) => `e-${2 * i}`));
    const asked = server!.requests.filter((r) => r.path === PATHS.events);
    expect(asked).toHaveLength(3);
    expect(asked.every((r) => r.fieldSelector === "type=Warning" && r.limit === "50")).toBe(true);
  });

  it("blanks credentials a message quotes and keeps the rest of its words", async () => {
    const message =
      "Failed deploy model due to AccessDenied: AKIAABCDEFGHIJKLMNOP is not authorized " +
      '(header Authorization: Bearer eyJhbGciOi.secret-jwt); auth-idp-oidc {"clientSecret":"s3cr3t","issuer":"https://u:pw@idp.example"}';
    const { lists } = await collect((o) => {
      o.collections[PATHS.events] = eventCollection([event("leak", ing, { message })]);
    });
    const kept = lists.events[0]!.message as string;
    for (const secret of ["AKIAABCDEFGHIJKLMNOP", "eyJhbGciOi", "secret-jwt", "s3cr3t", "u:pw"]) {
      expect(kept).not.toContain(secret);
    }
    expect(kept).toContain("Failed deploy model due to AccessDenied");
    expect(kept).toContain(`Bearer ${REDACTED}`);
    expect(kept).toContain(`"clientSecret":"${REDACTED}"`);
    expect(kept).toContain('"issuer":"https://');
  });

  it("is a gap of its own when events may not be listed (RBAC not updated)", async () => {
    const { lists, gaps } = await collect((o) => {
      o.answers = {
        [PATHS.events]: {
          status: 403,
          reason: "Forbidden",
          message:
            'events is forbidden: User "auditor" cannot list resource "events" in API group "" at the cluster scope',
        },
      };
    });
    expect(lists.events).toEqual([]);
    expect(lists.pods).toHaveLength(1);
    expect(gaps).toEqual([
      {
        source: "kubernetes.events",
        message: expect.stringMatching(/cannot list resource "events".*\(403\)$/),
      },
    ]);
  });
});

describe("the stand-in's field selectors", () => {
  it("refuses a field label the kind does not support, as the API server does (400)", async () => {
    const { gaps } = await collect((o) => {
      o.collections[PATHS.events] = { ...eventCollection([]), fieldLabels: [] };
    });
    expect(gaps).toEqual([
      { source: "kubernetes.events", message: "field label not supported: type (400)" },
    ]);
  });
});
