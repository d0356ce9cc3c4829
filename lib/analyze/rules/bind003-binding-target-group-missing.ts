// BIND003 detects a TargetGroupBinding whose target group no longer exists in AWS.
// The binding looks fine in the cluster while the load balancer it fed serves from a group that is gone or re-created empty.
import type { Finding } from "../finding";
import { keyOf } from "../k8s";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import type { TargetGroup, TargetGroupBinding } from "../../snapshot/schema";
import { ref } from "../finding-parts";
import { STACK_LABELS } from "../../controller/conventions";

export const bindingTargetGroupMissing: Rule = {
  code: "BIND003",
  // A gap in the group list is a group AWS may well have: the rule then does not run.
  inputs: ["kubernetes.targetGroupBindings", "aws.targetGroups"],
  check,
};

/**
 * The collector looks every bound group up (by ARN, or by name), so a group the snapshot lacks
 * was answered "not found" — unless a gap names that ARN (its lookup failed otherwise).
 */
function check({ model }: RuleContext): Finding[] {
  const groups = model.snapshot.aws.targetGroups;
  const byArn = new Set(groups.map((tg) => tg.TargetGroupArn));
  const byName = new Map(
    groups.flatMap((tg) => (tg.TargetGroupName ? [[tg.TargetGroupName, tg]] : [])),
  );
  const unknown = new Set(model.snapshot.gaps.flatMap((g) => g.targetGroupArn ?? []));
  return model.snapshot.kubernetes.targetGroupBindings.flatMap((binding) => {
    const arn = binding.spec.targetGroupARN || undefined;
    const name = arn ? nameInArn(arn) : binding.spec.targetGroupName || undefined;
    if (arn ? byArn.has(arn) || unknown.has(arn) : !name || byName.has(name)) return [];
    return [findingFor(binding, arn, name, name ? byName.get(name) : undefined)];
  });
}

/** `arn:…:targetgroup/<name>/<id>` → `<name>`. */
const nameInArn = (arn: string): string | undefined => /:targetgroup\/([^/]+)\//.exec(arn)?.[1];

/** Labels the controller puts on the bindings it creates for an Ingress (group) or a Service. */
function managedBy(binding: TargetGroupBinding): string | undefined {
  const labels = binding.metadata.labels ?? {};
  const ns = binding.metadata.namespace ?? "default";
  const group = labels[STACK_LABELS.ingressGroup];
  if (group) return `the Ingresses of group ${group}`;
  for (const [kind, nsLabel, nameLabel] of [
    ["Ingress", STACK_LABELS.ingressNamespace, STACK_LABELS.ingressName],
    ["Service", STACK_LABELS.serviceNamespace, STACK_LABELS.serviceName],
  ] as const) {
    const name = labels[nameLabel];
    if (name) return `${kind} ${labels[nsLabel] ?? ns}/${name}`;
  }
  return undefined;
}

function remediation(
  binding: TargetGroupBinding,
  arn: string | undefined,
  name: string | undefined,
  sameName: TargetGroup | undefined,
): string {
  const ns = binding.metadata.namespace ?? "default";
  const tgb = binding.metadata.name;
  const owner = managedBy(binding);
  if (owner) {
    return (
      `This binding was made by the AWS Load Balancer Controller for ${owner}: the controller re-creates ` +
      `the target group and the binding when it next reconciles it. Trigger that with any change to the ` +
      `object (or restart the controller: kubectl -n kube-system rollout restart deployment/aws-load-balancer-controller), ` +
      `and check its events: kubectl -n ${ns} get events --field-selector type=Warning.`
    );
  }
  if (sameName && arn) {
    // spec.targetGroupARN is immutable (the controller's webhook refuses a change): replace it.
    return (
      `Point the binding at the group that now has the name ${name} (spec.targetGroupARN cannot be changed in place, so replace the binding):\n` +
      `kubectl -n ${ns} get targetgroupbinding ${tgb} -o yaml | sed 's#targetGroupARN: .*#targetGroupARN: ${sameName.TargetGroupArn}#' | kubectl replace --force -f -`
    );
  }
  const what = arn ? `target group ${name ?? arn}` : `a target group named ${name}`;
  return (
    `Re-create ${what} (aws elbv2 create-target-group --name ${name ?? "<name>"} ...) and ` +
    (arn
      ? `replace the binding with one that names the new ARN, `
      : `the binding finds it by name, `) +
    `or delete the binding if nothing should route here: kubectl -n ${ns} delete targetgroupbinding ${tgb}`
  );
}

function findingFor(
  binding: TargetGroupBinding,
  arn: string | undefined,
  name: string | undefined,
  sameName: TargetGroup | undefined,
): Finding {
  const label = keyOf(binding.metadata);
  const named = arn ? `ARN ${arn}` : `name ${name}`;
  return makeFinding("BIND003", {
    severity: "warning",
    title: `TargetGroupBinding ${label} names target group ${name ?? arn} that AWS does not have`,
    targetGroupArn: arn ?? null,
    resources: [ref("TargetGroupBinding", binding.metadata)],
    affectedTargets: [],
    evidence: {
      expected: { targetGroup: arn ? { TargetGroupArn: arn } : { TargetGroupName: name } },
      actual: {
        lookup: "TargetGroupNotFound",
        ...(sameName && arn
          ? {
              groupWithSameName: { TargetGroupArn: sameName.TargetGroupArn, TargetGroupName: name },
            }
          : {}),
      },
    },
    rootCause:
      `TargetGroupBinding ${label} names its target group by ${named}, and AWS has no such group in this region` +
      (sameName && arn
        ? ` — a group named ${name} exists under another ARN, so it was deleted and re-created outside the cluster`
        : ` — typically it was deleted outside the cluster`) +
      `. The controller cannot register targets: whatever routes to that group has none.`,
    remediation: remediation(binding, arn, name, sameName),
  });
}
