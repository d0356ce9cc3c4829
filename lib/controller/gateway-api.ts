/**
 * The AWS Load Balancer Controller's Gateway API conventions, each spelled once: the classes it
 * serves, the tags on the target groups it builds for Gateways, and the TargetGroupConfiguration
 * CRD its health checks are declared in. Verified against kubernetes-sigs/aws-load-balancer-controller
 * (pkg/shared_constants, pkg/gateway/model/model_build_target_group.go, apis/gateway/v1beta1 and
 * v1). Collectors and rules import from here.
 */
import { TAGS } from "./conventions";

export type GatewayLoadBalancer = "alb" | "nlb";

/** The Kubernetes Gateway API's group (Gateway, GatewayClass, the routes). */
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
/** `kubectl` resource name of a Gateway. */
export const GATEWAY_RESOURCE = `gateways.${GATEWAY_API_GROUP}`;
/**
 * The label a Gateway API implementation puts on what it generates for a Gateway (Istio: its
 * gateway Deployment and Service): the Gateway's name.
 */
export const GATEWAY_NAME_LABEL = `${GATEWAY_API_GROUP}/gateway-name`;

/** GatewayClass `spec.controllerName` of the controller's Gateway support. */
export const GATEWAY_CONTROLLER_NAME: Record<GatewayLoadBalancer, string> = {
  alb: "gateway.k8s.aws/alb",
  nlb: "gateway.k8s.aws/nlb",
};

/** The tags on a target group the controller built for a Gateway, per load balancer type. */
export const GATEWAY_TAGS: Record<GatewayLoadBalancer, { stack: string; resource: string }> = {
  alb: { stack: TAGS.gatewayAlbStack, resource: TAGS.gatewayAlbResource },
  nlb: { stack: TAGS.gatewayNlbStack, resource: TAGS.gatewayNlbResource },
};

export const ROUTE_KINDS = ["HTTPRoute", "GRPCRoute", "TCPRoute", "UDPRoute", "TLSRoute"] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export const isRouteKind = (value: string): value is RouteKind =>
  (ROUTE_KINDS as readonly string[]).includes(value);

/** The route kinds each load balancer type is built for. */
export const ROUTE_KINDS_OF: Record<GatewayLoadBalancer, readonly RouteKind[]> = {
  alb: ["HTTPRoute", "GRPCRoute"],
  nlb: ["TCPRoute", "UDPRoute", "TLSRoute"],
};

/** The snapshot list each route kind is in (snapshot.md, "Optional lists"). */
export const ROUTE_LISTS = {
  HTTPRoute: "httpRoutes",
  GRPCRoute: "grpcRoutes",
  TCPRoute: "tcpRoutes",
  UDPRoute: "udpRoutes",
  TLSRoute: "tlsRoutes",
} as const satisfies Record<RouteKind, string>;

export interface GatewayTags {
  loadBalancer: GatewayLoadBalancer;
  /** `<namespace>/<name>` of the Gateway. */
  stack: string;
  resource?: string;
}

/** The controller's Gateway tags of a target group, or undefined for any other group. */
export function gatewayTags(tags: Readonly<Record<string, string>>): GatewayTags | undefined {
  for (const loadBalancer of ["alb", "nlb"] as const) {
    const keys = GATEWAY_TAGS[loadBalancer];
    const stack = tags[keys.stack];
    if (stack?.includes("/")) {
      const resource = tags[keys.resource];
      return { loadBalancer, stack, ...(resource !== undefined ? { resource } : {}) };
    }
  }
  return undefined;
}

/**
 * The pieces of a resource tag,
 * `<gwNs>/<gwName>:<routeNs>-<routeName>:<RouteKind>-<svcNs>-<svcName>:<port>`, still joined
 * where a name may hold `-` (Kubernetes names never hold `:`, often `-`).
 */
export interface ResourceParts {
  /** `<routeNs>-<routeName>`. */
  route: string;
  kind: RouteKind;
  /** `<svcNs>-<svcName>`. */
  service: string;
  /** The backend's port as the controller identifies it (a Service targetPort, number or name). */
  port: string;
}

export function resourceParts(stack: string, resource: string): ResourceParts | undefined {
  if (!resource.startsWith(`${stack}:`)) return undefined;
  const [route, kindAndService, ...port] = resource.slice(stack.length + 1).split(":");
  if (route === undefined || kindAndService === undefined || port.length === 0) return undefined;
  const kind = kindAndService.slice(0, kindAndService.indexOf("-"));
  if (!isRouteKind(kind)) return undefined;
  return { route, kind, service: kindAndService.slice(kind.length + 1), port: port.join(":") };
}

// ---------------------------------------------------------------- TargetGroupConfiguration

export const TGC_API_GROUP = "gateway.k8s.aws";
/** Newest first, as the collector tries them: the released CRDs serve v1beta1. */
export const TGC_VERSIONS = ["v1", "v1beta1"] as const;
/** The apiVersion a new TargetGroupConfiguration is written in when the cluster shows none. */
export const TGC_DEFAULT_API_VERSION = `${TGC_API_GROUP}/v1beta1`;
/** `kubectl` resource name. */
export const TGC_RESOURCE = `targetgroupconfigurations.${TGC_API_GROUP}`;

/** Where a Service's (or a Gateway's) health check is declared. */
export const TGC_DEFAULT_BLOCK = "spec.defaultConfiguration.healthCheckConfig";

/**
 * The controller's options for a Gateway or its class: a Gateway's
 * `spec.infrastructure.parametersRef` (in the Gateway's namespace) or a GatewayClass's
 * `spec.parametersRef` (whose `namespace` is required) of this kind
 * (controllers/gateway/config_resolver.go, pkg/gateway/gatewayutils/lb_config_utils.go).
 */
export const LOAD_BALANCER_CONFIGURATION = "LoadBalancerConfiguration";
/** `kubectl` resource name. */
export const LBC_RESOURCE = `loadbalancerconfigurations.${TGC_API_GROUP}`;
/** Both served by the controller's CRD (v1 stored); newest first, as the collector tries them. */
export const LBC_VERSIONS = ["v1", "v1beta1"] as const;

/**
 * The fields of a LoadBalancerConfiguration the auditor reads (apis/gateway/v1/
 * loadbalancerconfig_types.go). `defaultTargetGroupConfiguration.name` names a
 * TargetGroupConfiguration without `targetReference` in the LoadBalancerConfiguration's namespace
 * whose props apply to every Service backend of the Gateway, below the Service's own
 * TargetGroupConfiguration field by field (pkg/gateway/routeutils/backend_service.go). The
 * security-group fields decide whether the controller opens the targets to the load balancer
 * (pkg/gateway/model/model_build_security_group.go).
 */
export const LBC_FIELDS = {
  mergingMode: "mergingMode",
  defaultTargetGroupConfiguration: "defaultTargetGroupConfiguration",
  securityGroups: "securityGroups",
  manageBackendSecurityGroupRules: "manageBackendSecurityGroupRules",
} as const;

/**
 * `spec.mergingMode` of the class's LoadBalancerConfiguration (the only one honoured) decides,
 * field by field, whose value wins when the Gateway's and its class's both set one; the class's
 * by default (pkg/gateway/lb_config_merger.go). The two default TargetGroupConfigurations merge
 * the same way: `defaultConfiguration` field by field, `routeConfigurations` of the winner only
 * (pkg/gateway/tg_config_constructor.go, MergeDefaultTGCs).
 */
export const LBC_MERGE_MODES = {
  preferGatewayClass: "prefer-gateway-class",
  preferGateway: "prefer-gateway",
} as const;
export const LBC_DEFAULT_MERGE_MODE = LBC_MERGE_MODES.preferGatewayClass;

/** `healthCheckConfig` field of each health-check setting; the codes are under `matcher`. */
export const TGC_HEALTH_CHECK_FIELDS = {
  port: "healthCheckPort",
  path: "healthCheckPath",
  protocol: "healthCheckProtocol",
  intervalSeconds: "healthCheckInterval",
  timeoutSeconds: "healthCheckTimeout",
  healthyThresholdCount: "healthyThresholdCount",
  unhealthyThresholdCount: "unhealthyThresholdCount",
} as const;

/** `healthCheckConfig.matcher` field for HTTP and gRPC success codes. */
export const TGC_MATCHER_FIELDS = { http: "httpCode", grpc: "grpcCode" } as const;

/** The CRD's `healthCheckProtocol` enum: TCP too (an NLB's check). */
export const TGC_PROTOCOLS: ReadonlySet<string> = new Set(["HTTP", "HTTPS", "TCP"]);

// ---------------------------------------------------------------- the kinds the auditor lists

export interface GatewayKind {
  /** The snapshot list (`kubernetes.<list>`). */
  list:
    | "gatewayClasses"
    | "gateways"
    | (typeof ROUTE_LISTS)[RouteKind]
    | "targetGroupConfigurations"
    | "loadBalancerConfigurations";
  kind: string;
  /** The API resource (RBAC, URLs). */
  resource: string;
  group: string;
  /** Tried in this order; a 404 on every one means the CRD is not installed. */
  versions: readonly string[];
  /**
   * A 403 or a 404 leaves the list out of the snapshot (not collected) instead of a gap or an
   * empty list: an extension of the snapshot that older roles do not grant, whose absence the
   * engine answers as it did before the list existed.
   */
  absentUnlessReadable?: true;
}

const gatewayKind = (
  list: GatewayKind["list"],
  kind: string,
  resource: string,
  versions: readonly string[],
  group: string = GATEWAY_API_GROUP,
): GatewayKind => ({ list, kind, resource, group, versions });

/**
 * TCP/UDP/TLS routes are v1alpha2 in the Gateway API releases the controller's NLB support
 * started with, v1 in later ones.
 */
export const GATEWAY_KINDS: readonly GatewayKind[] = [
  gatewayKind("gatewayClasses", "GatewayClass", "gatewayclasses", ["v1"]),
  gatewayKind("gateways", "Gateway", "gateways", ["v1"]),
  gatewayKind("httpRoutes", "HTTPRoute", "httproutes", ["v1"]),
  gatewayKind("grpcRoutes", "GRPCRoute", "grpcroutes", ["v1"]),
  gatewayKind("tcpRoutes", "TCPRoute", "tcproutes", ["v1alpha2", "v1"]),
  gatewayKind("udpRoutes", "UDPRoute", "udproutes", ["v1alpha2", "v1"]),
  gatewayKind("tlsRoutes", "TLSRoute", "tlsroutes", ["v1alpha2", "v1"]),
  gatewayKind(
    "targetGroupConfigurations",
    "TargetGroupConfiguration",
    "targetgroupconfigurations",
    TGC_VERSIONS,
    TGC_API_GROUP,
  ),
  {
    ...gatewayKind(
      "loadBalancerConfigurations",
      LOAD_BALANCER_CONFIGURATION,
      "loadbalancerconfigurations",
      LBC_VERSIONS,
      TGC_API_GROUP,
    ),
    absentUnlessReadable: true,
  },
];
