/**
 * The AWS Load Balancer Controller's conventions, each spelled once: the annotations it reads,
 * the tags it writes, its defaults, and how it picks the nodes it registers. Verified against
 * kubernetes-sigs/aws-load-balancer-controller (pkg/annotations/constants.go,
 * pkg/ingress/model_builder.go, pkg/service/model_builder.go, pkg/shared_constants,
 * pkg/backend/endpoint_utils.go and endpoint_resolver.go). Collectors and rules import from here:
 * a key spelled in two places drifts apart the day the controller renames one.
 */
import type { Node } from "../snapshot/schema";

// ---------------------------------------------------------------- annotations

/** Ingress annotations; the controller also reads them on the backend Service, which wins. */
export const INGRESS_PREFIX = "alb.ingress.kubernetes.io/";
/** Service annotations for the NLBs it builds for Services of type LoadBalancer. */
export const SERVICE_PREFIX = "service.beta.kubernetes.io/";
/** The controller accepts this older prefix for the same Service annotations. */
export const SERVICE_PREFIX_LEGACY = "service.kubernetes.io/";

/** Annotations of an Ingress (or of its backend Service, which takes precedence). */
export const ALB = {
  /** Where the check goes; default `traffic-port`. A stale number here is HC004. */
  healthCheckPort: `${INGRESS_PREFIX}healthcheck-port`,
  /** Default `/` (HTTP/HTTPS), `/AWS.ALB/healthcheck` for gRPC. HC002 compares it. */
  healthCheckPath: `${INGRESS_PREFIX}healthcheck-path`,
  /** Default: the backend protocol (HTTP). HC003 compares it with the probe's scheme. */
  healthCheckProtocol: `${INGRESS_PREFIX}healthcheck-protocol`,
  /** Default 15 s. */
  healthCheckInterval: `${INGRESS_PREFIX}healthcheck-interval-seconds`,
  /** Default 5 s, shorter than many readiness probes' timeout (HC007). */
  healthCheckTimeout: `${INGRESS_PREFIX}healthcheck-timeout-seconds`,
  /** Default 2. */
  healthyThreshold: `${INGRESS_PREFIX}healthy-threshold-count`,
  /** Default 2. */
  unhealthyThreshold: `${INGRESS_PREFIX}unhealthy-threshold-count`,
  /** Default `200` (gRPC `12`). HC006 compares it with the codes the targets answer. */
  successCodes: `${INGRESS_PREFIX}success-codes`,
  /** Default HTTP; the group's traffic protocol, which a wrong check protocol often mirrors. */
  backendProtocol: `${INGRESS_PREFIX}backend-protocol`,
  /** `instance` (default: node ports) or `ip` (pod addresses): decides what a target is. */
  targetType: `${INGRESS_PREFIX}target-type`,
  /** Ingresses with the same value share one ALB; one member's error blocks them all. */
  groupName: `${INGRESS_PREFIX}group.name`,
  /** Subnets of the ALB; without it the controller discovers them by role tags. */
  subnets: `${INGRESS_PREFIX}subnets`,
  /** `k=v,...`: only nodes with these labels are registered (feeds the binding's nodeSelector). */
  targetNodeLabels: `${INGRESS_PREFIX}target-node-labels`,
  /** Own security groups for the ALB: the controller then leaves backend rules alone... */
  securityGroups: `${INGRESS_PREFIX}security-groups`,
  /** ...unless this is "true" (NET001's fix (b)). */
  manageBackendSecurityGroupRules: `${INGRESS_PREFIX}manage-backend-security-group-rules`,
} as const;

/** Annotations of a Service of type LoadBalancer that the controller builds an NLB for. */
export const NLB = {
  /** Default `traffic-port`; `healthCheckNodePort` for `externalTrafficPolicy: Local` (instance). */
  healthCheckPort: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-port`,
  /** Default `/` (`/healthz` for Local instance mode); only for HTTP/HTTPS checks. */
  healthCheckPath: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-path`,
  /** Default TCP (HTTP for Local instance mode). */
  healthCheckProtocol: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-protocol`,
  /** Default 10 s. */
  healthCheckInterval: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-interval`,
  /** Default 10 s (6 s for Local instance mode). */
  healthCheckTimeout: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-timeout`,
  /** Default 3 (2 for Local instance mode). */
  healthyThreshold: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-healthy-threshold`,
  /** Default 3 (2 for Local instance mode). */
  unhealthyThreshold: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-unhealthy-threshold`,
  /** Default `200-399`. */
  successCodes: `${SERVICE_PREFIX}aws-load-balancer-healthcheck-success-codes`,
  /** `instance` or `ip`: what the NLB registers. */
  targetType: `${SERVICE_PREFIX}aws-load-balancer-nlb-target-type`,
  /** Subnets of the NLB; without it the controller discovers them by role tags. */
  subnets: `${SERVICE_PREFIX}aws-load-balancer-subnets`,
  /** `k=v,...`: only nodes with these labels are registered. */
  targetNodeLabels: `${SERVICE_PREFIX}aws-load-balancer-target-node-labels`,
  /** Own security groups for the NLB: backend rules are then the user's... */
  securityGroups: `${SERVICE_PREFIX}aws-load-balancer-security-groups`,
  /** ...unless this is "true". */
  manageBackendSecurityGroupRules: `${SERVICE_PREFIX}aws-load-balancer-manage-backend-security-group-rules`,
} as const;

/** The health-check settings a fix can set, and the annotation of each on ALBs and NLBs. */
export const HEALTH_CHECK_ANNOTATIONS = {
  port: { alb: ALB.healthCheckPort, nlb: NLB.healthCheckPort },
  path: { alb: ALB.healthCheckPath, nlb: NLB.healthCheckPath },
  protocol: { alb: ALB.healthCheckProtocol, nlb: NLB.healthCheckProtocol },
  successCodes: { alb: ALB.successCodes, nlb: NLB.successCodes },
  timeoutSeconds: { alb: ALB.healthCheckTimeout, nlb: NLB.healthCheckTimeout },
  intervalSeconds: { alb: ALB.healthCheckInterval, nlb: NLB.healthCheckInterval },
} as const;

/** The controller's own defaults when no annotation says otherwise. */
export const DEFAULTS = {
  alb: {
    healthCheckPort: "traffic-port",
    healthCheckPath: "/",
    healthCheckPathGrpc: "/AWS.ALB/healthcheck",
    healthCheckInterval: 15,
    healthCheckTimeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    successCodes: "200",
    successCodesGrpc: "12",
    targetType: "instance",
  },
  nlb: {
    healthCheckProtocol: "TCP",
    healthCheckPort: "traffic-port",
    healthCheckPath: "/",
    healthCheckInterval: 10,
    healthCheckTimeout: 10,
    healthyThreshold: 3,
    unhealthyThreshold: 3,
    successCodes: "200-399",
  },
  /** An NLB in instance mode for an `externalTrafficPolicy: Local` Service checks kube-proxy. */
  nlbLocalInstance: {
    healthCheckProtocol: "HTTP",
    /** The Service's `spec.healthCheckNodePort`. */
    healthCheckPath: "/healthz",
    healthCheckInterval: 10,
    healthCheckTimeout: 6,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  },
} as const;

// ---------------------------------------------------------------- tags on AWS resources

/** Tags the controller writes on what it creates: how a target group is tied to its objects. */
export const TAGS = {
  /** The cluster a group belongs to; a group with it and no binding is BIND001. */
  cluster: "elbv2.k8s.aws/cluster",
  /** `<ns>/<name>` of an Ingress, or the IngressGroup's name: the ALB's owner. */
  ingressStack: "ingress.k8s.aws/stack",
  /** `<ns>/<ingress>-<service>:<port>`: the backend a group was made for. */
  ingressResource: "ingress.k8s.aws/resource",
  /** `<ns>/<service>` of the Service an NLB was made for. */
  serviceStack: "service.k8s.aws/stack",
  /** `<ns>/<service>:<port>`: the Service port a group was made for (serviceResourceOf). */
  serviceResource: "service.k8s.aws/resource",
  /** `<gwNs>/<gwName>` of a Gateway's ALB or NLB (Gateway API). */
  gatewayAlbStack: "gateway.k8s.aws.alb/stack",
  gatewayNlbStack: "gateway.k8s.aws.nlb/stack",
  /** `<gwNs>/<gwName>:<routeNs>-<route>:<RouteKind>-<svcNs>-<svc>:<port>` (./gateway-api.ts). */
  gatewayAlbResource: "gateway.k8s.aws.alb/resource",
  gatewayNlbResource: "gateway.k8s.aws.nlb/resource",
} as const;

/**
 * What an NLB group's `service.k8s.aws/resource` names: the controller writes its resource ID
 * `<ns>/<service>:<port>` (pkg/service buildTargetGroupResourceID; for a weighted group another
 * Service than the stack's); a bare port, as hand-made snapshots carry it, is read as the port.
 */
export function serviceResourceOf(
  value: string | undefined,
): { namespace?: string; name?: string; port: string } | undefined {
  if (!value) return undefined;
  const m = /^([^/]+)\/(.+):([^:]+)$/.exec(value);
  return m ? { namespace: m[1]!, name: m[2]!, port: m[3]! } : { port: value };
}

/** The tag of the controller's shared backend security group: the one it opens targets to. */
export const BACKEND_SECURITY_GROUP_TAG = { key: "elbv2.k8s.aws/resource", value: "backend-sg" };

/**
 * Labels the controller puts on the Kubernetes objects it creates (TargetGroupBindings): an
 * explicit IngressGroup's name, else the namespace and name of the Ingress, Service or Gateway. A binding
 * that carries them is the controller's, and edits to it are reverted.
 */
export const STACK_LABELS = {
  ingressGroup: "ingress.k8s.aws/stack",
  ingressNamespace: "ingress.k8s.aws/stack-namespace",
  ingressName: "ingress.k8s.aws/stack-name",
  serviceNamespace: "service.k8s.aws/stack-namespace",
  serviceName: "service.k8s.aws/stack-name",
  // A Gateway's: the tag prefix of its load balancer type (pkg/deploy/tracking StackLabels).
  gatewayAlbNamespace: "gateway.k8s.aws.alb/stack-namespace",
  gatewayAlbName: "gateway.k8s.aws.alb/stack-name",
  gatewayNlbNamespace: "gateway.k8s.aws.nlb/stack-namespace",
  gatewayNlbName: "gateway.k8s.aws.nlb/stack-name",
} as const;

/** Subnet role tags the controller discovers subnets by when no subnets annotation is set. */
export const SUBNET_ROLE_TAGS = {
  internetFacing: "kubernetes.io/role/elb",
  internal: "kubernetes.io/role/internal-elb",
} as const;

/**
 * The security-group tag key the controller looks for on a target's interface to add backend
 * rules to: exactly one group must carry it, or it cannot choose (NET001's fix (a)).
 */
export const clusterSecurityGroupTag = (cluster: string): string =>
  `kubernetes.io/cluster/${cluster}`;

// ---------------------------------------------------------------- node selection

/** Labels that keep a node out of every target group, whatever their value ("false" too). */
export const NODE_EXCLUSION_LABELS = [
  "node.kubernetes.io/exclude-from-external-load-balancers",
  "alpha.service-controller.kubernetes.io/exclude-balancer",
  "node-role.kubernetes.io/master",
] as const;

/** Fargate nodes cannot be instance targets. */
export const COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";
export const FARGATE = "fargate";

/** Taints that mark a node on its way out; the controller deregisters it at once. */
export const DEPARTING_TAINTS = [
  { key: "ToBeDeletedByClusterAutoscaler" },
  { key: "karpenter.sh/disrupted", effect: "NoSchedule" },
] as const;

/** A Kubernetes label selector (metav1.LabelSelector), as a binding's `spec.nodeSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export type NodeLeftOutBy = "exclusionLabel" | "fargate" | "nodeSelector" | "taint" | "notReady";

export interface NodeChoice {
  node: Node;
  registered: boolean;
  /** Why the controller leaves it out; absent when it registers it. */
  leftOutBy?: NodeLeftOutBy;
  /** The label, selector term, taint or condition that decides, in words. */
  detail?: string;
  /** exclusionLabel: the label's key. */
  label?: string;
  /** nodeSelector: the first term the node misses (matchLabels as `In` one value). */
  term?: SelectorTerm;
  /** The change that brings it back. */
  fix?: string;
}

const readyStatus = (node: Node): string | undefined =>
  node.status?.conditions?.find((c) => c.type === "Ready")?.status;

/** One requirement of a label selector. */
export interface SelectorTerm {
  key: string;
  operator: string;
  values: string[];
}

/** "role=gw", "zone In (a, b)": a term as a person reads it. */
export const describeTerm = (t: SelectorTerm): string =>
  t.operator === "In" && t.values.length === 1
    ? `${t.key}=${t.values[0]}`
    : `${t.key} ${t.operator}${t.values.length ? ` (${t.values.join(", ")})` : ""}`;

function selectorMisses(
  labels: Record<string, string>,
  selector: LabelSelector,
): SelectorTerm | undefined {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return { key, operator: "In", values: [value] };
  }
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const among = (values ?? []).includes(labels[key] ?? "");
    const ok =
      operator === "In"
        ? has && among
        : operator === "NotIn"
          ? !has || !among
          : operator === "Exists"
            ? has
            : operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return { key, operator, values: values ?? [] };
  }
  return undefined;
}

/**
 * The nodes the controller registers as instance targets of a group (findings.md, "Node
 * selection"), with the rule that leaves each other node out and the change that brings it
 * back. `nodeSelector` is the binding's (fed by the target-node-labels annotations). Cordoned
 * nodes stay registered; when no candidate is Ready=True, the Unknown ones are (fail-open).
 */
export function selectNodes(
  nodes: readonly Node[],
  nodeSelector?: LabelSelector | null,
): NodeChoice[] {
  const choices = nodes.map((node): NodeChoice => {
    const name = node.metadata.name;
    const labels = node.metadata.labels ?? {};
    const label = NODE_EXCLUSION_LABELS.find((key) => key in labels);
    if (label) {
      return {
        node,
        registered: false,
        leftOutBy: "exclusionLabel",
        detail: `label ${label}=${JSON.stringify(labels[label])}`,
        label,
        fix: `kubectl label node ${name} ${label}-`,
      };
    }
    if (labels[COMPUTE_TYPE_LABEL] === FARGATE) {
      return {
        node,
        registered: false,
        leftOutBy: "fargate",
        detail: `label ${COMPUTE_TYPE_LABEL}=${FARGATE}`,
        fix: `Fargate pods can only be ip targets: set target-type ip`,
      };
    }
    const miss = nodeSelector ? selectorMisses(labels, nodeSelector) : undefined;
    if (miss) {
      return {
        node,
        registered: false,
        leftOutBy: "nodeSelector",
        detail: `the binding's nodeSelector requires ${describeTerm(miss)}`,
        term: miss,
        fix: `label node ${name} to satisfy ${describeTerm(miss)}, or widen the selector where it is declared`,
      };
    }
    const taint = (node.spec?.taints ?? []).find((t) =>
      DEPARTING_TAINTS.some((d) => d.key === t.key && (!("effect" in d) || d.effect === t.effect)),
    );
    if (taint) {
      return {
        node,
        registered: false,
        leftOutBy: "taint",
        detail: `taint ${taint.key}${taint.effect ? `:${taint.effect}` : ""}`,
        fix: `the node is being removed by its autoscaler; nothing to fix unless it stays (kubectl taint node ${name} ${taint.key}-)`,
      };
    }
    return { node, registered: true };
  });
  const candidates = choices.filter((c) => c.registered);
  const wanted = candidates.some((c) => readyStatus(c.node) === "True") ? "True" : "Unknown";
  for (const c of candidates) {
    const status = readyStatus(c.node);
    if (status === wanted) continue;
    c.registered = false;
    c.leftOutBy = "notReady";
    c.detail = `condition Ready=${status ?? "absent"}`;
    c.fix = `kubectl describe node ${c.node.metadata.name} (the kubelet does not report Ready)`;
  }
  return choices;
}
