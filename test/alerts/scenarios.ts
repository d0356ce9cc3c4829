/**
 * Snapshots for the alerting tests: the healthy gateway and cart baselines side by side (two
 * target groups), and the one-fact breaks that make a finding appear, rise or go.
 */
import type { Snapshot, SnapshotInput } from "../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";

export { APP_TG_ARN, GW_TG_ARN };

/** The gateway (instance targets) and the cart app (ip targets) behind one load balancer. */
export function twoGroupInput(): SnapshotInput {
  const gw = healthyInstanceGatewayInput();
  const app = healthyIpAppInput();
  const a = k8s(app);
  const g = k8s(gw);
  g.services.push(...a.services);
  g.endpointSlices.push(...a.endpointSlices);
  g.pods.push(...a.pods);
  g.ingresses.push(...a.ingresses);
  g.targetGroupBindings.push(...a.targetGroupBindings);
  g.peerAuthentications.push(...a.peerAuthentications);
  tgs(gw).push(...tgs(app));
  return gw;
}

/**
 * The gateway checked on its traffic port, as its Service annotation asks: HC001. `failing`
 * nodes fail the check; the others are draining, which is not failing, so fewer than all
 * failing makes HC001 a warning and all of them a critical.
 */
export function breakGateway(input: SnapshotInput, failing: number = NODES.length): void {
  k8s(input).services[0]!.metadata.annotations!["alb.ingress.kubernetes.io/healthcheck-port"] =
    "traffic-port";
  const tg = tgs(input).find((t) => t.TargetGroupArn === GW_TG_ARN)!;
  tg.HealthCheckPort = "traffic-port";
  tg.TargetHealthDescriptions = NODES.map((n, i) =>
    i < failing
      ? target(n.id, 31246, "unhealthy", "Target.ResponseCodeMismatch", "codes: [404]")
      : target(n.id, 31246, "draining", "Target.DeregistrationInProgress"),
  );
}

/** The cart's targets fail for a reason no rule explains: TGT005 on the app group. */
export function breakApp(input: SnapshotInput): void {
  const tg = tgs(input).find((t) => t.TargetGroupArn === APP_TG_ARN)!;
  tg.TargetHealthDescriptions = tg.TargetHealthDescriptions!.map((d) => ({
    ...d,
    TargetHealth: { State: "unhealthy", Reason: "Target.FailedHealthChecks" },
  }));
}

export const snapshotWith = (...edits: ((s: SnapshotInput) => void)[]): Snapshot =>
  snapshotOf(twoGroupInput(), (s) => edits.forEach((e) => e(s)));
