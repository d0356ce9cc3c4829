/** Pieces of findings that many rules build the same way. */
import type { AffectedTarget, ResourceRef, Severity } from "./finding";
import type { Model, TargetGroupView, TargetView } from "./model";
import type { Node } from "../snapshot/schema";
import { TAGS, selectNodes, type LabelSelector, type NodeChoice } from "../controller/conventions";

export const ref = (kind: string, meta: { name: string; namespace?: string }): ResourceRef => ({
  kind,
  namespace: meta.namespace ?? "default",
  name: meta.name,
});

export function affected(targets: readonly TargetView[]): AffectedTarget[] {
  return targets.map((t) => ({ id: t.id, port: t.port, state: t.state, reason: t.reason }));
}

/** The Kubernetes objects behind a target group: binding, Service and creating Ingresses. */
export function tgResources(tgv: TargetGroupView): ResourceRef[] {
  const refs: ResourceRef[] = [];
  if (tgv.binding) refs.push(ref("TargetGroupBinding", tgv.binding.metadata));
  if (tgv.service) refs.push(ref("Service", tgv.service.metadata));
  for (const ing of tgv.ingresses) refs.push(ref("Ingress", ing.metadata));
  return refs;
}

export const failingTargets = (tgv: TargetGroupView): TargetView[] =>
  tgv.targets.filter((t) => t.failing);

export const anyHealthy = (tgv: TargetGroupView): boolean => tgv.targets.some((t) => t.healthy);

/** critical when every registered target is failing, else warning (the catalog's "as HC001"). */
export const severityByFailing = (tgv: TargetGroupView): Severity =>
  tgv.targets.length > 0 && tgv.targets.every((t) => t.failing) ? "critical" : "warning";

export const tgLabel = (tgv: TargetGroupView): string => tgv.name;

/** A group this cluster owns: bound by a TargetGroupBinding or tagged with the cluster's name. */
export const tiedToCluster = (model: Model, tgv: TargetGroupView): boolean =>
  tgv.binding !== undefined || tgv.tags[TAGS.cluster] === model.cluster.name;

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
