// CTRL001 detects the AWS Load Balancer Controller's own Warning events on the objects it builds load balancers from.
// The controller often states the root cause (a bad annotation, a blocked IngressGroup) where nobody reads it; every later change waits on it.
import {
  annotationIn,
  blockingIngress,
  ingressGroupOf,
  intSuggestion,
  shortMessage,
  warningsFor,
  type ControllerWarning,
  type ObjectRef,
} from "../controller-events";
import type { Finding, ResourceRef } from "../finding";
import { JOIN_SOURCES, type Model } from "../model";
import { clusterSecurityGroupTag } from "../../controller/conventions";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { preferredTargetGroup } from "../network-fixes";
import { EC2_SOURCES, networkPaths } from "../reachability";

export const loadBalancerControllerError: Rule = {
  code: "CTRL001",
  inputs: ["kubernetes.events", "aws.targetGroups", ...JOIN_SOURCES],
  // A Gateway's group is also tied to its route and TargetGroupConfiguration; the EC2 lists name
  // the security groups of an interface the controller could not choose among.
  alsoReads: [...GATEWAY_SOURCES, ...EC2_SOURCES],
  check,
};

/** One finding: an object and reason, or the members of one IngressGroup that say the same. */
interface Report {
  warnings: ControllerWarning[];
  group?: string;
  targetGroups: Set<string>;
}

const keyOfRef = (o: ObjectRef) => `${o.kind}/${o.namespace}/${o.name}`;

function check({ model }: RuleContext): Finding[] {
  const reports = new Map<string, Report>();
  for (const tgv of model.targetGroups) {
    for (const w of warningsFor(tgv, model)) {
      // The controller writes a group's error on every member: one finding for all of them.
      const ing =
        w.object.kind === "Ingress"
          ? model.ingressesByKey.get(`${w.object.namespace}/${w.object.name}`)
          : undefined;
      const group = ing && ingressGroupOf(ing);
      const key = group
        ? `group/${group}/${w.reason}/${w.message}`
        : `${keyOfRef(w.object)}/${w.reason}`;
      const report = reports.get(key) ?? { warnings: [], group, targetGroups: new Set() };
      reports.set(key, report);
      if (!report.warnings.some((x) => keyOfRef(x.object) === keyOfRef(w.object)))
        report.warnings.push(w);
      report.targetGroups.add(tgv.arn);
    }
  }
  return [...reports.values()].map((r) => findingOf(r, model));
}

const refOf = (o: ObjectRef): ResourceRef => ({ ...o });
const label = (o: ObjectRef) => `${o.kind} ${o.namespace}/${o.name}`;
const kubectlKind = (kind: string) => kind.toLowerCase();

function remediation(r: Report, model: Model): string {
  const first = r.warnings[0]!;
  const { reason, message } = first;
  const culprit = reason === "FailedBuildModel" ? blockingIngress(message) : undefined;
  const annotation = annotationIn(message);
  if (culprit) {
    const ns = culprit.namespace;
    const whole = intSuggestion(message, annotation?.value);
    const what = annotation
      ? `its annotation ${annotation.key}` +
        (annotation.value !== undefined
          ? ` (value "${annotation.value}", which the controller cannot use)`
          : "")
      : "the annotation or field the message names";
    const blocks = r.group
      ? `Ingress ${ns}/${culprit.name} breaks the model of IngressGroup ${r.group}, and the controller applies nothing to any Ingress of the group until it builds. `
      : "";
    const command = annotation
      ? whole !== undefined
        ? `kubectl -n ${ns} annotate ingress ${culprit.name} --overwrite ${annotation.key}=${whole}`
        : `kubectl -n ${ns} edit ingress ${culprit.name} (or remove it: kubectl -n ${ns} annotate ingress ${culprit.name} ${annotation.key}-)`
      : `kubectl -n ${ns} edit ingress ${culprit.name}`;
    return (
      `${blocks}Fix ${what} on Ingress ${ns}/${culprit.name}` +
      (whole !== undefined ? `: a whole number, "${whole}"` : "") +
      `: ${command}. The controller reconciles the group again on the change; its events turn to SuccessfullyReconciled.`
    );
  }
  if (reason === "FailedNetworkReconcile" && /securityGroup tagged with/.test(message)) {
    return clusterTagRemediation(message, model);
  }
  if (reason === "BackendNotFound") {
    const o = first.object;
    return (
      `The binding's spec.serviceRef names a Service or port that does not exist: create it, or point the binding at an existing Service port ` +
      `(kubectl -n ${o.namespace} get ${kubectlKind(o.kind)} ${o.name} -o yaml; kubectl -n ${o.namespace} get services).`
    );
  }
  const o = first.object;
  return (
    `Read what the controller says and fix the object: kubectl -n ${o.namespace} describe ${kubectlKind(o.kind)} ${o.name}; ` +
    `its logs: kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${o.namespace}/${o.name}`
  );
}

/**
 * The controller's `expected exactly one securityGroup tagged with <key> [and map[k:v]] for eni
 * <eni>, got: [<tagged>] (clusterName: <name>)`: the groups of that interface the snapshot holds
 * and the ones the controller found tagged name the exact group to tag or untag. The key is the
 * controller's own (its --cluster-name), which may not be this cluster's name.
 */
function clusterTagRemediation(message: string, model: Model): string {
  const m = /tagged with (\S+)(?: and map\[([^\]]*)\])? for eni (\S+), got: \[([^\]]*)\]/.exec(
    message,
  );
  const tag = m?.[1] ?? clusterSecurityGroupTag(model.cluster.name);
  const extra = (m?.[2] ?? "").split(/\s+/).filter((kv) => kv.includes(":"));
  const eni = m?.[3] ?? "<eni>";
  const tagged = (m?.[4] ?? "").split(/\s+/).filter(Boolean);
  const inventory = networkPaths(model).inventory;
  const groups = (inventory.networkInterface(eni)?.Groups ?? []).flatMap((g) =>
    g.GroupId ? [g.GroupId] : [],
  );
  const own = clusterSecurityGroupTag(model.cluster.name);
  const theirs =
    /\(clusterName: ([^)\s]+)\)/.exec(message)?.[1] ??
    tag.slice(clusterSecurityGroupTag("").length);
  const misnamed =
    tag !== own
      ? ` The controller looks for ${tag}, not ${own}: it runs with --cluster-name ${theirs}; if that is not this cluster's name, set the controller's clusterName to ${model.cluster.name} rather than retagging.`
      : "";
  const lead =
    `The controller opens the target's security group to the load balancer only when exactly one security group of interface ${eni} carries the tag ${tag}` +
    (extra.length > 0 ? ` and the tags ${extra.join(", ")}` : "") +
    `; ${tagged.length === 0 ? "none does" : `${tagged.join(", ")} all do`}.${misnamed}\n`;
  const tags = [
    `Key=${tag},Value=owned`,
    ...extra.map(
      (kv) => `Key=${kv.slice(0, kv.indexOf(":"))},Value=${kv.slice(kv.indexOf(":") + 1)}`,
    ),
  ].join(" ");
  if (tagged.length > 1) {
    const keep = preferredTargetGroup(inventory, tagged, tag);
    const drop = tagged.filter((id) => id !== keep);
    return `${lead}Keep the tag on ${keep} only:\naws ec2 delete-tags --resources ${drop.join(" ")} --tags Key=${tag}`;
  }
  if (groups.length > 0) {
    const keep = preferredTargetGroup(inventory, groups, tag);
    return `${lead}Interface ${eni} has security groups ${groups.join(", ")}; tag ${keep}:\naws ec2 create-tags --resources ${keep} --tags ${tags}`;
  }
  return (
    `${lead}List its groups: aws ec2 describe-network-interfaces --network-interface-ids ${eni} --query 'NetworkInterfaces[0].Groups'\n` +
    `Tag exactly one (the EKS cluster security group, eks-cluster-sg-…, when it is among them): aws ec2 create-tags --resources <sg-id> --tags ${tags}`
  );
}

function findingOf(r: Report, model: Model): Finding {
  const objects = r.warnings.map((w) => w.object);
  const first = r.warnings[0]!;
  const count = r.warnings.reduce((n, w) => n + w.count, 0);
  const lastSeen = r.warnings
    .map((w) => w.lastSeen)
    .sort()
    .at(-1)!;
  const arns = [...r.targetGroups].sort();
  const on =
    r.group && objects.length > 1
      ? `${objects.length} Ingresses of IngressGroup ${r.group}`
      : label(first.object);
  return makeFinding("CTRL001", {
    severity: "warning",
    title: `AWS Load Balancer Controller: ${first.reason} on ${on}`,
    targetGroupArn: arns.length === 1 ? arns[0]! : null,
    resources: objects.map(refOf),
    affectedTargets: [],
    evidence: {
      expected: { controllerWarnings: "none within the hour before the audit" },
      actual: {
        objects: objects.map(label),
        reason: first.reason,
        message: shortMessage(first.message),
        count,
        lastSeen,
        ...(arns.length > 1 ? { targetGroups: arns } : {}),
      },
    },
    rootCause:
      `The AWS Load Balancer Controller recorded ${first.reason} ${count} time(s) on ${on}, last at ${lastSeen}: ` +
      `"${shortMessage(first.message)}". While it fails, the controller does not apply what these objects declare, ` +
      `so the load balancer keeps its previous state.`,
    remediation: remediation(r, model),
    discriminator: `${first.reason}${r.group ? `/${r.group}/${first.message}` : ""}`,
  });
}
