/**
 * What the AWS Load Balancer Controller said about the objects a target group is built from:
 * its recent Warning events (snapshot `kubernetes.events`), grouped per object and reason.
 * CTRL001 reports them; HC005 names them as the reason a declared value did not take.
 */
import { ALB } from "../controller/conventions";
import { isControllerWarning } from "../controller/events";
import { gatewayTags } from "../controller/gateway-api";
import type { Ingress, KubeEvent } from "../snapshot/schema";
import type { Model, TargetGroupView } from "./model";

/** Only what the controller said within this long before the capture still describes now. */
export const EVENT_WINDOW_MS = 60 * 60 * 1000;
export const MAX_EVENT_MESSAGE = 500;

export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** The latest Warning per object and reason, with the count of all of them. */
export interface ControllerWarning {
  object: ObjectRef;
  reason: string;
  message: string;
  count: number;
  lastSeen: string;
}

const objectKey = (o: ObjectRef) => `${o.kind}/${o.namespace}/${o.name}`;

/** When the event last happened: series, then lastTimestamp, eventTime, firstTimestamp. */
export function lastSeenOf(e: KubeEvent): string | undefined {
  return (
    e.series?.lastObservedTime ??
    e.lastTimestamp ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata.creationTimestamp ??
    undefined
  );
}

export const shortMessage = (message: string): string =>
  message.length > MAX_EVENT_MESSAGE ? `${message.slice(0, MAX_EVENT_MESSAGE - 1)}…` : message;

const cache = new WeakMap<Model, Map<string, ControllerWarning[]>>();

/** Recent controller Warnings by object key; empty when events were not collected. */
function warningsByObject(model: Model): Map<string, ControllerWarning[]> {
  const cached = cache.get(model);
  if (cached) return cached;
  const since = Date.parse(model.snapshot.capturedAt) - EVENT_WINDOW_MS;
  const byKey = new Map<string, Map<string, ControllerWarning>>();
  for (const e of model.snapshot.kubernetes.events ?? []) {
    // The collector keeps the same events; a snapshot assembled by hand may hold others.
    if (!isControllerWarning(e)) continue;
    const seen = lastSeenOf(e);
    if (!seen || !(Date.parse(seen) >= since)) continue;
    const io = e.involvedObject;
    if (!io.kind || !io.name) continue;
    const object = { kind: io.kind, namespace: io.namespace ?? "default", name: io.name };
    const reasons = byKey.get(objectKey(object)) ?? new Map<string, ControllerWarning>();
    byKey.set(objectKey(object), reasons);
    const reason = e.reason ?? "(no reason)";
    const count = e.series?.count ?? e.count ?? 1;
    const before = reasons.get(reason);
    const latest = !before || Date.parse(seen) >= Date.parse(before.lastSeen);
    reasons.set(reason, {
      object,
      reason,
      message: latest ? (e.message ?? "") : before.message,
      count: (before?.count ?? 0) + count,
      lastSeen: latest ? seen : before.lastSeen,
    });
  }
  const out = new Map([...byKey].map(([k, reasons]) => [k, [...reasons.values()]]));
  cache.set(model, out);
  return out;
}

/** The IngressGroup an Ingress belongs to, if it names one. */
export const ingressGroupOf = (ing: Ingress): string | undefined =>
  ing.metadata.annotations?.[ALB.groupName]?.trim() || undefined;

/**
 * The objects whose controller errors bear on a target group: its Ingresses and every other
 * Ingress of their IngressGroups (one broken member blocks the whole group), its Service and
 * its TargetGroupBindings; for a group built for a Gateway, that Gateway, its route and the
 * TargetGroupConfiguration in effect.
 */
export function tiedObjects(tgv: TargetGroupView, model: Model): ObjectRef[] {
  const refs = new Map<string, ObjectRef>();
  const add = (kind: string, meta: { name: string; namespace?: string }) => {
    const o = { kind, namespace: meta.namespace ?? "default", name: meta.name };
    refs.set(objectKey(o), o);
  };
  const groups = new Set(tgv.ingresses.flatMap((i) => ingressGroupOf(i) ?? []));
  for (const ing of tgv.ingresses) add("Ingress", ing.metadata);
  if (groups.size > 0) {
    for (const ing of model.ingressesByKey.values()) {
      const group = ingressGroupOf(ing);
      if (group && groups.has(group)) add("Ingress", ing.metadata);
    }
  }
  if (tgv.service) add("Service", tgv.service.metadata);
  for (const b of model.bindingsByArn.get(tgv.arn) ?? []) add("TargetGroupBinding", b.metadata);
  const gateway = tgv.manager === "gateway" ? gatewayTags(tgv.tags) : undefined;
  if (gateway) {
    const slash = gateway.stack.indexOf("/");
    add("Gateway", {
      namespace: gateway.stack.slice(0, slash),
      name: gateway.stack.slice(slash + 1),
    });
    if (tgv.gateway?.route) add(tgv.gateway.route.kind, tgv.gateway.route);
    const declared = tgv.tgcHealthCheck;
    const tgc =
      declared?.status === "declared"
        ? declared.block.tgc
        : declared?.status === "none"
          ? declared.serviceTgc
          : undefined;
    if (tgc) add("TargetGroupConfiguration", tgc.metadata);
  }
  return [...refs.values()];
}

/** The recent controller Warnings on the objects tied to this target group. */
export function warningsFor(tgv: TargetGroupView, model: Model): ControllerWarning[] {
  const byObject = warningsByObject(model);
  return tiedObjects(tgv, model).flatMap((o) => byObject.get(objectKey(o)) ?? []);
}

/** `ingress: <ns>/<name>:` in a FailedBuildModel message names the member that broke the build. */
export function blockingIngress(message: string): { namespace: string; name: string } | undefined {
  const m = /\bingress: ([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*):/i.exec(message);
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

/**
 * The first annotation a message quotes (the controller names the one it cannot parse) and the
 * value it quotes with it: `failed to parse int32 annotation, <key>: <value>: <why>`.
 */
export function annotationIn(message: string): { key: string; value?: string } | undefined {
  const m = /\b((?:alb\.ingress|service\.beta)\.kubernetes\.io\/[-\w.]+)(?:: ([^:\s]+))?/.exec(
    message,
  );
  return m ? { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}) } : undefined;
}

/** A whole number of what an int annotation was given ("10s" → "10"), when it starts with one. */
export function intSuggestion(message: string, value: string | undefined): string | undefined {
  if (!value || !/failed to parse int(32|64) annotation/.test(message)) return undefined;
  return /^\d+/.exec(value)?.[0];
}

export const describeWarning = (w: ControllerWarning): string =>
  `${w.reason} on ${w.object.kind} ${w.object.namespace}/${w.object.name}: "${shortMessage(w.message)}"`;
