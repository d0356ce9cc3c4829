// HC007 detects a load-balancer timeout shorter than the time the health endpoint is allowed to take.
// The pods pass their own probe while the load balancer gives up first and marks them unhealthy, often only under load.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import {
  checkedPortsOf,
  failingWith,
  HEALTH_CHECK_INPUTS,
  isGrpc,
  isHttpCheck,
  isInstance,
  isIp,
  liveCheck,
  failingTargets,
} from "../health-check";
import { describeEndpoint, healthReach, portsReachHealth } from "../health-endpoint";
import { portOrPorts, serviceLabel } from "../service-ports";
import type { TargetGroupView } from "../model";
import { healthCheckFix } from "../remediation";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

export const healthCheckTimeoutShorterThanProbe: Rule = {
  code: "HC007",
  inputs: HEALTH_CHECK_INPUTS,
  // The fix goes where the controller reads it: annotations, or a TargetGroupConfiguration.
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  // A closed security group or ACL times the check out too, and so do kube-proxy dropping it on a
  // node without a local pod (Local) and a machine that left the cluster: those targets are theirs.
  after: ["NET001", "NET002", "TP001", "TGT001"],
  check,
};

const TIMEOUT = new Set(["Target.Timeout"]);
/** AWS's bounds: timeout 2–120 s, interval 5–300 s and longer than the timeout. */
const TIMEOUT_RANGE = [2, 120] as const;
const INTERVAL_RANGE = [5, 300] as const;

/** The findings it runs after: their targets time out for a reason of their own. */
const explainsTimeouts = (code: string): boolean =>
  (healthCheckTimeoutShorterThanProbe.after as readonly string[]).includes(code);

function check({ model, prior }: RuleContext): Finding[] {
  const byNet = new Map<string, Set<string>>();
  for (const f of prior) {
    if (!explainsTimeouts(f.code) || !f.targetGroupArn) continue;
    const ids = byNet.get(f.targetGroupArn) ?? new Set<string>();
    for (const t of f.affectedTargets) ids.add(t.id);
    byNet.set(f.targetGroupArn, ids);
  }
  return model.targetGroups.flatMap((tgv) => findingFor(tgv, byNet.get(tgv.arn)) ?? []);
}

/** The timeout and interval to declare: the probe's timeout, and an interval longer than it. */
export function fixedTimeouts(
  probeTimeout: number,
  interval: number | undefined,
): { timeoutSeconds: number; intervalSeconds: number } {
  const timeoutSeconds = Math.min(TIMEOUT_RANGE[1], Math.max(TIMEOUT_RANGE[0], probeTimeout));
  const intervalSeconds = Math.min(
    INTERVAL_RANGE[1],
    Math.max(INTERVAL_RANGE[0], interval ?? 0, timeoutSeconds + 1),
  );
  return { timeoutSeconds, intervalSeconds };
}

function findingFor(tgv: TargetGroupView, explained?: Set<string>): Finding | undefined {
  if (!tgv.service || !tgv.healthKnown || !(isInstance(tgv) || isIp(tgv))) return undefined;
  const lbTimeout = tgv.tg.HealthCheckTimeoutSeconds;
  if (lbTimeout === undefined) return undefined;
  const considered = failingWith(tgv, TIMEOUT).filter((t) => !explained?.has(t.id));
  if (considered.length === 0) return undefined;
  const reach = healthReach(tgv);
  const checked = checkedPortsOf(considered);
  if (!reach || !portsReachHealth(reach, checked)) return undefined;
  const he = reach.endpoint;
  const live = liveCheck(tgv);
  // What HC002/HC003 would blame first: the check must ask the endpoint the pods serve.
  if (isHttpCheck(live.protocol)) {
    if (live.protocol !== he.scheme) return undefined;
    if (!isGrpc(tgv) && live.path !== null && live.path !== he.path) return undefined;
  }
  if (!(lbTimeout < he.timeoutSeconds)) return undefined;

  const interval = tgv.tg.HealthCheckIntervalSeconds;
  const fix = fixedTimeouts(he.timeoutSeconds, interval);
  const failing = failingTargets(tgv);
  const port = portOrPorts(checked);
  return makeFinding("HC007", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name} gives up after ${lbTimeout}s; the pods' readiness probe allows ${he.timeoutSeconds}s`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: {
        HealthCheckTimeoutSeconds: `>= ${he.timeoutSeconds}`,
        readinessProbeTimeoutSeconds: he.timeoutSeconds,
        healthEndpoint: describeEndpoint(he),
      },
      actual: {
        HealthCheckTimeoutSeconds: lbTimeout,
        HealthCheckIntervalSeconds: interval ?? null,
        port,
        protocol: live.protocol,
        path: live.path,
        timedOutTargets: `${considered.length} of ${tgv.targets.length}`,
      },
    },
    rootCause:
      `The health check of target group ${tgv.name} reaches the readiness endpoint of the pods behind ${serviceLabel(tgv)} ` +
      `(${describeEndpoint(he)}) but waits only ${lbTimeout}s for an answer, while the pods' own probe waits ${he.timeoutSeconds}s: ` +
      `an endpoint slower than ${lbTimeout}s keeps the pods ready and fails the load balancer's check with Target.Timeout.`,
    remediation:
      healthCheckFix(tgv, fix) +
      `\nAWS needs the interval longer than the timeout; or make the endpoint answer within ${lbTimeout}s.`,
  });
}
