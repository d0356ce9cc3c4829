/** Pieces of findings that many rules build the same way. */
import type { AffectedTarget, ResourceRef, Severity } from "./finding";
import type { Model, TargetGroupView, TargetView } from "./model";
import { TAGS } from "../controller/conventions";

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

/** critical when every registered target is failing, else warning (the catalog's "as HC001"). */
export const severityByFailing = (tgv: TargetGroupView): Severity =>
  tgv.targets.length > 0 && tgv.targets.every((t) => t.failing) ? "critical" : "warning";

/** A group this cluster owns: bound by a TargetGroupBinding or tagged with the cluster's name. */
export const tiedToCluster = (model: Model, tgv: TargetGroupView): boolean =>
  tgv.binding !== undefined || tgv.tags[TAGS.cluster] === model.cluster.name;
