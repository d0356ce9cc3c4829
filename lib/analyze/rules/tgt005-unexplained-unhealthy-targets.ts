// TGT005 detects unhealthy targets that no other rule explains, with the next check to make.
// On-call still gets told that targets fail, and what to look at, instead of silence.
import type { Finding } from "../finding";
import { drainedByLocalPolicy } from "../traffic-policy";
import { isGrpc, failingTargets } from "../health-check";
import { JOIN_INPUTS, type Model, type TargetGroupView, type TargetView } from "../model";
import { EC2_SOURCES, networkConclusion, networkPaths } from "../reachability";
import { AFTER_ALL, makeFinding, type Rule, type RuleContext } from "../rule";
import { affected, tgResources, tiedToCluster } from "../finding-parts";

export const unexplainedUnhealthyTargets: Rule = {
  code: "TGT005",
  // The join's lists too: with one of them unreadable the rules that explain failing targets
  // cannot run, and this one would take their targets for unexplained (the same problem sent
  // again under another code, then "resolved" once the join is read again).
  inputs: ["aws.targetGroups", ...JOIN_INPUTS],
  alsoReads: [
    "aws.loadBalancers",
    "kubernetes.nodes",
    "kubernetes.endpointSlices",
    "kubernetes.ingresses",
    // What the network check concluded for timed-out targets (their pods: branch interfaces).
    "kubernetes.pods",
    ...EC2_SOURCES,
  ],
  after: AFTER_ALL,
  check: check,
};

/** A target is explained when an earlier finding on the same group lists it (same port if both say). */
function explainedBy(prior: readonly Finding[], tgv: TargetGroupView, t: TargetView): boolean {
  return prior.some(
    (f) =>
      f.targetGroupArn === tgv.arn &&
      f.affectedTargets.some(
        (a) => a.id === t.id && (a.port == null || t.port == null || a.port === t.port),
      ),
  );
}

/** What the network check concluded for the timed-out targets, one line per conclusion. */
function networkLines(model: Model, tgv: TargetGroupView, targets: TargetView[]) {
  const byText = new Map<string, { status: string; ids: string[] }>();
  for (const t of targets) {
    const c = networkConclusion(model, tgv, t);
    const text = `Network check ${c.status}: ${c.detail}`;
    const entry = byText.get(text) ?? { status: c.status, ids: [] };
    entry.ids.push(t.id);
    byText.set(text, entry);
  }
  const lines = [...byText].map(([text, { ids }]) =>
    byText.size === 1
      ? `${text}.`
      : `${text} (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}).`,
  );
  return { lines, allOpen: [...byText.values()].every((e) => e.status === "open") };
}

/** Where to look next for one AWS reason; the auditor could not pin the cause itself. */
function hintFor(
  model: Model,
  tgv: TargetGroupView,
  reason: string | null,
  example: TargetView,
  rest: TargetView[],
): string {
  const port = example.checkedPort ?? "<port>";
  const path = tgv.tg.HealthCheckPath ?? "/";
  const scheme = (tgv.tg.HealthCheckProtocol ?? "HTTP").toLowerCase();
  // An instance target is reached on its node's address; an ip target is the address itself.
  const host =
    tgv.targetType === "instance"
      ? (example.node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address ??
        networkPaths(model).inventory.instance(example.id)?.PrivateIpAddress ??
        `<private IP of ${example.id}>`)
      : example.id;
  // A TCP check only opens a connection: curl has no tcp:// scheme, a connect test is the same check.
  const grpc = isGrpc(tgv);
  const url = `${scheme}://${host}:${port}${path}`;
  // A gRPC check is an HTTP/2 POST whose verdict is the grpc-status trailer.
  const grpcCurl = `curl -sv ${scheme === "https" ? "-k --http2" : "--http2-prior-knowledge"} -X POST -H 'content-type: application/grpc' -H 'te: trailers' ${url} (read grpc-status)`;
  const curl =
    scheme === "tcp"
      ? `nc -vz ${host} ${port}`
      : grpc
        ? grpcCurl
        : `curl -sv ${scheme === "https" ? "-k " : ""}${url}`;
  const matcher = grpc ? tgv.tg.Matcher?.GrpcCode : tgv.tg.Matcher?.HttpCode;
  const sgs = tgv.loadBalancers.flatMap((lb) => lb.SecurityGroups ?? []);
  const lbSg = sgs.length > 0 ? sgs.join(", ") : "<load balancer security group>";
  switch (reason) {
    case "Target.Timeout": {
      const net = networkLines(
        model,
        tgv,
        rest.filter((t) => t.reason === reason),
      );
      const hint = net.allOpen
        ? `Target.Timeout: the check got no answer, though the path to port ${port} is open. ` +
          `Check that something listens there and answers within ${tgv.tg.HealthCheckTimeoutSeconds !== undefined ? `${tgv.tg.HealthCheckTimeoutSeconds}s` : "the check's timeout"}. From a host in the VPC: ${curl}`
        : `Target.Timeout: the check got no answer. Allow the load balancer's security group (${lbSg}) ` +
          `inbound on port ${port} in the targets' security group, check the subnets' network ACLs, ` +
          `and that something listens there. From a host in the VPC: ${curl}`;
      return [hint, ...net.lines].join("\n");
    }
    case "Target.ResponseCodeMismatch":
      return (
        `Target.ResponseCodeMismatch: the check got an answer with a code outside ` +
        `${matcher ?? "the matcher"}. See what it returns: ${curl}`
      );
    case "Target.FailedHealthChecks":
      return (
        `Target.FailedHealthChecks: the connection failed or was reset (process down, TLS ` +
        `mismatch, or a proxy closing it). From a host in the VPC: ${curl}`
      );
    case "Target.NotInUse":
      return (
        `Target.NotInUse: the load balancer does not send to this target; check its zone is ` +
        `enabled on the load balancer and a listener forwards to the group.`
      );
    case "Elb.InternalError":
      return `Elb.InternalError: an AWS-side failure; if it persists, open an AWS support case.`;
    default:
      return (
        `${reason ?? "No reason given"}: see AWS's description per target, and ` +
        `aws elbv2 describe-target-health --target-group-arn ${tgv.arn}`
      );
  }
}

function findingFor(model: Model, tgv: TargetGroupView, rest: TargetView[]): Finding {
  const reasons = [...new Set(rest.map((t) => t.reason))];
  const n = rest.length;
  const described = rest
    .slice(0, 5)
    .map((t) => `${t.id} ${t.reason ?? t.state}${t.description ? ` (${t.description})` : ""}`)
    .join("; ");
  return makeFinding("TGT005", {
    severity: "warning",
    title: `${tgv.name}: ${n} failing ${n === 1 ? "target" : "targets"} no check explains (${reasons.map((r) => r ?? "no reason").join(", ")})`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(rest),
    evidence: {
      expected: { state: "healthy" },
      actual: {
        targets: rest.map((t) => ({
          id: t.id,
          port: t.port,
          ...(t.node ? { node: t.node.metadata.name } : {}),
          state: t.state,
          reason: t.reason,
          description: t.description,
        })),
      },
    },
    rootCause:
      `${n === 1 ? "A target" : `${n} targets`} of target group ${tgv.name} ${n === 1 ? "is" : "are"} ` +
      `failing and none of the auditor's checks matched the cause: ${described}${n > 5 ? "; …" : ""}. ` +
      `AWS's reason and description are the lead to follow.`,
    remediation:
      rest
        .filter((t, i) => rest.findIndex((u) => u.reason === t.reason) === i)
        .map((t) => hintFor(model, tgv, t.reason, t, rest))
        .join("\n") +
      `\nCurrent state: aws elbv2 describe-target-health --target-group-arn ${tgv.arn}`,
  });
}

/**
 * TGT005: failing targets that no earlier finding lists, so nothing unhealthy goes unreported.
 * Runs after every rule that explains targets (see the order in rules/index.ts).
 */

function check({ model, prior }: RuleContext): Finding[] {
  return model.targetGroups.flatMap((tgv) => {
    if (!tgv.healthKnown || !tiedToCluster(model, tgv)) return [];
    const byDesign = drainedByLocalPolicy(tgv);
    const rest = failingTargets(tgv).filter(
      (t) => !byDesign.has(t.id) && !explainedBy(prior, tgv, t),
    );
    return rest.length > 0 ? [findingFor(model, tgv, rest)] : [];
  });
}
