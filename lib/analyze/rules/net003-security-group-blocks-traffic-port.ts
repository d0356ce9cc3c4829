// NET003 detects a traffic port the security groups close while the separate health port passes.
// Requests time out (504) behind a group that looks healthy, so no health alarm ever fires.
import type { Finding } from "../finding";
import type { Model, TargetGroupView } from "../model";
import { securityGroupFix } from "../network-fixes";
import {
  NETWORK_ALSO_READS,
  SECURITY_GROUP_INPUTS,
  closedBySecurityGroups,
  describeLoadBalancer,
  describeSecurityGroupPath,
  type ClosedPath,
  sortedPorts,
} from "../reachability";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, tgResources } from "../finding-parts";

/**
 * NET003: an ALB group checks a port other than its traffic port; the targets pass, but the
 * security groups close the traffic port (the mirror of NET001: the health port opened by hand).
 */
export const securityGroupBlocksTrafficPort: Rule = {
  code: "NET003",
  inputs: SECURITY_GROUP_INPUTS,
  alsoReads: [...NETWORK_ALSO_READS, "aws.networkAcls"],
  check: eachTargetGroup((tgv, model) => findingFor(model, tgv)),
};

function findingFor(model: Model, tgv: TargetGroupView): Finding | undefined {
  const checkedPort = tgv.fixedHealthCheckPort;
  if (!tgv.healthKnown || checkedPort === null) return undefined;
  // An NLB forwards the client's connection; its own checks and traffic differ in source.
  if (!tgv.loadBalancers.some((lb) => lb.Type === "application")) return undefined;
  const closed: ClosedPath[] = [];
  for (const t of tgv.targets) {
    if (!t.healthy || t.port === null || t.port === checkedPort) continue;
    const path = closedBySecurityGroups(model, tgv, t, t.port);
    if (path && path.lb.Type === "application") closed.push(path);
  }
  if (closed.length === 0) return undefined;

  const traffic = sortedPorts(closed.map((c) => c.verdict.port));
  const fix = securityGroupFix(model, tgv, closed, {
    open: traffic,
    binding: sortedPorts([...traffic, checkedPort]),
  });
  const first = closed[0] as ClosedPath;
  const lb = describeLoadBalancer(first.lb, first.verdict);
  const eni = first.verdict.target;
  const n = closed.length;
  const port = traffic.join(", ");
  return makeFinding("NET003", {
    severity: "critical",
    title: `${tgv.name}: targets pass the check on port ${checkedPort}, but security groups block traffic port ${port} from ${lb.name}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(closed.map((c) => c.target)),
    evidence: {
      expected: {
        trafficPort: traffic.length === 1 ? traffic[0] : traffic,
        inbound: `a rule of the target's security groups allowing tcp ${port} from the load balancer, as for health-check port ${checkedPort}`,
      },
      actual: {
        healthCheckPort: checkedPort,
        loadBalancer: lb,
        targets: closed.slice(0, 20).map((c) => describeSecurityGroupPath(c.target, c.verdict)),
        ...(n > 20 ? { moreTargets: n - 20 } : {}),
        fix: fix.branches,
      },
    },
    rootCause:
      `Target group ${tgv.name} checks port ${checkedPort}, which the security groups open to load balancer ${lb.name}, but ` +
      (first.verdict.securityGroups.inbound.status === "closed"
        ? `no rule of the groups of interface ${eni.interfaceId} (${eni.securityGroupIds.join(", ") || "none"})` +
          `${n > 1 ? " and of the other targets' interfaces" : ""} admits it on traffic port ${port}. `
        : `its own security groups let nothing out on traffic port ${port}. `) +
      `The targets look healthy while every request forwarded to them times out (504).`,
    remediation: fix.remediation,
  });
}
