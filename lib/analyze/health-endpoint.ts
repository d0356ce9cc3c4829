/**
 * Where the backing pods serve health and how the load balancer reaches it: the readiness probe
 * (resolving named ports and Istio's rewrite to its agent), the Service ports and nodePorts that
 * lead there, and the ports the pods listen on.
 */
import type { Container, Pod, Probe, ServicePort } from "../snapshot/schema";
import { hasIstioSidecar, istioProxy, keyOf, resolveContainerPort, targetContainer } from "./k8s";
import type { TargetGroupView, TargetView } from "./model";
import {
  CHECK_FAILURE_REASONS,
  checkedPortsOf,
  failingWith,
  groupDown,
  isInstance,
  isIp,
} from "./health-check";

/** The pod the health endpoint was read from (its ports decide which Service port reaches it). */
export function healthPod(tgv: TargetGroupView): Pod | undefined {
  const key = tgv.healthEndpoint?.pod;
  const own =
    key !== undefined ? tgv.backingPods.find((p) => keyOf(p.metadata) === key) : undefined;
  return own ?? tgv.backingPods[0];
}

/** Every Service port whose targetPort lands on the container port (a Service may have two). */
export function servicePortsReaching(tgv: TargetGroupView, containerPort: number): ServicePort[] {
  const pod = healthPod(tgv);
  return (tgv.service?.spec?.ports ?? []).filter((sp) => {
    if (pod) return targetContainer(pod, sp)?.port === containerPort;
    const target = sp.targetPort ?? sp.port;
    return typeof target === "number" && target === containerPort;
  });
}

/** Where the load balancer must aim to reach the health endpoint. */
export interface HealthReach {
  endpoint: HealthEndpoint;
  /** Instance mode: the Service ports that reach the health container port, in Service order. */
  servicePorts: ServicePort[];
  /** Ports the load balancer can check: their nodePorts (instance) or the container port (ip). */
  ports: number[];
}

export function healthReach(tgv: TargetGroupView): HealthReach | undefined {
  const endpoint = tgv.healthEndpoint;
  if (!endpoint) return undefined;
  const servicePorts = servicePortsReaching(tgv, endpoint.port);
  const ports = isIp(tgv)
    ? [endpoint.port]
    : servicePorts.flatMap((sp) => (sp.nodePort !== undefined ? [sp.nodePort] : []));
  return { endpoint, servicePorts, ports };
}

/** True when every given checked port reaches the health endpoint (and there is at least one). */
export function portsReachHealth(reach: HealthReach, ports: readonly number[]): boolean {
  return ports.length > 0 && ports.every((p) => reach.ports.includes(p));
}

function probePorts(container: Container, pod: Pod): number[] {
  const probes: (Probe | undefined)[] = [
    container.readinessProbe,
    container.livenessProbe,
    container.startupProbe,
  ];
  return probes.flatMap((probe) => {
    if (!probe) return [];
    const ports = [
      resolveContainerPort(container, probe.httpGet?.port),
      resolveContainerPort(container, probe.tcpSocket?.port),
      probe.grpc?.port,
      // A probe Istio rewrote to its agent still tells where the app really listens.
      probeEndpoint(pod, container, probe)?.port,
    ];
    return ports.filter((p): p is number => p !== undefined);
  });
}

/**
 * Ports the backing pods are known to listen on: declared container ports, where the Service's
 * targetPorts land, and probe ports (a probed port is served even when it is not declared).
 */
export function podPorts(tgv: TargetGroupView): Set<number> {
  const ports = new Set<number>();
  for (const pod of tgv.backingPods) {
    const containers = [
      ...pod.spec.containers,
      ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
    ];
    for (const c of containers) {
      for (const p of c.ports ?? []) ports.add(p.containerPort);
      for (const p of probePorts(c, pod)) ports.add(p);
    }
    for (const sp of tgv.service?.spec?.ports ?? []) {
      const landed = targetContainer(pod, sp)?.port;
      if (landed !== undefined) ports.add(landed);
    }
  }
  return ports;
}

/** The agent (15020) and Envoy's readiness (15021); 15090 serves metrics, which is no health. */
const ISTIO_SIDECAR_PORTS = [15020, 15021] as const;

/**
 * Ip mode: the Istio agent ports that serve the probes Istio rewrote (`/app-health/...`). A
 * check there reaches a health endpoint too, by another route, so it is no wrong port.
 */
export function istioAgentPorts(tgv: TargetGroupView): Set<number> {
  const ports = new Set<number>();
  if (!isIp(tgv)) return ports;
  for (const pod of tgv.backingPods) {
    // The sidecar's own health ports answer health, never traffic.
    if (hasIstioSidecar(pod)) for (const p of ISTIO_SIDECAR_PORTS) ports.add(p);
    for (const c of pod.spec.containers) {
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        const get = probe?.httpGet;
        const port = get?.path?.startsWith("/app-health/") && resolveContainerPort(c, get.port);
        if (typeof port === "number") ports.add(port);
      }
    }
  }
  return ports;
}

/** "HTTP :15021/healthz/ready of container istio-proxy (pod istio-system/gw-1)". */
export function describeEndpoint(he: HealthEndpoint): string {
  const origin = he.fromIstioAppProber ? ", the probe Istio rewrote to its agent" : "";
  return `${he.scheme} :${he.port}${he.path} of container ${he.container} (pod ${he.pod}${origin})`;
}

/** A down group whose failing checks land on the port that serves the health endpoint. */
export interface ReachingCheck {
  reach: HealthReach;
  /** The failing targets judged: those failing with one of the given reasons. */
  considered: TargetView[];
  checked: number[];
}

/**
 * The common gate of HC002, HC003 and HC006: the port is right, so the fault is in what the
 * check sends or accepts. Exclusive with HC001 by construction (HC001 needs the port wrong).
 */
export function checksReachingHealth(
  tgv: TargetGroupView,
  reasons: ReadonlySet<string> = CHECK_FAILURE_REASONS,
): ReachingCheck | undefined {
  if (!tgv.service || !(isInstance(tgv) || isIp(tgv)) || !groupDown(tgv)) return undefined;
  const reach = healthReach(tgv);
  if (!reach) return undefined;
  const considered = failingWith(tgv, reasons);
  const checked = checkedPortsOf(considered);
  return portsReachHealth(reach, checked) ? { reach, considered, checked } : undefined;
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
