/**
 * Kubernetes collector: one cluster-wide, paged list per kind the analysis joins. A kind that
 * cannot be read (missing CRD, RBAC, server trouble) becomes an empty list plus a gap — except
 * an optional kind (Gateway API) whose API the cluster does not serve: that is an empty list,
 * reported in `notServed` so the caller can still raise a gap when something depends on it.
 * Secrets and ConfigMaps are never read, and inline values of pods are blanked (./redact).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Gap } from "../snapshot/schema";
import { mapLimit } from "./concurrency";
import { abortReason, sleepUnless } from "./deadline";
import { isControllerWarning } from "../controller/events";
import { RETRYABLE_HTTP_STATUS } from "../http-status";
import { GATEWAY_KINDS, type GatewayKind } from "../controller/gateway-api";
import { redactEvent, redactPod } from "./redact";
import { isKubeEndpoint, kubeConfigEndpoint } from "./kube-endpoint";
import {
  describeKubeError,
  fetchListPage,
  KubeResponseError,
  statusOf,
  type KubeEndpoint,
  type RawList,
} from "./kube-page";

export type KubeListName =
  | "nodes"
  | "services"
  | "endpointSlices"
  | "pods"
  | "ingresses"
  | "targetGroupBindings"
  | "peerAuthentications"
  | "events"
  | GatewayListName;

/** The optional Gateway API lists (snapshot spec, "Optional lists"). */
export type GatewayListName = GatewayKind["list"];

export type KubeObject = Record<string, unknown>;
/** Lists left out of the snapshot when the role or the cluster does not give them (403, 404). */
export type AbsentListName = "loadBalancerConfigurations";
export type KubernetesLists = Record<Exclude<KubeListName, AbsentListName>, KubeObject[]> &
  Partial<Record<AbsentListName, KubeObject[]>>;

export interface KubernetesCollectOptions {
  /** Items per page (`limit`); the API server caps it anyway. Default 500. */
  pageSize?: number;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Extra attempts after a 429, a 5xx or a network failure. Default 2. */
  retries?: number;
  /** First backoff before a retry, doubled each time. Default 500 ms. */
  retryDelayMs?: number;
  /** How many kinds are listed at the same time. Default 4. */
  concurrency?: number;
  /** The collection deadline: a kind not listed when it fires becomes a gap. */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /**
   * Called as each kind is done (with [] when it could not be read; not for a list left out),
   * so a caller that needs one kind does not wait for all of them. TargetGroupBindings are
   * listed first.
   */
  onListed?: (list: KubeListName, items: KubeObject[]) => void;
}

interface PageParams {
  limit: number;
  continue?: string;
  fieldSelector?: string;
}

/** One served version of a kind; alternatives are tried in order while the server answers 404. */
interface Variant {
  apiVersion: string;
  kind: string;
  /** The cluster-wide list, e.g. /api/v1/pods. */
  path: string;
}

type Json = Record<string, unknown>;

interface KindSpec {
  list: KubeListName;
  /** Plural the progress lines use. */
  label: string;
  variants: Variant[];
  /** Server-side filter, e.g. `type=Warning`. */
  fieldSelector?: string;
  /** Items the snapshot keeps (the rest is dropped as it arrives, so it never piles up). */
  keep?: (item: Json) => boolean;
  /** Blanks what must not reach a snapshot (./redact). */
  redact?: (item: Json) => Json;
  /** A 404 on every variant means the CRD is not installed: an empty list, not a gap. */
  optional?: true;
  /** A 403 or a 404 leaves the list out: not collected (lib/controller/gateway-api.ts). */
  absentUnlessReadable?: true;
}

/** `/api/v1/<plural>` for the core group, `/apis/<group>/<version>/<plural>` otherwise. */
function variant(apiVersion: string, kind: string, plural: string): Variant {
  const prefix = apiVersion.includes("/") ? "/apis" : "/api";
  return { apiVersion, kind, path: `${prefix}/${apiVersion}/${plural}` };
}

/** The Gateway API kinds are optional: a cluster without their CRDs answers 404. */
const GATEWAY_KIND_SPECS: KindSpec[] = GATEWAY_KINDS.map((k) => ({
  list: k.list,
  label: k.resource,
  variants: k.versions.map((v) => variant(`${k.group}/${v}`, k.kind, k.resource)),
  optional: true,
  ...(k.absentUnlessReadable ? { absentUnlessReadable: true as const } : {}),
}));

const KIND_SPECS: KindSpec[] = [
  { list: "nodes", label: "nodes", variants: [variant("v1", "Node", "nodes")] },
  { list: "services", label: "services", variants: [variant("v1", "Service", "services")] },
  {
    list: "endpointSlices",
    label: "endpointslices",
    variants: [variant("discovery.k8s.io/v1", "EndpointSlice", "endpointslices")],
  },
  {
    list: "pods",
    label: "pods",
    variants: [variant("v1", "Pod", "pods")],
    redact: redactPod,
  },
  {
    list: "ingresses",
    label: "ingresses",
    variants: [variant("networking.k8s.io/v1", "Ingress", "ingresses")],
  },
  {
    list: "targetGroupBindings",
    label: "targetgroupbindings",
    variants: [variant("elbv2.k8s.aws/v1beta1", "TargetGroupBinding", "targetgroupbindings")],
  },
  {
    list: "peerAuthentications",
    label: "peerauthentications",
    variants: ["v1", "v1beta1"].map((version) =>
      variant(`security.istio.io/${version}`, "PeerAuthentication", "peerauthentications"),
    ),
  },
  {
    list: "events",
    label: "warning events",
    variants: [variant("v1", "Event", "events")],
    fieldSelector: "type=Warning",
    keep: isControllerWarning,
    redact: redactEvent,
  },
  ...GATEWAY_KIND_SPECS,
];

/**
 * `<apiGroup>/<plural>` of every kind the collector lists ("" for the core group), for the RBAC
 * role that must grant exactly these (infra/rbac.yaml).
 */
export function listedResources(): string[] {
  const resources = KIND_SPECS.flatMap((spec) =>
    spec.variants.map((v) => {
      const [group, , plural] = v.path.startsWith("/apis/")
        ? v.path.slice("/apis/".length).split("/")
        : ["", ...v.path.slice("/api/".length).split("/")];
      return `${group}/${plural}`;
    }),
  );
  return [...new Set(resources)];
}

function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return RETRYABLE_HTTP_STATUS.has(status);
  // No HTTP answer at all: a reset connection or a timeout is worth another try.
  return error instanceof Error && !(error instanceof KubeResponseError);
}

interface Settings {
  pageSize: number;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  signal?: AbortSignal;
  endpoint: KubeEndpoint;
  progress: (message: string) => void;
}

async function fetchWithRetry(variant: Variant, page: PageParams, s: Settings): Promise<RawList> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchListPage(s.endpoint, variant.path, page, s.timeoutMs, s.signal);
    } catch (error) {
      if (s.signal?.aborted) throw s.signal.reason;
      if (attempt >= s.retries || !isRetryable(error)) throw error;
      await sleepUnless(s.retryDelayMs * 2 ** attempt, s.signal);
    }
  }
}

/** Every item of one variant, page by page; a stale continue token restarts the list once. */
async function listVariant(spec: KindSpec, variant: Variant, s: Settings): Promise<KubeObject[]> {
  let restarted = false;
  for (;;) {
    const items: KubeObject[] = [];
    let token: string | undefined;
    // A token served twice would page forever (a broken proxy or aggregated API).
    const seen = new Set<string>();
    // What the server said the whole list holds (items so far plus remainingItemCount).
    let announced = 0;
    try {
      do {
        const page: PageParams = { limit: s.pageSize };
        if (token) page.continue = token;
        if (spec.fieldSelector) page.fieldSelector = spec.fieldSelector;
        const body = await fetchWithRetry(variant, page, s);
        for (const item of body.items ?? []) {
          // List items omit apiVersion/kind; custom resources carry their own, which win.
          const object = { apiVersion: variant.apiVersion, kind: variant.kind, ...item };
          if (spec.keep && !spec.keep(object)) continue;
          items.push(spec.redact ? spec.redact(object) : object);
        }
        const remaining = body.metadata?.remainingItemCount;
        if (typeof remaining === "number" && Number.isSafeInteger(remaining) && remaining > 0) {
          announced = Math.max(announced, items.length + remaining);
        }
        token = body.metadata?.continue || undefined;
        if (token && seen.has(token)) {
          throw new KubeResponseError("the server's continue token repeated; the list never ends");
        }
        if (token) seen.add(token);
        if (token) s.progress(`listing ${spec.label}: ${items.length} so far`);
      } while (token);
      // A proxy or aggregated API that drops the continue token would pass for a short list.
      if (items.length < announced) {
        throw new KubeResponseError(
          `the server ended the list after ${items.length} of ${announced} items it announced`,
        );
      }
      return items;
    } catch (error) {
      // 410: the continue token outlived the server's snapshot; a fresh list is consistent.
      if (statusOf(error) === 410 && token && !restarted) {
        restarted = true;
        s.progress(`listing ${spec.label}: continuation expired, starting over`);
        continue;
      }
      throw error;
    }
  }
}

interface Listed {
  items: KubeObject[];
  gap?: Gap;
  /** Every variant answered 404: the cluster does not serve this optional kind. */
  notServed?: Gap;
  /** Not readable (403) or not served (404), for a list the snapshot then leaves out. */
  absent?: true;
}

const ABSENT_ON: ReadonlySet<number | undefined> = new Set([403, 404]);

async function listKind(spec: KindSpec, s: Settings): Promise<Listed> {
  let lastError: unknown;
  const tried: string[] = [];
  for (const variant of spec.variants) {
    tried.push(variant.apiVersion);
    try {
      return { items: await listVariant(spec, variant, s) };
    } catch (error) {
      lastError = error;
      if (statusOf(error) !== 404) break;
    }
  }
  const gap = {
    source: `kubernetes.${spec.list}`,
    message:
      (s.signal?.aborted ? abortReason(s.signal) : describeKubeError(lastError, s.timeoutMs)) +
      (tried.length > 1 ? ` [tried ${tried.join(", ")}]` : ""),
  };
  if (spec.absentUnlessReadable && !s.signal?.aborted && ABSENT_ON.has(statusOf(lastError))) {
    s.progress(`${spec.label}: left out of the snapshot (${gap.message})`);
    return { items: [], absent: true };
  }
  return spec.optional && !s.signal?.aborted && statusOf(lastError) === 404
    ? { items: [], notServed: gap }
    : { items: [], gap };
}

/**
 * Lists every kind from the API server `target` names: an endpoint (which the caller closes),
 * or a KubeConfig's current cluster and user (connections closed here).
 */
export async function collectKubernetes(
  target: KubeConfig | KubeEndpoint,
  options: KubernetesCollectOptions = {},
): Promise<{ lists: KubernetesLists; gaps: Gap[]; notServed: Gap[] }> {
  const own = !isKubeEndpoint(target);
  const endpoint = isKubeEndpoint(target) ? target : kubeConfigEndpoint(target);
  const settings: Settings = {
    pageSize: options.pageSize ?? 500,
    timeoutMs: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 2,
    retryDelayMs: options.retryDelayMs ?? 500,
    ...(options.signal ? { signal: options.signal } : {}),
    endpoint,
    progress: options.onProgress ?? (() => {}),
  };
  const specs = KIND_SPECS;
  // The AWS collector's scope waits on the bindings, so they go first.
  const first = (spec: KindSpec) => (spec.list === "targetGroupBindings" ? 0 : 1);
  const order = [...specs].sort((a, b) => first(a) - first(b));
  const results = new Map<KubeListName, Listed>();
  await mapLimit(order, options.concurrency ?? 4, async (spec) => {
    const result = await listKind(spec, settings);
    results.set(spec.list, result);
    if (!result.absent) options.onListed?.(spec.list, result.items);
  }).finally(() => {
    if (own) endpoint.close?.();
  });
  const lists = {} as KubernetesLists;
  const gaps: Gap[] = [];
  const notServed: Gap[] = [];
  for (const spec of specs) {
    const result = results.get(spec.list);
    if (result?.absent) continue;
    lists[spec.list] = result?.items ?? [];
    if (result?.gap) gaps.push(result.gap);
    if (result?.notServed) notServed.push(result.notServed);
  }
  return { lists, gaps, notServed };
}
