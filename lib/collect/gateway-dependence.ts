/**
 * A Gateway API kind the cluster does not serve is no gap (snapshot spec, "Optional lists") —
 * unless something in the snapshot depends on it: a target group the controller tagged as built
 * for a Gateway needs the Gateways, their classes, its route kind and TargetGroupConfigurations.
 */
import { gatewayTags, resourceParts, ROUTE_KINDS_OF, ROUTE_LISTS } from "../controller/gateway-api";
import type { Gap } from "../snapshot/schema";

interface TaggedGroup {
  TargetGroupArn?: string;
  TargetGroupName?: string;
  Tags?: { Key?: string; Value?: string }[];
}

/** The lists each Gateway-built target group needs, with the first group that needs each. */
function needed(targetGroups: readonly TaggedGroup[]): Map<string, string> {
  const needs = new Map<string, string>();
  for (const tg of targetGroups) {
    const tags = Object.fromEntries((tg.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
    const found = gatewayTags(tags);
    if (!found) continue;
    const kind = found.resource ? resourceParts(found.stack, found.resource)?.kind : undefined;
    const routes = (kind ? [kind] : ROUTE_KINDS_OF[found.loadBalancer]).map((k) => ROUTE_LISTS[k]);
    const why = `target group ${tg.TargetGroupName ?? tg.TargetGroupArn} was built for Gateway ${found.stack}`;
    for (const list of ["gatewayClasses", "gateways", "targetGroupConfigurations", ...routes]) {
      if (!needs.has(`kubernetes.${list}`)) needs.set(`kubernetes.${list}`, why);
    }
  }
  return needs;
}

/** The not-served kinds that are gaps after all, each saying which group needs it. */
export function gatewayGaps(
  notServed: readonly Gap[],
  targetGroups: readonly TaggedGroup[],
): Gap[] {
  if (notServed.length === 0) return [];
  const needs = needed(targetGroups);
  return notServed.flatMap((gap) => {
    const why = needs.get(gap.source);
    return why ? [{ ...gap, message: `${gap.message}; ${why}` }] : [];
  });
}
