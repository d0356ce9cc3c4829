/**
 * What the ALB's health check reaches, shared by the HC rules: where the backing pods' health
 * endpoint is reachable from the load balancer, which ports carry traffic, and the settings the
 * target group really has. Instance targets are nodes (the check lands on a nodePort and
 * kube-proxy forwards it); ip targets are pods (the check lands on a container port).
 */
import type { Container, Pod, Probe, ServicePort, Source } from "../snapshot/schema";
import {
  hasIstioSidecar,
  keyOf,
  probeEndpoint,
  resolveContainerPort,
  targetContainer,
  type HealthEndpoint,
} from "./k8s";
import type { TargetGroupView, TargetView } from "./model";
import { anyHealthy, failingTargets } from "./views";

/** Reasons AWS gives when the check got a wrong answer or none: what a wrong setting produces. */
/** What a rule comparing the health check with the backing pods reads. */
export const HEALTH_CHECK_INPUTS: readonly Source[] = [
  "aws.targetGroups",
  "kubernetes.services",
  "kubernetes.endpointSlices",
  "kubernetes.pods",
  "kubernetes.targetGroupBindings",
];

export const CHECK_FAILURE_REASONS: ReadonlySet<string> = new Set([
  "Target.ResponseCodeMismatch",
  "Target.Timeout",
  "Target.FailedHealthChecks",
]);

export const isInstance = (tgv: TargetGroupView): boolean => tgv.targetType === "instance";
export const isIp = (tgv: TargetGroupView): boolean => tgv.targetType === "ip";

/**
 * A wrong port, path, protocol or matcher fails every target alike, so HC001–HC003 and HC006
 * only judge groups whose health is known, with no healthy target and at least one failing.
 */
export const groupDown = (tgv: TargetGroupView): boolean =>
  tgv.healthKnown && !anyHealthy(tgv) && failingTargets(tgv).length > 0;

/** Failing targets whose reason is one of `reasons`. */
export const failingWith = (
  tgv: TargetGroupView,
  reasons: ReadonlySet<string> = CHECK_FAILURE_REASONS,
): TargetView[] => failingTargets(tgv).filter((t) => t.reason !== null && reasons.has(t.reason));

/** Distinct checked ports of the targets, ascending. */
export function checkedPortsOf(targets: readonly TargetView[]): number[] {
  const ports = new Set<number>();
  for (const t of targets) if (t.checkedPort !== null) ports.add(t.checkedPort);
  return [...ports].sort((a, b) => a - b);
}

/** One port as a number, several as a list: evidence reads naturally either way. */
export const portOrPorts = (ports: readonly number[]): number | number[] =>
  ports.length === 1 ? (ports[0] as number) : [...ports];

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

export const nodePorts = (tgv: TargetGroupView): Set<number> =>
  new Set(
    (tgv.service?.spec?.ports ?? []).flatMap((sp) =>
      sp.nodePort !== undefined ? [sp.nodePort] : [],
    ),
  );

/**
 * kube-proxy's health port of a Service with externalTrafficPolicy Local: it answers /healthz
 * with 200 only on nodes that run a ready endpoint, and the controller points NLB checks at it.
 */
export function healthCheckNodePort(tgv: TargetGroupView): number | undefined {
  const spec = tgv.service?.spec;
  return spec?.externalTrafficPolicy === "Local" ? spec.healthCheckNodePort : undefined;
}

/**
 * Failing targets that fail by design: the check is on kube-proxy's healthCheckNodePort, which
 * answers 503 on nodes without a ready endpoint precisely so the load balancer skips them, and
 * other nodes (with one) pass. Nothing is broken there; reporting it would page for a feature.
 */
export function drainedByLocalPolicy(tgv: TargetGroupView): Set<string> {
  const healthPort = healthCheckNodePort(tgv);
  if (healthPort === undefined || tgv.targetType !== "instance") return new Set();
  if (!tgv.targets.some((t) => t.healthy)) return new Set();
  const nodesWithEndpoints = new Set(
    tgv.endpoints.filter((e) => e.ready && e.nodeName).map((e) => e.nodeName as string),
  );
  return new Set(
    tgv.targets
      .filter(
        (t) =>
          t.failing &&
          t.checkedPort === healthPort &&
          t.node !== undefined &&
          !nodesWithEndpoints.has(t.node.metadata.name),
      )
      .map((t) => t.id),
  );
}

/** Ports that carry traffic to the backing pods: the Service's nodePorts, or pod ports in ip mode. */
export const trafficPorts = (tgv: TargetGroupView): Set<number> =>
  isIp(tgv) ? podPorts(tgv) : nodePorts(tgv);

/** "status-port (15021 → 15021, nodePort 31127)": a Service port as a person reads it. */
export function describeServicePort(sp: ServicePort): string {
  const target = sp.targetPort ?? sp.port;
  const name = sp.name ? `${sp.name} ` : "";
  const node = sp.nodePort !== undefined ? `, nodePort ${sp.nodePort}` : "";
  return `${name}(${sp.port} → ${target}${node})`;
}

/** The Service port a checked port belongs to: by nodePort (instance) or landing port (ip). */
export function servicePortForCheckedPort(
  tgv: TargetGroupView,
  port: number,
): ServicePort | undefined {
  const ports = tgv.service?.spec?.ports ?? [];
  if (!isIp(tgv)) return ports.find((sp) => sp.nodePort === port);
  const pod = healthPod(tgv);
  return ports.find((sp) =>
    pod ? targetContainer(pod, sp)?.port === port : (sp.targetPort ?? sp.port) === port,
  );
}

/** "HTTP :15021/healthz/ready of container istio-proxy (pod istio-system/gw-1)". */
export function describeEndpoint(he: HealthEndpoint): string {
  const origin = he.fromIstioAppProber ? ", the probe Istio rewrote to its agent" : "";
  return `${he.scheme} :${he.port}${he.path} of container ${he.container} (pod ${he.pod}${origin})`;
}

export const serviceLabel = (tgv: TargetGroupView): string =>
  tgv.service ? `Service ${keyOf(tgv.service.metadata)}` : "the Service";

/** The health-check settings the target group really has. */
export function liveCheck(tgv: TargetGroupView): {
  port: string;
  path: string | null;
  protocol: string | null;
} {
  return {
    port: tgv.tg.HealthCheckPort ?? "traffic-port",
    path: tgv.tg.HealthCheckPath ?? null,
    protocol: tgv.tg.HealthCheckProtocol?.toUpperCase() ?? null,
  };
}

export const isHttpCheck = (protocol: string | null): boolean =>
  protocol === "HTTP" || protocol === "HTTPS";

/**
 * A gRPC group checks a gRPC method (`/package.Service/Method`) and matches gRPC status codes,
 * so an HTTP readiness probe's path says nothing about the right value.
 */
export const isGrpc = (tgv: TargetGroupView): boolean =>
  tgv.tg.ProtocolVersion?.toUpperCase() === "GRPC";

/** HTTP matchers range over 200–599, gRPC ones over 0–99. */
const MAX_CODE = 599;

/**
 * A matcher (`200`, `200,204`, `200-299`, or a mix) as a predicate; undefined when it does not
 * parse, so callers never judge codes against a matcher they misread.
 */
export function parseMatcher(spec: string): ((code: number) => boolean) | undefined {
  const parts = spec.split(",").map((p) => p.trim());
  const ranges: [number, number][] = [];
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const low = Number(m[1]);
    const high = m[2] !== undefined ? Number(m[2]) : low;
    if (high < low || high > MAX_CODE) return undefined;
    ranges.push([low, high]);
  }
  return (code) => ranges.some(([low, high]) => code >= low && code <= high);
}

/** The set of codes a matcher accepts, for comparing two spellings of the same matcher. */
export function matcherCodes(spec: string): Set<number> | undefined {
  const accepts = parseMatcher(spec);
  if (!accepts) return undefined;
  const codes = new Set<number>();
  for (let code = 0; code <= MAX_CODE; code += 1) if (accepts(code)) codes.add(code);
  return codes;
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

export const reasonsOf = (targets: readonly TargetView[]): string =>
  [...new Set(targets.map((t) => t.reason ?? "no reason"))].join(", ");
