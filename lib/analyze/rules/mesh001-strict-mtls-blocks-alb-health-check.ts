// MESH001 detects ip-mode health checks refused by an Istio sidecar under STRICT mTLS.
// The load balancer has no mesh certificate, so every check fails the handshake while the pods are healthy.
/**
 * MESH001: in ip mode the ALB health-checks the pod IP itself, where an Istio sidecar answers.
 * With STRICT mTLS on that port the sidecar accepts only mesh-certificate TLS, which the ALB
 * cannot present, so every check fails the handshake.
 */
import { GATEWAY_SOURCES } from "../gateway-api/view";
import type { Finding } from "../finding";
import {
  describeDecision,
  effectiveMtls,
  permissivePortsFix,
  policyRef,
  sidecarInterceptsInbound,
  workloadLabels,
  type EffectiveMtls,
} from "../istio";
import { hasIstioSidecar, keyOf, targetContainer } from "../k8s";
import { JOIN_INPUTS, type Model, type TargetGroupView, type TargetView } from "../model";
import { healthCheckFix } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import type { Pod } from "../../snapshot/schema";
import { affected, severityByFailing, tgResources } from "../finding-parts";

export const strictMtlsBlocksAlbHealthCheck: Rule = {
  code: "MESH001",
  inputs: [
    "aws.targetGroups",
    "kubernetes.endpointSlices",
    "kubernetes.pods",
    "kubernetes.peerAuthentications",
    ...JOIN_INPUTS,
  ],
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

/** Istio's agent port that serves the rewritten probes in plaintext at /app-health/... */
const AGENT_HEALTH_PORT = 15020;

interface Blocked {
  target: TargetView;
  pod: Pod;
  port: number;
  decision: EffectiveMtls;
}

function blockedTarget(model: Model, t: TargetView): Blocked | undefined {
  const pod = t.endpoint?.pod;
  const port = t.checkedPort;
  if (!pod || port === null || !hasIstioSidecar(pod)) return undefined;
  if (!sidecarInterceptsInbound(pod, port)) return undefined;
  const decision = effectiveMtls(model, pod, port);
  return decision.mode === "STRICT" ? { target: t, pod, port, decision } : undefined;
}

/** The agent path serving this app container's readiness, as Istio names it when it rewrites. */
function agentReadiness(tgv: TargetGroupView, pod: Pod): { path: string; rewritten: boolean } {
  const container =
    (tgv.servicePort && targetContainer(pod, tgv.servicePort)?.container) ??
    pod.spec.containers.find((c) => c.name !== "istio-proxy");
  const path = container?.readinessProbe?.httpGet?.path;
  if (path?.startsWith("/app-health/")) return { path, rewritten: true };
  return { path: `/app-health/${container?.name ?? "app"}/readyz`, rewritten: false };
}

function check(tgv: TargetGroupView, model: Model): Finding | undefined {
  const svc = tgv.service;
  if (tgv.targetType !== "ip" || !svc || !tgv.healthKnown) return undefined;
  // A TCP check only needs the sidecar to accept the connection, which STRICT does.
  if (tgv.tg.HealthCheckProtocol?.toUpperCase() === "TCP") return undefined;

  // Only unhealthy targets: `unused` ones are zone problems (TGT004), healthy ones prove the
  // port is not blocked for them.
  const blocked = tgv.targets
    .filter((t) => t.state === "unhealthy")
    .flatMap((t) => blockedTarget(model, t) ?? []);
  if (blocked.length === 0) return undefined;

  const ns = svc.metadata.namespace ?? "default";
  const first = blocked[0]!;
  const checkedPorts = [...new Set(blocked.map((b) => b.port))].sort((a, b) => a - b);
  // The ALB's own traffic reaches the pods in plaintext too: a STRICT traffic port refuses it.
  const strictTrafficPorts = [
    ...new Set(
      blocked.flatMap((b) => {
        const port = b.target.port;
        if (port === null) return [];
        if (port === b.port) return [port];
        const strict =
          sidecarInterceptsInbound(b.pod, port) &&
          effectiveMtls(model, b.pod, port).mode === "STRICT";
        return strict ? [port] : [];
      }),
    ),
  ].sort((a, b) => a - b);
  const fixPorts = [...new Set([...checkedPorts, ...strictTrafficPorts])].sort((a, b) => a - b);

  const policies = new Map(
    blocked.flatMap((b) =>
      b.decision.policy ? [[keyOf(b.decision.policy.metadata), b.decision.policy] as const] : [],
    ),
  );
  const decidedBy = [...new Set(blocked.map((b) => describeDecision(b.decision)))];
  const selector = svc.spec?.selector ?? {};
  const labels = Object.keys(selector).length > 0 ? selector : workloadLabels(first.pod);
  const permissive = permissivePortsFix({
    decision: first.decision,
    namespace: ns,
    workload: svc.metadata.name,
    purpose: "alb-health-check",
    labels,
    ports: fixPorts,
  });
  const agent = agentReadiness(tgv, first.pod);
  const agentFix = healthCheckFix(tgv, {
    port: AGENT_HEALTH_PORT,
    path: agent.path,
    protocol: "HTTP",
  });
  const portText = checkedPorts.join(", ");

  return makeFinding("MESH001", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name}: STRICT mTLS on port ${portText} of ${ns}/${svc.metadata.name} pods rejects the ALB health check`,
    targetGroupArn: tgv.arn,
    resources: [...tgResources(tgv), ...[...policies.values()].map(policyRef)],
    affectedTargets: affected(blocked.map((b) => b.target)),
    evidence: {
      expected: {
        mtlsModeOnCheckedPort: "PERMISSIVE (the ALB has no mesh certificate)",
      },
      actual: {
        mtlsModeOnCheckedPort: "STRICT",
        checkedPorts,
        healthCheckProtocol: tgv.tg.HealthCheckProtocol ?? null,
        decidedBy,
        strictTrafficPorts,
        targets: blocked.map((b) => ({
          id: b.target.id,
          pod: keyOf(b.pod.metadata),
          checkedPort: b.port,
          sidecar: true,
          mode: b.decision.mode,
          decidedBy: describeDecision(b.decision),
          state: b.target.state,
          reason: b.target.reason,
        })),
      },
    },
    rootCause:
      `The pods behind Service ${ns}/${svc.metadata.name} run an Istio sidecar, and ${decidedBy.join(", ")} ` +
      `makes port ${portText} STRICT, so the sidecar accepts only mutual TLS with a mesh certificate. ` +
      `In ip mode the ALB checks the pod IP directly with no such certificate, so the handshake fails and ` +
      `target group ${tgv.name} marks the targets unhealthy.`,
    remediation:
      `Accept plaintext on port ${fixPorts.join(", ")} for these pods only (port-level PERMISSIVE; other ports keep their mode):\n` +
      `${permissive}\n` +
      `Alternative: check the Istio agent's plaintext port ${AGENT_HEALTH_PORT}, which ` +
      (agent.rewritten
        ? `already serves the app's readiness at ${agent.path}`
        : `serves the app's readiness at ${agent.path} once Istio rewrites its probes (the pods' readiness probe is not rewritten now; remove sidecar.istio.io/rewriteAppHTTPProbers: "false" from the pod template)`) +
      ` (allow port ${AGENT_HEALTH_PORT} from the ALB's security group):\n` +
      `${agentFix}` +
      (strictTrafficPorts.length > 0
        ? `\nThat alternative fixes the health check only: the ALB's traffic to the pods is plaintext as well and stays refused while its port is STRICT, so the port-level change is needed anyway.`
        : ""),
  });
}
