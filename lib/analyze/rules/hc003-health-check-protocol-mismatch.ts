// HC003 detects a health check whose protocol (HTTP/HTTPS) differs from what the health endpoint speaks.
// The checks fail the handshake or get a plaintext error, taking every healthy target out.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { checksReachingHealth, describeEndpoint } from "../health-endpoint";
import {
  isHttpCheck,
  liveCheck,
  reasonsOf,
  HEALTH_CHECK_INPUTS,
  failingTargets,
} from "../health-check";
import { portOrPorts, serviceLabel } from "../service-ports";
import type { TargetGroupView } from "../model";
import { healthCheckFix, serviceAnnotationFix, targetGroupPropsFixFor } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";
import { ALB } from "../../controller/conventions";

export const healthCheckProtocolMismatch: Rule = {
  code: "HC003",
  inputs: HEALTH_CHECK_INPUTS,
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

/** What each wrong pairing does on the wire, for the root cause. */
const EFFECT: Record<"HTTP" | "HTTPS", string> = {
  // The check speaks HTTPS to a plaintext endpoint.
  HTTP: "The load balancer opens a TLS handshake that the plaintext endpoint cannot answer",
  // The check speaks plain HTTP to a TLS endpoint.
  HTTPS:
    "The load balancer sends plain HTTP to a TLS endpoint, which rejects it (typically 400 or a closed connection)",
};

/**
 * When the check runs on the traffic port, the load balancer's traffic goes to the same endpoint
 * with the group's Protocol: if that is the same wrong scheme, fixing only the check turns the
 * targets healthy while every request still fails. A group's Protocol cannot be modified.
 */
function trafficProtocolFix(tgv: TargetGroupView, scheme: string, onTrafficPort: boolean): string {
  const protocol = tgv.tg.Protocol?.toUpperCase();
  if (!onTrafficPort || !isHttpCheck(protocol ?? null) || protocol === scheme) return "";
  const lead = `\nThe load balancer also sends its traffic to this port over ${String(protocol)}, which fails the same way once the check passes: set the backend protocol to ${scheme} as well.`;
  const replaced = ` The controller then creates a new target group with protocol ${scheme} and moves the listener rules to it:\n`;
  const viaTgc = targetGroupPropsFixFor(tgv, { protocol: scheme });
  if (viaTgc) return `${lead}${replaced}${viaTgc}`;
  const annotated =
    tgv.manager === "ingress" && serviceAnnotationFix(tgv, { [ALB.backendProtocol]: scheme });
  if (annotated) return `${lead}${replaced}${annotated}`;
  return `${lead} A target group's protocol cannot be modified: create one with --protocol ${scheme} and forward the listener rules to it.`;
}

function check(tgv: TargetGroupView): Finding | undefined {
  const gate = checksReachingHealth(tgv);
  if (!gate) return undefined;
  const live = liveCheck(tgv);
  const he = gate.reach.endpoint;
  // TCP checks only open a connection, so they never disagree with the endpoint's scheme.
  if (!isHttpCheck(live.protocol) || live.protocol === he.scheme) return undefined;

  const port = portOrPorts(gate.checked);
  const failing = failingTargets(tgv);
  const reasons = reasonsOf(gate.considered);
  return makeFinding("HC003", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name} health-checks over ${String(live.protocol)}; the pods serve health over ${he.scheme}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: { protocol: he.scheme, port, healthEndpoint: describeEndpoint(he) },
      actual: {
        protocol: live.protocol,
        port,
        healthCheckPort: live.port,
        path: live.path,
        failingTargets: `${failing.length} of ${tgv.targets.length}`,
        reasons,
      },
    },
    rootCause:
      `Target group ${tgv.name} checks port ${String(port)}, which reaches the health port of the pods behind ${serviceLabel(tgv)}, over ${String(live.protocol)}, but their readiness endpoint is ${describeEndpoint(he)}. ` +
      `${EFFECT[he.scheme]}, so the checks fail (${reasons}).`,
    remediation:
      healthCheckFix(tgv, { protocol: he.scheme }) +
      trafficProtocolFix(
        tgv,
        he.scheme,
        gate.considered.every((t) => t.port !== null && t.checkedPort === t.port),
      ),
  });
}
