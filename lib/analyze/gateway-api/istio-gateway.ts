/**
 * Gateway Services that a Gateway API implementation generates (Istio: Service `<gateway>-istio`
 * with the label `gateway.networking.k8s.io/gateway-name`, status port 15021). The
 * implementation owns and rewrites that Service, so an annotation put on it by hand is lost at
 * the next reconcile; what it copies onto the Service is the Gateway's
 * `spec.infrastructure.annotations` (Gateway API "infrastructure" propagation).
 */
import { GATEWAY_NAME_LABEL, GATEWAY_RESOURCE } from "../../controller/gateway-api";
import type { GatewayApiObject } from "./objects";
import { infrastructureAnnotations, parametersRefOf } from "./objects";

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

/**
 * A change of the generated Service's spec (externalTrafficPolicy, ...), which only the Gateway's
 * implementation can make last: Istio (1.24 and later) overlays the `service` key of the
 * ConfigMap that the Gateway's `spec.infrastructure.parametersRef` names onto the Service.
 */
export function generatedServiceSpecFix(
  generated: GeneratedGatewayService,
  serviceName: string,
  spec: Readonly<Record<string, string>>,
): string {
  const { namespace, name } = generated.gatewayRef;
  const why = `${whyNotOnService(generated, serviceName)} A patch of the Service's spec is lost the same way.`;
  if (!generated.istio) {
    return `${why} Set ${Object.keys(spec).join(", ")} through the parameters of Gateway ${namespace}/${name} its implementation documents.`;
  }
  const ref = generated.gateway ? parametersRefOf(generated.gateway) : undefined;
  const configMap = ref?.kind === "ConfigMap" ? ref.name : `${name}-options`;
  const overlay = Object.entries(spec)
    .map(([k, v]) => `      ${k}: ${v}`)
    .join("\n");
  const manifest =
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${configMap}\n  namespace: ${namespace}\n` +
    `data:\n  service: |\n    spec:\n${overlay}`;
  const link =
    ref?.kind === "ConfigMap"
      ? `\nGateway ${namespace}/${name} already names ConfigMap ${configMap} in spec.infrastructure.parametersRef: merge the key into it rather than replace it.`
      : `\nThen point the Gateway at it:\nkubectl -n ${namespace} patch ${GATEWAY_RESOURCE} ${name} --type=merge -p ${shellJson(
          {
            spec: {
              infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: configMap } },
            },
          },
        )}`;
  return (
    `${why} Istio 1.24 and later apply the "service" key of the ConfigMap a Gateway names in spec.infrastructure.parametersRef to the Service it generates:\n` +
    `${manifest}\nCommand: kubectl apply -f - <<'EOF'\n${manifest}\nEOF${link}`
  );
}
