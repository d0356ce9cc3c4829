/** Small readers over Kubernetes objects that several rules share. */
import type { Container, ObjectMeta, Pod, Probe, Service, ServicePort } from "../snapshot/schema";

export const keyOf = (meta: ObjectMeta, fallbackNamespace = "default"): string =>
  `${meta.namespace ?? fallbackNamespace}/${meta.name}`;

export const annotation = (meta: ObjectMeta, key: string): string | undefined =>
  meta.annotations?.[key];

/** `aws:///eu-west-1a/i-0abc` → `i-0abc`. */
export function instanceIdOf(providerID: string | undefined): string | undefined {
  if (!providerID?.startsWith("aws://")) return undefined;
  const id = providerID.split("/").pop();
  return id?.startsWith("i-") ? id : undefined;
}

export const ISTIO_PROXY = "istio-proxy";

/** The istio-proxy sidecar, classic or native (an init container that keeps running). */
export function istioProxy(pod: Pod): Container | undefined {
  return (
    pod.spec.containers.find((c) => c.name === ISTIO_PROXY) ??
    pod.spec.initContainers?.find((c) => c.name === ISTIO_PROXY && c.restartPolicy === "Always")
  );
}

/** A pod injected with a sidecar, as opposed to a gateway that *is* an istio-proxy. */
export function hasIstioSidecar(pod: Pod): boolean {
  return (
    istioProxy(pod) !== undefined &&
    (annotation(pod.metadata, "sidecar.istio.io/status") !== undefined ||
      pod.spec.containers.some((c) => c.name !== ISTIO_PROXY))
  );
}

/** Resolves a port given as number or name against a container's declared ports. */
export function resolveContainerPort(
  container: Container,
  port: number | string | undefined,
): number | undefined {
  if (port === undefined) return undefined;
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * The container and container port a Service port's targetPort lands on in a pod. A numeric
 * targetPort that no container declares still reaches the pod; it is then credited to the
 * first non-sidecar container, which is where traffic of an undeclared port usually goes.
 */
export function targetContainer(
  pod: Pod,
  servicePort: ServicePort,
): { container: Container; port: number } | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  for (const container of pod.spec.containers) {
    const match = container.ports?.find((p) =>
      typeof target === "number" || /^\d+$/.test(target)
        ? p.containerPort === Number(target)
        : p.name === target,
    );
    if (match) return { container, port: match.containerPort };
  }
  if (typeof target === "number" || /^\d+$/.test(target)) {
    const container =
      pod.spec.containers.find((c) => c.name !== ISTIO_PROXY) ?? pod.spec.containers[0];
    if (container) return { container, port: Number(target) };
  }
  return undefined;
}

export interface HttpEndpoint {
  port: number;
  path: string;
  scheme: "HTTP" | "HTTPS";
}

export interface HealthEndpoint extends HttpEndpoint {
  pod: string;
  container: string;
  /** The probe was rewritten to the Istio agent and this is the original from ISTIO_KUBE_APP_PROBERS. */
  fromIstioAppProber: boolean;
  /** How long the kubelet (or, for a rewritten probe, Istio's agent) waits for an answer. */
  timeoutSeconds: number;
}

type AppProbers = Record<string, { httpGet?: Probe["httpGet"]; timeoutSeconds?: number }>;

/** The kubelet's default `timeoutSeconds`. */
const PROBE_TIMEOUT_DEFAULT = 1;
const appProbersCache = new WeakMap<Pod, AppProbers>();

/** The original probes Istio recorded before rewriting them, keyed by /app-health/... path. */
export function istioAppProbers(pod: Pod): AppProbers {
  const cached = appProbersCache.get(pod);
  if (cached) return cached;
  const raw = istioProxy(pod)?.env?.find((e) => e.name === "ISTIO_KUBE_APP_PROBERS")?.value;
  let probers: AppProbers = {};
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") probers = parsed as AppProbers;
    } catch {
      // A malformed value means no original is known; the rewritten probe is used as is.
    }
  }
  appProbersCache.set(pod, probers);
  return probers;
}

const normaliseScheme = (scheme: string | undefined): "HTTP" | "HTTPS" =>
  scheme?.toUpperCase() === "HTTPS" ? "HTTPS" : "HTTP";

/** An httpGet probe as a concrete endpoint, resolving named ports and Istio's rewrite. */
export function probeEndpoint(
  pod: Pod,
  container: Container,
  probe: Probe | undefined,
): (HttpEndpoint & { fromIstioAppProber: boolean }) | undefined {
  const httpGet = probe?.httpGet;
  if (!httpGet) return undefined;
  const path = httpGet.path ?? "/";
  if (path.startsWith("/app-health/")) {
    const original = istioAppProbers(pod)[path]?.httpGet;
    const port = original && resolveContainerPort(container, original.port);
    if (original && port !== undefined) {
      return {
        port,
        path: original.path ?? "/",
        scheme: normaliseScheme(original.scheme),
        fromIstioAppProber: true,
      };
    }
  }
  const port = resolveContainerPort(container, httpGet.port);
  if (port === undefined) return undefined;
  return { port, path, scheme: normaliseScheme(httpGet.scheme), fromIstioAppProber: false };
}

/** Where a pod serves health for the given Service port: the readiness probe of its container. */
export function healthEndpointOf(pod: Pod, servicePort: ServicePort): HealthEndpoint | undefined {
  const target = targetContainer(pod, servicePort);
  if (!target) return undefined;
  const probe = target.container.readinessProbe;
  const endpoint = probeEndpoint(pod, target.container, probe);
  if (!endpoint) return undefined;
  // The agent calls the original probe with the original's timeout.
  const original = endpoint.fromIstioAppProber
    ? istioAppProbers(pod)[probe?.httpGet?.path ?? ""]?.timeoutSeconds
    : undefined;
  const timeout = original ?? probe?.timeoutSeconds;
  return {
    ...endpoint,
    pod: keyOf(pod.metadata),
    container: target.container.name,
    timeoutSeconds: typeof timeout === "number" && timeout > 0 ? timeout : PROBE_TIMEOUT_DEFAULT,
  };
}

/** The Service port whose targetPort lands on the given container port of a pod. */
export function servicePortReaching(
  service: Service,
  pod: Pod | undefined,
  containerPort: number,
): ServicePort | undefined {
  return service.spec?.ports?.find((sp) => {
    if (pod) return targetContainer(pod, sp)?.port === containerPort;
    const target = sp.targetPort ?? sp.port;
    return typeof target === "number" && target === containerPort;
  });
}

/** The AWS Load Balancer Controller's pod readiness gates (current and legacy prefix). */
const TARGET_HEALTH_GATE = /^target-health\.(elbv2|alb\.ingress)\.k8s\.aws\//;

/**
 * The controller's readiness gate a pod whose containers are all ready still waits for: it
 * turns true only once the pod's target passes the load balancer's health check, so such a
 * pod is unready because the check fails, not the other way round.
 */
export function pendingTargetHealthGate(pod: Pod): string | undefined {
  const conditions = pod.status?.conditions ?? [];
  if (!conditions.some((c) => c.type === "ContainersReady" && c.status === "True"))
    return undefined;
  return (pod.spec.readinessGates ?? [])
    .map((g) => g.conditionType ?? "")
    .find(
      (type) =>
        TARGET_HEALTH_GATE.test(type) &&
        !conditions.some((c) => c.type === type && c.status === "True"),
    );
}

export const isPodReady = (pod: Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** Codes listed in `alb-health-auditor/ignore` on an object. */
export function ignoredCodes(meta: ObjectMeta | undefined): Set<string> {
  const raw = meta?.annotations?.["alb-health-auditor/ignore"] ?? "";
  return new Set(
    raw
      .split(",")
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  );
}

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
}

/** The object that manages the pod: its controller, a ReplicaSet's Deployment, or the pod itself. */
export function workloadOf(pod: Pod): Workload {
  const namespace = pod.metadata.namespace ?? "default";
  const owners = pod.metadata.ownerReferences ?? [];
  const owner = owners.find((o) => o.controller) ?? owners[0];
  if (!owner?.kind || !owner.name) return { kind: "Pod", name: pod.metadata.name, namespace };
  const hash = pod.metadata.labels?.["pod-template-hash"];
  if (owner.kind === "ReplicaSet" && hash && owner.name.endsWith(`-${hash}`)) {
    return { kind: "Deployment", name: owner.name.slice(0, -hash.length - 1), namespace };
  }
  return { kind: owner.kind, name: owner.name, namespace };
}
