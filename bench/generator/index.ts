/**
 * Synthetic snapshot v1 documents for benchmarks and scale tests: a seeded, internally
 * consistent cluster with a controlled share of target groups carrying one known fault each,
 * and the list of what was injected so a test can check the engine finds it.
 */
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { lbHostname, loadBalancerObjects, targetGroupObject } from "./aws";
import { BACKEND_SG, ec2Objects } from "./ec2";
import {
  bindingObject,
  ingressObject,
  nodeObject,
  peerAuthentications,
  podObject,
  serviceObject,
  sliceObjects,
} from "./kube";
import { FAULTS, planCluster, type FaultKind, type GeneratorOptions } from "./plan";

export { FAULTS, type FaultKind, type GeneratorOptions } from "./plan";

export interface InjectedFault {
  kind: FaultKind;
  /** The finding the catalog says this situation produces, and its severity. */
  code: string;
  severity: "critical" | "warning";
  targetGroupArn: string;
  targetGroupName: string;
  targetType: "instance" | "ip";
  /** `<namespace>/<name>` of the Service behind the group. */
  service: string;
}

export interface Generated {
  snapshot: SnapshotInput;
  faults: InjectedFault[];
  counts: Record<string, number>;
}

export const DEFAULT_SEED = 1;
export const CAPTURED_AT = "2026-11-24T10:00:00Z";

export function generateSnapshot(
  options: Partial<GeneratorOptions> &
    Pick<GeneratorOptions, "targetGroups" | "nodes" | "pods"> & {
      /** Add the EC2 lists of the network checks (and the controller's backend group). */
      network?: boolean;
    },
): Generated {
  const { network, ...planOptions } = options;
  const plan = planCluster({ seed: DEFAULT_SEED, faults: 0, ...planOptions });
  const lbName = new Map([...plan.loadBalancers].map(([key, lb]) => [key, lb.name]));
  const k = {
    nodes: plan.nodes.map((n) => nodeObject(plan, n)),
    services: plan.workloads.map((w) => serviceObject(w)),
    endpointSlices: plan.workloads.flatMap((w) => sliceObjects(plan, w)),
    pods: plan.workloads.flatMap((w) => w.pods.map((p) => podObject(w, p))),
    ingresses: plan.workloads.flatMap(
      (w) => ingressObject(w, lbHostname(plan, (w.tg && lbName.get(w.tg.lbKey)) ?? "")) ?? [],
    ),
    targetGroupBindings: plan.workloads.flatMap((w) => bindingObject(w) ?? []),
    peerAuthentications: peerAuthentications(plan),
  };
  let staleIndex = 0;
  const loadBalancers = loadBalancerObjects(plan).map((lb) =>
    network ? { ...lb, SecurityGroups: [...(lb.SecurityGroups ?? []), BACKEND_SG] } : lb,
  );
  const aws = {
    loadBalancers,
    targetGroups: plan.workloads.flatMap(
      (w) => targetGroupObject(plan, w, w.tg?.fault === "stale-target" ? staleIndex++ : 0) ?? [],
    ),
  };
  const ec2 = network ? ec2Objects(plan, loadBalancers) : undefined;
  const faults: InjectedFault[] = plan.workloads.flatMap((w) => {
    const tg = w.tg;
    if (!tg?.fault) return [];
    return [
      {
        kind: tg.fault,
        ...FAULTS[tg.fault],
        targetGroupArn: tg.arn,
        targetGroupName: tg.name,
        targetType: tg.targetType,
        service: `${w.ns.name}/${w.name}`,
      },
    ];
  });
  const counts: Record<string, number> = {
    ...Object.fromEntries(Object.entries(aws).map(([key, list]) => [key, list.length])),
    ...Object.fromEntries(Object.entries(k).map(([key, list]) => [key, list.length])),
    targets: aws.targetGroups.reduce((n, tg) => n + (tg.TargetHealthDescriptions?.length ?? 0), 0),
    endpoints: k.endpointSlices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0),
  };
  return {
    snapshot: {
      version: 1,
      capturedAt: CAPTURED_AT,
      cluster: { name: plan.clusterName, region: plan.region },
      aws: { ...aws, ...ec2 },
      kubernetes: k,
      gaps: [],
    },
    faults,
    counts,
  };
}
