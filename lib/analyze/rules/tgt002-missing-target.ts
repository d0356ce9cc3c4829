// TGT002 detects ready endpoints of the Service that are not registered in the target group.
// Capacity that should serve traffic does not, and a scale-down can leave the group with none.
import type { Finding, AffectedTarget } from "../finding";
import { targetContainer } from "../k8s";
import { JOIN_INPUTS, registersEndpoint, type EndpointView, type TargetGroupView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { tgResources } from "../finding-parts";

export const missingTarget: Rule = {
  code: "TGT002",
  inputs: ["aws.targetGroups", "kubernetes.endpointSlices", ...JOIN_INPUTS],
  alsoReads: ["kubernetes.ingresses", "kubernetes.pods"],
  check: check,
};

/** The port the controller registers an endpoint on: the container port the Service targets. */
function expectedPort(tgv: TargetGroupView, ep: EndpointView): number | null {
  const sp = tgv.servicePort;
  if (!sp) return tgv.tg.Port ?? null;
  if (ep.pod) {
    const port = targetContainer(ep.pod, sp)?.port;
    if (port !== undefined) return port;
  }
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number" || /^\d+$/.test(target)) return Number(target);
  // A named targetPort without the pod: the slice lists the number it resolved to, by port name.
  return ep.ports.find((p) => (p.name ?? "") === (sp.name ?? ""))?.port ?? null;
}

const list = (ids: string[], max = 3): string =>
  ids.length > max ? `${ids.slice(0, max).join(", ")}, …` : ids.join(", ");

/**
 * TGT002: ip mode, ready endpoints of the bound Service that the target group does not hold.
 * Only bound groups: without a binding nothing registers targets at all, which BIND001 reports.
 * Only when the group is empty or has a failing target (precision rule): a pod that just became
 * ready is registered seconds later, and a group whose targets all pass loses no traffic.
 */

function check({ model }: RuleContext): Finding[] {
  return model.targetGroups.flatMap((tgv) => {
    if (tgv.targetType !== "ip" || !tgv.healthKnown || !tgv.binding || !tgv.service) return [];
    // Unlisted by the prefilter: registered hosts pass, and which ones is not known.
    if (tgv.healthyPerCloudWatch) return [];
    if (tgv.targets.length > 0 && !tgv.targets.some((t) => t.failing)) return [];
    // A draining or initial target is registered; only an absent one is missing.
    const registered = new Set(
      tgv.targets.filter((t) => t.reason !== "Target.NotRegistered").map((t) => t.id),
    );
    const seen = new Set<string>();
    const registrable = tgv.endpoints.filter((ep) => ep.ready && registersEndpoint(tgv, ep));
    const missing = registrable.filter((ep) => {
      if (registered.has(ep.address) || seen.has(ep.address)) return false;
      seen.add(ep.address);
      return true;
    });
    if (missing.length === 0) return [];

    const binding = tgv.binding.metadata;
    const bns = binding.namespace ?? "default";
    const svc = `${tgv.namespace ?? "default"}/${tgv.service.metadata.name}`;
    const targets: AffectedTarget[] = missing.map((ep) => ({
      id: ep.address,
      port: expectedPort(tgv, ep),
      // What DescribeTargetHealth answers for a target that is not in the group.
      state: "unused",
      reason: "Target.NotRegistered",
    }));
    const addrs = missing.map((ep) => ep.address);
    const pods = missing.flatMap((ep) =>
      ep.pod ? [`${ep.pod.metadata.namespace ?? "default"}/${ep.pod.metadata.name}`] : [],
    );
    const n = missing.length;
    return [
      makeFinding("TGT002", {
        severity: "warning",
        title: `${tgv.name}: ${n} ready ${n === 1 ? "endpoint" : "endpoints"} of Service ${svc} not registered (${list(addrs)})`,
        targetGroupArn: tgv.arn,
        resources: tgResources(tgv),
        affectedTargets: targets,
        evidence: {
          expected: {
            registered: [...new Set(registrable.map((e) => e.address))],
          },
          actual: {
            registered: tgv.targets.map((t) => t.id),
            notRegistered: addrs,
            ...(pods.length > 0 ? { pods } : {}),
          },
        },
        rootCause:
          `${list(addrs)} ${n === 1 ? "is a ready endpoint" : "are ready endpoints"} of Service ${svc} ` +
          `but ${n === 1 ? "is" : "are"} not registered in target group ${tgv.name}, so the load ` +
          `balancer sends ${n === 1 ? "it" : "them"} no traffic. The AWS Load Balancer Controller ` +
          `registers the ready endpoints when it reconciles TargetGroupBinding ${bns}/${binding.name}; ` +
          `it has not (controller down, missing IAM permission, or an error on this binding).`,
        remediation:
          `Find why the controller has not reconciled the binding (events, then its log):\n` +
          `kubectl -n ${bns} describe targetgroupbinding ${binding.name}\n` +
          `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${binding.name}\n` +
          `Once it reconciles it registers them; to restore capacity now:\n` +
          `aws elbv2 register-targets --target-group-arn ${tgv.arn} --targets ${targets
            .map((t) => (t.port != null ? `Id=${t.id},Port=${t.port}` : `Id=${t.id}`))
            .join(" ")}`,
      }),
    ];
  });
}
