// HC004 detects a health check on a port that no Service port or pod serves any more (a stale hard-coded nodePort).
// A Service re-created with new nodePorts leaves the check on a dead port: every target times out.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { describeServicePort, nodePorts, serviceLabel } from "../service-ports";
import { healthCheckNodePort } from "../traffic-policy";
import { healthReach, podPorts } from "../health-endpoint";
import { isInstance, isIp, HEALTH_CHECK_INPUTS, failingTargets } from "../health-check";
import { keyOf } from "../k8s";
import type { TargetGroupView } from "../model";
import { healthCheckFix } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import type { ServicePort } from "../../snapshot/schema";
import { affected, severityByFailing, tgResources } from "../finding-parts";
import { ALB, NLB } from "../../controller/conventions";

export const healthCheckPortStale: Rule = {
  code: "HC004",
  inputs: HEALTH_CHECK_INPUTS,
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

/** Objects whose healthcheck-port annotation still holds the stale number. */
function declaredIn(tgv: TargetGroupView, port: number): string[] {
  const objects = [
    ...(tgv.service ? [{ kind: "Service", meta: tgv.service.metadata }] : []),
    ...tgv.ingresses.map((i) => ({ kind: "Ingress", meta: i.metadata })),
  ];
  // An NLB the controller builds for a Service reads the Service's own key.
  const key = tgv.manager === "service" ? NLB.healthCheckPort : ALB.healthCheckPort;
  return objects
    .filter((o) => o.meta.annotations?.[key]?.trim() === String(port))
    .map((o) => `${o.kind} ${keyOf(o.meta)}`);
}

/** The port the check should use now, and the Service port behind it (instance mode). */
function currentPort(tgv: TargetGroupView): { port: number | string; sp?: ServicePort } {
  const reach = healthReach(tgv);
  if (!reach) return { port: "traffic-port" };
  if (isIp(tgv)) return { port: reach.endpoint.port };
  const sp = reach.servicePorts.find((p) => p.nodePort !== undefined);
  return sp?.nodePort !== undefined ? { port: sp.nodePort, sp } : { port: "traffic-port" };
}

function pinText(tgv: TargetGroupView, sp: ServicePort): string {
  const name = sp.name ? `  - name: ${sp.name}\n    port: ${sp.port}\n` : `  - port: ${sp.port}\n`;
  const target = sp.targetPort !== undefined ? `    targetPort: ${sp.targetPort}\n` : "";
  const key =
    tgv.manager === "ingress"
      ? ALB.healthCheckPort
      : tgv.manager === "service"
        ? NLB.healthCheckPort
        : undefined;
  const alternative =
    key && sp.name && !tgv.generatedService
      ? `\nAlternatively annotate ${key}: "${sp.name}" on ${serviceLabel(tgv)}: the controller resolves a Service port name to its current nodePort each time it reconciles.`
      : "";
  return (
    `\nPin the nodePort in the Service's manifest (Helm values, kustomize) so that re-creating ${serviceLabel(tgv)} keeps it:\n` +
    `spec:\n  ports:\n${name}${target}    nodePort: ${sp.nodePort}\n` +
    `    protocol: ${sp.protocol ?? "TCP"}` +
    alternative
  );
}

function check(tgv: TargetGroupView): Finding | undefined {
  const fixed = tgv.fixedHealthCheckPort;
  if (fixed === null) return undefined;
  let known: Set<number>;
  let what: string;
  if (isInstance(tgv) && tgv.service) {
    known = nodePorts(tgv);
    what = `the current nodePorts of ${serviceLabel(tgv)}`;
  } else if (isIp(tgv) && tgv.backingPods.length > 0) {
    // A pod IP that passes on the port proves the pod listens there: declaring a containerPort
    // is optional, and unlike a nodePort nothing else can answer on a pod's address.
    if (tgv.healthyPerCloudWatch || tgv.targets.some((t) => t.healthy)) return undefined;
    known = podPorts(tgv);
    what = `the ports the pods behind ${serviceLabel(tgv)} serve`;
  } else {
    return undefined;
  }
  // The Local health port is current too: checking it is how an NLB skips nodes without pods.
  if (known.size === 0 || known.has(fixed) || healthCheckNodePort(tgv) === fixed) return undefined;

  const failing = failingTargets(tgv);
  const healthy = tgv.healthyPerCloudWatch
    ? (tgv.tg.CloudWatchHealth?.HealthyHostCount ?? 1)
    : tgv.targets.filter((t) => t.healthy).length;
  const { port, sp } = currentPort(tgv);
  const sources = declaredIn(tgv, fixed);
  const staleIngresses = sources.filter((s) => s.startsWith("Ingress "));
  const currentList = isInstance(tgv)
    ? (tgv.service?.spec?.ports ?? []).map(describeServicePort).join(", ")
    : [...known].sort((a, b) => a - b).join(", ");
  const consequence =
    healthy > 0
      ? `${healthy} target(s) still pass only because something else answers on that port, so the check does not test the backing pods.`
      : isInstance(tgv)
        ? `kube-proxy forwards nothing of this Service on that port, so the checks fail.`
        : `The backing pods serve nothing there, so the checks fail.`;

  return makeFinding("HC004", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name} health-checks port ${fixed}, which ${serviceLabel(tgv)} no longer ${
      isInstance(tgv) ? "exposes as a nodePort" : "serves on its pods"
    }`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: {
        port,
        ...(isInstance(tgv)
          ? { nodePorts: currentList }
          : { containerPorts: [...known].sort((a, b) => a - b) }),
      },
      actual: {
        healthCheckPort: fixed,
        ...(sources.length > 0 ? { declaredIn: sources } : {}),
        failingTargets: `${failing.length} of ${tgv.targets.length}`,
      },
    },
    rootCause:
      `Target group ${tgv.name} health-checks port ${fixed}, which is none of ${what} (${currentList}). ${consequence} ` +
      (isInstance(tgv)
        ? `A hard-coded NodePort goes stale like this when the Service is re-created and Kubernetes assigns new nodePorts.`
        : `A hard-coded port goes stale like this when the pods' ports change and the health-check port is not updated.`),
    remediation:
      healthCheckFix(tgv, { port }) +
      (staleIngresses.length > 0
        ? `\nAlso update or remove the stale ${ALB.healthCheckPort} annotation on ${staleIngresses.join(", ")}.`
        : "") +
      (isInstance(tgv) && sp ? pinText(tgv, sp) : ""),
  });
}
