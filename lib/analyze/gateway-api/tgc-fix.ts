/**
 * A health-check fix for a target group the controller built for a Gateway: always a change of
 * the Service's TargetGroupConfiguration (the controller reverts edits of the group itself and
 * reads no health-check annotations for it), as YAML and as the exact kubectl command.
 *
 * Where it goes: the block in effect when the Service's own configuration holds it (patched in
 * place, so its other fields stay); else that configuration's `defaultConfiguration` (created
 * when the Service has none). A Service-level block replaces the Gateway-level one whole, so a
 * new block restates the Gateway-level fields it would otherwise drop. When the block in effect
 * is a LoadBalancerConfiguration's default, the same change made in that default is offered too:
 * it reaches every Service of those Gateways that has no block of its own.
 */
import {
  LOAD_BALANCER_CONFIGURATION,
  TGC_DEFAULT_API_VERSION,
  TGC_DEFAULT_BLOCK,
  TGC_HEALTH_CHECK_FIELDS,
  TGC_MATCHER_FIELDS,
  TGC_RESOURCE,
} from "../../controller/gateway-api";
import { namespaceOf, record, type GatewayApiObject, type Json } from "./objects";
import type { DeclaredHealthCheck, HealthCheckSetting, TgcBlock } from "./declared-health-check";

export type HealthCheckValues = Partial<Record<HealthCheckSetting, string | number>>;

const INTEGER_SETTINGS = new Set<HealthCheckSetting>([
  "intervalSeconds",
  "timeoutSeconds",
  "healthyThresholdCount",
  "unhealthyThresholdCount",
]);

/** The `healthCheckConfig` fields for the settings, typed as the CRD wants them. */
export function healthCheckConfigOf(values: HealthCheckValues, grpc: boolean): Json {
  const config: Json = {};
  for (const [setting, value] of Object.entries(values) as [
    HealthCheckSetting,
    string | number,
  ][]) {
    if (value === undefined) continue;
    if (setting === "successCodes") {
      config.matcher = { [TGC_MATCHER_FIELDS[grpc ? "grpc" : "http"]]: String(value) };
    } else if (INTEGER_SETTINGS.has(setting)) {
      config[TGC_HEALTH_CHECK_FIELDS[setting]] = Number(value);
    } else {
      // healthCheckPort is a string in the CRD ("8081", "traffic-port" or a Service port name).
      config[TGC_HEALTH_CHECK_FIELDS[setting]] =
        setting === "protocol" ? String(value).toUpperCase() : String(value);
    }
  }
  return config;
}

/** Block YAML: strings JSON-quoted (valid YAML, and a port stays a string). */
function yaml(value: unknown, indent: string): string {
  const obj = record(value);
  if (!obj) return ` ${JSON.stringify(value)}`;
  return Object.entries(obj)
    .map(([k, v]) =>
      record(v)
        ? `\n${indent}${k}:${yaml(v, `${indent}  `)}`
        : `\n${indent}${k}:${yaml(v, indent)}`,
    )
    .join("");
}

const shellJson = (value: unknown) => `'${JSON.stringify(value).replace(/'/g, `'\\''`)}'`;

export interface TgcFixInput {
  service: { namespace: string; name: string };
  declared: Exclude<DeclaredHealthCheck, { status: "unknown" }>;
  values: HealthCheckValues;
  grpc: boolean;
  /** The apiVersion this cluster serves TargetGroupConfigurations in, when the snapshot shows one. */
  apiVersion?: string;
}

/** The command that sets `change` in a block in place, keeping its other fields. */
function patchInPlace(block: TgcBlock, change: Json): string {
  const name = block.tgc.metadata.name;
  const ns = namespaceOf(block.tgc);
  if (block.entry < 0) {
    return `kubectl -n ${ns} patch ${TGC_RESOURCE} ${name} --type=merge -p ${shellJson({
      spec: { defaultConfiguration: { healthCheckConfig: change } },
    })}`;
  }
  // routeConfigurations is a list: a merge patch would replace every entry, a JSON patch
  // sets the fields of this one.
  const base = `/spec/routeConfigurations/${block.entry}/targetGroupProps/healthCheckConfig`;
  const ops = Object.entries(change).map(([field, value]) => ({
    op: "add",
    path: `${base}/${field}`,
    value,
  }));
  return `kubectl -n ${ns} patch ${TGC_RESOURCE} ${name} --type=json -p ${shellJson(ops)}`;
}

const tgcKey = (tgc: GatewayApiObject) => `${namespaceOf(tgc)}/${tgc.metadata.name}`;

/** `TargetGroupConfiguration ns/name (the default that LoadBalancerConfiguration … names)`. */
export function blockOwner(block: TgcBlock): string {
  const v = block.via;
  const over = v?.over
    ? `; it wins over ${v.over.defaults
        .map(
          (d) =>
            `TargetGroupConfiguration ${tgcKey(d.tgc)}, the default of ${LOAD_BALANCER_CONFIGURATION} ${tgcKey(d.lbc)} of ${d.namedBy}`,
        )
        .join(
          " and ",
        )}, whose healthCheckConfig the controller drops (spec.mergingMode of the class's ${LOAD_BALANCER_CONFIGURATION}: ${v.over.mergingMode})`
    : "";
  const via = v
    ? ` (the Gateway-wide default that ${LOAD_BALANCER_CONFIGURATION} ${tgcKey(v.lbc)} of ${v.namedBy} names${over})`
    : "";
  return `TargetGroupConfiguration ${tgcKey(block.tgc)}${via}`;
}

/**
 * For a Gateway-wide default in effect: the same change made in the default itself, which every
 * Service behind the Gateways of that LoadBalancerConfiguration without its own block takes.
 */
function defaultAlternative(declared: TgcFixInput["declared"], change: Json): string {
  const block = declared.status === "declared" ? declared.block : undefined;
  const via = block?.via;
  if (!block || !via) return "";
  const scope = via.from === "GatewayClass" ? `every Gateway of ${via.namedBy}` : via.namedBy;
  return (
    `\nOr change the default itself, ${block.path} of TargetGroupConfiguration ${tgcKey(block.tgc)}: ` +
    `every Service behind ${scope} that has no healthCheckConfig of its own takes it.\n` +
    `Command: ${patchInPlace(block, change)}`
  );
}

/** The remediation text: which object and block, the YAML, the command. */
export function targetGroupConfigurationFix(input: TgcFixInput): string {
  const { service, declared, grpc } = input;
  const change = healthCheckConfigOf(input.values, grpc);
  const own =
    declared.status === "declared" && declared.block.level === "service"
      ? declared.block
      : undefined;
  const serviceTgc = declared.serviceTgc;

  if (own) {
    return (
      `Set in TargetGroupConfiguration ${tgcKey(own.tgc)}, ${own.path} (the block in effect for this target group):` +
      `${yaml({ healthCheckConfig: change }, "")}\nCommand: ${patchInPlace(own, change)}`
    );
  }

  // A Gateway-wide block (or the controller's defaults) is in effect: a Service-level block
  // takes over whole, so it keeps the Gateway-wide fields this fix does not change.
  const inherited = declared.status === "declared" ? declared.block.config : {};
  const block: Json = { ...inherited, ...change };
  const restated =
    declared.status === "declared"
      ? ` It restates the fields of ${declared.block.path} of ${blockOwner(declared.block)}, which a Service-level healthCheckConfig replaces whole.`
      : "";
  const alternative = defaultAlternative(declared, change);
  if (serviceTgc) {
    const name = serviceTgc.metadata.name;
    return (
      `Set in TargetGroupConfiguration ${service.namespace}/${name}, ${TGC_DEFAULT_BLOCK}.${restated}` +
      `${yaml({ healthCheckConfig: block }, "")}\n` +
      `Command: kubectl -n ${service.namespace} patch ${TGC_RESOURCE} ${name} --type=merge -p ${shellJson(
        {
          spec: { defaultConfiguration: { healthCheckConfig: block } },
        },
      )}${alternative}`
    );
  }
  const manifest: Json = {
    apiVersion: input.apiVersion ?? TGC_DEFAULT_API_VERSION,
    kind: "TargetGroupConfiguration",
    metadata: { name: service.name, namespace: service.namespace },
    spec: {
      targetReference: { name: service.name },
      defaultConfiguration: { healthCheckConfig: block },
    },
  };
  const body = yaml(manifest, "").slice(1);
  return (
    `Service ${service.namespace}/${service.name} has no TargetGroupConfiguration; create one.${restated}\n` +
    `${body}\n` +
    `Command: kubectl apply -f - <<'EOF'\n${body}\nEOF${alternative}`
  );
}

export interface TgcPropsFixInput {
  service: { namespace: string; name: string };
  declared: Exclude<DeclaredHealthCheck, { status: "unknown" }>;
  /** `targetGroupProps` fields to set: `protocol`, `targetType`, `nodeSelector`, ... */
  props: Json;
  apiVersion?: string;
}

/**
 * A change of the group's other `targetGroupProps` (not its health check), in the Service's own
 * TargetGroupConfiguration: the routeConfigurations entry in effect when the Service's block is
 * one, else its defaultConfiguration (field by field over the Gateway-level defaults), else a
 * new TargetGroupConfiguration for the Service.
 */
export function targetGroupPropsFix(input: TgcPropsFixInput): string {
  const { service, declared, props } = input;
  const entry =
    declared.status === "declared" &&
    declared.block.level === "service" &&
    declared.block.entry >= 0
      ? declared.block
      : undefined;
  const tgc = entry?.tgc ?? declared.serviceTgc;
  if (tgc && entry) {
    const base = `/spec/routeConfigurations/${entry.entry}/targetGroupProps`;
    const ops = Object.entries(props).map(([field, value]) => ({
      op: "add",
      path: `${base}/${field}`,
      value,
    }));
    return (
      `Set in TargetGroupConfiguration ${service.namespace}/${tgc.metadata.name}, spec.routeConfigurations[${entry.entry}].targetGroupProps (the entry in effect for this target group):${yaml(props, "")}\n` +
      `Command: kubectl -n ${service.namespace} patch ${TGC_RESOURCE} ${tgc.metadata.name} --type=json -p ${shellJson(ops)}`
    );
  }
  if (tgc) {
    return (
      `Set in TargetGroupConfiguration ${service.namespace}/${tgc.metadata.name}, spec.defaultConfiguration (a routeConfigurations entry for this route that sets the same field would win):${yaml(props, "")}\n` +
      `Command: kubectl -n ${service.namespace} patch ${TGC_RESOURCE} ${tgc.metadata.name} --type=merge -p ${shellJson(
        { spec: { defaultConfiguration: props } },
      )}`
    );
  }
  const manifest: Json = {
    apiVersion: input.apiVersion ?? TGC_DEFAULT_API_VERSION,
    kind: "TargetGroupConfiguration",
    metadata: { name: service.name, namespace: service.namespace },
    spec: { targetReference: { name: service.name }, defaultConfiguration: props },
  };
  const body = yaml(manifest, "").slice(1);
  return (
    `Service ${service.namespace}/${service.name} has no TargetGroupConfiguration; create one:\n` +
    `${body}\nCommand: kubectl apply -f - <<'EOF'\n${body}\nEOF`
  );
}

/** The apiVersion the snapshot's TargetGroupConfigurations were served in, if any. */
export const servedTgcVersion = (
  tgcs: readonly GatewayApiObject[] | undefined,
): string | undefined => tgcs?.find((t) => typeof t.apiVersion === "string")?.apiVersion;
