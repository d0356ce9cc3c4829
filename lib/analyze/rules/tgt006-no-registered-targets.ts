// TGT006 detects a target group that a load balancer uses with no target registered at all.
// The load balancer answers 503 to every request; node selection or endpoints, not the health check, is the cause.
import type { Finding } from "../finding";
import { keyOf } from "../k8s";
import { JOIN_INPUTS, registersEndpoint, type Model, type TargetGroupView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { nodeChoices, nodeSelectionFixes } from "../node-selection";
import { tgResources } from "../finding-parts";
import { GATEWAY_SOURCES } from "../gateway-api/view";

export const noRegisteredTargets: Rule = {
  code: "TGT006",
  // An empty group is a fact of AWS alone; the cluster's lists only explain it.
  inputs: ["aws.targetGroups", ...JOIN_INPUTS],
  alsoReads: [
    "kubernetes.ingresses",
    "aws.loadBalancers",
    "kubernetes.nodes",
    "kubernetes.endpointSlices",
    "kubernetes.pods",
    // A Gateway's group takes its nodeSelector from the TargetGroupConfiguration the fix names.
    ...GATEWAY_SOURCES,
  ],
  after: ["TGT003", "BIND002"],
  check,
};

function check({ model, prior }: RuleContext): Finding[] {
  const explained = new Set(
    prior.flatMap((f) =>
      (f.code === "TGT003" || f.code === "BIND002") && f.targetGroupArn ? [f.targetGroupArn] : [],
    ),
  );
  return model.targetGroups.flatMap((tgv) => {
    if (!tgv.healthKnown || tgv.healthyPerCloudWatch || tgv.targets.length > 0) return [];
    if ((tgv.tg.LoadBalancerArns ?? []).length === 0 || explained.has(tgv.arn)) return [];
    return [tgv.targetType === "ip" ? ipFinding(tgv) : instanceFinding(tgv, model)];
  });
}

const lbNames = (tgv: TargetGroupView): string[] =>
  (tgv.tg.LoadBalancerArns ?? []).map(
    (arn) => tgv.loadBalancers.find((lb) => lb.LoadBalancerArn === arn)?.LoadBalancerName ?? arn,
  );

/** A group no binding names is registered by nobody; the controller needs one to fill it. */
function unbound(tgv: TargetGroupView): string {
  return tgv.binding
    ? ""
    : ` No TargetGroupBinding names it, so nothing in the cluster registers targets in it (BIND001).`;
}

function draft(
  tgv: TargetGroupView,
  actual: Record<string, unknown>,
  rootCause: string,
  remediation: string,
) {
  return makeFinding("TGT006", {
    severity: "critical",
    title: `Target group ${tgv.name} has no registered target: ${lbNames(tgv).join(", ")} answer 503`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: [],
    evidence: {
      expected: { registeredTargets: ">= 1" },
      actual: {
        registeredTargets: 0,
        loadBalancers: lbNames(tgv),
        targetType: tgv.targetType,
        binding: tgv.binding ? keyOf(tgv.binding.metadata) : null,
        ...actual,
      },
    },
    rootCause,
    remediation,
  });
}

function ipFinding(tgv: TargetGroupView): Finding {
  const ready = tgv.endpoints.filter((e) => e.ready && registersEndpoint(tgv, e));
  const svc = tgv.service ? keyOf(tgv.service.metadata) : "the Service";
  const cause =
    ready.length > 0
      ? `Service ${svc} has ${ready.length} ready endpoint(s) (${ready.map((e) => e.address).join(", ")}), but none is registered: the controller is not reconciling this group.`
      : `Service ${svc} has no ready endpoint to register.`;
  const fix = tgv.binding
    ? `Find why the controller does not register them: kubectl -n ${tgv.binding.metadata.namespace ?? "default"} describe targetgroupbinding ${tgv.binding.metadata.name} ` +
      `and kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${tgv.binding.metadata.name}.`
    : `Bind the group to its Service with a TargetGroupBinding (spec.targetType: ip), or delete the group if nothing should route to it.`;
  return draft(
    tgv,
    { readyEndpoints: ready.map((e) => e.address), endpoints: tgv.endpoints.length },
    `Target group ${tgv.name} is used by ${lbNames(tgv).join(", ")} and has no registered target, so every request routed to it gets 503. ${cause}${unbound(tgv)}`,
    fix,
  );
}

function instanceFinding(tgv: TargetGroupView, model: Model): Finding {
  const nodes = [...model.nodesByName.values()];
  const choices = nodeChoices(tgv, model);
  const admitted = choices.filter((c) => c.registered);
  const out = choices.filter((c) => !c.registered);
  const leftOut = out.map((c) => ({
    node: c.node.metadata.name,
    rule: c.leftOutBy,
    detail: c.detail,
  }));
  const actual = { nodes: nodes.length, nodesAdmitted: admitted.length, nodesLeftOut: leftOut };
  const lead = `Target group ${tgv.name} is used by ${lbNames(tgv).join(", ")} and has no registered target, so every request routed to it gets 503.`;
  if (nodes.length > 0 && admitted.length === 0) {
    return draft(
      tgv,
      actual,
      `${lead} The controller's node selection admits none of the cluster's ${nodes.length} node(s): ${out
        .map((c) => `${c.node.metadata.name} (${c.detail})`)
        .join(", ")}.${unbound(tgv)}`,
      `Bring nodes back into the selection; the controller registers them on its next reconcile:\n${nodeSelectionFixes(tgv, out).join("\n")}`,
    );
  }
  const who = tgv.binding
    ? `kubectl -n ${tgv.binding.metadata.namespace ?? "default"} describe targetgroupbinding ${tgv.binding.metadata.name}`
    : "a TargetGroupBinding for the group (none names it)";
  return draft(
    tgv,
    actual,
    `${lead} The controller's node selection admits ${admitted.length} node(s), so it is not registering them.${unbound(tgv)}`,
    `Find why the controller does not register the admitted nodes: ${who}; kubectl -n kube-system logs deployment/aws-load-balancer-controller.`,
  );
}
