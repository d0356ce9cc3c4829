// TGT001 detects registered targets that no longer match any pod or node of the Service.
// Stale targets fail and take traffic until the controller deregisters them; a stuck reconcile leaves them for good.
import type { Finding } from "../finding";
import { JOIN_INPUTS, type Model, type TargetGroupView, type TargetView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { affected, tgResources, tiedToCluster } from "../finding-parts";

export const staleTarget: Rule = {
  code: "TGT001",
  inputs: [
    "aws.targetGroups",
    "kubernetes.nodes",
    "kubernetes.services",
    "kubernetes.endpointSlices",
    ...JOIN_INPUTS,
  ],
  alsoReads: ["kubernetes.ingresses"],
  check: check,
};

const EVIDENCE_SAMPLE = 20;

/**
 * Draining targets are already on their way out, and `Target.NotRegistered` is AWS saying the
 * target is not in the group at all: neither is drift the controller failed to clean up. An
 * `initial` target was registered moments ago, and the controller registers only what the
 * cluster lists: it is a pod or node newer than the lists of this snapshot, not a leftover.
 */
const isRegistered = (t: TargetView): boolean =>
  t.state !== "draining" && t.state !== "initial" && t.reason !== "Target.NotRegistered";

const targetArg = (t: { id: string; port: number | null }): string =>
  t.port != null ? `Id=${t.id},Port=${t.port}` : `Id=${t.id}`;

const list = (ids: string[], max = 3): string =>
  ids.length > max ? `${ids.slice(0, max).join(", ")}, …` : ids.join(", ");

function staleTargetsOf(model: Model, tgv: TargetGroupView): TargetView[] | undefined {
  // A multi-cluster group also holds other clusters' (or hand-registered) targets by design: the
  // controller removes only those it registered itself, and deregistering the others cuts them off.
  if (tgv.binding?.spec.multiClusterTargetGroup === true) return undefined;
  if (tgv.targetType === "instance") {
    return tgv.targets.filter((t) => isRegistered(t) && !model.nodesByInstanceId.has(t.id));
  }
  // Without the Service we cannot tell which addresses belong; BIND002 covers a missing one.
  if (tgv.targetType === "ip" && tgv.service) {
    return tgv.targets.filter((t) => isRegistered(t) && t.endpoint === undefined);
  }
  return undefined;
}

function controllerAdvice(tgv: TargetGroupView): string {
  if (!tgv.binding) {
    return (
      `No TargetGroupBinding manages this group (see BIND001), so nothing deregisters its ` +
      `targets; deregister them by hand or bind the group.`
    );
  }
  const b = tgv.binding.metadata;
  const ns = b.namespace ?? "default";
  return (
    `The AWS Load Balancer Controller normally deregisters targets that leave the cluster when ` +
    `it reconciles TargetGroupBinding ${ns}/${b.name}; stale targets mean it is not doing so. ` +
    `Check it is running and read its errors:\n` +
    `kubectl -n kube-system get deployment aws-load-balancer-controller\n` +
    `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${b.name}`
  );
}

function findingFor(model: Model, tgv: TargetGroupView, stale: TargetView[]): Finding {
  const ids = stale.map((t) => t.id);
  const n = stale.length;
  const ipMode = tgv.targetType === "ip";
  const svc = tgv.service ? `${tgv.namespace ?? "default"}/${tgv.service.metadata.name}` : "";
  const what = ipMode
    ? `${n === 1 ? "IP is" : "IPs are"} in no EndpointSlice of Service ${svc}`
    : `${n === 1 ? "instance is" : "instances are"} no node of cluster ${model.cluster.name}`;
  // The full membership list would grow every finding with the cluster; a sample and the count
  // prove the point.
  const members = ipMode
    ? tgv.endpoints.map((e) => e.address)
    : [...model.nodesByInstanceId.keys()];
  const sample = members.sort().slice(0, EVIDENCE_SAMPLE);
  const expected = ipMode
    ? { staleTargets: [], serviceEndpointAddresses: sample, serviceEndpointCount: members.length }
    : { staleTargets: [], clusterNodeInstances: sample, clusterNodeCount: members.length };
  const rootCause = ipMode
    ? `${list(ids)} ${n === 1 ? "is" : "are"} registered in target group ${tgv.name} but no ` +
      `EndpointSlice of Service ${svc} lists ${n === 1 ? "it" : "them"}: the pod behind the ` +
      `address was deleted or rescheduled and the target stayed. The load balancer keeps ` +
      `checking an address that another pod may reuse, and sends it traffic while it passes.`
    : `${list(ids)} ${n === 1 ? "is" : "are"} registered in target group ${tgv.name} but no ` +
      `node of cluster ${model.cluster.name} has ${n === 1 ? "that instance" : "those instances"} ` +
      `as providerID: the node was removed or replaced and its target stayed. The load balancer ` +
      `keeps checking, and sends traffic to, a machine that is no longer part of the cluster.`;
  return makeFinding("TGT001", {
    severity: "warning",
    title: `${tgv.name}: ${n} registered ${what} (${list(ids)})`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(stale),
    evidence: {
      expected,
      actual: {
        staleTargets: stale.map((t) => ({
          id: t.id,
          port: t.port,
          state: t.state,
          reason: t.reason,
        })),
      },
    },
    rootCause,
    remediation:
      `Deregister the stale ${n === 1 ? "target" : "targets"}:\n` +
      `aws elbv2 deregister-targets --target-group-arn ${tgv.arn} --targets ${stale.map(targetArg).join(" ")}\n` +
      controllerAdvice(tgv),
  });
}

/** TGT001: registered targets that are not part of the cluster, healthy or not (latent drift). */

function check({ model }: RuleContext): Finding[] {
  return model.targetGroups.flatMap((tgv) => {
    if (!tgv.healthKnown || !tiedToCluster(model, tgv)) return [];
    const stale = staleTargetsOf(model, tgv);
    return stale && stale.length > 0 ? [findingFor(model, tgv, stale)] : [];
  });
}
