/**
 * The LoadBalancerConfigurations a Gateway is built with, and the default
 * TargetGroupConfigurations they name, resolved as the AWS Load Balancer Controller resolves them
 * (controllers/gateway/config_resolver.go, pkg/gateway/lb_config_merger.go,
 * pkg/gateway/tg_config_constructor.go):
 * - the Gateway's own: `spec.infrastructure.parametersRef`, looked up in the Gateway's namespace;
 *   its class's: `spec.parametersRef`, whose `namespace` is required (the class is rejected
 *   without one);
 * - when both exist, the class's `spec.mergingMode` says whose fields win (`prefer-gateway-class`
 *   by default), field by field;
 * - `spec.defaultTargetGroupConfiguration.name` names a TargetGroupConfiguration in the
 *   LoadBalancerConfiguration's own namespace, which must have no `targetReference`.
 * A referenced object the snapshot lacks makes the answer unknown, never a guess: the controller
 * cannot build the Gateway without it, so the live group says nothing about it either.
 */
import {
  LBC_DEFAULT_MERGE_MODE,
  LBC_FIELDS,
  LBC_MERGE_MODES,
  LBC_RESOURCE,
  LOAD_BALANCER_CONFIGURATION,
} from "../../controller/gateway-api";
import {
  keyOfObject,
  loadBalancerConfigurationOf,
  namespaceOf,
  parametersRefOf,
  record,
  text,
  type GatewayApiLists,
  type GatewayApiObject,
} from "./objects";

export type LbcOwner = "Gateway" | "GatewayClass";

/** One LoadBalancerConfiguration in use, with the object that names it. */
export interface LbcUse {
  lbc: GatewayApiObject;
  from: LbcOwner;
  /** `Gateway edge/gw` or `GatewayClass aws-alb`. */
  namedBy: string;
}

export type GatewayLbcs =
  /** Neither the Gateway nor its class names a LoadBalancerConfiguration. */
  | { status: "none" }
  | { status: "unknown"; reason: string }
  /** Those in use, the one whose fields win first; `mergingMode` when both are in use. */
  | { status: "known"; uses: LbcUse[]; mergingMode?: string };

interface Wanted {
  from: LbcOwner;
  namedBy: string;
  namespace?: string;
  name: string;
}

function wanted(gateway?: GatewayApiObject, gatewayClass?: GatewayApiObject): Wanted[] {
  const out: Wanted[] = [];
  const own = gateway && parametersRefOf(gateway);
  if (gateway && own?.kind === LOAD_BALANCER_CONFIGURATION && own.name) {
    out.push({
      from: "Gateway",
      namedBy: `Gateway ${keyOfObject(gateway)}`,
      namespace: namespaceOf(gateway),
      name: own.name,
    });
  }
  const ref = gatewayClass && record(record(gatewayClass.spec)?.parametersRef);
  const name = text(ref?.name);
  if (gatewayClass && ref && text(ref.kind) === LOAD_BALANCER_CONFIGURATION && name) {
    const namespace = text(ref.namespace);
    out.push({
      from: "GatewayClass",
      namedBy: `GatewayClass ${gatewayClass.metadata.name}`,
      ...(namespace ? { namespace } : {}),
      name,
    });
  }
  return out;
}

const mergingMode = (lbc: GatewayApiObject): string =>
  text(record(lbc.spec)?.[LBC_FIELDS.mergingMode]) ?? LBC_DEFAULT_MERGE_MODE;

/** The LoadBalancerConfigurations the Gateway is built with, the winning one first. */
export function lbcsOf(
  lists: GatewayApiLists,
  gateway: GatewayApiObject | undefined,
  gatewayClass: GatewayApiObject | undefined,
): GatewayLbcs {
  const refs = wanted(gateway, gatewayClass);
  if (refs.length === 0) return { status: "none" };
  const listed = lists.loadBalancerConfigurations;
  if (listed === undefined) {
    return {
      status: "unknown",
      reason: `${String(loadBalancerConfigurationOf(gateway, gatewayClass))}, whose defaultTargetGroupConfiguration would apply and is not in the snapshot`,
    };
  }
  const uses: LbcUse[] = [];
  for (const ref of refs) {
    const words = `${ref.namedBy} names ${LOAD_BALANCER_CONFIGURATION} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
    if (ref.namespace === undefined) {
      return {
        status: "unknown",
        reason: `${words} without a namespace, which the controller rejects (the class is not Accepted, so its Gateways are not built)`,
      };
    }
    const lbc = listed.find(
      (o) => namespaceOf(o) === ref.namespace && o.metadata.name === ref.name,
    );
    if (!lbc) {
      return {
        status: "unknown",
        reason: `${words}, which is not in the snapshot's loadBalancerConfigurations (without it the controller does not build the Gateway)`,
      };
    }
    uses.push({ lbc, from: ref.from, namedBy: ref.namedBy });
  }
  const cls = uses.find((u) => u.from === "GatewayClass");
  const mode = cls && uses.length > 1 ? { mergingMode: mergingMode(cls.lbc) } : {};
  const gatewayFirst = mode.mergingMode === LBC_MERGE_MODES.preferGateway;
  const rank = (u: LbcUse) =>
    u.from === "GatewayClass" ? (gatewayFirst ? 1 : 0) : gatewayFirst ? 0 : 1;
  return { status: "known", uses: uses.sort((a, b) => rank(a) - rank(b)), ...mode };
}

/** A TargetGroupConfiguration a LoadBalancerConfiguration names as the Gateway-wide default. */
export interface DefaultTgc extends LbcUse {
  tgc: GatewayApiObject;
}

export type GatewayDefaults =
  /** No LoadBalancerConfiguration names a default (or none is in use). */
  | { status: "none" }
  | { status: "unknown"; reason: string }
  /** The defaults that apply, the one whose fields (and routeConfigurations) win first. */
  | { status: "known"; defaults: DefaultTgc[]; mergingMode?: string };

const lbcName = (lbc: GatewayApiObject) => `${LOAD_BALANCER_CONFIGURATION} ${keyOfObject(lbc)}`;

/** The default TargetGroupConfigurations of the Gateway, resolved and ordered by precedence. */
export function gatewayDefaults(
  lists: GatewayApiLists,
  gateway: GatewayApiObject | undefined,
  gatewayClass: GatewayApiObject | undefined,
): GatewayDefaults {
  const lbcs = lbcsOf(lists, gateway, gatewayClass);
  if (lbcs.status !== "known") return lbcs;
  const defaults: DefaultTgc[] = [];
  for (const use of lbcs.uses) {
    const ref = record(use.lbc.spec)?.[LBC_FIELDS.defaultTargetGroupConfiguration];
    const name = text(record(ref)?.name);
    if (!name) continue;
    const ns = namespaceOf(use.lbc);
    const named = `TargetGroupConfiguration ${ns}/${name}, which ${lbcName(use.lbc)} names as spec.defaultTargetGroupConfiguration`;
    const tgcs = lists.targetGroupConfigurations;
    if (tgcs === undefined)
      return { status: "unknown", reason: "TargetGroupConfigurations were not collected" };
    const tgc = tgcs.find((t) => namespaceOf(t) === ns && t.metadata.name === name);
    if (!tgc) {
      return {
        status: "unknown",
        reason: `${named}, is not in the snapshot (the controller does not build the Gateway until it exists)`,
      };
    }
    if (record(tgc.spec)?.targetReference !== undefined) {
      return {
        status: "unknown",
        reason: `${named}, has a targetReference, which the controller refuses in a default (it does not build the Gateway)`,
      };
    }
    defaults.push({ ...use, tgc });
  }
  if (defaults.length === 0) return { status: "none" };
  const mode = defaults.length > 1 && lbcs.mergingMode ? { mergingMode: lbcs.mergingMode } : {};
  return { status: "known", defaults, ...mode };
}

/** The LoadBalancerConfiguration field in effect: the first in precedence that sets it. */
export function lbcField(
  uses: readonly LbcUse[],
  field: string,
): { use: LbcUse; value: unknown } | undefined {
  for (const use of uses) {
    const value = record(use.lbc.spec)?.[field];
    if (value !== undefined) return { use, value };
  }
  return undefined;
}

/**
 * Custom load balancer security groups (`spec.securityGroups`) without
 * `spec.manageBackendSecurityGroupRules: true`: the controller then adds no backend security
 * group and opens the targets to nothing (model_build_security_group.go). `patch` is the
 * LoadBalancerConfiguration whose value of that field wins once set there.
 */
export interface UnmanagedSecurityGroups {
  groups: string[];
  groupsFrom: LbcUse;
  /** The value in effect, if any LoadBalancerConfiguration sets it. */
  manage?: unknown;
  patch: LbcUse;
}

export function unmanagedSecurityGroups(
  lists: GatewayApiLists,
  gateway: GatewayApiObject | undefined,
  gatewayClass: GatewayApiObject | undefined,
): UnmanagedSecurityGroups | undefined {
  const lbcs = lbcsOf(lists, gateway, gatewayClass);
  if (lbcs.status !== "known") return undefined;
  const groups = lbcField(lbcs.uses, LBC_FIELDS.securityGroups);
  const ids = Array.isArray(groups?.value)
    ? groups.value.filter((g): g is string => typeof g === "string")
    : [];
  if (!groups || ids.length === 0) return undefined;
  const manage = lbcField(lbcs.uses, LBC_FIELDS.manageBackendSecurityGroupRules);
  if (manage?.value === true) return undefined;
  return {
    groups: ids,
    groupsFrom: groups.use,
    ...(manage ? { manage: manage.value } : {}),
    patch: manage?.use ?? groups.use,
  };
}

/** The fix: the field set to true on the LoadBalancerConfiguration whose value wins. */
export function manageBackendRulesFix(u: UnmanagedSecurityGroups): string {
  const lbc = u.patch.lbc;
  const ns = namespaceOf(lbc);
  const field = LBC_FIELDS.manageBackendSecurityGroupRules;
  const now =
    u.manage === undefined
      ? `without spec.${field}`
      : `with spec.${field}: ${JSON.stringify(u.manage)} (from ${lbcName(u.patch.lbc)})`;
  const patch = JSON.stringify({ spec: { [field]: true } });
  return (
    `${lbcName(u.groupsFrom.lbc)} of ${u.groupsFrom.namedBy} sets spec.${LBC_FIELDS.securityGroups} (${u.groups.join(", ")}) ${now}, ` +
    `so the controller leaves the targets' security groups alone and nothing opens them to the load balancer. ` +
    `Set it in ${lbcName(lbc)} (its value wins there):\n` +
    `spec:\n  ${field}: true\n` +
    `Command: kubectl -n ${ns} patch ${LBC_RESOURCE} ${lbc.metadata.name} --type=merge -p '${patch}'\n` +
    `The controller then adds its shared backend security group to the load balancer and opens the targets' security group to it (its --enable-backend-security-group flag must be on, the default).`
  );
}
