/**
 * The Service's ports as the load balancer sees them: which ports carry traffic, which Service
 * port a checked port belongs to, and how to name them in a finding.
 */
import type { ServicePort } from "../snapshot/schema";
import { targetContainer, keyOf } from "./k8s";
import type { TargetGroupView } from "./model";
import { isIp } from "./health-check";
import { healthPod, podPorts } from "./health-endpoint";

/** One port as a number, several as a list: evidence reads naturally either way. */
export const portOrPorts = (ports: readonly number[]): number | number[] =>
  ports.length === 1 ? (ports[0] as number) : [...ports];

export const nodePorts = (tgv: TargetGroupView): Set<number> =>
  new Set(
    (tgv.service?.spec?.ports ?? []).flatMap((sp) =>
      sp.nodePort !== undefined ? [sp.nodePort] : [],
    ),
  );

/** Ports that carry traffic to the backing pods: the Service's nodePorts, or pod ports in ip mode. */
export const trafficPorts = (tgv: TargetGroupView): Set<number> =>
  isIp(tgv) ? podPorts(tgv) : nodePorts(tgv);

/** "status-port (15021 → 15021, nodePort 31127)": a Service port as a person reads it. */
export function describeServicePort(sp: ServicePort): string {
  const target = sp.targetPort ?? sp.port;
  const name = sp.name ? `${sp.name} ` : "";
  const node = sp.nodePort !== undefined ? `, nodePort ${sp.nodePort}` : "";
  return `${name}(${sp.port} → ${target}${node})`;
}

/** The Service port a checked port belongs to: by nodePort (instance) or landing port (ip). */
export function servicePortForCheckedPort(
  tgv: TargetGroupView,
  port: number,
): ServicePort | undefined {
  const ports = tgv.service?.spec?.ports ?? [];
  if (!isIp(tgv)) return ports.find((sp) => sp.nodePort === port);
  const pod = healthPod(tgv);
  return ports.find((sp) =>
    pod ? targetContainer(pod, sp)?.port === port : (sp.targetPort ?? sp.port) === port,
  );
}

export const serviceLabel = (tgv: TargetGroupView): string =>
  tgv.service ? `Service ${keyOf(tgv.service.metadata)}` : "the Service";
