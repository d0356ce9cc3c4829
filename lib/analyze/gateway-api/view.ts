/**
 * The Gateway API part of a target-group view, built once per snapshot: which Gateway and route
 * a group was built for, what its TargetGroupConfiguration declares, and whether its Service is
 * one a Gateway implementation generated.
 */
import type { Snapshot, Source } from "../../snapshot/schema";
import { GATEWAY_KINDS, type GatewayKind } from "../../controller/gateway-api";
import {
  declaredHealthCheck,
  routeIdentity,
  type DeclaredHealthCheck,
} from "./declared-health-check";
import { generatedFor, type GeneratedGatewayService } from "./istio-gateway";
import { gatewayIndex, joinGateway, type GatewayIndex, type GatewayJoin } from "./join";
import { gatewayDefaults } from "./load-balancer-configuration";
import type { GatewayApiLists } from "./objects";

const sourceOf = (k: GatewayKind) => `kubernetes.${k.list}` as const satisfies Source;

/** What a rule reading a Gateway-built group's declared health check must declare it reads. */
export const GATEWAY_SOURCES: readonly Source[] = GATEWAY_KINDS.map(sourceOf);

/** The lists the Gateway joins read (route lists: every kind, as the tag decides which). */
export const GATEWAY_JOIN_SOURCES: readonly Source[] = GATEWAY_KINDS.filter(
  (k) => k.list !== "targetGroupConfigurations" && k.list !== "loadBalancerConfigurations",
).map(sourceOf);

/** A list that could not be read (a gap) is no evidence either way: joined as not collected. */
export function gatewayIndexOf(snapshot: Snapshot, gapSources: ReadonlySet<string>): GatewayIndex {
  const lists = { ...(snapshot.kubernetes as GatewayApiLists) };
  for (const source of GATEWAY_SOURCES) {
    if (gapSources.has(source))
      delete lists[source.slice("kubernetes.".length) as keyof GatewayApiLists];
  }
  return gatewayIndex(lists);
}

interface ServiceRef {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

export interface GatewayParts {
  gateway?: GatewayJoin;
  tgcHealthCheck?: DeclaredHealthCheck;
  generatedService?: GeneratedGatewayService;
}

export function gatewayParts(
  index: GatewayIndex,
  tags: Readonly<Record<string, string>>,
  service: ServiceRef | undefined,
): GatewayParts {
  const ref = service && {
    namespace: service.metadata.namespace ?? "default",
    name: service.metadata.name,
  };
  const gateway = joinGateway(index, tags, ref);
  const generatedService = service ? generatedFor(service, index.gateways) : undefined;
  const tgcHealthCheck =
    gateway && ref
      ? declaredHealthCheck(
          index.lists,
          ref,
          gateway.gatewayRef,
          routeIdentity(gateway.route, gateway.routeKind),
          gatewayDefaults(index.lists, gateway.gateway, gateway.gatewayClass),
        )
      : undefined;
  return {
    ...(gateway ? { gateway } : {}),
    ...(tgcHealthCheck ? { tgcHealthCheck } : {}),
    ...(generatedService ? { generatedService } : {}),
  };
}
