/** Gateway API objects as the API server serves them, for the table tests. */
import type { GatewayApiObject } from "../../../lib/analyze/gateway-api/objects";

const GW = "gateway.networking.k8s.io/v1";

export const gatewayClass = (name: string, controllerName: string): GatewayApiObject => ({
  apiVersion: GW,
  kind: "GatewayClass",
  metadata: { name },
  spec: { controllerName },
});

export const gateway = (
  namespace: string,
  name: string,
  gatewayClassName: string,
  extra: Record<string, unknown> = {},
): GatewayApiObject => ({
  apiVersion: GW,
  kind: "Gateway",
  metadata: { name, namespace },
  spec: { gatewayClassName, listeners: [{ name: "http", port: 80, protocol: "HTTP" }], ...extra },
});

export const route = (
  kind: string,
  namespace: string,
  name: string,
  backend: { name: string; namespace?: string },
): GatewayApiObject => ({
  apiVersion:
    kind === "HTTPRoute" || kind === "GRPCRoute" ? GW : "gateway.networking.k8s.io/v1alpha2",
  kind,
  metadata: { name, namespace },
  spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ ...backend, port: 80 }] }] },
});

export const tgc = (
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  apiVersion = "gateway.k8s.aws/v1",
): GatewayApiObject => ({
  apiVersion,
  kind: "TargetGroupConfiguration",
  metadata: { name, namespace },
  spec,
});

/** The tags the controller writes on a group it built for a Gateway's route to a Service. */
export function gatewayGroupTags(
  lb: "alb" | "nlb",
  gw: string,
  routeKind: string,
  routeKey: string,
  svcKey: string,
  port: string | number,
): Record<string, string> {
  const [rns, rname] = routeKey.split("/");
  const [sns, sname] = svcKey.split("/");
  return {
    "elbv2.k8s.aws/cluster": "prod",
    [`gateway.k8s.aws.${lb}/stack`]: gw,
    [`gateway.k8s.aws.${lb}/resource`]: `${gw}:${rns}-${rname}:${routeKind}-${sns}-${sname}:${port}`,
  };
}
