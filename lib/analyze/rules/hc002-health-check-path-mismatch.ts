// HC002 detects a health check on the right port with a path the health endpoint does not serve.
// Every target answers 404 or a redirect and is taken out, although the pods are healthy.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { checksReachingHealth, describeEndpoint } from "../health-endpoint";
import {
  isGrpc,
  isHttpCheck,
  liveCheck,
  reasonsOf,
  HEALTH_CHECK_INPUTS,
  failingTargets,
} from "../health-check";
import { portOrPorts, serviceLabel } from "../service-ports";
import type { TargetGroupView } from "../model";
import { healthCheckFix } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

export const healthCheckPathMismatch: Rule = {
  code: "HC002",
  inputs: HEALTH_CHECK_INPUTS,
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

function check(tgv: TargetGroupView): Finding | undefined {
  if (isGrpc(tgv)) return undefined;
  const gate = checksReachingHealth(tgv);
  if (!gate) return undefined;
  const live = liveCheck(tgv);
  const he = gate.reach.endpoint;
  if (!isHttpCheck(live.protocol) || live.path === null || live.path === he.path) return undefined;

  const port = portOrPorts(gate.checked);
  const failing = failingTargets(tgv);
  const reasons = reasonsOf(gate.considered);
  return makeFinding("HC002", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name} health-checks path ${live.path}; the pods serve health on ${he.path}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: { path: he.path, port, healthEndpoint: describeEndpoint(he) },
      actual: {
        path: live.path,
        port,
        healthCheckPort: live.port,
        protocol: live.protocol,
        failingTargets: `${failing.length} of ${tgv.targets.length}`,
        reasons,
      },
    },
    rootCause:
      `Target group ${tgv.name} checks port ${String(port)}, which does reach the health port of the pods behind ${serviceLabel(tgv)}, but asks for path ${live.path} while their readiness endpoint is ${describeEndpoint(he)}. ` +
      `The path the pods do not serve as health answers with another status or not at all, so the checks fail (${reasons}).`,
    remediation: healthCheckFix(tgv, { path: he.path }),
  });
}
