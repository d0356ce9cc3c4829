/**
 * Gateway Services that a Gateway API implementation generates (Istio: Service `<gateway>-istio`
 * with the label `gateway.networking.k8s.io/gateway-name`, status port 15021). The
 * implementation owns and rewrites that Service, so an annotation put on it by hand is lost at
 * the next reconcile; what it copies onto the Service is the Gateway's
 * `spec.infrastructure.annotations` (Gateway API "infrastructure" propagation).
 */
import { GATEWAY_NAME_LABEL, GATEWAY_RESOURCE } from "../../controller/gateway-api";
import type { GatewayApiObject } from "./objects";
import { infrastructureAnnotations } from "./objects";

/** Istio's mark on what its gateway controller created. */
export const ISTIO_MANAGED_LABEL = "gateway.istio.io/managed";
export const ISTIO_MANAGED_VALUE = "istio.io-gateway-controller";

interface ServiceLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

export interface GeneratedGatewayService {
  gatewayRef: { namespace: string; name: string };
  /** The Gateway itself when the snapshot has it. */
  gateway?: GatewayApiObject;
  /** Istio made it (its managed label, or its `<gateway>-istio` name). */
  istio: boolean;
}

/** The Gateway a generated Service belongs to; undefined for any other Service. */
export function generatedFor(
  service: ServiceLike,
  gateways: ReadonlyMap<string, GatewayApiObject>,
): GeneratedGatewayService | undefined {
  const labels = service.metadata.labels ?? {};
  const name = labels[GATEWAY_NAME_LABEL];
  if (!name) return undefined;
  const namespace = service.metadata.namespace ?? "default";
  const gateway = gateways.get(`${namespace}/${name}`);
  const istio =
    labels[ISTIO_MANAGED_LABEL] === ISTIO_MANAGED_VALUE ||
    service.metadata.name === `${name}-istio`;
  return { gatewayRef: { namespace, name }, ...(gateway ? { gateway } : {}), istio };
}

const shellJson = (value: unknown) => `'${JSON.stringify(value).replace(/'/g, `'\\''`)}'`;

/** Why the fix is not on the Service, for the finding's text. */
export function whyNotOnService(generated: GeneratedGatewayService, serviceName: string): string {
  const owner = generated.istio ? "Istio" : "The Gateway's controller";
  const { namespace, name } = generated.gatewayRef;
  return (
    `${owner} generates Service ${namespace}/${serviceName} for Gateway ${namespace}/${name} and rewrites it, ` +
    `so an annotation set on the Service by hand is lost; it copies the Gateway's spec.infrastructure.annotations onto the Service.`
  );
}

/** The annotations as a patch of the Gateway's `spec.infrastructure.annotations`. */
export function infrastructureAnnotationsFix(
  generated: GeneratedGatewayService,
  serviceName: string,
  annotations: Readonly<Record<string, string>>,
): string {
  const { namespace, name } = generated.gatewayRef;
  const kept = generated.gateway ? infrastructureAnnotations(generated.gateway) : {};
  const clash = Object.keys(annotations).filter(
    (k) => kept[k] !== undefined && kept[k] !== annotations[k],
  );
  const lines = Object.entries(annotations)
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  return (
    `${whyNotOnService(generated, serviceName)} Set them on Gateway ${namespace}/${name}` +
    (clash.length > 0 ? ` (replacing its ${clash.join(", ")})` : "") +
    `:\nspec:\n  infrastructure:\n    annotations:\n${lines}\n` +
    `Command: kubectl -n ${namespace} patch ${GATEWAY_RESOURCE} ${name} --type=merge -p ${shellJson(
      {
        spec: { infrastructure: { annotations } },
      },
    )}`
  );
}
