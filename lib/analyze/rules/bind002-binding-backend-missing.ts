// BIND002 detects a TargetGroupBinding whose Service or Service port does not exist.
// The controller cannot register any target, so the load balancer has nothing healthy to send traffic to.
import type { Finding } from "../finding";
import type { Model } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import type { Service, ServicePort, TargetGroupBinding } from "../../snapshot/schema";
import { affected, ref } from "../finding-parts";
import { failingTargets } from "../health-check";
import { STACK_LABELS, TAGS } from "../../controller/conventions";

export const bindingBackendMissing: Rule = {
  code: "BIND002",
  inputs: ["kubernetes.targetGroupBindings", "kubernetes.services"],
  alsoReads: ["aws.targetGroups"],
  check: check,
};

/** Port by number, or by name (a numeric string also matches the number, as the controller does). */
function findPort(service: Service, port: number | string): ServicePort | undefined {
  const ports = service.spec?.ports ?? [];
  if (typeof port === "number") return ports.find((p) => p.port === port);
  return (
    ports.find((p) => p.name === port) ??
    (/^\d+$/.test(port) ? ports.find((p) => p.port === Number(port)) : undefined)
  );
}

const portLabel = (p: ServicePort): string => (p.name ? `${p.name}:${p.port}` : String(p.port));

/** The controller-made owner of a binding: edits to the binding itself would be reverted. */
function ownerOf(binding: TargetGroupBinding): string | undefined {
  const labels = binding.metadata.labels ?? {};
  const edit = (kind: string, ns: string, name: string) =>
    `${kind === "ingress" ? "Ingress" : "Service"} ${ns}/${name} (kubectl -n ${ns} edit ${kind} ${name})`;
  const [ingNs, ingName] = [
    labels[STACK_LABELS.ingressNamespace],
    labels[STACK_LABELS.ingressName],
  ];
  if (ingNs && ingName) return edit("ingress", ingNs, ingName);
  const [svcNs, svcName] = [
    labels[STACK_LABELS.serviceNamespace],
    labels[STACK_LABELS.serviceName],
  ];
  if (svcNs && svcName) return `Service ${svcNs}/${svcName}`;
  // The stack tag's `<ns>/<name>` form, as hand-assembled snapshots carry it.
  const ingressStack = labels[STACK_LABELS.ingressGroup];
  if (ingressStack?.includes("/")) {
    const [ns = "", name = ""] = ingressStack.split("/");
    return edit("ingress", ns, name);
  }
  if (ingressStack) return `the Ingresses of group ${ingressStack}`;
  const serviceStack = labels[TAGS.serviceStack];
  return serviceStack ? `Service ${serviceStack}` : undefined;
}

function remediationFor(
  binding: TargetGroupBinding,
  service: Service | undefined,
  inNamespace: string[],
): string {
  const ns = binding.metadata.namespace ?? "default";
  const { name: svcName, port } = binding.spec.serviceRef;
  const ports = service?.spec?.ports ?? [];
  const owner = ownerOf(binding);
  if (owner) {
    return service
      ? `The controller made this binding from ${owner}; edits to the binding are reverted. ` +
          `Add port ${port} back to Service ${ns}/${svcName}, or change the backend port there to one ` +
          `the Service has (${ports.map(portLabel).join(", ") || "none"}).`
      : `The controller made this binding from ${owner}; edits to the binding are reverted. ` +
          `Re-create Service ${ns}/${svcName}, or change the backend there to an existing Service ` +
          `(${inNamespace.join(", ") || `none in ${ns}`}).`;
  }
  const patch = (ref: { name?: string; port?: number | string }) =>
    `kubectl -n ${ns} patch targetgroupbinding ${binding.metadata.name} --type merge -p '${JSON.stringify({ spec: { serviceRef: ref } })}'`;
  if (service) {
    const first = ports[0];
    return first
      ? `Point the binding at a port Service ${ns}/${svcName} has (${ports.map(portLabel).join(", ")}):\n` +
          `${patch({ port: first.port })}\nor add port ${port} to the Service.`
      : `Service ${ns}/${svcName} has no ports: add port ${port} to it.`;
  }
  const other = inNamespace[0];
  return other
    ? `Create Service ${ns}/${svcName}, or point the binding at an existing one (${inNamespace.join(", ")}):\n` +
        patch({ name: other, port })
    : `Create Service ${ns}/${svcName}: namespace ${ns} has no Service the binding could name.`;
}

function findingFor(
  model: Model,
  binding: TargetGroupBinding,
  service: Service | undefined,
): Finding {
  const ns = binding.metadata.namespace ?? "default";
  const name = binding.metadata.name;
  const svcRef = binding.spec.serviceRef;
  const tgv = model.targetGroups.find((t) =>
    (model.bindingsByArn.get(t.arn) ?? []).includes(binding),
  );
  const arn = tgv?.arn ?? binding.spec.targetGroupARN ?? null;
  const label = tgv
    ? tgv.name
    : arn
      ? (arn.split(":targetgroup/")[1]?.split("/")[0] ?? arn)
      : (binding.spec.targetGroupName ?? "(no target group)");
  const inNamespace = model.snapshot.kubernetes.services
    .filter((s) => (s.metadata.namespace ?? "default") === ns)
    .map((s) => s.metadata.name)
    .sort();
  const ports = service?.spec?.ports ?? [];
  const what = service
    ? `port ${svcRef.port} of Service ${ns}/${svcRef.name}, which has ${ports.length > 0 ? `only ${ports.map(portLabel).join(", ")}` : "no ports"}`
    : `Service ${ns}/${svcRef.name}, which does not exist`;
  const remediation = remediationFor(binding, service, inNamespace);
  const failing = tgv?.healthKnown ? failingTargets(tgv) : [];
  return makeFinding("BIND002", {
    severity: "critical",
    title: `${label}: TargetGroupBinding ${ns}/${name} names ${service ? `missing port ${svcRef.port} of Service ${svcRef.name}` : `missing Service ${svcRef.name}`}`,
    targetGroupArn: arn,
    resources: [
      ref("TargetGroupBinding", binding.metadata),
      ...(service ? [ref("Service", service.metadata)] : []),
    ],
    affectedTargets: affected(failing),
    evidence: {
      expected: { serviceRef: { namespace: ns, name: svcRef.name, port: svcRef.port } },
      actual: service
        ? { servicePorts: ports.map((p) => ({ name: p.name ?? null, port: p.port })) }
        : { servicesInNamespace: inNamespace },
    },
    rootCause:
      `TargetGroupBinding ${ns}/${name} names ${what}. The AWS Load Balancer Controller cannot ` +
      `resolve the backend, so it stops reconciling target group ${label}: new pods are never ` +
      `registered and departed ones never removed.`,
    remediation,
    discriminator: service ? "port" : "service",
  });
}

/** BIND002: a binding whose serviceRef names a Service or Service port that does not exist. */

function check({ model }: RuleContext): Finding[] {
  return model.snapshot.kubernetes.targetGroupBindings.flatMap((binding) => {
    const ns = binding.metadata.namespace ?? "default";
    const service = model.servicesByKey.get(`${ns}/${binding.spec.serviceRef.name}`);
    if (service && findPort(service, binding.spec.serviceRef.port)) return [];
    return [findingFor(model, binding, service)];
  });
}
