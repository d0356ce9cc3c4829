/**
 * Why a backing pod is not ready, in words an on-call engineer acts on: the container that holds
 * it back, its state and last termination, its readiness probe, or the controller's readiness
 * gate waiting for the load balancer.
 */
import type { Pod } from "../snapshot/schema";
import { keyOf } from "./k8s";
import { probeEndpoint } from "./health-endpoint";

interface ContainerFacts {
  name: string;
  init: boolean;
  ready: boolean;
  restartCount: number;
  state: string;
  reason: string | null;
  message: string | null;
  lastTermination: string | null;
  /** Unready app containers: their readiness probe in words. */
  readiness: string | null;
}

export interface PodDiagnosis {
  pod: string;
  node: string | null;
  phase: string;
  ready: boolean;
  terminating: boolean;
  conditions: Record<string, { status: string; reason?: string; message?: string }>;
  containers: ContainerFacts[];
  why: string;
}

type ContainerStatus = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];

function lastTermination(status: ContainerStatus): string | null {
  const last = status.lastState?.terminated;
  if (!last) return null;
  return `${last.reason ?? "Terminated"}${last.exitCode !== undefined ? ` (exit ${last.exitCode})` : ""}`;
}

const completedInit = (c: ContainerFacts) =>
  c.init && c.state === "terminated" && c.reason === "Completed";

/** The readiness probe of a container in words, resolving Istio's rewrite to the original. */
function readinessText(pod: Pod, containerName: string): string {
  const container = pod.spec.containers.find((c) => c.name === containerName);
  const probe = container?.readinessProbe;
  if (!container || !probe)
    return "it has no readiness probe, so its startup probe has not passed yet";
  const http = probeEndpoint(pod, container, probe);
  if (http) {
    const via = http.fromIstioAppProber ? " via the Istio agent" : "";
    return `its readiness probe ${http.scheme} GET :${http.port}${http.path}${via} fails`;
  }
  if (probe.tcpSocket) return `its readiness probe TCP :${String(probe.tcpSocket.port)} fails`;
  return "its readiness probe fails";
}

function containerFacts(pod: Pod, status: ContainerStatus, init: boolean): ContainerFacts {
  const { waiting, running, terminated } = status.state ?? {};
  const state = waiting ? "waiting" : running ? "running" : terminated ? "terminated" : "unknown";
  return {
    name: status.name,
    init,
    ready: status.ready ?? false,
    restartCount: status.restartCount ?? 0,
    state,
    reason: waiting?.reason ?? terminated?.reason ?? null,
    message: waiting?.message ?? terminated?.message ?? null,
    lastTermination: lastTermination(status),
    readiness: init || status.ready ? null : readinessText(pod, status.name),
  };
}

/** One sentence per pod: the most specific reason the API reports, most telling first. */
function explain(pod: Pod, containers: ContainerFacts[]): string {
  const parts: string[] = [];
  const conditions = pod.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === "PodScheduled");
  if (pod.metadata.deletionTimestamp) parts.push("terminating");
  if (scheduled?.status === "False") {
    parts.push(
      `not scheduled (${scheduled.reason ?? "Unschedulable"}: ${scheduled.message ?? ""})`,
    );
  }
  for (const c of containers) {
    if (c.ready || completedInit(c)) continue;
    if (!c.init && c.state === "running") {
      const restarts = c.restartCount > 0 ? `, ${c.restartCount} restarts` : "";
      parts.push(`container ${c.name} running but not ready: ${c.readiness}${restarts}`);
      continue;
    }
    const bits = [`${c.init ? "init container" : "container"} ${c.name} ${c.state}`];
    if (c.reason) bits.push(c.reason);
    if (c.restartCount > 0) bits.push(`${c.restartCount} restarts`);
    if (c.lastTermination) bits.push(`last exit ${c.lastTermination}`);
    if (c.message) bits.push(c.message);
    parts.push(bits.join(", "));
  }
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready && ready.status !== "True") {
    parts.push(
      `Ready=${ready.status ?? "Unknown"}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ""})` : ""}`,
    );
  }
  return parts.length > 0 ? parts.join("; ") : `phase ${pod.status?.phase ?? "Unknown"}, not ready`;
}

export function diagnosePod(pod: Pod): PodDiagnosis {
  const containers = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => containerFacts(pod, s, true)),
    ...(pod.status?.containerStatuses ?? []).map((s) => containerFacts(pod, s, false)),
  ];
  return {
    pod: keyOf(pod.metadata),
    node: pod.spec.nodeName ?? null,
    phase: pod.status?.phase ?? "Unknown",
    ready: isPodReady(pod),
    terminating: pod.metadata.deletionTimestamp !== undefined,
    conditions: Object.fromEntries(
      (pod.status?.conditions ?? [])
        .filter((c) => c.status !== "True")
        .map((c) => [
          c.type,
          {
            status: c.status ?? "Unknown",
            ...(c.reason ? { reason: c.reason } : {}),
            ...(c.message ? { message: c.message } : {}),
          },
        ]),
    ),
    containers,
    why: explain(pod, containers),
  };
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
