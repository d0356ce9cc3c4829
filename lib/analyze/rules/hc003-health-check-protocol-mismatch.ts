import type { Finding } from "../finding";
import {
  checksReachingHealth,
  describeEndpoint,
  isHttpCheck,
  liveCheck,
  portOrPorts,
  reasonsOf,
  serviceLabel,
  HEALTH_CHECK_INPUTS,
} from "../health-check";
import type { TargetGroupView } from "../model";
import { healthCheckFix } from "../remediation";
import { makeFinding, perTargetGroup } from "../rule";
import { affected, failingTargets, severityByFailing, tgResources } from "../views";

/** What each wrong pairing does on the wire, for the root cause. */
const EFFECT: Record<"HTTP" | "HTTPS", string> = {
  // The check speaks HTTPS to a plaintext endpoint.
  HTTP: "The load balancer opens a TLS handshake that the plaintext endpoint cannot answer",
  // The check speaks plain HTTP to a TLS endpoint.
  HTTPS:
    "The load balancer sends plain HTTP to a TLS endpoint, which rejects it (typically 400 or a closed connection)",
};

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
    remediation: healthCheckFix(tgv, { protocol: he.scheme }),
  });
}

export const healthCheckProtocolMismatch = perTargetGroup("HC003", HEALTH_CHECK_INPUTS, check);
