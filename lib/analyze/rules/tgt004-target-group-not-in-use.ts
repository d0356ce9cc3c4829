// TGT004 detects a target group that no load balancer listener uses.
// Its health says nothing about live traffic: alerts on it are noise, and a missing listener rule is the real outage.
import type { Finding } from "../finding";
import type { Node, LoadBalancer } from "../../snapshot/schema";
import { JOIN_INPUTS, type TargetGroupView, type TargetView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { affected, tgResources, tiedToCluster } from "../finding-parts";
import { failingTargets } from "../health-check";
import { ALB, NLB, SUBNET_ROLE_TAGS, TAGS } from "../../controller/conventions";

export const targetGroupNotInUse: Rule = {
  code: "TGT004",
  inputs: ["aws.targetGroups", "aws.loadBalancers", "kubernetes.nodes", ...JOIN_INPUTS],
  alsoReads: ["kubernetes.ingresses", "kubernetes.endpointSlices"],
  check: check,
};

/** The node's zone label, else the zone in its providerID (`aws:///<zone>/<instance>`). */
function zoneOfNode(node: Node | undefined): string | undefined {
  const labels = node?.metadata.labels;
  const label =
    labels?.["topology.kubernetes.io/zone"] ?? labels?.["failure-domain.beta.kubernetes.io/zone"];
  if (label) return label;
  const parts = node?.spec?.providerID?.replace(/^aws:\/\//, "").split("/") ?? [];
  return parts.length >= 3 && parts[1] ? parts[1] : undefined;
}

const zoneOfTarget = (t: TargetView): string | undefined => t.endpoint?.zone ?? zoneOfNode(t.node);

const zonesOf = (lb: LoadBalancer): string[] =>
  (lb.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : []));

const lbName = (lb: LoadBalancer): string =>
  lb.LoadBalancerName ?? lb.LoadBalancerArn.split("/").slice(-2, -1)[0] ?? lb.LoadBalancerArn;

const uniq = (items: string[]): string[] => [...new Set(items)].sort();

function detachedFinding(tgv: TargetGroupView, failing: TargetView[]): Finding {
  const ing = tgv.ingresses[0];
  const ingName = ing && `${ing.metadata.namespace ?? "default"}/${ing.metadata.name}`;
  const binding = tgv.binding?.metadata;
  const why =
    tgv.manager === "ingress"
      ? `The controller created it for ${ingName ? `Ingress ${ingName}` : `Ingress stack ${tgv.tags[TAGS.ingressStack]}`} ` +
        `but no listener rule forwards to it: the Ingress no longer routes to this Service, ` +
        `was deleted, or the controller failed while reconciling the load balancer.`
      : `Nothing forwards to it: no listener rule or default action names it, so the Service ` +
        `behind it is reachable through no load balancer.`;
  const svc = tgv.service?.metadata;
  // An NLB has listeners but no rules: the controller makes the listener from the Service.
  const serviceFix =
    tgv.manager === "service" && svc
      ? `The controller made it for Service ${svc.namespace ?? "default"}/${svc.name} and forwards a listener to it when it reconciles the Service; check it does (events, then its log):\n` +
        `kubectl -n ${svc.namespace ?? "default"} describe service ${svc.name}\n` +
        `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${tgv.tags[TAGS.serviceStack] ?? svc.name}\n`
      : undefined;
  const fix =
    serviceFix ??
    (tgv.manager === "ingress"
      ? `Check the Ingress still routes to the Service and the controller reconciles it:\n` +
        (ing
          ? `kubectl -n ${ing.metadata.namespace ?? "default"} describe ingress ${ing.metadata.name}\n`
          : "") +
        `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${tgv.tags[TAGS.ingressStack] ?? tgv.name}\n`
      : `Attach it to a listener, as a rule or as the default action:\n` +
        `aws elbv2 create-rule --listener-arn <listener-arn> --priority <n> --conditions Field=path-pattern,Values='/*' --actions Type=forward,TargetGroupArn=${tgv.arn}\n` +
        `aws elbv2 modify-listener --listener-arn <listener-arn> --default-actions Type=forward,TargetGroupArn=${tgv.arn}\n`);
  const cleanup =
    `If nothing should use it any more, remove it` +
    (binding
      ? ` and its binding:\nkubectl -n ${binding.namespace ?? "default"} delete targetgroupbinding ${binding.name}\n`
      : `:\n`) +
    `aws elbv2 delete-target-group --target-group-arn ${tgv.arn}`;
  return makeFinding("TGT004", {
    severity: "warning",
    title: `${tgv.name}: attached to no load balancer, ${failing.length} ${failing.length === 1 ? "target" : "targets"} unused`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: { loadBalancerArns: "at least one" },
      actual: {
        loadBalancerArns: [],
        targets: failing.map((t) => ({ id: t.id, state: t.state, reason: t.reason })),
      },
    },
    rootCause: `Target group ${tgv.name} is attached to no load balancer, so AWS reports its targets as unused (Target.NotInUse) and sends them no traffic. ${why}`,
    discriminator: "detached",
    remediation: fix + cleanup,
  });
}

function zoneFix(tgv: TargetGroupView, lbs: LoadBalancer[], missingZones: string[]): string {
  const zones = missingZones.join(", ");
  const ing = tgv.ingresses.find((i) => i.metadata.annotations?.[ALB.subnets]);
  const add = missingZones.map((z) => `<subnet-in-${z}>`);
  const alternative = `Or keep the group's nodes out of ${zones} (node group subnets, or a nodeSelector on the backing pods).`;
  if (tgv.manager === "ingress" && ing) {
    const ns = ing.metadata.namespace ?? "default";
    const current = ing.metadata.annotations?.[ALB.subnets] ?? "";
    return (
      `Add a subnet in ${zones} to the subnets Ingress ${ns}/${ing.metadata.name} declares (the controller owns the load balancer's subnets):\n` +
      `kubectl -n ${ns} annotate ingress ${ing.metadata.name} --overwrite ${ALB.subnets}=${[current, ...add].join(",")}\n` +
      alternative
    );
  }
  // An NLB made for a Service: the controller reads its subnets from the Service's annotation.
  const svc = tgv.service;
  const declared = svc?.metadata.annotations?.[NLB.subnets];
  if (tgv.manager === "service" && svc && declared !== undefined) {
    const ns = svc.metadata.namespace ?? "default";
    const subnets = [
      ...declared
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
      ...add,
    ];
    return (
      `Add a subnet in ${zones} to the subnets Service ${ns}/${svc.metadata.name} declares (the controller owns the load balancer's subnets):\n` +
      `kubectl -n ${ns} annotate service ${svc.metadata.name} --overwrite ${NLB.subnets}=${subnets.join(",")}\n` +
      alternative
    );
  }
  if (tgv.manager === "ingress" || tgv.manager === "service") {
    const internal = lbs.some((lb) => lb.Scheme === "internal");
    const role = internal ? SUBNET_ROLE_TAGS.internal : SUBNET_ROLE_TAGS.internetFacing;
    return (
      `The controller discovers the load balancer's subnets by tag; tag a subnet in ${zones} so it is picked up at the next reconcile:\n` +
      `aws ec2 create-tags --resources ${add.join(" ")} --tags Key=${role},Value=1\n` +
      alternative
    );
  }
  return lbs
    .map((lb) => {
      const subnets = (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : []));
      return `aws elbv2 set-subnets --load-balancer-arn ${lb.LoadBalancerArn} --subnets ${[...subnets, ...add].join(" ")}`;
    })
    .join("\n")
    .concat(`\n${alternative}`);
}

function zoneFinding(tgv: TargetGroupView, lbs: LoadBalancer[]): Finding | undefined {
  const lbZones = new Set(lbs.flatMap(zonesOf));
  if (lbZones.size === 0) return undefined;
  const outside = failingTargets(tgv).filter((t) => {
    if (t.reason !== "Target.NotInUse") return false;
    const zone = zoneOfTarget(t);
    return zone !== undefined && !lbZones.has(zone);
  });
  if (outside.length === 0) return undefined;
  const missingZones = uniq(outside.map((t) => zoneOfTarget(t) ?? ""));
  const names = lbs.map(lbName).join(", ");
  const n = outside.length;
  return makeFinding("TGT004", {
    severity: "warning",
    title: `${tgv.name}: ${n} ${n === 1 ? "target" : "targets"} in ${missingZones.join(", ")}, not enabled on load balancer ${names}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(outside),
    evidence: {
      expected: { zones: uniq([...lbZones]) },
      actual: {
        zones: missingZones,
        targets: outside.map((t) => ({
          id: t.id,
          ...(t.node ? { node: t.node.metadata.name } : {}),
          zone: zoneOfTarget(t),
          reason: t.reason,
        })),
        loadBalancers: lbs.map((lb) => ({ name: lbName(lb), zones: zonesOf(lb) })),
      },
    },
    rootCause:
      `Load balancer ${names} has no subnet in ${missingZones.join(", ")}, where ${n === 1 ? "target" : "targets"} ` +
      `${outside.map((t) => t.id).join(", ")} of target group ${tgv.name} ${n === 1 ? "runs" : "run"}. ` +
      `AWS marks targets in a zone the load balancer does not serve as unused (Target.NotInUse) and sends them no traffic.`,
    discriminator: "zone",
    remediation: zoneFix(tgv, lbs, missingZones),
  });
}

/**
 * TGT004: the group's targets get no traffic because nothing forwards to the group, or because
 * their zone is not enabled on the load balancer. A detached group that reports nothing failing
 * (no targets, or only unregistered ones) loses no traffic: it is cleanup, left to BIND001.
 */

function check({ model }: RuleContext): Finding[] {
  return model.targetGroups.flatMap((tgv) => {
    if (!tgv.healthKnown || !tiedToCluster(model, tgv)) return [];
    const failing = failingTargets(tgv);
    if (failing.length === 0) return [];
    if ((tgv.tg.LoadBalancerArns ?? []).length === 0) return [detachedFinding(tgv, failing)];
    const finding = zoneFinding(tgv, tgv.loadBalancers);
    return finding ? [finding] : [];
  });
}
