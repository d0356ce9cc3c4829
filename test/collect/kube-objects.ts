/** Kubernetes list items as the API server serves them (list items carry no apiVersion/kind). */
import { EVENT_FIELD_LABELS, PATHS, type Collection } from "./fake-apiserver";

export const node = (name: string, instanceId: string) => ({
  metadata: { name, uid: `uid-${name}`, creationTimestamp: "2026-11-01T08:00:00Z" },
  spec: { providerID: `aws:///eu-west-1a/${instanceId}` },
  status: { conditions: [{ type: "Ready", status: "True" }] },
});

export const pod = (namespace: string, name: string) => ({
  metadata: { name, namespace, uid: `uid-${name}`, labels: { app: "web" } },
  spec: {
    nodeName: "node-a",
    containers: [{ name: "web", image: "web:1", ports: [{ containerPort: 8080 }] }],
    // A field no client model knows yet: the snapshot must keep it.
    futureField: { keep: true },
  },
  status: { phase: "Running", podIP: "10.0.1.5", startTime: "2026-11-24T09:00:00Z" },
});

export const service = (namespace: string, name: string) => ({
  metadata: { name, namespace },
  spec: {
    type: "NodePort",
    selector: { app: "web" },
    ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 31246, protocol: "TCP" }],
  },
});

export const endpointSlice = (namespace: string, service: string) => ({
  metadata: {
    name: `${service}-abcde`,
    namespace,
    labels: { "kubernetes.io/service-name": service },
  },
  addressType: "IPv4",
  endpoints: [{ addresses: ["10.0.1.5"], conditions: { ready: true }, nodeName: "node-a" }],
  ports: [{ name: "http", port: 8080, protocol: "TCP" }],
});

export const ingress = (namespace: string, name: string, service: string) => ({
  metadata: { name, namespace },
  spec: {
    ingressClassName: "alb",
    rules: [
      {
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: service, port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
});

/** Custom resources keep apiVersion/kind in list items. */
export const binding = (namespace: string, name: string, targetGroupARN: string) => ({
  apiVersion: "elbv2.k8s.aws/v1beta1",
  kind: "TargetGroupBinding",
  metadata: { name, namespace },
  spec: { targetGroupARN, targetType: "instance", serviceRef: { name: "web", port: 80 } },
});

export const peerAuthentication = (namespace: string, apiVersion: string) => ({
  apiVersion,
  kind: "PeerAuthentication",
  metadata: { name: "default", namespace },
  spec: { mtls: { mode: "STRICT" } },
});

const GW = "gateway.networking.k8s.io";

export const gatewayClass = (name: string, controllerName: string) => ({
  apiVersion: `${GW}/v1`,
  kind: "GatewayClass",
  metadata: { name },
  spec: { controllerName },
});

export const gateway = (namespace: string, name: string, className: string) => ({
  apiVersion: `${GW}/v1`,
  kind: "Gateway",
  metadata: { name, namespace },
  spec: {
    gatewayClassName: className,
    listeners: [{ name: "http", port: 80, protocol: "HTTP" }],
  },
});

export const httpRoute = (namespace: string, name: string, gatewayName: string, svc: string) => ({
  apiVersion: `${GW}/v1`,
  kind: "HTTPRoute",
  metadata: { name, namespace },
  spec: {
    parentRefs: [{ name: gatewayName }],
    rules: [{ backendRefs: [{ name: svc, port: 80 }] }],
  },
});

export const targetGroupConfiguration = (namespace: string, svc: string, apiVersion: string) => ({
  apiVersion,
  kind: "TargetGroupConfiguration",
  metadata: { name: `${svc}-tgc`, namespace },
  spec: {
    targetReference: { name: svc },
    defaultConfiguration: {
      healthCheckConfig: { healthCheckPath: "/healthz", healthCheckPort: "8081" },
    },
  },
});

export const loadBalancerConfiguration = (
  namespace: string,
  name: string,
  apiVersion = "gateway.k8s.aws/v1",
) => ({
  apiVersion,
  kind: "LoadBalancerConfiguration",
  metadata: { name, namespace },
  spec: { scheme: "internal", defaultTargetGroupConfiguration: { name: `${name}-defaults` } },
});

/** The Gateway API kinds of a cluster with the standard channel and the controller's CRDs. */
export function gatewayCollections(): Record<string, Collection> {
  const list = (listKind: string, apiVersion: string, items: Record<string, unknown>[]) => ({
    listKind,
    apiVersion,
    items,
  });
  return {
    [PATHS.gatewayClasses]: list("GatewayClassList", `${GW}/v1`, [
      gatewayClass("aws-alb", "gateway.k8s.aws/alb"),
    ]),
    [PATHS.gateways]: list("GatewayList", `${GW}/v1`, [gateway("shop", "web-gw", "aws-alb")]),
    [PATHS.httpRoutes]: list("HTTPRouteList", `${GW}/v1`, [
      httpRoute("shop", "web-route", "web-gw", "web"),
    ]),
    [PATHS.grpcRoutes]: list("GRPCRouteList", `${GW}/v1`, []),
    [PATHS.targetGroupConfigurationsV1]: list(
      "TargetGroupConfigurationList",
      "gateway.k8s.aws/v1",
      [targetGroupConfiguration("shop", "web", "gateway.k8s.aws/v1")],
    ),
  };
}

export const range = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));

/** A small healthy cluster, keyed by the API paths the collector lists. */
export function clusterCollections(
  bindings: Record<string, unknown>[],
): Record<string, Collection> {
  return {
    [PATHS.nodes]: { listKind: "NodeList", apiVersion: "v1", items: [node("node-a", "i-0aaa")] },
    [PATHS.services]: {
      listKind: "ServiceList",
      apiVersion: "v1",
      items: [service("shop", "web")],
    },
    [PATHS.endpointSlices]: {
      listKind: "EndpointSliceList",
      apiVersion: "discovery.k8s.io/v1",
      items: [endpointSlice("shop", "web")],
    },
    [PATHS.pods]: { listKind: "PodList", apiVersion: "v1", items: [pod("shop", "web-1")] },
    [PATHS.ingresses]: {
      listKind: "IngressList",
      apiVersion: "networking.k8s.io/v1",
      items: [ingress("shop", "web", "web")],
    },
    [PATHS.targetGroupBindings]: {
      listKind: "TargetGroupBindingList",
      apiVersion: "elbv2.k8s.aws/v1beta1",
      items: bindings,
    },
    [PATHS.events]: eventCollection([]),
  };
}

export const eventCollection = (items: Record<string, unknown>[]): Collection => ({
  listKind: "EventList",
  apiVersion: "v1",
  items,
  fieldLabels: EVENT_FIELD_LABELS,
});

/** A core/v1 Event as the API serves it; list items omit apiVersion/kind. */
export const event = (
  name: string,
  involved: { kind: string; namespace: string; name: string },
  options: { type?: string; reason?: string; message?: string; component?: string } = {},
) => ({
  metadata: { name, namespace: involved.namespace, uid: `uid-${name}` },
  involvedObject: { apiVersion: "v1", ...involved, uid: `uid-${involved.name}` },
  reason: options.reason ?? "FailedBuildModel",
  message: options.message ?? "Failed build model due to ingress: shop/web: boom",
  source: { component: options.component ?? "ingress" },
  firstTimestamp: "2026-11-24T09:40:00Z",
  lastTimestamp: "2026-11-24T09:55:00Z",
  count: 3,
  type: options.type ?? "Warning",
  reportingComponent: "",
  reportingInstance: "",
});
