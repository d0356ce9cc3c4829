/**
 * The layout of a synthetic cluster, decided before any object is written: nodes in node
 * groups, namespaces, one workload per target group plus internal workloads, where every pod
 * runs, which load balancer fronts which group, and which groups carry which fault. Builders
 * turn this plan into API objects, so every join (providerID, NodePort, EndpointSlice, targetRef,
 * binding, tags) is consistent by construction.
 */
import { Prng } from "./prng";

export interface GeneratorOptions {
  targetGroups: number;
  nodes: number;
  pods: number;
  seed: number;
  /** Share of target groups that get one injected fault, 0..1. */
  faults: number;
}

/** Each fault is a real-world failure with the finding code the catalog assigns to it. */
export const FAULTS = {
  "wrong-health-check-port": { code: "HC001", severity: "critical" },
  "etp-local-nodes-without-endpoints": { code: "TP001", severity: "warning" },
  "stale-node-port": { code: "HC004", severity: "critical" },
  "stale-target": { code: "TGT001", severity: "warning" },
  "pods-not-ready": { code: "TGT003", severity: "critical" },
} as const;
export type FaultKind = keyof typeof FAULTS;
const FAULT_ORDER = Object.keys(FAULTS) as FaultKind[];

/**
 * gateway: an Istio ingress gateway (instance targets, health on the status port).
 * nodeport-app: an app behind a NodePort Service (instance targets, health on the traffic port).
 * app: pod-IP targets, health on the traffic port. app-admin: pod-IP targets, health on a
 * separate admin port. internal: a ClusterIP Service no load balancer fronts.
 */
export type Flavour = "gateway" | "nodeport-app" | "app" | "app-admin" | "internal";

export interface NodePlan {
  index: number;
  name: string;
  instanceId: string;
  zone: string;
  ip: string;
  group: string;
}

export interface PodPlan {
  name: string;
  uid: string;
  ip: string;
  node: NodePlan;
  ready: boolean;
}

export interface NamespacePlan {
  name: string;
  istio: boolean;
  /** Namespace-wide STRICT mTLS (workloads behind a load balancer open their ports). */
  strict: boolean;
}

export interface NodePorts {
  traffic: number;
  /** The gateway's status port (where its health endpoint is). */
  status?: number;
  https?: number;
}

export interface TargetGroupPlan {
  index: number;
  name: string;
  arn: string;
  targetType: "instance" | "ip";
  /** ingress: created by the controller from an Ingress; user: made elsewhere, bound by hand. */
  manager: "ingress" | "user";
  ingressGroup?: string;
  lbKey: string;
  fault?: FaultKind;
  /** Instance mode: the nodes registered (one node group). */
  registered: NodePlan[];
  nodePorts?: NodePorts;
  /** HC004: the NodePort the Service had before it was re-created. */
  staleNodePort?: number;
}

export interface WorkloadPlan {
  ns: NamespacePlan;
  name: string;
  flavour: Flavour;
  templateHash: string;
  pods: PodPlan[];
  serviceUid: string;
  clusterIP: string;
  externalTrafficPolicyLocal: boolean;
  tg?: TargetGroupPlan;
}

export interface ClusterPlan {
  options: GeneratorOptions;
  prng: Prng;
  clusterName: string;
  region: string;
  account: string;
  vpcId: string;
  zones: string[];
  nodes: NodePlan[];
  nodeGroups: NodePlan[][];
  namespaces: NamespacePlan[];
  workloads: WorkloadPlan[];
  /** Load balancer name by key (ingress group, standalone Ingress, or shared edge ALB). */
  loadBalancers: Map<string, { name: string; arn: string }>;
}

const NODE_GROUP_SIZE = 50;
const TGS_PER_NAMESPACE = 8;
const USER_TGS_PER_EDGE_LB = 20;
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const APP_WORDS = [
  "cart",
  "checkout",
  "catalog",
  "search",
  "payments",
  "orders",
  "users",
  "auth",
  "inventory",
  "shipping",
  "reviews",
  "pricing",
  "media",
  "notify",
  "billing",
  "profile",
  "session",
  "reports",
  "ledger",
  "quotes",
];

/** A seed per independent stream of choices, mixed so nearby seeds give unrelated streams. */
const streamSeed = (seed: number, stream: number): number =>
  (Math.imul(seed + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35)) >>> 0;

const octets = (base: number, n: number) => `${base + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;

export const uuid = (prng: Prng): string =>
  `${prng.hex(8)}-${prng.hex(4)}-4${prng.hex(3)}-${prng.pick(["8", "9", "a", "b"])}${prng.hex(3)}-${prng.hex(12)}`;

function planNodes(prng: Prng, count: number, region: string, zones: string[]) {
  const nodes: NodePlan[] = [];
  const groups: NodePlan[][] = [];
  for (let i = 0; i < count; i += 1) {
    const g = Math.floor(i / NODE_GROUP_SIZE);
    const ip = `10.${octets(16, i + 10)}`;
    const node: NodePlan = {
      index: i,
      name: `ip-${ip.replace(/\./g, "-")}.${region}.compute.internal`,
      // The index in the id keeps ids unique; the random tail makes them look like EC2's.
      instanceId: `i-0${i.toString(16).padStart(6, "0")}${prng.hex(10)}`,
      zone: zones[i % zones.length] as string,
      ip,
      group: `ng-${g}`,
    };
    nodes.push(node);
    (groups[g] ??= []).push(node);
  }
  return { nodes, groups };
}

/** Which target groups get which fault: a seeded choice, kinds in turn so a run mixes them all. */
function planFaults(rng: Prng, options: GeneratorOptions): Map<number, FaultKind> {
  const count = Math.min(options.targetGroups, Math.round(options.faults * options.targetGroups));
  const chosen = rng.shuffle([...Array(options.targetGroups).keys()]).slice(0, count);
  const kinds = FAULT_ORDER.filter(
    // Nodes without endpoints need a node group of two or more nodes.
    (k) => k !== "etp-local-nodes-without-endpoints" || options.nodes >= 2,
  );
  return new Map(chosen.map((tg, i) => [tg, kinds[i % kinds.length] as FaultKind]));
}

/** The workloads that can show each fault, used in turn so every one of them is exercised. */
const FAULT_FLAVOURS: Record<FaultKind, Flavour[]> = {
  "wrong-health-check-port": ["gateway", "app-admin"],
  "etp-local-nodes-without-endpoints": ["gateway", "nodeport-app"],
  "stale-node-port": ["nodeport-app", "gateway"],
  "stale-target": ["app", "gateway", "app-admin", "nodeport-app"],
  "pods-not-ready": ["app", "nodeport-app", "app-admin", "gateway"],
};

/** Shares of the fault-free target groups: mostly pod-IP targets, some NodePort gateways and apps. */
function healthyFlavourAt(x: number): Flavour {
  return x < 0.075 ? "gateway" : x < 0.15 ? "nodeport-app" : x < 0.6 ? "app" : "app-admin";
}

/**
 * Flavour per target group in fixed proportions (placed at random), so a small cluster and a
 * large one have the same mix and per-object costs compare between them.
 */
function planFlavours(rng: Prng, tgCount: number, faults: Map<number, FaultKind>): Flavour[] {
  const out: (Flavour | undefined)[] = new Array<Flavour | undefined>(tgCount);
  const turn = new Map<FaultKind, number>();
  for (const [tg, kind] of faults) {
    const k = turn.get(kind) ?? 0;
    turn.set(kind, k + 1);
    const choices = FAULT_FLAVOURS[kind];
    out[tg] = choices[k % choices.length];
  }
  const free = [...out.keys()].filter((i) => out[i] === undefined);
  const pool = rng.shuffle(free.map((_, i) => healthyFlavourAt((i + 0.5) / free.length)));
  free.forEach((tg, i) => (out[tg] = pool[i]));
  return out as Flavour[];
}

/** Replicas per workload summing to exactly `total`, each at least one, sizes varied. */
function allocateReplicas(prng: Prng, weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.max(1, Math.floor((total * w) / sum)));
  let diff = total - out.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % out.length) {
    if (diff > 0) {
      out[i] = (out[i] as number) + 1;
      diff -= 1;
    } else if ((out[i] as number) > 1) {
      out[i] = (out[i] as number) - 1;
      diff += 1;
    }
  }
  return prng.shuffle(out);
}

export function planCluster(options: GeneratorOptions): ClusterPlan {
  const { targetGroups: tgCount, nodes: nodeCount, pods: podCount } = options;
  if (tgCount < 1 || nodeCount < 1 || podCount < tgCount) {
    throw new Error("need a target group, a node, and at least one pod per target group");
  }
  if (!(options.faults >= 0 && options.faults <= 1)) throw new Error("faults must be in 0..1");
  // Separate streams: the layout of N target groups does not shift when nodes or pods change.
  const layout = new Prng(streamSeed(options.seed, 1));
  const prng = new Prng(streamSeed(options.seed, 2));
  const placement = new Prng(streamSeed(options.seed, 3));
  const region = "eu-west-1";
  const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
  const account = "123456789012";
  const { nodes, groups: nodeGroups } = planNodes(prng, nodeCount, region, zones);

  // Three namespaces in five run Istio sidecars; one in five of all is STRICT.
  const namespaces: NamespacePlan[] = [];
  const nsCount = Math.max(1, Math.ceil(tgCount / TGS_PER_NAMESPACE));
  for (let i = 0; i < nsCount; i += 1) {
    namespaces.push({ name: `team-${i}`, istio: i % 5 < 3, strict: i % 5 === 0 });
  }

  const faults = planFaults(layout, options);
  const internalCount = Math.min(Math.ceil(tgCount / 2), podCount - tgCount);
  const flavours = planFlavours(layout, tgCount, faults);
  for (let i = 0; i < internalCount; i += 1) flavours.push("internal");
  // About 70% of the pods sit behind a load balancer, the rest serve inside the cluster.
  const weights = flavours.map(
    (f) => (0.5 + layout.next()) * (f === "internal" ? 0.3 / internalCount : 0.7 / tgCount),
  );
  const replicas = allocateReplicas(layout, weights, podCount);

  const nodePortPool = prng.shuffle(
    [...Array(NODE_PORT_MAX - NODE_PORT_MIN + 1).keys()].map((i) => i + NODE_PORT_MIN),
  );
  const takeNodePort = () => {
    const port = nodePortPool.pop();
    if (port === undefined) throw new Error("more NodePort Services than the NodePort range holds");
    return port;
  };

  const loadBalancers = new Map<string, { name: string; arn: string }>();
  const lbFor = (key: string, label: string) => {
    if (!loadBalancers.has(key)) {
      const name = `k8s-${label.slice(0, 16)}-${prng.hex(10)}`;
      const arn = `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${name}/${prng.hex(16)}`;
      loadBalancers.set(key, { name, arn });
    }
    return key;
  };

  const workloads: WorkloadPlan[] = [];
  const podNames = new Set<string>();
  let podCounter = 0;
  let instanceCounter = 0;
  let userCounter = 0;
  let appCounter = 0;
  flavours.forEach((flavour, w) => {
    const isTg = w < tgCount;
    const ns = namespaces[w % nsCount] as NamespacePlan;
    const name =
      flavour === "gateway"
        ? `ingressgateway-${w}`
        : `${APP_WORDS[w % APP_WORDS.length]}-${w}${isTg ? "" : "-internal"}`;
    const fault = isTg ? faults.get(w) : undefined;
    const instance = flavour === "gateway" || flavour === "nodeport-app";
    const group = instance ? (nodeGroups[instanceCounter++ % nodeGroups.length] as NodePlan[]) : [];
    // ETP Local with pods on only half the registered nodes: the other half drop the check.
    const hosts =
      fault === "etp-local-nodes-without-endpoints"
        ? group.slice(0, Math.max(1, Math.floor(group.length / 2)))
        : group;
    const templateHash = prng.hex(10);
    const pods: PodPlan[] = [];
    const offset = placement.int(0, Math.max(0, hosts.length - 1));
    for (let r = 0; r < (replicas[w] as number); r += 1) {
      let podName = `${name}-${templateHash}-${prng.suffix(5)}`;
      while (podNames.has(`${ns.name}/${podName}`))
        podName = `${name}-${templateHash}-${prng.suffix(5)}`;
      podNames.add(`${ns.name}/${podName}`);
      pods.push({
        name: podName,
        uid: uuid(prng),
        ip: `10.${octets(64, podCounter++)}`,
        node: instance
          ? (hosts[(offset + r) % hosts.length] as NodePlan)
          : (nodes[placement.int(0, nodes.length - 1)] as NodePlan),
        ready: fault !== "pods-not-ready",
      });
    }

    let tg: TargetGroupPlan | undefined;
    if (isTg) {
      // One app in eight has a target group made outside the cluster (Terraform) and bound by hand.
      const manager = flavour === "app" && appCounter++ % 8 === 7 ? "user" : "ingress";
      const grouped = manager === "ingress" && layout.chance(0.85);
      const ingressGroup = grouped ? ns.name : undefined;
      const lbKey =
        manager === "user"
          ? lbFor(`edge:${Math.floor(userCounter++ / USER_TGS_PER_EDGE_LB)}`, "edge")
          : grouped
            ? lbFor(`group:${ns.name}`, ns.name)
            : lbFor(`ingress:${ns.name}/${name}`, name);
      const tgName = `k8s-${ns.name.slice(0, 8)}-${name.slice(0, 8)}-${prng.hex(10)}`;
      tg = {
        index: w,
        name: tgName,
        arn: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${tgName}/${prng.hex(16)}`,
        targetType: instance ? "instance" : "ip",
        manager,
        ingressGroup,
        lbKey,
        fault,
        registered: group,
      };
      if (instance) {
        tg.nodePorts =
          flavour === "gateway"
            ? { status: takeNodePort(), traffic: takeNodePort(), https: takeNodePort() }
            : { traffic: takeNodePort() };
        if (fault === "stale-node-port") tg.staleNodePort = takeNodePort();
      }
    }
    workloads.push({
      ns,
      name,
      flavour,
      templateHash,
      pods,
      serviceUid: uuid(prng),
      clusterIP: `172.${octets(20, w + 10)}`,
      externalTrafficPolicyLocal: fault === "etp-local-nodes-without-endpoints",
      tg,
    });
  });

  return {
    options,
    prng,
    clusterName: "bench",
    region,
    account,
    vpcId: `vpc-0${prng.hex(16)}`,
    zones,
    nodes,
    nodeGroups,
    namespaces,
    workloads,
    loadBalancers,
  };
}
