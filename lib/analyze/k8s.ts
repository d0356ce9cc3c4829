/** Small readers over Kubernetes objects that several rules share. */
import type { Container, ObjectMeta, Pod, ServicePort } from "../snapshot/schema";

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
