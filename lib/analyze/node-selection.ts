/**
 * Which of the cluster's nodes the controller registers in an instance-mode group, and why each
 * other node is left out (the spec's "Node selection", lib/controller/conventions.ts selectNodes).
 */
import type { Node } from "../snapshot/schema";
import { selectNodes, type LabelSelector, type NodeChoice } from "../controller/conventions";
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
