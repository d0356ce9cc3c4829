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

/** The first of several keys an evidence side may carry (codes whose shape is still settling). */
const first = (f: Finding, side: Side, keys: string[]): string | undefined =>
  keys.map((k) => val(f, side, k)).find((v) => v !== undefined);

/** An AWS id of the given prefix anywhere in the evidence (`sg-…`, `acl-…`). */
function awsId(f: Finding, prefix: string): string | undefined {
  const match = new RegExp(`\\b${prefix}-[0-9a-f]{8,17}\\b`).exec(JSON.stringify(f.evidence));
  return match?.[0];
}

const checkedPort = (f: Finding): string | undefined =>
  first(f, "actual", ["checkedPort", "checkedPorts", "healthCheckPort", "port"]) ??
  first(f, "expected", ["checkedPort", "port"]);

const trafficPort = (f: Finding): string | undefined =>
  first(f, "actual", ["trafficPort", "port"]) ?? f.affectedTargets[0]?.port?.toString();

const annotationKeys = (f: Finding): string =>
  Object.keys(f.evidence.expected)
    .map((k) => k.replace(/^[\w.]+\/(aws-load-balancer-)?/, ""))
    .join(", ");

/** Words joined by spaces, the absent ones left out. */
const words = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(" ");

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
  HC005: { edge: "service-tg", label: (f) => `${annotationKeys(f)} declared, not applied` },
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
      const lb = first(f, "actual", ["healthCheckTimeoutSeconds", "timeoutSeconds", "timeout"]);
      const probe = first(f, "expected", [
        "timeoutSeconds",
        "healthCheckTimeoutSeconds",
        "timeout",
      ]);
      return lb && probe
        ? `gives up after ${lb} s, the pods get ${probe} s`
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
    label: (f) => words("security group", awsId(f, "sg"), "closes", checkedPort(f)),
  },
  NET002: {
    edge: "tg-targets",
    label: (f) => words("network ACL", awsId(f, "acl"), "denies", checkedPort(f)),
  },
  NET003: {
    edge: "tg-targets",
    label: (f) => words("security group", awsId(f, "sg"), "closes traffic port", trafficPort(f)),
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
  TGT006: { edge: "tg-targets", label: () => "no registered target: requests get 503" },
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
