/**
 * What the collector blanks out of pods before they enter a snapshot. Secrets and ConfigMaps
 * are never read, but people put credentials inline too: in a container's `env` values, its
 * `command` and `args`, and in the `kubectl apply` annotation that copies the whole manifest.
 * The engine reads none of these except Istio's ISTIO_KUBE_APP_PROBERS (the original probes
 * of a pod whose probes Istio rewrote), which is kept. Everything else stays as served.
 */
export const REDACTED = "[redacted by alb-health-auditor]";

/** Env variables the engine reads; their values are probe definitions, not secrets. */
const KEEP_ENV = new Set(["ISTIO_KUBE_APP_PROBERS"]);
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function redactContainer(container: unknown): unknown {
  if (!isObject(container)) return container;
  const out: Json = { ...container };
  if (Array.isArray(container.env)) {
    out.env = container.env.map((entry: unknown) =>
      isObject(entry) && typeof entry.value === "string" && !KEEP_ENV.has(String(entry.name))
        ? { ...entry, value: REDACTED }
        : entry,
    );
  }
  for (const key of ["command", "args"] as const) {
    if (Array.isArray(container[key])) out[key] = container[key].map(() => REDACTED);
  }
  return out;
}

/** A copy of the pod with inline values blanked; `valueFrom` references are kept. */
export function redactPod(pod: Json): Json {
  const out: Json = { ...pod };
  if (isObject(pod.spec)) {
    const spec: Json = { ...pod.spec };
    for (const list of CONTAINER_LISTS) {
      if (Array.isArray(spec[list])) spec[list] = (spec[list] as unknown[]).map(redactContainer);
    }
    out.spec = spec;
  }
  const metadata = pod.metadata;
  if (
    isObject(metadata) &&
    isObject(metadata.annotations) &&
    LAST_APPLIED in metadata.annotations
  ) {
    out.metadata = {
      ...metadata,
      annotations: { ...metadata.annotations, [LAST_APPLIED]: REDACTED },
    };
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
