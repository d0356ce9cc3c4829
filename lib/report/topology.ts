/**
 * What the pictures draw of each target group, taken from the topology model once per audit:
 * plain data (no model references), so a run over many snapshots keeps only this, not the
 * snapshots, until the report is rendered.
 */
import type { Model, TargetGroupView } from "../analyze/model";
import type { Pod } from "../snapshot/schema";

export interface TopologyTarget {
  id: string;
  port: number | null;
  state: string;
  reason: string | null;
  /** The node (instance mode) or pod (ip mode) behind the target, when the cluster has it. */
  host?: string;
}

export interface TopologyPod {
  name: string;
  ready: boolean;
  /** Why a pod is not ready, as the cluster says it (a container's waiting reason). */
  reason?: string;
  node?: string;
}

export interface GroupTopology {
  arn: string;
  name: string;
  targetType: string;
  /** "HTTPS:443". */
  traffic: string;
  /** "HTTPS traffic-port /healthz". */
  check: string;
  loadBalancers: { name: string; kind: string }[];
  /** A group the controller built for a Gateway: "Gateway orders/web", "HTTPRoute orders/api". */
  gateway?: { gateway: string; route?: string };
  /**
   * The Service behind the group; `missing` when a binding or tag names one the cluster lacks;
   * `generatedBy` the Gateway whose implementation (Istio) generated it and rewrites it.
   */
  service?: {
    name: string;
    port?: string;
    trafficPolicy?: string;
    missing?: boolean;
    generatedBy?: string;
  };
  targets: TopologyTarget[];
  /** False when target health could not be read; true when CloudWatch vouched for it unlisted. */
  healthKnown: boolean;
  healthyPerCloudWatch: boolean;
  pods: TopologyPod[];
}

const shortNode = (name: string) => name.split(".")[0] ?? name;

function waitingReason(pod: Pod | undefined): string | undefined {
  const statuses = pod?.status?.containerStatuses ?? [];
  return (
    statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason ??
    (statuses.some((s) => s.ready === false) ? "containers not ready" : undefined)
  );
}

function servicePortText(tgv: TargetGroupView): string | undefined {
  const sp = tgv.servicePort;
  if (!sp) return undefined;
  const node =
    tgv.targetType === "instance" && sp.nodePort !== undefined ? `, nodePort ${sp.nodePort}` : "";
  return `${sp.name ? `${sp.name} ` : ""}${sp.port} → ${sp.targetPort ?? sp.port}${node}`;
}

const refName = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;

function gatewayOf(tgv: TargetGroupView): GroupTopology["gateway"] {
  const join = tgv.gateway;
  if (!join) return undefined;
  return {
    gateway: `Gateway ${refName(join.gatewayRef)}`,
    route: join.route ? `${join.route.kind} ${refName(join.route)}` : undefined,
  };
}

function serviceOf(tgv: TargetGroupView): GroupTopology["service"] {
  if (tgv.service) {
    const policy = tgv.service.spec?.externalTrafficPolicy;
    const generator = tgv.generatedService;
    return {
      name: `${tgv.service.metadata.namespace ?? "default"}/${tgv.service.metadata.name}`,
      port: servicePortText(tgv),
      // Local is the one policy that changes the path (kube-proxy keeps traffic on the node).
      trafficPolicy: policy === "Local" && tgv.targetType === "instance" ? policy : undefined,
      generatedBy: generator
        ? `Gateway ${refName(generator.gatewayRef)}${generator.istio ? " (Istio)" : ""}`
        : undefined,
    };
  }
  const ref = tgv.binding?.spec.serviceRef;
  if (ref)
    return {
      name: `${tgv.namespace ?? "default"}/${ref.name}`,
      port: String(ref.port),
      missing: true,
    };
  return undefined;
}

function topologyOf(tgv: TargetGroupView): GroupTopology {
  const tg = tgv.tg;
  const pods = new Map<string, TopologyPod>();
  for (const e of tgv.endpoints) {
    const name = e.pod ? e.pod.metadata.name : e.address;
    const known = pods.get(name);
    // A pod listed in several slices is ready when any of them says so.
    if (known) known.ready ||= e.ready;
    else
      pods.set(name, {
        name,
        ready: e.ready,
        reason: e.ready
          ? undefined
          : (waitingReason(e.pod) ?? (e.terminating ? "terminating" : "not ready")),
        node: e.nodeName ? shortNode(e.nodeName) : undefined,
      });
  }
  return {
    arn: tgv.arn,
    name: tgv.name,
    targetType: tgv.targetType,
    traffic: [tg.Protocol, tg.Port].filter((x) => x !== undefined).join(":"),
    check: [tg.HealthCheckProtocol, tg.HealthCheckPort ?? "traffic-port", tg.HealthCheckPath]
      .filter((x) => x !== undefined)
      .join(" "),
    loadBalancers: tgv.loadBalancers.map((lb) => ({
      name:
        lb.LoadBalancerName ?? lb.LoadBalancerArn.split("/").slice(-2, -1)[0] ?? lb.LoadBalancerArn,
      kind: [lb.Type, lb.Scheme].filter(Boolean).join(", "),
    })),
    gateway: gatewayOf(tgv),
    service: serviceOf(tgv),
    targets: tgv.targets.map((t) => {
      const host = tgv.targetType === "ip" ? t.endpoint?.pod?.metadata.name : t.node?.metadata.name;
      return {
        id: t.id,
        port: t.port,
        state: t.state,
        reason: t.reason,
        ...(host ? { host: tgv.targetType === "ip" ? host : shortNode(host) } : {}),
      };
    }),
    healthKnown: tgv.healthKnown,
    healthyPerCloudWatch: tgv.healthyPerCloudWatch,
    pods: [...pods.values()],
  };
}

/** The drawable facts of every target group of the model. */
export function topologiesOf(model: Model): GroupTopology[] {
  return model.targetGroups.map(topologyOf);
}
