/**
 * What the collector blanks out of pods before they enter a snapshot. Secrets and ConfigMaps
 * are never read, but people put credentials inline too; every place a pod carries free text
 * that the engine does not read is blanked, in every container list (containers, init and
 * ephemeral containers):
 *
 * - `env` values (references under `valueFrom` are kept), `command` and `args`;
 * - probes and lifecycle hooks: `exec.command`, and the values of `httpGet.httpHeaders` (an
 *   `Authorization` header is common); path, port and scheme are what the engine checks;
 * - volumes: CSI `volumeAttributes` and flexVolume `options` values;
 * - annotations, except those the engine reads (ANNOTATIONS_READ); the kubectl apply
 *   annotation copies the whole manifest.
 *
 * Istio's ISTIO_KUBE_APP_PROBERS env value (the original probes of a pod whose probes Istio
 * rewrote) is read by the engine and kept, with its header values blanked the same way.
 */
export const REDACTED = "[redacted by alb-health-auditor]";

/** Env variables the engine reads; their values are probe definitions, not secrets. */
const KEEP_ENV = new Set(["ISTIO_KUBE_APP_PROBERS"]);
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

/**
 * Pod annotations whose values the engine reads, or that the collectors of new lists will:
 * the load balancer controller's (alb.ingress.kubernetes.io/*, the Service annotations of the
 * NLB), Istio's (sidecar status, probe rewrite, traffic capture), the VPC CNI's pod ENI, this
 * project's ignore annotation and kubectl's default container.
 */
const ANNOTATIONS_READ: readonly (string | RegExp)[] = [
  /^alb\.ingress\.kubernetes\.io\//,
  /^service\.beta\.kubernetes\.io\/aws-load-balancer-/,
  /^service\.kubernetes\.io\/aws-load-balancer-/,
  /^([\w-]+\.)*istio\.io\//,
  "vpc.amazonaws.com/pod-eni",
  /^alb-health-auditor\//,
  "kubectl.kubernetes.io/default-container",
];

const readByEngine = (key: string) =>
  ANNOTATIONS_READ.some((k) => (typeof k === "string" ? k === key : k.test(key)));

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const blankList = (list: unknown) => (Array.isArray(list) ? list.map(() => REDACTED) : list);

/** `{name, value}` pairs with the values blanked (env entries, HTTP headers). */
function blankValues(list: unknown, keep: (name: unknown) => boolean = () => false): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((entry: unknown) =>
    isObject(entry) && typeof entry.value === "string" && !keep(entry.name)
      ? { ...entry, value: REDACTED }
      : entry,
  );
}

/** A probe or a lifecycle handler: exec commands and header values blanked. */
function redactHandler(handler: unknown): unknown {
  if (!isObject(handler)) return handler;
  const out: Json = { ...handler };
  if (isObject(handler.exec))
    out.exec = { ...handler.exec, command: blankList(handler.exec.command) };
  if (isObject(handler.httpGet)) {
    out.httpGet = { ...handler.httpGet, httpHeaders: blankValues(handler.httpGet.httpHeaders) };
    if (handler.httpGet.httpHeaders === undefined) delete (out.httpGet as Json).httpHeaders;
  }
  return out;
}

/** Istio's copy of the original probes, a JSON object of probe definitions by path. */
function redactProbers(value: string): string {
  let probers: unknown;
  try {
    probers = JSON.parse(value);
  } catch {
    return REDACTED;
  }
  if (!isObject(probers)) return REDACTED;
  return JSON.stringify(
    Object.fromEntries(Object.entries(probers).map(([k, v]) => [k, redactHandler(v)])),
  );
}

function redactContainer(container: unknown): unknown {
  if (!isObject(container)) return container;
  const out: Json = { ...container };
  if (Array.isArray(container.env)) {
    out.env = container.env.map((entry: unknown) => {
      if (!isObject(entry) || typeof entry.value !== "string") return entry;
      if (!KEEP_ENV.has(String(entry.name))) return { ...entry, value: REDACTED };
      return { ...entry, value: redactProbers(entry.value) };
    });
  }
  for (const key of ["command", "args"] as const) {
    if (Array.isArray(container[key])) out[key] = blankList(container[key]);
  }
  for (const probe of PROBES) {
    if (container[probe] !== undefined) out[probe] = redactHandler(container[probe]);
  }
  if (isObject(container.lifecycle)) {
    out.lifecycle = Object.fromEntries(
      Object.entries(container.lifecycle).map(([hook, handler]) => [hook, redactHandler(handler)]),
    );
  }
  return out;
}

const blankMap = (map: unknown) =>
  isObject(map) ? Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED])) : map;

function redactVolume(volume: unknown): unknown {
  if (!isObject(volume)) return volume;
  const out: Json = { ...volume };
  if (isObject(volume.csi) && volume.csi.volumeAttributes !== undefined) {
    out.csi = { ...volume.csi, volumeAttributes: blankMap(volume.csi.volumeAttributes) };
  }
  if (isObject(volume.flexVolume) && volume.flexVolume.options !== undefined) {
    out.flexVolume = { ...volume.flexVolume, options: blankMap(volume.flexVolume.options) };
  }
  return out;
}

/** Annotations with the values the engine does not read blanked (keys are kept). */
export function redactAnnotations(annotations: unknown): unknown {
  if (!isObject(annotations)) return annotations;
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [k, readByEngine(k) ? v : REDACTED]),
  );
}

/** A copy of the pod with inline values blanked; references and what the engine reads are kept. */
export function redactPod(pod: Json): Json {
  const out: Json = { ...pod };
  if (isObject(pod.spec)) {
    const spec: Json = { ...pod.spec };
    for (const list of CONTAINER_LISTS) {
      if (Array.isArray(spec[list])) spec[list] = (spec[list] as unknown[]).map(redactContainer);
    }
    if (Array.isArray(spec.volumes)) spec.volumes = spec.volumes.map(redactVolume);
    out.spec = spec;
  }
  if (isObject(pod.metadata) && pod.metadata.annotations !== undefined) {
    out.metadata = { ...pod.metadata, annotations: redactAnnotations(pod.metadata.annotations) };
  }
  return out;
}

/**
 * Credentials that can turn up in free text the collector keeps (an event's message quotes an
 * annotation or an AWS error): bearer and basic tokens, AWS access key ids, `user:pass@` in a
 * URL, and the value of any `…password|secret|token|key = value` pair. The rest stays readable:
 * the message is the evidence.
 */
const TEXT_SECRETS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"']+@/gi, `$1${REDACTED}@`],
  [
    /(\b[\w.-]*(?:password|passwd|secret|token|apikey|api[-_]key|access[-_]key|credentials?)["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
    `$1${REDACTED}`,
  ],
];

export function redactText(text: string): string {
  return TEXT_SECRETS.reduce(
    (out, [pattern, replacement]) => out.replace(pattern, replacement),
    text,
  );
}

/** A copy of a core/v1 Event with credentials blanked from its message (and `note`). */
export function redactEvent(event: Json): Json {
  const out: Json = { ...event };
  for (const key of ["message", "note"] as const) {
    if (typeof event[key] === "string") out[key] = redactText(event[key]);
  }
  return out;
}
