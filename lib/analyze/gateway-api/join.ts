/**
 * Target group → Gateway, GatewayClass and route, from the tags the AWS Load Balancer
 * Controller puts on the groups it builds for Gateways (lib/controller/gateway-api.ts): the
 * stack tag names the Gateway; the resource tag is cut at its colons only and each
 * `<ns>-<name>` piece is matched against the objects of the snapshot, never split.
 */
import {
  GATEWAY_CONTROLLER_NAME,
  gatewayTags,
  resourceParts,
  ROUTE_KINDS,
  ROUTE_LISTS,
  type GatewayLoadBalancer,
  type ResourceParts,
  type RouteKind,
} from "../../controller/gateway-api";
import {
  array,
  controllerNameOf,
  gatewayClassNameOf,
  keyOfObject,
  namespaceOf,
  record,
  text,
  type GatewayApiLists,
  type GatewayApiObject,
} from "./objects";

const dashed = (o: GatewayApiObject) => `${namespaceOf(o)}-${o.metadata.name}`;

/** Lookups built once per snapshot. */
export interface GatewayIndex {
  lists: GatewayApiLists;
  gateways: Map<string, GatewayApiObject>;
  classes: Map<string, GatewayApiObject>;
  /** Routes of each kind by their `<ns>-<name>` (several when names collide that way). */
  routes: Map<RouteKind, Map<string, GatewayApiObject[]>>;
}

export function gatewayIndex(lists: GatewayApiLists): GatewayIndex {
  const byKey = (
    items: readonly GatewayApiObject[] | undefined,
    key: (o: GatewayApiObject) => string,
  ) => new Map((items ?? []).map((o) => [key(o), o] as const));
  const routes = new Map<RouteKind, Map<string, GatewayApiObject[]>>();
  for (const kind of ROUTE_KINDS) {
    const byDashed = new Map<string, GatewayApiObject[]>();
    for (const route of lists[ROUTE_LISTS[kind]] ?? []) {
      const key = dashed(route);
      byDashed.set(key, [...(byDashed.get(key) ?? []), route]);
    }
    routes.set(kind, byDashed);
  }
  return {
    lists,
    gateways: byKey(lists.gateways, keyOfObject),
    classes: byKey(lists.gatewayClasses, (o) => o.metadata.name),
    routes,
  };
}

export interface RouteRef {
  kind: RouteKind;
  namespace: string;
  name: string;
}

/** Why a piece of the join is missing: the list was not collected, or has no such object. */
export type Missing = "not collected" | "not found" | "ambiguous" | "untagged";

export interface GatewayJoin {
  loadBalancer: GatewayLoadBalancer;
  /** The Gateway's namespace and name, from the stack tag. */
  gatewayRef: { namespace: string; name: string };
  gateway?: GatewayApiObject;
  gatewayClass?: GatewayApiObject;
  /** The class is the controller's own (`gateway.k8s.aws/alb` or `/nlb`). */
  controllerClass?: boolean;
  /** The route kind the resource tag names, known even when the route is not in the snapshot. */
  routeKind?: RouteKind;
  route?: RouteRef;
  /** Set when `route` is not: why not. */
  routeMissing?: Missing;
  parts?: ResourceParts;
}

function backendNames(route: GatewayApiObject, service: { namespace: string; name: string }) {
  return array(record(route.spec)?.rules).some((rule) =>
    array(record(rule)?.backendRefs).some((raw) => {
      const ref = record(raw) ?? {};
      return (
        text(ref.name) === service.name &&
        (ref.kind === undefined || ref.kind === "Service") &&
        (text(ref.namespace) ?? namespaceOf(route)) === service.namespace
      );
    }),
  );
}

function findRoute(
  index: GatewayIndex,
  parts: ResourceParts,
  service?: { namespace: string; name: string },
): { route?: RouteRef; missing?: Missing } {
  if (index.lists[ROUTE_LISTS[parts.kind]] === undefined) return { missing: "not collected" };
  let candidates = index.routes.get(parts.kind)?.get(parts.route) ?? [];
  // `a-b`/`c` and `a`/`b-c` read the same in the tag: the one routing to the Service decides.
  if (candidates.length > 1 && service) {
    const routing = candidates.filter((r) => backendNames(r, service));
    if (routing.length > 0) candidates = routing;
  }
  if (candidates.length === 0) return { missing: "not found" };
  if (candidates.length > 1) return { missing: "ambiguous" };
  const route = candidates[0]!;
  return { route: { kind: parts.kind, namespace: namespaceOf(route), name: route.metadata.name } };
}

/**
 * The Gateway side of a target group the controller built for a Gateway; undefined for any
 * other group. `service` (from the binding) settles a route name the tag cannot.
 */
export function joinGateway(
  index: GatewayIndex,
  tags: Readonly<Record<string, string>>,
  service?: { namespace: string; name: string },
): GatewayJoin | undefined {
  const found = gatewayTags(tags);
  if (!found) return undefined;
  const slash = found.stack.indexOf("/");
  const gatewayRef = { namespace: found.stack.slice(0, slash), name: found.stack.slice(slash + 1) };
  const gateway = index.gateways.get(found.stack);
  const className = gateway && gatewayClassNameOf(gateway);
  const gatewayClass = className !== undefined ? index.classes.get(className) : undefined;
  const controller = gatewayClass && controllerNameOf(gatewayClass);
  const parts = found.resource ? resourceParts(found.stack, found.resource) : undefined;
  const route = parts ? findRoute(index, parts, service) : { missing: "untagged" as const };
  return {
    loadBalancer: found.loadBalancer,
    gatewayRef,
    ...(gateway ? { gateway } : {}),
    ...(gatewayClass ? { gatewayClass } : {}),
    ...(controller !== undefined
      ? { controllerClass: Object.values(GATEWAY_CONTROLLER_NAME).includes(controller) }
      : {}),
    ...(parts ? { routeKind: parts.kind, parts } : {}),
    ...(route.route ? { route: route.route } : { routeMissing: route.missing }),
  };
}

interface ServiceLike {
  metadata: { name: string; namespace?: string };
  spec?: { ports?: { port: number; targetPort?: number | string; name?: string }[] };
}

/** Services by `<namespace>-<name>`, as the resource tag writes them. */
export function servicesByDashedName<S extends ServiceLike>(
  services: readonly S[],
): Map<string, S[]> {
  const map = new Map<string, S[]>();
  for (const s of services) {
    const key = `${s.metadata.namespace ?? "default"}-${s.metadata.name}`;
    map.set(key, [...(map.get(key) ?? []), s]);
  }
  return map;
}

/**
 * The Service and port a Gateway-built group was made for, from its resource tag alone: for a
 * group no binding names. The tag's port is the Service port's targetPort (the controller's
 * backend identifier); a name two Services share that way, or a targetPort two ports share,
 * leaves that piece unknown rather than guessed.
 */
export function taggedBackend<S extends ServiceLike>(
  tags: Readonly<Record<string, string>>,
  byDashedName: ReadonlyMap<string, readonly S[]>,
): { service: S; port?: NonNullable<NonNullable<S["spec"]>["ports"]>[number] } | undefined {
  const found = gatewayTags(tags);
  const parts = found?.resource ? resourceParts(found.stack, found.resource) : undefined;
  const matches = parts ? (byDashedName.get(parts.service) ?? []) : [];
  if (!parts || matches.length !== 1) return undefined;
  const service = matches[0]!;
  const ports = (service.spec?.ports ?? []).filter(
    (p) => String(p.targetPort ?? p.port) === parts.port,
  );
  return ports.length === 1 ? { service, port: ports[0] } : { service };
}
