// BIND001 detects a target group tagged for this cluster that no TargetGroupBinding binds.
// Nothing registers or deregisters its targets any more, so they drift from the pods until traffic fails.
import type { Finding } from "../finding";
import { JOIN_INPUTS, type TargetGroupView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import { tgResources } from "../finding-parts";
import { TAGS, serviceResourceOf } from "../../controller/conventions";
import { GATEWAY_RESOURCE, gatewayTags } from "../../controller/gateway-api";

export const unboundTargetGroup: Rule = {
  code: "BIND001",
  inputs: ["aws.targetGroups", ...JOIN_INPUTS],
  alsoReads: ["kubernetes.ingresses"],
  check: check,
};

/** The Service a binding should name: the one the model resolved, else what the tags say. */
function serviceGuess(tgv: TargetGroupView): { ns: string; name: string; port: string } {
  if (tgv.service) {
    return {
      ns: tgv.service.metadata.namespace ?? "default",
      name: tgv.service.metadata.name,
      port: tgv.servicePort ? String(tgv.servicePort.port) : "<service-port>",
    };
  }
  const stack = tgv.tags[TAGS.serviceStack];
  if (stack?.includes("/")) {
    const [ns = "<namespace>", name = "<service-name>"] = stack.split("/");
    const resource = serviceResourceOf(tgv.tags[TAGS.serviceResource]);
    return {
      ns: resource?.namespace ?? ns,
      name: resource?.name ?? name,
      port: resource?.port ?? "<service-port>",
    };
  }
  return {
    ns: tgv.namespace ?? "<namespace>",
    name: "<service-name>",
    port: "<service-port>",
  };
}

const yamlScalar = (v: string): string => (/^\d+$/.test(v) || v.startsWith("<") ? v : `"${v}"`);

/** The object the controller made this group for, from its stack tags, and how to look at it. */
function ownerOf(tgv: TargetGroupView): { label: string; check?: string } | undefined {
  const gateway = tgv.manager === "gateway" ? gatewayTags(tgv.tags) : undefined;
  if (gateway) {
    const [ns, name] = gateway.stack.split("/");
    return {
      label: `Gateway ${gateway.stack}`,
      check: `kubectl -n ${ns} describe ${GATEWAY_RESOURCE} ${name} (its Programmed condition)`,
    };
  }
  const stack =
    tgv.manager === "ingress"
      ? tgv.tags[TAGS.ingressStack]
      : tgv.manager === "service"
        ? tgv.tags[TAGS.serviceStack]
        : undefined;
  if (!stack) return undefined;
  const kind = tgv.manager === "ingress" ? "ingress" : "service";
  if (!stack.includes("/")) return { label: `the Ingresses of group ${stack}` };
  const [ns, name] = stack.split("/");
  return {
    label: `${kind === "ingress" ? "Ingress" : "Service"} ${stack}`,
    check: `kubectl -n ${ns} get ${kind} ${name} -o yaml`,
  };
}

function remediation(tgv: TargetGroupView): string {
  const svc = serviceGuess(tgv);
  const owner = ownerOf(tgv);
  const detached = (tgv.tg.LoadBalancerArns ?? []).length === 0;
  const del = `aws elbv2 delete-target-group --target-group-arn ${tgv.arn}`;
  const yaml =
    `kubectl apply -f - <<'EOF'\n` +
    `apiVersion: elbv2.k8s.aws/v1beta1\n` +
    `kind: TargetGroupBinding\n` +
    `metadata:\n` +
    `  name: ${tgv.name}\n` +
    `  namespace: ${svc.ns}\n` +
    `spec:\n` +
    `  targetGroupARN: ${tgv.arn}\n` +
    `  targetType: ${tgv.targetType}\n` +
    `  serviceRef:\n` +
    `    name: ${svc.name}\n` +
    `    port: ${yamlScalar(svc.port)}\n` +
    `EOF`;
  const parts: string[] = [];
  if (owner) {
    parts.push(
      `The controller creates this binding itself for ${owner.label}; check that it still exists and routes to the Service, and that the controller reconciles it:\n` +
        (owner.check ? `${owner.check}\n` : "") +
        `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${tgv.name}`,
    );
  }
  const bind = `To bind the group to its Service by hand:\n${yaml}`;
  const orphan = `If nothing uses the group, delete it:\n${del}`;
  // A group no load balancer forwards to is most likely a leftover: say so first.
  parts.push(...(detached ? [orphan, bind] : [bind, orphan]));
  return parts.join("\n");
}

/** BIND001: a group the controller made for this cluster that no TargetGroupBinding names. */

function check({ model }: RuleContext): Finding[] {
  return model.targetGroups.flatMap((tgv) => {
    if (tgv.tags[TAGS.cluster] !== model.cluster.name) return [];
    if ((model.bindingsByArn.get(tgv.arn) ?? []).length > 0) return [];
    const lbs = tgv.tg.LoadBalancerArns ?? [];
    const detached = lbs.length === 0;
    return [
      makeFinding("BIND001", {
        severity: "warning",
        title: `${tgv.name}: tagged for cluster ${model.cluster.name} but no TargetGroupBinding names it`,
        targetGroupArn: tgv.arn,
        resources: tgResources(tgv),
        affectedTargets: [],
        evidence: {
          expected: { targetGroupBindings: `at least one with targetGroupARN ${tgv.arn}` },
          actual: {
            targetGroupBindings: 0,
            [TAGS.cluster]: model.cluster.name,
            loadBalancerArns: lbs,
            registeredTargets: tgv.healthyPerCloudWatch
              ? `not listed (${tgv.tg.CloudWatchHealth?.HealthyHostCount ?? "some"} healthy per CloudWatch)`
              : tgv.targets.length,
          },
        },
        rootCause:
          `Target group ${tgv.name} carries ${TAGS.cluster}=${model.cluster.name}, so the AWS Load ` +
          `Balancer Controller made it for this cluster, but no TargetGroupBinding names it: nothing ` +
          `registers new pods or nodes in it or removes departed ones, so its targets drift until ` +
          `they are all stale.` +
          (detached
            ? ` No load balancer forwards to it either, which points to a leftover of a deleted Ingress or Service.`
            : ``),
        remediation: remediation(tgv),
      }),
    ];
  });
}
