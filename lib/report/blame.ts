/**
 * Where on the path from load balancer to pods each finding says traffic (or the health check)
 * breaks, and the few words that say why. One table keyed by finding code, so a new code lights
 * up in every picture by adding one row; a code without a row is drawn on the check edge with
 * its title.
 */
import type { Finding } from "../analyze/finding";

/**
 * The edges of the picture: load balancer → target group → targets → Service → pods, and the
 * controller's link back from the Kubernetes objects to the target group it configures.
 */
export type EdgeKind = "lb-tg" | "tg-targets" | "targets-service" | "service-pods" | "service-tg";

export const EDGE_NAMES: Record<EdgeKind, string> = {
  "lb-tg": "load balancer → target group",
  "tg-targets": "target group → targets (the health check)",
  "targets-service": "targets → Service",
  "service-pods": "Service → pods",
  "service-tg": "Kubernetes objects → target group (the controller)",
};

interface Row {
  edge: EdgeKind | ((f: Finding) => EdgeKind);
  label: (f: Finding) => string;
}

type Side = "expected" | "actual";

/** A scalar of the evidence as a person reads it; lists joined, absent as undefined. */
function val(f: Finding, side: Side, key: string): string | undefined {
  const v = f.evidence[side][key];
  if (v === undefined || v === null || v === "") return undefined;
  if (Array.isArray(v)) return v.every((x) => typeof x !== "object") ? v.join(", ") : undefined;
  return typeof v === "object" ? undefined : String(v);
}

/** Words joined by spaces, the absent ones left out. */
const words = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(" ");

/** The objects of an evidence list, anything else left out. */
const records = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null)
    : [];

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** The first two of a list and how many more: "a, b +3 more". */
function some(items: string[]): string {
  const shown = items.slice(0, 2).join(", ");
  return items.length > 2 ? `${shown} +${items.length - 2} more` : shown;
}

const groupsWord = (ids: string[]) => (ids.length === 1 ? "group" : "groups");

/**
 * NET001/NET003: who closes the port. Usually the targets' own security groups (no rule admits
 * the load balancer); when only the way out is closed, the load balancer's groups.
 */
function securityGroupsClosing(f: Finding, port: string): string {
  const targets = records(f.evidence.actual.targets);
  const closed = (side: string) =>
    targets.filter((t) => strings(t.closed).some((c) => c.startsWith(side)));
  const inbound = closed("inbound");
  if (inbound.length === 0 && closed("outbound").length > 0) {
    const lb = f.evidence.actual.loadBalancer as { securityGroups?: unknown } | undefined;
    const ids = strings(lb?.securityGroups);
    return `load balancer's security ${groupsWord(ids)} ${some(ids)} ${ids.length === 1 ? "lets" : "let"} nothing out on ${port}`;
  }
  const ids = [...new Set(inbound.flatMap((t) => strings(t.securityGroups)))];
  if (ids.length === 0) return `security groups close ${port}`;
  return `security ${groupsWord(ids)} ${some(ids)} ${ids.length === 1 ? "closes" : "close"} ${port}`;
}

/** NET002: the ACL that denies, which way, and whether it is the check or its answer. */
function aclDenying(f: Finding): string {
  const denials = records(f.evidence.actual.denials);
  const d = denials[0];
  if (!d) return words("network ACL denies", val(f, "expected", "port"));
  // The answer travels back out of the target's subnet, or into the load balancer's.
  const answer = (d.side === "target") === (d.direction === "outbound");
  const more = denials.length > 1 ? ` (+${denials.length - 1} more)` : "";
  return `network ACL ${String(d.networkAcl)} denies ${String(d.direction)} ${String(d.ports)}${answer ? ", the answer" : ""}${more}`;
}

/** HC005: the settings declared and where, shortened to their last word. */
function notApplied(f: Finding): string {
  const entries = Object.entries(f.evidence.expected);
  const keys = entries.map(([k]) =>
    k.includes("/") ? k.replace(/^[\w.]+\/(aws-load-balancer-)?/, "") : (k.split(".").pop() ?? k),
  );
  const objects = [
    ...new Set(
      entries.flatMap(([, v]) => {
        const object = (v as { object?: unknown } | null)?.object;
        return typeof object === "string" ? [object] : [];
      }),
    ),
  ];
  return objects.length > 0
    ? `${keys.join(", ")} on ${some(objects)} not applied`
    : `${keys.join(", ")} declared, not applied`;
}

/** How a node leaves the controller's selection, in the fewest words. */
const LEFT_OUT: Record<string, (detail: string) => string> = {
  exclusionLabel: (d) => `label ${/^label (?:[^=\s/]+\/)?([^=\s]+)=/.exec(d)?.[1] ?? "exclusion"}`,
  fargate: () => "Fargate",
  nodeSelector: () => "the nodeSelector",
  taint: () => "a taint",
  notReady: () => "not Ready",
};

/** TGT006: why nothing is registered, from the node selection or the endpoints. */
function emptyGroup(f: Finding): string {
  const a = f.evidence.actual;
  if (typeof a.nodes === "number" && typeof a.nodesAdmitted === "number") {
    if (a.nodesAdmitted > 0) return `admits ${a.nodesAdmitted} of ${a.nodes} nodes, registers none`;
    const why = new Map<string, number>();
    for (const n of records(a.nodesLeftOut)) {
      const text = LEFT_OUT[String(n.rule)]?.(String(n.detail ?? "")) ?? String(n.rule);
      why.set(text, (why.get(text) ?? 0) + 1);
    }
    const reasons = [...why].map(([text, n]) => `${text} on ${n === a.nodes ? `all ${n}` : n}`);
    return words(`registers 0 of ${a.nodes} nodes:`, some(reasons));
  }
  const ready = strings(a.readyEndpoints).length;
  return ready > 0
    ? `${ready} ready ${ready === 1 ? "endpoint" : "endpoints"}, none registered`
    : "no ready endpoint to register";
}

const BLAME: Record<string, Row> = {
  HC001: {
    edge: "tg-targets",
    label: (f) =>
      `checks ${val(f, "actual", "port") ?? "the traffic port"}, health is on ${
        val(f, "expected", "port") ?? "another port"
      }`,
  },
  HC002: {
    edge: "tg-targets",
    label: (f) =>
      `checks ${val(f, "actual", "path") ?? "a path"}, health is on ${val(f, "expected", "path") ?? "another path"}`,
  },
  HC003: {
    edge: "tg-targets",
    label: (f) =>
      `checks over ${val(f, "actual", "protocol") ?? "one protocol"}, health speaks ${
        val(f, "expected", "protocol") ?? "another"
      }`,
  },
  HC004: {
    edge: "tg-targets",
    label: (f) => {
      const now = val(f, "expected", "port");
      return `checks ${val(f, "actual", "healthCheckPort") ?? "a port"}, which nothing serves${now ? ` (health is on ${now})` : ""}`;
    },
  },
  HC005: { edge: "service-tg", label: notApplied },
  HC006: {
    edge: "tg-targets",
    label: (f) =>
      `answers ${val(f, "actual", "reportedCodes") ?? "other codes"}, accepts only ${
        val(f, "expected", "successCodes") ?? "the matcher"
      }`,
  },
  HC007: {
    edge: "tg-targets",
    label: (f) => {
      const lb = val(f, "actual", "HealthCheckTimeoutSeconds");
      const probe = val(f, "expected", "readinessProbeTimeoutSeconds");
      return lb && probe
        ? `gives up after ${lb} s, the pods' probe waits ${probe} s`
        : "gives up before the pods answer";
    },
  },
  MESH002: { edge: "service-pods", label: () => "STRICT mTLS refuses the kubelet's HTTP probe" },
  MESH001: {
    edge: "tg-targets",
    label: () => "STRICT mTLS refuses the check (no mesh certificate)",
  },
  NET001: {
    edge: "tg-targets",
    label: (f) => securityGroupsClosing(f, val(f, "expected", "port") ?? "the checked port"),
  },
  NET002: { edge: "tg-targets", label: aclDenying },
  NET003: {
    edge: "tg-targets",
    label: (f) =>
      `${securityGroupsClosing(f, words("traffic port", val(f, "expected", "trafficPort")))}: requests time out`,
  },
  TP001: { edge: "targets-service", label: () => "kube-proxy drops here: no local endpoint" },
  TGT001: { edge: "targets-service", label: () => "not part of the cluster any more" },
  TGT002: { edge: "tg-targets", label: () => "ready endpoint, not registered" },
  TGT003: { edge: "service-pods", label: () => "no ready endpoint" },
  TGT004: {
    edge: (f) => ("loadBalancerArns" in f.evidence.expected ? "lb-tg" : "tg-targets"),
    label: (f) =>
      "loadBalancerArns" in f.evidence.expected
        ? "attached to no load balancer"
        : words("zone", val(f, "actual", "zones"), "not enabled on the load balancer"),
  },
  TGT005: {
    edge: "tg-targets",
    label: (f) =>
      `fails, no check explains it (${[...new Set(f.affectedTargets.map((t) => t.reason ?? t.state))].join(", ")})`,
  },
  // The controller registers the targets: its node selection or the endpoints left it empty.
  TGT006: {
    edge: (f) =>
      f.evidence.actual.targetType === "ip" &&
      strings(f.evidence.actual.readyEndpoints).length === 0
        ? "service-pods"
        : "service-tg",
    label: emptyGroup,
  },
  BIND001: { edge: "service-tg", label: () => "no TargetGroupBinding names this group" },
  BIND002: { edge: "targets-service", label: () => "binding names a missing Service or port" },
  BIND003: { edge: "service-tg", label: () => "binding names a target group AWS does not have" },
  CTRL001: {
    edge: "service-tg",
    label: (f) =>
      `controller error${val(f, "actual", "reason") ? `: ${val(f, "actual", "reason")}` : ""}`,
  },
  AUDIT001: { edge: "tg-targets", label: () => "target health could not be read" },
};

const MAX_LABEL = 90;

const clip = (text: string) =>
  text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;

export interface Blame {
  edge: EdgeKind;
  label: string;
}

/** The edge a finding blames, and why in a few words. */
export function blameOf(f: Finding): Blame {
  const row = BLAME[f.code];
  if (!row) return { edge: "tg-targets", label: clip(f.title) };
  return {
    edge: typeof row.edge === "function" ? row.edge(f) : row.edge,
    label: clip(row.label(f)),
  };
}

/** The codes the table knows, for tests that check every catalog code has a row. */
export const BLAMED_CODES = Object.keys(BLAME);
