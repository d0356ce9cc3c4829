/**
 * kube-proxy's externalTrafficPolicy as the load balancer meets it: with Local, a node answers the
 * health check only while it runs a ready endpoint, and fails by design on the others.
 */
import type { TargetGroupView } from "./model";

/**
 * kube-proxy's health port of a Service with externalTrafficPolicy Local: it answers /healthz
 * with 200 only on nodes that run a ready endpoint, and the controller points NLB checks at it.
 */
export function healthCheckNodePort(tgv: TargetGroupView): number | undefined {
  const spec = tgv.service?.spec;
  return spec?.externalTrafficPolicy === "Local" ? spec.healthCheckNodePort : undefined;
}

/**
 * Failing targets that fail by design: the check is on kube-proxy's healthCheckNodePort, which
 * answers 503 on nodes without a ready endpoint precisely so the load balancer skips them, and
 * other nodes (with one) pass. Nothing is broken there; reporting it would page for a feature.
 */
export function drainedByLocalPolicy(tgv: TargetGroupView): Set<string> {
  const healthPort = healthCheckNodePort(tgv);
  if (healthPort === undefined || tgv.targetType !== "instance") return new Set();
  if (!tgv.targets.some((t) => t.healthy)) return new Set();
  const nodesWithEndpoints = new Set(
    tgv.endpoints.filter((e) => e.ready && e.nodeName).map((e) => e.nodeName as string),
  );
  return new Set(
    tgv.targets
      .filter(
        (t) =>
          t.failing &&
          t.checkedPort === healthPort &&
          t.node !== undefined &&
          !nodesWithEndpoints.has(t.node.metadata.name),
      )
      .map((t) => t.id),
  );
}
