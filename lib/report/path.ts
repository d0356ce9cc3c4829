/**
 * The path of one target group as boxes and arrows: load balancer → target group → targets
 * (grouped by state, reason and the findings that explain them) → Service → pods, each arrow
 * carrying the findings that blame it. Computed once per group; Mermaid and SVG only draw it.
 */
import { severityRank, type Finding, type Severity } from "../analyze/finding";
import { blameOf, type EdgeKind } from "./blame";
import type { GroupTopology, TopologyTarget } from "./topology";

export type Health = "failing" | "healthy" | "pending" | "neutral";
export type Column = "lb" | "tg" | "targets" | "service" | "pods";
export const COLUMNS: readonly Column[] = ["lb", "tg", "targets", "service", "pods"];

export interface PathNode {
  /** Ours, never user text: safe as a Mermaid id and an SVG id. */
  id: string;
  column: Column;
  title: string;
  lines: string[];
  health: Health;
}

export interface Mark {
  code: string;
  severity: Severity;
  label: string;
}

export interface PathEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  marks: Mark[];
}

export interface GroupPath {
  arn: string;
  name: string;
  /** The most severe finding of the group; null when it has none. */
  severity: Severity | null;
  nodes: PathNode[];
  edges: PathEdge[];
}

/** Beyond this many targets (or pods) in one box, the box shows the count and the first few. */
export const HANDFUL = 4;

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function healthOfState(state: string, reason: string | null): Health {
  if (state === "healthy") return "healthy";
  if (state === "unhealthy" || (state === "unused" && reason === "Target.NotInUse"))
    return "failing";
  if (reason === "Target.NotRegistered") return "failing";
  return "pending";
}

/** "i-0abc (ip-10-0-1-2)" lines, the first few of a box and how many more. */
function memberLines(names: string[]): string[] {
  const shown = names.slice(0, HANDFUL);
  const more = names.length - shown.length;
  return more > 0 ? [...shown, `… and ${more} more`] : shown;
}

const targetName = (t: TopologyTarget, withPort: boolean) =>
  `${t.id}${withPort && t.port != null ? `:${t.port}` : ""}${t.host ? ` (${t.host})` : ""}`;

interface Bucket {
  state: string;
  reason: string | null;
  codes: string[];
  targets: TopologyTarget[];
}

/**
 * Targets in boxes by state, reason and the codes that list them, so that two failures with
 * the same reason but different causes (TP001's nodes, TGT005's rest) get their own arrows.
 */
function bucketTargets(targets: TopologyTarget[], findings: Finding[]): Bucket[] {
  const codesOf = new Map<string, Set<string>>();
  for (const f of findings)
    for (const t of f.affectedTargets) {
      const set = codesOf.get(t.id) ?? new Set();
      set.add(f.code);
      codesOf.set(t.id, set);
    }
  const buckets = new Map<string, Bucket>();
  for (const t of targets) {
    const codes = [...(codesOf.get(t.id) ?? [])].sort();
    const key = JSON.stringify([t.state, t.reason, codes]);
    const bucket = buckets.get(key) ?? { state: t.state, reason: t.reason, codes, targets: [] };
    bucket.targets.push(t);
    buckets.set(key, bucket);
  }
  // Failing boxes first: they are what a person looks for.
  const order = (b: Bucket) =>
    ["failing", "pending", "healthy", "neutral"].indexOf(healthOfState(b.state, b.reason));
  return [...buckets.values()].sort((a, b) => order(a) - order(b));
}

/** Targets a finding names that the group does not list (TGT002's unregistered endpoints). */
function unlistedTargets(topology: GroupTopology, findings: Finding[]): TopologyTarget[] {
  const listed = new Set(topology.targets.map((t) => t.id));
  const extra = new Map<string, TopologyTarget>();
  for (const f of findings)
    for (const t of f.affectedTargets)
      if (!listed.has(t.id) && !extra.has(t.id))
        extra.set(t.id, { id: t.id, port: t.port, state: t.state, reason: t.reason });
  return [...extra.values()];
}

function targetNodes(topology: GroupTopology, buckets: Bucket[]): PathNode[] {
  if (buckets.length > 0)
    return buckets.map((b, i) => {
      const ports = new Set(b.targets.map((t) => t.port));
      const onePort = ports.size === 1 ? [...ports][0] : undefined;
      const unregistered = b.reason === "Target.NotRegistered";
      return {
        id: `t${i}`,
        column: "targets",
        title: `${plural(b.targets.length, "target")} ${unregistered ? "not registered" : b.state}`,
        lines: [
          ...(b.reason && !unregistered ? [b.reason] : []),
          ...(onePort != null ? [`port ${onePort}`] : []),
          ...memberLines(b.targets.map((t) => targetName(t, onePort == null))),
        ],
        health: healthOfState(b.state, b.reason),
      };
    });
  const placeholder = (title: string, health: Health): PathNode[] => [
    { id: "t0", column: "targets", title, lines: [], health },
  ];
  if (!topology.healthKnown) return placeholder("target health unreadable", "neutral");
  if (topology.healthyPerCloudWatch)
    return placeholder("targets healthy per CloudWatch (not listed)", "healthy");
  return placeholder(
    "no registered target",
    topology.loadBalancers.length > 0 ? "failing" : "neutral",
  );
}

function podNodes(topology: GroupTopology): PathNode[] {
  if (!topology.service || topology.service.missing) return [];
  const groups = new Map<string, typeof topology.pods>();
  for (const p of topology.pods) {
    const key = p.ready ? "" : (p.reason ?? "not ready");
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  if (groups.size === 0)
    return [
      {
        id: "p0",
        column: "pods",
        title: "no pod behind the Service",
        lines: [],
        health: "failing",
      },
    ];
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([reason, pods], i) => ({
      id: `p${i}`,
      column: "pods",
      title: `${plural(pods.length, "pod")} ${reason === "" ? "ready" : "not ready"}`,
      lines: [
        ...(reason && reason !== "not ready" ? [reason] : []),
        ...memberLines(pods.map((p) => (p.node ? `${p.name} (${p.node})` : p.name))),
      ],
      health: reason === "" ? "healthy" : "failing",
    }));
}

function serviceNode(topology: GroupTopology): PathNode {
  const svc = topology.service;
  if (!svc)
    return {
      id: "svc",
      column: "service",
      title: "no Service known",
      lines: ["the group names no Service of this cluster"],
      health: "neutral",
    };
  return {
    id: "svc",
    column: "service",
    title: `Service ${svc.name}`,
    lines: svc.missing
      ? [`not found (port ${svc.port ?? "?"})`]
      : [
          ...(svc.port ? [`port ${svc.port}`] : []),
          ...(svc.trafficPolicy ? [`externalTrafficPolicy: ${svc.trafficPolicy}`] : []),
          ...(svc.generatedBy ? [`generated for ${svc.generatedBy}`] : []),
        ],
    health: svc.missing ? "failing" : "neutral",
  };
}

/** The path of one target group, with each finding marked on the edge it blames. */
export function buildPath(topology: GroupTopology, findings: Finding[]): GroupPath {
  const own = findings.filter((f) => f.targetGroupArn === topology.arn);
  const buckets = bucketTargets([...topology.targets, ...unlistedTargets(topology, own)], own);
  const lbs: PathNode[] =
    topology.loadBalancers.length > 0
      ? topology.loadBalancers.map((lb, i) => ({
          id: `lb${i}`,
          column: "lb",
          title: lb.name,
          lines: [
            ...(lb.kind ? [lb.kind] : []),
            // The Gateway and route stand in front of the group: what the listener rules come from.
            ...(topology.gateway
              ? [
                  topology.gateway.gateway,
                  ...(topology.gateway.route ? [topology.gateway.route] : []),
                ]
              : []),
          ],
          health: "neutral",
        }))
      : [
          {
            id: "lb0",
            column: "lb",
            title: "no load balancer",
            lines: ["attached to none"],
            health: "neutral",
          },
        ];
  const failing = topology.targets.filter(
    (t) => healthOfState(t.state, t.reason) === "failing",
  ).length;
  const tg: PathNode = {
    id: "tg",
    column: "tg",
    title: `Target group ${topology.name}`,
    lines: [
      [topology.traffic, topology.targetType].filter(Boolean).join(" · "),
      `check ${topology.check}`,
      ...(topology.targets.length > 0
        ? [`${failing}/${topology.targets.length} targets failing`]
        : []),
    ],
    health: "neutral",
  };
  const targets = targetNodes(topology, buckets);
  const svc = serviceNode(topology);
  const pods = podNodes(topology);

  const edges: PathEdge[] = [
    ...lbs.map((lb): PathEdge => ({ from: lb.id, to: tg.id, kind: "lb-tg", marks: [] })),
    ...targets.map((t): PathEdge => ({ from: tg.id, to: t.id, kind: "tg-targets", marks: [] })),
    ...targets.map((t): PathEdge => ({
      from: t.id,
      to: svc.id,
      kind: "targets-service",
      marks: [],
    })),
    ...pods.map((p): PathEdge => ({ from: svc.id, to: p.id, kind: "service-pods", marks: [] })),
  ];
  const bucketOf = new Map(targets.map((node, i) => [node.id, buckets[i]] as const));
  const back: PathEdge = { from: svc.id, to: tg.id, kind: "service-tg", marks: [] };

  for (const f of own) {
    const blame = blameOf(f);
    const mark: Mark = { code: f.code, severity: f.severity, label: blame.label };
    if (blame.edge === "service-tg") {
      back.marks.push(mark);
      continue;
    }
    const candidates = edges.filter((e) => e.kind === blame.edge);
    const listed = new Set(f.affectedTargets.map((t) => t.id));
    const byTargets = candidates.filter((e) => {
      const bucket = bucketOf.get(blame.edge === "tg-targets" ? e.to : e.from);
      return bucket?.targets.some((t) => listed.has(t.id));
    });
    const byPods =
      blame.edge === "service-pods"
        ? candidates.filter((e) => pods.find((p) => p.id === e.to)?.health === "failing")
        : [];
    const chosen = byTargets.length > 0 ? byTargets : byPods.length > 0 ? byPods : candidates;
    for (const e of chosen) e.marks.push(mark);
  }
  if (back.marks.length > 0) edges.push(back);

  const severity = own.reduce<Severity | null>(
    (worst, f) =>
      worst === null || severityRank(f.severity) < severityRank(worst) ? f.severity : worst,
    null,
  );
  return {
    arn: topology.arn,
    name: topology.name,
    severity,
    nodes: [...lbs, tg, ...targets, svc, ...pods],
    edges,
  };
}

/** "⚠ HC001: checks 30486, health is on 31127", one line per mark. */
export const markLines = (edge: PathEdge): string[] =>
  edge.marks.map((m) => `${m.code}: ${m.label}`);
