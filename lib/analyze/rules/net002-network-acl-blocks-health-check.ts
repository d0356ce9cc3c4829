// NET002 detects a network ACL entry that denies the health check or its answer.
// ACLs are stateless and easy to miss: the group looks right while the subnet drops the packets.
import type { Finding } from "../finding";
import { failingWith } from "../health-check";
import type { Model, TargetGroupView, TargetView } from "../model";
import type { AclDenial, NetworkAclEntry } from "../network";
import {
  NETWORK_ACL_INPUTS,
  NETWORK_ALSO_READS,
  NETWORK_FAILURE_REASONS,
  lbName,
  verdictsFor,
  type LoadBalancerVerdict,
  sortedPorts,
} from "../reachability";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

/**
 * NET002: failing targets whose check, or its answer on the ephemeral ports, a network ACL of
 * the target's or the load balancer's subnet denies (findings.md, "Network verdicts").
 */
export const networkAclBlocksHealthCheck: Rule = {
  code: "NET002",
  inputs: NETWORK_ACL_INPUTS,
  // The verdicts index every EC2 list; only the ACL half is this rule's.
  alsoReads: [...NETWORK_ALSO_READS, "aws.securityGroups"],
  check: eachTargetGroup((tgv, model) => findingFor(model, tgv)),
};

const range = ([from, to]: readonly [number, number]) =>
  from === to ? `${from}` : `${from}-${to}`;

function describeEntry(entry: NetworkAclEntry | undefined) {
  if (!entry) return "no entry matches (the ACL denies what no entry allows)";
  const protocol =
    entry.Protocol === "-1" ? "all" : entry.Protocol === "6" ? "tcp" : entry.Protocol;
  const ports =
    entry.Protocol === "-1" || !entry.PortRange
      ? "all ports"
      : `ports ${range([entry.PortRange.From ?? 0, entry.PortRange.To ?? 65535])}`;
  return `rule ${entry.RuleNumber === 32767 ? "*" : entry.RuleNumber} ${entry.RuleAction ?? "?"} ${protocol} ${ports} ${entry.CidrBlock ?? entry.Ipv6CidrBlock ?? ""}`.trim();
}

/** One denying decision of one ACL, and the subnets it is met in. */
interface Denial extends AclDenial {
  subnets: string[];
}

const describeDenial = (d: Denial) => ({
  side: d.side,
  direction: d.direction,
  subnets: d.subnets,
  networkAcl: d.networkAclId,
  peer: d.peer,
  ports: range(d.ports),
  decidingEntry: describeEntry(d.entry),
});

/** The allow entry that lets the denied packets through, just above the denying entry. */
function entryCommand(d: Denial): string {
  const ports = `From=${d.ports[0]},To=${d.ports[1]}`;
  const below = d.entry?.RuleNumber;
  const rule = d.freeRuleNumber ?? "<rule-number>";
  const command =
    `aws ec2 create-network-acl-entry --network-acl-id ${d.networkAclId} ` +
    `--${d.direction === "inbound" ? "ingress" : "egress"} --rule-number ${rule} --protocol tcp ` +
    `--port-range ${ports} --cidr-block ${d.peer} --rule-action allow`;
  const what = `Allow ${d.direction} tcp ${range(d.ports)} ${d.direction === "inbound" ? "from" : "to"} ${d.peer} in network ACL ${d.networkAclId} (subnet ${d.subnets.join(", ")})`;
  if (d.freeRuleNumber === undefined) {
    return `${what}: no rule number below ${below ?? "the denying entry"} is free in that direction; renumber its entries, then:\n${command}`;
  }
  return `${what}, ahead of ${below === undefined || below === 32767 ? "the final deny" : `entry ${below}`}:\n${command}`;
}

/** The answer's way back, on the load balancer's ephemeral ports. */
const isReturn = (d: AclDenial) => (d.side === "target") === (d.direction === "outbound");

interface Denied {
  target: TargetView;
  hit: LoadBalancerVerdict;
}

function aclClosed(model: Model, tgv: TargetGroupView, t: TargetView): Denied | undefined {
  if (t.checkedPort === null) return undefined;
  const hit = verdictsFor(model, tgv, t, t.checkedPort).find(
    (v) => v.verdict.networkAcls.status === "closed",
  );
  return hit ? { target: t, hit } : undefined;
}

function findingFor(model: Model, tgv: TargetGroupView): Finding | undefined {
  if (!tgv.healthKnown || tgv.loadBalancers.length === 0) return undefined;
  const candidates = failingWith(tgv, NETWORK_FAILURE_REASONS);
  if (candidates.length === 0) return undefined;
  // A passing target behind the same denying ACL on the same port proves the verdict wrong.
  const untrusted = new Set(
    tgv.targets
      .filter((t) => t.healthy)
      .flatMap((t) => {
        const d = aclClosed(model, tgv, t);
        return d ? [`${d.hit.verdict.target?.subnetId}|${d.hit.verdict.port}`] : [];
      }),
  );
  const denied = candidates.flatMap((t) => {
    const d = aclClosed(model, tgv, t);
    return d && !untrusted.has(`${d.hit.verdict.target?.subnetId}|${d.hit.verdict.port}`)
      ? [d]
      : [];
  });
  if (denied.length === 0) return undefined;

  const denials = new Map<string, Denial>();
  for (const d of denied) {
    for (const x of d.hit.verdict.networkAcls.denials) {
      const key = `${x.networkAclId}|${x.direction}|${x.peer}|${range(x.ports)}`;
      const seen = denials.get(key);
      if (!seen) denials.set(key, { ...x, subnets: [x.subnetId] });
      else if (!seen.subnets.includes(x.subnetId)) seen.subnets.push(x.subnetId);
    }
  }
  const all = [...denials.values()];
  const ports = sortedPorts(denied.map((d) => d.hit.verdict.port));
  const n = denied.length;
  const lb = lbName(denied[0]!.hit.lb);
  const acls = [...new Set(all.map((d) => d.networkAclId))].join(", ");
  const first = all[0] as Denial;
  return makeFinding("NET002", {
    severity: severityByFailing(tgv),
    title: `${tgv.name}: network ACL ${acls} blocks the health check from ${lb} on port ${ports.join(", ")} (${n} of ${tgv.targets.length} targets)`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(denied.map((d) => d.target)),
    evidence: {
      expected: {
        port: ports.length === 1 ? ports[0] : ports,
        networkAcls:
          "the target subnet's ACL allows tcp to the checked port in from each load balancer subnet and 1024-65535 back out; each load balancer subnet's ACL allows the reverse",
      },
      actual: {
        denials: all.slice(0, 20).map(describeDenial),
        ...(all.length > 20 ? { moreDenials: all.length - 20 } : {}),
        targets: denied.slice(0, 20).map((d) => ({
          id: d.target.id,
          port: d.hit.verdict.port,
          interface: d.hit.verdict.target?.interfaceId ?? null,
          subnet: d.hit.verdict.target?.subnetId ?? null,
        })),
      },
    },
    rootCause:
      `Network ACLs are stateless and read in ascending rule number. In ${first.side === "target" ? "the target's" : "the load balancer's"} subnet ${first.subnets.join(", ")}, ` +
      `${describeEntry(first.entry)} of ACL ${first.networkAclId} decides ${first.direction} tcp ${range(first.ports)} ${first.direction === "inbound" ? "from" : "to"} ${first.peer}` +
      `${all.length > 1 ? ` (and ${all.length - 1} more ${all.length === 2 ? "denial" : "denials"})` : ""}, ` +
      `so ${isReturn(first) ? `the answer to the health check of ${lb} never gets back` : `the health check of ${lb} never arrives`} and ${n === 1 ? "the target fails" : `${n} targets fail`}.`,
    remediation: all.map(entryCommand).join("\n"),
  });
}
