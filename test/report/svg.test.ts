// @vitest-environment jsdom
/**
 * The SVG picture read back through an HTML parser: every box carries its health's palette
 * colour, icon and border, so failing and healthy differ by more than colour; blamed arrows
 * are drawn apart from the others. Where the text lands in a real font is the browser test's.
 */
import { describe, expect, it } from "vitest";
import { buildPath, type Health } from "../../lib/report/path";
import { PALETTE } from "../../lib/report/palette";
import { renderSvg, wrap } from "../../lib/report/svg";
import type { Finding } from "../../lib/analyze/finding";
import type { GroupTopology } from "../../lib/report/topology";

interface El {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}
type Parser = new () => { parseFromString(html: string, type: string): El };
const parse = (html: string): El =>
  new (globalThis as unknown as { DOMParser: Parser }).DOMParser().parseFromString(
    `<!doctype html><body>${html}</body>`,
    "text/html",
  );

const ARN = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1";

/** A group with a box of every health: failing, healthy and draining targets, neutral objects. */
const topology: GroupTopology = {
  arn: ARN,
  name: "web",
  targetType: "ip",
  traffic: "HTTP:8080",
  check: "HTTP traffic-port /",
  loadBalancers: [{ name: "alb", kind: "application" }],
  service: { name: "shop/web", port: "http 80 → 8080" },
  targets: [
    { id: "10.0.0.1", port: 8080, state: "unhealthy", reason: "Target.Timeout" },
    { id: "10.0.0.2", port: 8080, state: "healthy", reason: null },
    { id: "10.0.0.3", port: 8080, state: "draining", reason: "Target.DeregistrationInProgress" },
  ],
  healthKnown: true,
  healthyPerCloudWatch: false,
  pods: [{ name: "web-1", ready: true }],
};

const finding: Finding = {
  code: "TGT005",
  name: "UnexplainedUnhealthyTargets",
  severity: "warning",
  title: "t",
  targetGroupArn: ARN,
  resources: [],
  affectedTargets: [{ id: "10.0.0.1", port: 8080, state: "unhealthy", reason: "Target.Timeout" }],
  evidence: { expected: {}, actual: {} },
  rootCause: "",
  remediation: "",
  fingerprint: "f",
};

const svg = () => parse(renderSvg(buildPath(topology, [finding]), "g0"));

describe("SVG picture", () => {
  it("draws each box in its health's palette colour, icon and border", () => {
    const healths = new Set<Health>();
    for (const g of svg().querySelectorAll("g.node")) {
      const health = g.getAttribute("data-health") as Health;
      healths.add(health);
      const style = PALETTE[health];
      const rect = g.querySelector("rect")!;
      expect(rect.getAttribute("stroke")).toBe(style.stroke);
      expect(rect.getAttribute("fill")).toBe(style.fill);
      expect(rect.getAttribute("stroke-dasharray")).toBe(style.dash || null);
      const title = g.querySelector("text")!.textContent!;
      if (style.icon) expect(title.startsWith(`${style.icon} `)).toBe(true);
      else expect(title).not.toMatch(/^[✖✔◌]/);
    }
    expect([...healths].sort()).toEqual(["failing", "healthy", "neutral", "pending"]);
  });

  it("tells failing from healthy without colour: icon and border differ", () => {
    const { failing, healthy, pending } = PALETTE;
    expect(new Set([failing.icon, healthy.icon, pending.icon]).size).toBe(3);
    expect(new Set([failing.dash, healthy.dash, pending.dash]).size).toBe(3);
    expect(healthy.dash).toBe("");
    // Okabe–Ito: vermillion, bluish green, orange, blue.
    expect([failing.stroke, healthy.stroke, pending.stroke, PALETTE.neutral.stroke]).toEqual([
      "#D55E00",
      "#009E73",
      "#E69F00",
      "#0072B2",
    ]);
  });

  it("marks the blamed arrow apart, with its codes and a callout, the others plain", () => {
    const edges = [...svg().querySelectorAll("g.edge")];
    const blamed = edges.filter((e) => e.getAttribute("class")!.includes("blamed"));
    expect(blamed.map((e) => [e.getAttribute("data-to"), e.getAttribute("data-codes")])).toEqual([
      ["t0", "TGT005"],
    ]);
    expect(blamed[0]!.querySelector("rect.callout")).not.toBeNull();
    expect(blamed[0]!.querySelector("path")!.getAttribute("marker-end")).toBe(
      "url(#g0-arrow-blamed)",
    );
    for (const e of edges.filter((x) => !blamed.includes(x)))
      expect(e.querySelector("text")).toBeNull();
  });

  it("wraps long names after a separator, never losing a character", () => {
    const name = "k8s-istiosys-istioing-6232a74fb6.eu-west-1.elb.amazonaws.com";
    const lines = wrap(name, 24);
    expect(lines.every((l) => l.length <= 24)).toBe(true);
    expect(lines.join("")).toBe(name);
    expect(lines[0]).toMatch(/[-.]$/);
  });
});
