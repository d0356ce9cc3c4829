import { LOAD_BALANCER_CONFIGURATION } from "../../controller/gateway-api";

/**
 * Readers over the Gateway API objects of the snapshot. Those lists are typed loosely (their
 * CRDs grow and differ between releases), so every field is narrowed here before it is used.
 */

/** What every listed object has; the rest is read through the helpers below. */
export interface GatewayApiObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  [k: string]: unknown;
}

/** The optional lists this module reads; an absent list was not collected. */
export interface GatewayApiLists {
  gatewayClasses?: readonly GatewayApiObject[];
  gateways?: readonly GatewayApiObject[];
  httpRoutes?: readonly GatewayApiObject[];
  grpcRoutes?: readonly GatewayApiObject[];
  tcpRoutes?: readonly GatewayApiObject[];
  udpRoutes?: readonly GatewayApiObject[];
  tlsRoutes?: readonly GatewayApiObject[];
  targetGroupConfigurations?: readonly GatewayApiObject[];
  loadBalancerConfigurations?: readonly GatewayApiObject[];
}

export type Json = Record<string, unknown>;

export const record = (value: unknown): Json | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Json)
    : undefined;

export const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

export const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const namespaceOf = (o: GatewayApiObject): string => o.metadata.namespace ?? "default";
export const keyOfObject = (o: GatewayApiObject): string => `${namespaceOf(o)}/${o.metadata.name}`;

/** `spec.controllerName` of a GatewayClass. */
export const controllerNameOf = (gatewayClass: GatewayApiObject): string | undefined =>
  text(record(gatewayClass.spec)?.controllerName);

/** `spec.gatewayClassName` of a Gateway. */
export const gatewayClassNameOf = (gateway: GatewayApiObject): string | undefined =>
  text(record(gateway.spec)?.gatewayClassName);

/** `spec.infrastructure.annotations` of a Gateway (what Istio copies onto what it generates). */
export function infrastructureAnnotations(gateway: GatewayApiObject): Record<string, string> {
  const annotations = record(record(record(gateway.spec)?.infrastructure)?.annotations) ?? {};
  return Object.fromEntries(
    Object.entries(annotations).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
  );
}

/** `spec.infrastructure.parametersRef` of a Gateway (what its implementation reads its options from). */
export function parametersRefOf(
  gateway: GatewayApiObject,
): { kind?: string; name?: string } | undefined {
  const ref = record(record(record(gateway.spec)?.infrastructure)?.parametersRef);
  return ref ? { kind: text(ref.kind), name: text(ref.name) } : undefined;
}

/**
 * The LoadBalancerConfiguration a Gateway or its class names, in words, or undefined. The
 * snapshot does not hold LoadBalancerConfigurations, so what it defaults cannot be read.
 */
export function loadBalancerConfigurationOf(
  gateway: GatewayApiObject | undefined,
  gatewayClass: GatewayApiObject | undefined,
): string | undefined {
  const own = gateway && parametersRefOf(gateway);
  if (gateway && own?.kind === LOAD_BALANCER_CONFIGURATION && own.name) {
    return `Gateway ${keyOfObject(gateway)} names ${LOAD_BALANCER_CONFIGURATION} ${namespaceOf(gateway)}/${own.name}`;
  }
  const ref = gatewayClass && record(record(gatewayClass.spec)?.parametersRef);
  if (gatewayClass && ref && text(ref.kind) === LOAD_BALANCER_CONFIGURATION && text(ref.name)) {
    const ns = text(ref.namespace);
    return `GatewayClass ${gatewayClass.metadata.name} names ${LOAD_BALANCER_CONFIGURATION} ${ns ? `${ns}/` : ""}${String(text(ref.name))}`;
  }
  return undefined;
}
