// NET001 detects targets whose security groups shut the load balancer's health check out.
// The most common real cause of unhealthy targets: one rule or tag fixes it, and nothing else will.
import type { Finding } from "../finding";
import { failingWith } from "../health-check";
import type { Model, TargetGroupView } from "../model";
import { securityGroupFix } from "../network-fixes";
import {
  NETWORK_ALSO_READS,
  NETWORK_FAILURE_REASONS,
  SECURITY_GROUP_INPUTS,
  closedBySecurityGroups,
  describeLoadBalancer,
  describeSecurityGroupPath,
  securityGroupSetOf,
  type ClosedPath,
  sortedPorts,
} from "../reachability";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

/**
 * NET001: failing targets whose security groups close the checked port to the load balancer
 * (findings.md, "Network verdicts"); not when a passing target has the same groups.
 */
export const securityGroupBlocksHealthCheck: Rule = {
  code: "NET001",
  inputs: SECURITY_GROUP_INPUTS,
  // The verdicts index every EC2 list; only the security-group half is this rule's.
  alsoReads: [...NETWORK_ALSO_READS, "aws.networkAcls"],
  check: eachTargetGroup((tgv, model) => findingFor(model, tgv)),
};

function findingFor(model: Model, tgv: TargetGroupView): Finding | undefined {
  if (!tgv.healthKnown || tgv.loadBalancers.length === 0) return undefined;
  const candidates = failingWith(tgv, NETWORK_FAILURE_REASONS);
  if (candidates.length === 0) return undefined;
  // A passing target with the same groups proves they admit the load balancer.
  const passing = new Set(
    tgv.targets.filter((t) => t.healthy).map((t) => securityGroupSetOf(model, tgv, t)),
  );
  const closed: ClosedPath[] = [];
  for (const t of candidates) {
    const set = securityGroupSetOf(model, tgv, t);
    if (t.checkedPort === null || set === undefined || passing.has(set)) continue;
    const path = closedBySecurityGroups(model, tgv, t, t.checkedPort);
    if (path) closed.push(path);
  }
  if (closed.length === 0) return undefined;

  const checked = sortedPorts(closed.map((c) => c.verdict.port));
  const traffic = sortedPorts(
    closed.flatMap((c) => (c.target.port !== null ? [c.target.port] : [])),
  );
  // The traffic port goes in the same rule when it is a different port and closed too.
  const trafficClosed = closed.flatMap((c) =>
    c.target.port !== null &&
    c.target.port !== c.verdict.port &&
    closedBySecurityGroups(model, tgv, c.target, c.target.port)
      ? [c.target.port]
      : [],
  );
  const fix = securityGroupFix(model, tgv, closed, {
    open: sortedPorts([...checked, ...trafficClosed]),
    binding: sortedPorts([...checked, ...traffic]),
  });
  const first = closed[0] as ClosedPath;
  const lb = describeLoadBalancer(first.lb, first.verdict);
  const eni = first.verdict.target;
  const n = closed.length;
  const port = checked.join(", ");
  const lbSource =
    lb.securityGroups.length > 0
      ? `security ${lb.securityGroups.length === 1 ? "group" : "groups"} ${lb.securityGroups.join(", ")}`
      : `subnets ${lb.subnets.map((s) => s.cidr ?? s.subnetId).join(", ")} (it has no security group)`;
  const outboundOnly = closed.every((c) => c.verdict.securityGroups.inbound.status !== "closed");
  return makeFinding("NET001", {
    severity: severityByFailing(tgv),
    title: `${tgv.name}: security groups block the health check from ${lb.name} on port ${port} (${n} of ${tgv.targets.length} targets)`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(closed.map((c) => c.target)),
    evidence: {
      expected: {
        port: checked.length === 1 ? checked[0] : checked,
        inbound: `a rule of the target's security groups allowing tcp ${port} from the load balancer (${lbSource}${lb.securityGroups.length > 1 ? ", any one of them" : ""})`,
        ...(lb.securityGroups.length > 0
          ? {
              outbound: `a rule of ${lb.securityGroups.join(", ")} allowing tcp ${port} to the target`,
            }
          : {}),
      },
      actual: {
        loadBalancer: lb,
        targets: closed.slice(0, 20).map((c) => describeSecurityGroupPath(c.target, c.verdict)),
        ...(n > 20 ? { moreTargets: n - 20 } : {}),
        fix: fix.branches,
      },
    },
    rootCause:
      `The health checks of load balancer ${lb.name} come from its ${lbSource}. ` +
      (outboundOnly
        ? `Its security groups let nothing out to ${n === 1 ? "the target" : `${n} targets`} on port ${port}`
        : `No rule of the security groups of interface ${eni.interfaceId} (${eni.securityGroupIds.join(", ") || "none"})` +
          `${n > 1 ? " and of the other failing targets' interfaces" : ""} admits it on port ${port}`) +
      `, so the check gets no answer and ${n === 1 ? "the target fails" : `${n} targets fail`} (${[...new Set(closed.map((c) => c.target.reason))].join(", ")}).`,
    remediation: fix.remediation,
  });
}
