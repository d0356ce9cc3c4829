/**
 * Which of the cluster's nodes the controller registers in an instance-mode group, and why each
 * other node is left out (the spec's "Node selection", lib/controller/conventions.ts selectNodes).
 */
import type { Node } from "../snapshot/schema";
import {
  ALB,
  NLB,
  describeTerm,
  selectNodes,
  type LabelSelector,
  type NodeChoice,
  type SelectorTerm,
} from "../controller/conventions";
import { keyOf } from "./k8s";
import { serviceAnnotationFix, targetGroupPropsFixFor } from "./remediation";
import type { Model, TargetGroupView } from "./model";

/**
 * Which of the cluster's nodes the controller registers in this (instance-mode) group, and why
 * each other node is left out: node selection with the binding's nodeSelector, which the
 * controller fills from the target-node-labels annotations.
 */
export function nodeChoices(tgv: TargetGroupView, model: Model): NodeChoice[] {
  return selectNodes([...model.nodesByName.values()], selectorOf(tgv));
}

const selectorOf = (tgv: TargetGroupView): LabelSelector | null | undefined =>
  tgv.binding?.spec.nodeSelector;

/**
 * The same for the named nodes only (a group's pods run on few of the cluster's many nodes).
 * Readiness is judged among all candidates (fail-open when none is Ready=True), so when the named
 * ones hold no Ready candidate the whole cluster decides.
 */
export function nodeChoicesOf(
  tgv: TargetGroupView,
  model: Model,
  names: Iterable<string>,
): NodeChoice[] {
  const nodes = [...names].flatMap((n) => model.nodesByName.get(n) ?? []);
  const some = selectNodes(nodes, selectorOf(tgv));
  const admitted = some.filter((c) => c.registered);
  if (admitted.length === 0 || admitted.some((c) => readyStatus(c.node) === "True")) return some;
  const wanted = new Set(nodes);
  return nodeChoices(tgv, model).filter((c) => wanted.has(c.node));
}

const readyStatus = (node: Node): string | undefined =>
  node.status?.conditions?.find((c) => c.type === "Ready")?.status;

/** `kubectl -n ns annotate kind name key-`: drop an annotation (the controller's default then applies). */
const removeAnnotation = (kind: string, meta: { name: string; namespace?: string }, key: string) =>
  `kubectl -n ${meta.namespace ?? "default"} annotate ${kind} ${meta.name} ${key}-`;

/**
 * Where the group's node selector is declared, and the command that drops it (every node the
 * other rules admit is registered again): the controller writes a binding's nodeSelector from the
 * target-node-labels annotation (the Service's over the Ingress's) or the TargetGroupConfiguration,
 * and reverts an edit of a binding it owns, so only a hand-made binding is patched itself.
 */
function selectorSource(tgv: TargetGroupView): string {
  const svc = tgv.service;
  if (tgv.manager === "gateway") {
    const d = tgv.tgcHealthCheck;
    const tgc =
      d?.status === "declared" ? d.block.tgc : d?.status === "none" ? d.serviceTgc : undefined;
    const where = tgc
      ? `TargetGroupConfiguration ${tgc.metadata.namespace ?? "default"}/${tgc.metadata.name}`
      : "the Service's TargetGroupConfiguration";
    return `or widen targetGroupProps.nodeSelector in ${where} (the controller copies it to the binding)`;
  }
  if (tgv.manager === "ingress" || tgv.manager === "service") {
    const key = tgv.manager === "ingress" ? ALB.targetNodeLabels : NLB.targetNodeLabels;
    const holder =
      svc && svc.metadata.annotations?.[key] !== undefined
        ? { kind: "service", meta: svc.metadata }
        : tgv.manager === "ingress"
          ? tgv.ingresses
              .filter((i) => i.metadata.annotations?.[key] !== undefined)
              .map((i) => ({ kind: "ingress", meta: i.metadata }))[0]
          : undefined;
    if (!holder) return `or widen the ${key} annotation the binding's nodeSelector comes from`;
    const value = holder.meta.annotations?.[key] ?? "";
    return (
      `or widen ${key}: "${value}" on ${holder.kind === "service" ? "Service" : "Ingress"} ${keyOf(holder.meta)}, ` +
      `or remove it to register every node: ${removeAnnotation(holder.kind, holder.meta, key)}`
    );
  }
  const b = tgv.binding?.metadata;
  if (!b) return "";
  return (
    `or drop the nodeSelector of TargetGroupBinding ${keyOf(b)}: ` +
    `kubectl -n ${b.namespace ?? "default"} patch targetgroupbinding ${b.name} --type json -p '[{"op":"remove","path":"/spec/nodeSelector"}]'`
  );
}

/** Registering pods instead of nodes, on the object the controller reads the target type from. */
function ipTargetsFix(tgv: TargetGroupView): string {
  const viaTgc = targetGroupPropsFixFor(tgv, { targetType: "ip" });
  if (viaTgc) return viaTgc;
  const key =
    tgv.manager === "ingress" ? ALB.targetType : tgv.manager === "service" ? NLB.targetType : "";
  const annotated = key ? serviceAnnotationFix(tgv, { [key]: "ip" }) : undefined;
  return (
    annotated ??
    `create a target group of type ip and a TargetGroupBinding with spec.targetType: ip for ${tgv.service ? `Service ${keyOf(tgv.service.metadata)}` : "the Service"}`
  );
}

/**
 * The changes that bring left-out nodes back, one command per exclusion label or missed
 * selector term for all the nodes it keeps out, each other node with its own fix.
 */
export function nodeSelectionFixes(tgv: TargetGroupView, out: readonly NodeChoice[]): string[] {
  const byLabel = new Map<string, string[]>();
  const byTerm = new Map<string, { term: SelectorTerm; nodes: string[] }>();
  const fargate: string[] = [];
  const lines: string[] = [];
  for (const c of out) {
    const name = c.node.metadata.name;
    if (c.leftOutBy === "fargate") fargate.push(name);
    else if (c.leftOutBy === "exclusionLabel" && c.label) {
      byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), name]);
    } else if (c.leftOutBy === "nodeSelector" && c.term) {
      const key = describeTerm(c.term);
      const entry = byTerm.get(key) ?? { term: c.term, nodes: [] };
      entry.nodes.push(name);
      byTerm.set(key, entry);
    } else lines.push(`${name}: ${c.fix ?? c.detail ?? c.leftOutBy}`);
  }
  const labelled = [...byLabel].map(
    ([label, nodes]) =>
      `kubectl label node ${nodes.join(" ")} ${label}-\n` +
      `(the label keeps a node out whatever its value, "false" included; take it out of the node group's labels too, or new nodes come back with it)`,
  );
  const source = selectorSource(tgv);
  const selected = [...byTerm.values()].map(({ term, nodes }) => {
    const exact = term.operator === "In" && term.values.length === 1;
    const label = exact
      ? `kubectl label node ${nodes.join(" ")} ${term.key}=${term.values[0]} (and in the node group's labels, for new nodes)`
      : `label node(s) ${nodes.join(", ")} to satisfy ${describeTerm(term)}`;
    return (
      `The binding's nodeSelector requires ${describeTerm(term)}: ${label}` +
      (source ? `\n${source}` : "")
    );
  });
  const pods =
    fargate.length > 0
      ? [
          `${fargate.join(", ")} ${fargate.length === 1 ? "is a Fargate node" : "are Fargate nodes"}, which cannot be instance targets; register the pods instead (the controller then creates a new target group of type ip):\n${ipTargetsFix(tgv)}`,
        ]
      : [];
  return [...labelled, ...selected, ...pods, ...lines];
}
