/**
 * Istio's effective mTLS mode for one inbound port of a pod, composed the way istiod composes
 * PeerAuthentications: workload (selector) over namespace-wide over mesh-wide (namespace-wide in
 * the root namespace), oldest first within a level, UNSET inheriting from the level above, and
 * port-level settings honoured only on a workload policy. Nothing at all means PERMISSIVE.
 */
import type { PeerAuthentication, Pod } from "../snapshot/schema";
import type { ResourceRef } from "./finding";
import { annotation } from "./k8s";
import type { Model } from "./model";
import { ref } from "./finding-parts";

/** meshConfig.rootNamespace; the snapshot does not carry mesh config, so Istio's default. */
export const MESH_ROOT_NAMESPACE = "istio-system";

export type MtlsMode = "STRICT" | "PERMISSIVE" | "DISABLE";
export type MtlsLevel = "port" | "workload" | "namespace" | "mesh" | "default";

export interface EffectiveMtls {
  mode: MtlsMode;
  /** Which level decided: a port-level entry, a workload, namespace or mesh policy, or none. */
  level: MtlsLevel;
  /** The PeerAuthentication that decided the mode; absent when Istio's default applies. */
  policy?: PeerAuthentication;
  /**
   * The workload policy that selects the pod, even when it inherited the mode: a fix must edit
   * this one, since a newer workload policy would lose to it.
   */
  workloadPolicy?: PeerAuthentication;
}

interface NamespacePolicies {
  /** Policies with a non-empty selector, oldest first. */
  workload: PeerAuthentication[];
  /** The oldest policy without a selector (or with empty matchLabels). */
  wide?: PeerAuthentication;
}

const cache = new WeakMap<Model, Map<string, NamespacePolicies>>();

/** Creation order as istiod sees it; a policy without a timestamp sorts last, then by name. */
function olderFirst(a: PeerAuthentication, b: PeerAuthentication): number {
  const ta = a.metadata.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : Infinity;
  const tb = b.metadata.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name.localeCompare(b.metadata.name);
}

const hasSelector = (pa: PeerAuthentication): boolean =>
  Object.keys(pa.spec?.selector?.matchLabels ?? {}).length > 0;

function indexOf(model: Model): Map<string, NamespacePolicies> {
  const cached = cache.get(model);
  if (cached) return cached;
  const index = new Map<string, NamespacePolicies>();
  const sorted = [...model.snapshot.kubernetes.peerAuthentications].sort(olderFirst);
  for (const pa of sorted) {
    const ns = pa.metadata.namespace ?? "default";
    let entry = index.get(ns);
    if (!entry) index.set(ns, (entry = { workload: [] }));
    if (hasSelector(pa)) entry.workload.push(pa);
    else entry.wide ??= pa;
  }
  cache.set(model, index);
  return index;
}

/** A mode value, or undefined for UNSET, absent or unknown (all of which inherit). */
function modeOf(mtls: { mode?: string } | null | undefined): MtlsMode | undefined {
  const mode = mtls?.mode?.toUpperCase();
  return mode === "STRICT" || mode === "PERMISSIVE" || mode === "DISABLE" ? mode : undefined;
}

const selects = (pa: PeerAuthentication, pod: Pod): boolean =>
  Object.entries(pa.spec?.selector?.matchLabels ?? {}).every(
    ([k, v]) => pod.metadata.labels?.[k] === v,
  );

/** The effective mode for a container port of a pod (port null: the workload's own mode). */
export function effectiveMtls(model: Model, pod: Pod, port: number | null): EffectiveMtls {
  const index = indexOf(model);
  const ns = pod.metadata.namespace ?? "default";
  let result: EffectiveMtls = { mode: "PERMISSIVE", level: "default" };

  const mesh = index.get(MESH_ROOT_NAMESPACE)?.wide;
  const meshMode = modeOf(mesh?.spec?.mtls);
  if (mesh && meshMode) result = { mode: meshMode, level: "mesh", policy: mesh };
  // In the root namespace the namespace-wide policy is the mesh policy, and istiod ignores
  // selector policies there.
  if (ns === MESH_ROOT_NAMESPACE) return result;

  const local = index.get(ns);
  const nsMode = modeOf(local?.wide?.spec?.mtls);
  if (local?.wide && nsMode) result = { mode: nsMode, level: "namespace", policy: local.wide };

  const workload = local?.workload.find((pa) => selects(pa, pod));
  if (!workload) return result;
  const wlMode = modeOf(workload.spec?.mtls);
  if (wlMode) result = { mode: wlMode, level: "workload", policy: workload };
  result = { ...result, workloadPolicy: workload };

  const portMode = port === null ? undefined : modeOf(workload.spec?.portLevelMtls?.[String(port)]);
  if (portMode)
    result = { mode: portMode, level: "port", policy: workload, workloadPolicy: workload };
  return result;
}

export const policyRef = (pa: PeerAuthentication): ResourceRef =>
  ref("PeerAuthentication", pa.metadata);

/** "PeerAuthentication istio-system/default (mesh-wide)", or Istio's default when none. */
export function describeDecision(d: EffectiveMtls): string {
  if (!d.policy) return "no PeerAuthentication (Istio's default, PERMISSIVE)";
  const where = {
    port: "port-level entry",
    workload: "workload selector",
    namespace: "namespace-wide",
    mesh: "mesh-wide",
    default: "default",
  }[d.level];
  return `PeerAuthentication ${d.policy.metadata.namespace ?? "default"}/${d.policy.metadata.name} (${where})`;
}

/** Ports the istio-proxy never intercepts inbound: the agent's status, health and metrics ports. */
const AGENT_PORTS = new Set([15020, 15021, 15090]);

const portList = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * Whether inbound traffic to this port goes through the sidecar (and so is subject to
 * PeerAuthentication) rather than straight to the app.
 */
export function sidecarInterceptsInbound(pod: Pod, port: number): boolean {
  if (AGENT_PORTS.has(port)) return false;
  const meta = pod.metadata;
  if (
    portList(annotation(meta, "traffic.sidecar.istio.io/excludeInboundPorts")).includes(
      String(port),
    )
  ) {
    return false;
  }
  const include = annotation(meta, "traffic.sidecar.istio.io/includeInboundPorts");
  if (include === undefined || include.trim() === "*") return true;
  return portList(include).includes(String(port));
}

/** Labels that differ between pods of one workload or that Istio adds; useless in a selector. */
const VOLATILE_LABELS = new Set([
  "pod-template-hash",
  "controller-revision-hash",
  "pod-template-generation",
  "statefulset.kubernetes.io/pod-name",
  "apps.kubernetes.io/pod-index",
  "security.istio.io/tlsMode",
  "service.istio.io/canonical-name",
  "service.istio.io/canonical-revision",
]);

/** The pod's labels that every pod of its workload shares, for a PeerAuthentication selector. */
export function workloadLabels(pod: Pod): Record<string, string> {
  return Object.fromEntries(
    Object.entries(pod.metadata.labels ?? {}).filter(([k]) => !VOLATILE_LABELS.has(k)),
  );
}

export interface PermissiveFixInput {
  decision: EffectiveMtls;
  namespace: string;
  /** Workload name: names the new policy and is the fallback `app` label. */
  workload: string;
  /** Suffix of the new policy's name, saying what it is for. */
  purpose: string;
  labels: Record<string, string>;
  ports: number[];
}

/**
 * Exact change that makes the given ports PERMISSIVE for a workload: a merge patch of the
 * workload policy that already selects it (a new one would be ignored, the oldest wins), or a
 * new workload PeerAuthentication that leaves every other port inheriting as before.
 */
export function permissivePortsFix(input: PermissiveFixInput): string {
  const { decision, namespace, workload, purpose, labels, ports } = input;
  const entries = Object.fromEntries(ports.map((p) => [String(p), { mode: "PERMISSIVE" }]));
  const existing = decision.workloadPolicy;
  if (existing) {
    const ns = existing.metadata.namespace ?? namespace;
    const patch = JSON.stringify({ spec: { portLevelMtls: entries } });
    return (
      `kubectl -n ${ns} patch peerauthentication ${existing.metadata.name} --type merge -p '${patch}'\n` +
      `(PeerAuthentication ${ns}/${existing.metadata.name} already selects these pods; Istio ignores a newer workload policy.)`
    );
  }
  // An empty selector would make the policy namespace-wide, where port-level settings are ignored.
  const usable = Object.keys(labels).length > 0;
  const selector = Object.entries(usable ? labels : { app: workload })
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  const portLines = ports.map((p) => `    "${p}":\n      mode: PERMISSIVE`).join("\n");
  return (
    (usable
      ? ""
      : `The pods have no labels to select them by: add app: ${workload} to the pod template first.\n`) +
    `kubectl apply -f - <<'EOF'\n` +
    `apiVersion: security.istio.io/v1\n` +
    `kind: PeerAuthentication\n` +
    `metadata:\n  name: ${workload}-${purpose}\n  namespace: ${namespace}\n` +
    `spec:\n  selector:\n    matchLabels:\n${selector}\n` +
    `  portLevelMtls:\n${portLines}\n` +
    `EOF`
  );
}
