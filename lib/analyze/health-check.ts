/**
 * The target group's health check as it is and how it fails: its live settings, its targets'
 * states and reasons. Instance targets are nodes (the check lands on a nodePort and kube-proxy
 * forwards it); ip targets are pods (the check lands on a container port). Where the check should
 * land is ./health-endpoint's.
 */
import type { Source } from "../snapshot/schema";
import type { TargetGroupView, TargetView } from "./model";

/** What a rule comparing the health check with the backing pods reads. */
export const HEALTH_CHECK_INPUTS: readonly Source[] = [
  "aws.targetGroups",
  "kubernetes.services",
  "kubernetes.endpointSlices",
  "kubernetes.pods",
  "kubernetes.targetGroupBindings",
];

/** Reasons AWS gives when the check got a wrong answer or none: what a wrong setting produces. */
export const CHECK_FAILURE_REASONS: ReadonlySet<string> = new Set([
  "Target.ResponseCodeMismatch",
  "Target.Timeout",
  "Target.FailedHealthChecks",
]);

export const isInstance = (tgv: TargetGroupView): boolean => tgv.targetType === "instance";

export const isIp = (tgv: TargetGroupView): boolean => tgv.targetType === "ip";

/**
 * A wrong port, path, protocol or matcher fails every target alike, so HC001–HC003 and HC006
 * only judge groups whose health is known, with no healthy target and at least one failing.
 */
export const groupDown = (tgv: TargetGroupView): boolean =>
  tgv.healthKnown && !anyHealthy(tgv) && failingTargets(tgv).length > 0;

/** Failing targets whose reason is one of `reasons`. */
export const failingWith = (
  tgv: TargetGroupView,
  reasons: ReadonlySet<string> = CHECK_FAILURE_REASONS,
): TargetView[] => failingTargets(tgv).filter((t) => t.reason !== null && reasons.has(t.reason));

/** Distinct checked ports of the targets, ascending. */
export function checkedPortsOf(targets: readonly TargetView[]): number[] {
  const ports = new Set<number>();
  for (const t of targets) if (t.checkedPort !== null) ports.add(t.checkedPort);
  return [...ports].sort((a, b) => a - b);
}

/** The health-check settings the target group really has. */
export function liveCheck(tgv: TargetGroupView): {
  port: string;
  path: string | null;
  protocol: string | null;
} {
  return {
    port: tgv.tg.HealthCheckPort ?? "traffic-port",
    path: tgv.tg.HealthCheckPath ?? null,
    protocol: tgv.tg.HealthCheckProtocol?.toUpperCase() ?? null,
  };
}

export const isHttpCheck = (protocol: string | null): boolean =>
  protocol === "HTTP" || protocol === "HTTPS";

/**
 * A gRPC group checks a gRPC method (`/package.Service/Method`) and matches gRPC status codes,
 * so an HTTP readiness probe's path says nothing about the right value.
 */
export const isGrpc = (tgv: TargetGroupView): boolean =>
  tgv.tg.ProtocolVersion?.toUpperCase() === "GRPC";

export const reasonsOf = (targets: readonly TargetView[]): string =>
  [...new Set(targets.map((t) => t.reason ?? "no reason"))].join(", ");

export const failingTargets = (tgv: TargetGroupView): TargetView[] =>
  tgv.targets.filter((t) => t.failing);

export const anyHealthy = (tgv: TargetGroupView): boolean => tgv.targets.some((t) => t.healthy);
