/**
 * The health check a TargetGroupConfiguration declares for a target group the controller built
 * for a Gateway — one source of "declared health check" for HC001–HC007, beside annotations.
 *
 * The controller's precedence (pkg/gateway/tg_config_constructor.go, routeutils/backend_service.go):
 * the TargetGroupConfiguration in the Service's namespace whose `targetReference` names the
 * Service (kind `Service` or unset) gives its most specific `routeConfigurations[]` entry for
 * the route — kind+namespace+name, then kind+namespace, then kind — or else its
 * `defaultConfiguration`; without a `healthCheckConfig` there, the Gateway-wide default applies:
 * the TargetGroupConfiguration a LoadBalancerConfiguration of the Gateway or its class names
 * (./load-balancer-configuration: the winner's routeConfigurations entry, else the defaults'
 * `defaultConfiguration` in precedence order); without one, the Gateway-level one of catalog 1.1
 * (`targetReference.kind: Gateway` naming the group's Gateway), chosen the same way.
 * `healthCheckConfig` is taken whole: a Service-level block replaces the Gateway's, and only the
 * fields of the block in effect are declared; every other field is the controller's default.
 */
import {
  TGC_DEFAULT_BLOCK,
  TGC_HEALTH_CHECK_FIELDS,
  TGC_MATCHER_FIELDS,
  type RouteKind,
} from "../../controller/gateway-api";
import {
  array,
  namespaceOf,
  record,
  text,
  type GatewayApiObject,
  type GatewayApiLists,
  type Json,
} from "./objects";
import type { RouteRef } from "./join";
import type { DefaultTgc, GatewayDefaults } from "./load-balancer-configuration";

/** The settings a health check has, named as the remediation builders name them. */
export type HealthCheckSetting = keyof typeof TGC_HEALTH_CHECK_FIELDS | "successCodes";

/** `default`: named by a LoadBalancerConfiguration; `gateway`: catalog 1.1's Gateway-level one. */
export type TgcLevel = "service" | "default" | "gateway";

/** A `healthCheckConfig` block of one TargetGroupConfiguration. */
export interface TgcBlock {
  tgc: GatewayApiObject;
  level: TgcLevel;
  /** `-1` for `defaultConfiguration`, else the index in `routeConfigurations`. */
  entry: number;
  /** Where the block is, for evidence and patches: `spec.defaultConfiguration.healthCheckConfig`. */
  path: string;
  config: Json;
  /** For a `default` block: the LoadBalancerConfiguration that names its TargetGroupConfiguration. */
  via?: Omit<DefaultTgc, "tgc"> & {
    /** Defaults with a healthCheckConfig of their own that this one wins over, and why. */
    over?: { defaults: DefaultTgc[]; mergingMode: string };
  };
}

export interface DeclaredSetting {
  setting: HealthCheckSetting;
  /** The field as written in the block: `healthCheckPath`, `matcher.httpCode`, ... */
  field: string;
  value: string | number;
  /** `TargetGroupConfiguration shop/web-tgc` */
  object: string;
  /** Full field path: `spec.defaultConfiguration.healthCheckConfig.healthCheckPath`. */
  at: string;
}

export type DeclaredHealthCheck =
  | {
      status: "declared";
      block: TgcBlock;
      settings: DeclaredSetting[];
      /** The Service's own TargetGroupConfiguration, where a fix goes (may differ from block's). */
      serviceTgc?: GatewayApiObject;
    }
  /** No block applies: the controller's defaults, unless a Service-level one is written. */
  | { status: "none"; serviceTgc?: GatewayApiObject }
  /** The snapshot cannot tell (list not collected, route unknown where entries depend on it). */
  | { status: "unknown"; reason: string };

const tgcName = (tgc: GatewayApiObject) =>
  `TargetGroupConfiguration ${namespaceOf(tgc)}/${tgc.metadata.name}`;

interface Target {
  kind: "Service" | "Gateway";
  namespace: string;
  name: string;
}

/**
 * The TargetGroupConfiguration that targets the object. The controller takes the first the API
 * lists (by name within a namespace); `others` are the ones it ignores.
 */
export function tgcTargeting(
  tgcs: readonly GatewayApiObject[],
  target: Target,
): { tgc?: GatewayApiObject; others: GatewayApiObject[] } {
  const matching = tgcs
    .filter((tgc) => {
      const ref = record(record(tgc.spec)?.targetReference);
      if (!ref || namespaceOf(tgc) !== target.namespace || text(ref.name) !== target.name)
        return false;
      return (text(ref.kind) ?? "Service") === target.kind;
    })
    .sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
    );
  return { tgc: matching[0], others: matching.slice(1) };
}

/** The route as far as the snapshot knows it: the kind from the tag, ns/name once matched. */
export interface RouteIdentity {
  kind?: RouteKind;
  namespace?: string;
  name?: string;
}

export const routeIdentity = (
  route: RouteRef | undefined,
  kind: RouteKind | undefined,
): RouteIdentity => (route ? { ...route } : kind ? { kind } : {});

type EntryMatch = { index: number } | { unknown: string } | undefined;

/** The controller's longest match over `routeConfigurations[].routeIdentifier`. */
function matchEntry(entries: unknown[], route: RouteIdentity): EntryMatch {
  let best: { index: number; rank: number } | undefined;
  for (const [index, raw] of entries.entries()) {
    const id = record(record(raw)?.routeIdentifier) ?? {};
    const [kind, ns, name] = [text(id.kind) ?? "", text(id.namespace) ?? "", text(id.name) ?? ""];
    if (route.kind === undefined)
      return { unknown: "the route kind of the target group is not known" };
    if (kind !== route.kind) continue;
    if (name !== "" || ns !== "") {
      // The entry depends on the route's namespace (and name): the snapshot must know them.
      if (route.namespace === undefined)
        return { unknown: "the target group's route is not in the snapshot" };
    }
    if (name !== "") {
      if (ns === route.namespace && name === route.name) return { index };
      continue;
    }
    const rank = ns === "" ? 1 : ns === route.namespace ? 2 : 0;
    if (rank > (best?.rank ?? 0)) best = { index, rank };
  }
  return best ? { index: best.index } : undefined;
}

/**
 * The block one TargetGroupConfiguration gives the route, if it has one: its routeConfigurations
 * entry for the route, else the `defaultConfiguration` of `defaults` in order (two merged
 * Gateway-wide defaults: the winner's entries only, then either's defaultConfiguration).
 */
function blockOf(
  tgc: GatewayApiObject,
  level: TgcLevel,
  route: RouteIdentity,
  defaults: readonly GatewayApiObject[] = [tgc],
): TgcBlock | { unknown: string } | undefined {
  const spec = record(tgc.spec) ?? {};
  const entries = array(spec.routeConfigurations);
  const match = matchEntry(entries, route);
  if (match && "unknown" in match)
    return { unknown: `${match.unknown}, and ${tgcName(tgc)} has route-specific entries` };
  if (match) {
    const config = record(
      record(record(entries[match.index])?.targetGroupProps)?.healthCheckConfig,
    );
    const path = `spec.routeConfigurations[${match.index}].targetGroupProps.healthCheckConfig`;
    if (config) return { tgc, level, entry: match.index, path, config };
  }
  // A matched entry without a healthCheckConfig takes the defaultConfiguration's, field by field.
  for (const source of defaults) {
    const config = record(record(record(source.spec)?.defaultConfiguration)?.healthCheckConfig);
    if (config) return { tgc: source, level, entry: -1, path: TGC_DEFAULT_BLOCK, config };
  }
  return undefined;
}

/** The Gateway-wide default's block for the route, from the defaults in precedence order. */
function defaultsBlock(
  { defaults, mergingMode }: Extract<GatewayDefaults, { status: "known" }>,
  route: RouteIdentity,
): TgcBlock | { unknown: string } | undefined {
  const [winner] = defaults;
  if (!winner) return undefined;
  const block = blockOf(
    winner.tgc,
    "default",
    route,
    defaults.map((d) => d.tgc),
  );
  if (!block || "unknown" in block) return block;
  const use = defaults.find((d) => d.tgc === block.tgc) ?? winner;
  const losers = defaults.filter(
    (d) =>
      d !== use &&
      record(record(record(d.tgc.spec)?.defaultConfiguration)?.healthCheckConfig) !== undefined,
  );
  const over = mergingMode && losers.length > 0 ? { over: { defaults: losers, mergingMode } } : {};
  return { ...block, via: { lbc: use.lbc, from: use.from, namedBy: use.namedBy, ...over } };
}

/** Only the fields the block declares, each with where it is written. */
export function declaredSettings(block: TgcBlock): DeclaredSetting[] {
  const object = tgcName(block.tgc);
  const settings: DeclaredSetting[] = [];
  const add = (setting: HealthCheckSetting, field: string, value: unknown) => {
    if (typeof value === "string" || typeof value === "number") {
      settings.push({ setting, field, value, object, at: `${block.path}.${field}` });
    }
  };
  for (const [setting, field] of Object.entries(TGC_HEALTH_CHECK_FIELDS) as [
    HealthCheckSetting,
    string,
  ][]) {
    add(setting, field, block.config[field]);
  }
  const matcher = record(block.config.matcher) ?? {};
  for (const field of Object.values(TGC_MATCHER_FIELDS)) {
    add("successCodes", `matcher.${field}`, matcher[field]);
  }
  return settings;
}

/**
 * The health check declared for the target group of `service` behind `gateway` for `route`.
 * `lists.targetGroupConfigurations` absent means not collected: unknown. `defaults` are the
 * Gateway-wide defaults of its LoadBalancerConfigurations: they apply below the Service's own
 * block, so when they are unknown and no Service-level block applies the verdict is held.
 */
export function declaredHealthCheck(
  lists: GatewayApiLists,
  service: { namespace: string; name: string },
  gateway: { namespace: string; name: string },
  route: RouteIdentity,
  defaults: GatewayDefaults = { status: "none" },
): DeclaredHealthCheck {
  const tgcs = lists.targetGroupConfigurations;
  if (tgcs === undefined)
    return { status: "unknown", reason: "TargetGroupConfigurations were not collected" };
  const serviceTgc = tgcTargeting(tgcs, { kind: "Service", ...service }).tgc;
  const gatewayTgc = tgcTargeting(tgcs, { kind: "Gateway", ...gateway }).tgc;
  const withService = serviceTgc ? { serviceTgc } : {};
  for (const [tgc, level] of [
    [serviceTgc, "service"],
    [undefined, "default"],
    [gatewayTgc, "gateway"],
  ] as const) {
    if (level === "default" && defaults.status === "unknown")
      return { status: "unknown", reason: defaults.reason };
    const block =
      level === "default"
        ? defaults.status === "known"
          ? defaultsBlock(defaults, route)
          : undefined
        : tgc && blockOf(tgc, level, route);
    if (!block) continue;
    if ("unknown" in block) return { status: "unknown", reason: block.unknown };
    return { status: "declared", block, settings: declaredSettings(block), ...withService };
  }
  return { status: "none", ...withService };
}
