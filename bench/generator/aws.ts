/**
 * AWS objects of a planned cluster in the SDK v3 output shapes: the load balancers, and each
 * target group with its tags and target health as the controller and the ALB would leave them
 * (healthy when fault-free; the symptoms of its fault otherwise).
 */
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { ADMIN_PORT, APP_PORT, stackOf } from "./kube";
import type { ClusterPlan, NodePlan, WorkloadPlan } from "./plan";

type A = Required<SnapshotInput["aws"]>;
export type LoadBalancerJson = A["loadBalancers"][number];
export type TargetGroupJson = A["targetGroups"][number];
type TargetHealthJson = NonNullable<TargetGroupJson["TargetHealthDescriptions"]>[number];

export const lbHostname = (plan: ClusterPlan, name: string) =>
  `internal-${name}-1234567890.${plan.region}.elb.amazonaws.com`;

export function loadBalancerObjects(plan: ClusterPlan): LoadBalancerJson[] {
  return [...plan.loadBalancers.values()].map((lb, i) => ({
    LoadBalancerArn: lb.arn,
    DNSName: lbHostname(plan, lb.name),
    CanonicalHostedZoneId: "Z32O12XQLNTSW2",
    CreatedTime: "2026-10-01T12:00:00.000Z",
    LoadBalancerName: lb.name,
    Scheme: "internal",
    VpcId: plan.vpcId,
    State: { Code: "active" },
    Type: "application",
    AvailabilityZones: plan.zones.map((z, zi) => ({
      ZoneName: z,
      SubnetId: `subnet-0${(zi + 10).toString(16)}${plan.vpcId.slice(-14)}`,
    })),
    SecurityGroups: [`sg-0${(i + 4096).toString(16).padStart(16, "0")}`],
    IpAddressType: "ipv4",
  }));
}

interface Health {
  State: string;
  Reason?: string;
  Description?: string;
}
const HEALTHY: Health = { State: "healthy" };
const CODE_404: Health = {
  State: "unhealthy",
  Reason: "Target.ResponseCodeMismatch",
  Description: "Health checks failed with these codes: [404]",
};
const REFUSED: Health = {
  State: "unhealthy",
  Reason: "Target.FailedHealthChecks",
  Description: "Health checks failed",
};
const TIMEOUT: Health = {
  State: "unhealthy",
  Reason: "Target.Timeout",
  Description: "Request timed out",
};
const TERMINATED: Health = {
  State: "unused",
  Reason: "Target.InvalidState",
  Description: "Target is in the stopped or terminated state",
};

/** The health-check port and path the target group has, faults included. */
function healthCheck(w: WorkloadPlan): { port: string; path: string } {
  const tg = w.tg;
  if (!tg) throw new Error("not behind a target group");
  if (tg.staleNodePort !== undefined) {
    return {
      port: String(tg.staleNodePort),
      path: w.flavour === "gateway" ? "/healthz/ready" : "/healthz",
    };
  }
  const wrong = tg.fault === "wrong-health-check-port";
  switch (w.flavour) {
    case "gateway":
      // The controller's defaults: the traffic port and "/", which the gateway answers with 404.
      return wrong
        ? { port: "traffic-port", path: "/" }
        : { port: String(tg.nodePorts?.status), path: "/healthz/ready" };
    case "app-admin":
      return { port: wrong ? "traffic-port" : String(ADMIN_PORT), path: "/healthz" };
    case "nodeport-app":
      return { port: "traffic-port", path: "/healthz" };
    default:
      return { port: "traffic-port", path: "/ready" };
  }
}

/** How a target fares given the group's fault; `hostsPod` says whether its node runs a pod. */
function healthOf(w: WorkloadPlan, hostsPod: boolean): Health {
  switch (w.tg?.fault) {
    case "wrong-health-check-port":
      return CODE_404;
    case "stale-node-port":
    case "pods-not-ready":
      return REFUSED;
    case "etp-local-nodes-without-endpoints":
      return hostsPod ? HEALTHY : TIMEOUT;
    default:
      return HEALTHY;
  }
}

const targetHealth = (
  id: string,
  port: number,
  checked: string,
  health: Health,
  zone?: string,
): TargetHealthJson => ({
  Target: { Id: id, Port: port, ...(zone ? { AvailabilityZone: zone } : {}) },
  HealthCheckPort: checked,
  TargetHealth: { ...health },
});

function targets(
  plan: ClusterPlan,
  w: WorkloadPlan,
  hcPort: string,
  staleIndex: number,
): TargetHealthJson[] {
  const tg = w.tg;
  if (!tg) return [];
  const stale = tg.fault === "stale-target";
  if (tg.targetType === "instance") {
    const port = tg.nodePorts?.traffic ?? 0;
    const checked = hcPort === "traffic-port" ? String(port) : hcPort;
    const hosts = new Set<NodePlan>(w.pods.map((p) => p.node));
    const out = tg.registered.map((n) =>
      targetHealth(n.instanceId, port, checked, healthOf(w, hosts.has(n))),
    );
    // A node that was terminated but never deregistered.
    if (stale) out.push(targetHealth(`i-0ffff${plan.prng.hex(12)}`, port, checked, TERMINATED));
    return out;
  }
  const checked = hcPort === "traffic-port" ? String(APP_PORT) : hcPort;
  const out = w.pods.map((p) =>
    targetHealth(p.ip, APP_PORT, checked, healthOf(w, true), p.node.zone),
  );
  if (stale) {
    // The address of a pod that is gone: nothing answers there any more.
    const ip = `10.250.${(staleIndex >> 8) & 255}.${staleIndex & 255}`;
    out.push(
      targetHealth(ip, APP_PORT, checked, TIMEOUT, plan.zones[staleIndex % plan.zones.length]),
    );
  }
  return out;
}

function tags(plan: ClusterPlan, w: WorkloadPlan): { Key: string; Value: string }[] {
  const tg = w.tg;
  if (!tg) return [];
  const stack = stackOf(w);
  if (!stack)
    return [
      { Key: "team", Value: w.ns.name },
      { Key: "managed-by", Value: "terraform" },
    ];
  return [
    { Key: "elbv2.k8s.aws/cluster", Value: plan.clusterName },
    { Key: "ingress.k8s.aws/stack", Value: stack },
    { Key: "ingress.k8s.aws/resource", Value: `${w.ns.name}/${w.name}-${w.name}:80` },
  ];
}

export function targetGroupObject(
  plan: ClusterPlan,
  w: WorkloadPlan,
  staleIndex: number,
): TargetGroupJson | undefined {
  const tg = w.tg;
  if (!tg) return undefined;
  const hc = healthCheck(w);
  const lb = plan.loadBalancers.get(tg.lbKey);
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: "HTTP",
    Port: tg.targetType === "instance" ? tg.nodePorts?.traffic : APP_PORT,
    VpcId: plan.vpcId,
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: hc.port,
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: 15,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: "200" },
    LoadBalancerArns: lb ? [lb.arn] : [],
    TargetType: tg.targetType,
    ProtocolVersion: "HTTP1",
    IpAddressType: "ipv4",
    Tags: tags(plan, w),
    TargetHealthDescriptions: targets(plan, w, hc.port, staleIndex),
  };
}
