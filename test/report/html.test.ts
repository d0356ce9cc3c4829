// @vitest-environment jsdom
/**
 * The HTML report's structure and its escaping, read back through a real HTML parser (jsdom):
 * text from the cluster stays text, whatever it contains. What a person sees is checked in a
 * real browser (html.browser.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { AuditReport, Finding } from "../../lib/analyze/finding";
import { runCli } from "../../lib/cli/run";
import { escapeTerminal } from "../../lib/report/escape";
import { renderHtml } from "../../lib/report/html";
import type { GroupTopology } from "../../lib/report/topology";
import { auditExample, EXAMPLES_DIR, exampleFiles } from "../support/audited-examples";

/** The little of the DOM these tests read (the project's TypeScript has no DOM library). */
interface El {
  textContent: string | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}
type Parser = new () => { parseFromString(html: string, type: string): El };
const parse = (html: string): El =>
  new (globalThis as unknown as { DOMParser: Parser }).DOMParser().parseFromString(
    html,
    "text/html",
  );

const EVIL = `</pre></code><script>alert(1)</script><img src=x onerror="alert(2)"> ' " & \u0007`;
const ARN = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/evil/1";

const finding: Finding = {
  code: "HC001",
  name: "HealthCheckPortNotHealthPort",
  severity: "critical",
  title: `title ${EVIL}`,
  targetGroupArn: ARN,
  resources: [{ kind: "Service", namespace: "ns", name: EVIL }],
  affectedTargets: [{ id: "i-1", port: 1, state: "unhealthy", reason: EVIL }],
  evidence: { expected: { port: EVIL }, actual: { port: 30000 } },
  rootCause: EVIL,
  remediation: `kubectl annotate ${EVIL}`,
  fingerprint: "f",
};

const report: AuditReport = {
  version: 1,
  cluster: { name: EVIL, region: "eu-west-1" },
  auditedAt: "2026-01-01T00:00:00Z",
  summary: {
    targetGroups: 1,
    targetGroupsAudited: 1,
    targets: 1,
    unhealthyTargets: 1,
    findings: 1,
    bySeverity: { critical: 1, warning: 0, info: 0 },
    byCode: { HC001: 1 },
    suppressed: 0,
    suppressedByCode: {},
    gaps: 0,
  },
  findings: [finding],
};

const topology: GroupTopology = {
  arn: ARN,
  name: EVIL,
  targetType: "instance",
  traffic: "HTTP:30000",
  check: EVIL,
  loadBalancers: [{ name: EVIL, kind: "application" }],
  service: { name: EVIL, port: EVIL },
  targets: [{ id: "i-1", port: 1, state: "unhealthy", reason: EVIL, host: EVIL }],
  healthKnown: true,
  healthyPerCloudWatch: false,
  pods: [{ name: EVIL, ready: false, reason: EVIL }],
};

describe("HTML report", () => {
  it("keeps text from the cluster as text: one script (its own), no handler, the fix verbatim", () => {
    const doc = parse(renderHtml([{ source: EVIL, report, topologies: [topology] }]));
    expect(doc.querySelectorAll("script")).toHaveLength(1);
    expect(doc.querySelectorAll("img, [onerror]")).toHaveLength(0);
    const shown = escapeTerminal(EVIL);
    expect(doc.querySelector(".finding .fix pre")?.textContent).toBe(`kubectl annotate ${shown}`);
    expect(doc.querySelector(".finding .title")?.textContent).toBe(`title ${shown}`);
    expect(doc.querySelector('g.node[data-column="lb"] title')?.textContent).toContain(shown);
  });

  it("fetches nothing: a policy that forbids every request, no external reference", async () => {
    const { report: r, topologies } = await auditExample("01-istio-gateway-traffic-port.json");
    const html = renderHtml([{ source: "01", report: r, topologies }]);
    const doc = parse(html);
    const csp = doc
      .querySelector('meta[http-equiv="Content-Security-Policy"]')
      ?.getAttribute("content");
    expect(csp).toMatch(/^default-src 'none';/);
    expect(doc.querySelectorAll("link, img, iframe, [src]")).toHaveLength(0);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("opens the groups with a warning or critical finding, collapses the rest", async () => {
    const audits = await Promise.all(
      exampleFiles().map(async (name) => ({ source: name, ...(await auditExample(name)) })),
    );
    const doc = parse(renderHtml(audits));
    const groups = [...doc.querySelectorAll("details.group")];
    const quiet = groups.filter((g) => g.getAttribute("data-severity") === "none");
    expect(quiet.length).toBeGreaterThan(0);
    for (const g of quiet) expect(g.hasAttribute("open")).toBe(false);
    // The cluster-wide findings (no target group) have nothing to draw.
    const loud = groups.filter(
      (g) =>
        g.querySelector(".arn") !== null &&
        ["critical", "warning"].includes(g.getAttribute("data-severity") ?? ""),
    );
    expect(loud.length).toBeGreaterThanOrEqual(4);
    for (const g of loud) {
      expect(g.hasAttribute("open")).toBe(true);
      expect(g.querySelector("figure svg")).not.toBeNull();
    }
    // Every target group of every example is drawn, quiet or not.
    expect(doc.querySelectorAll("figure svg").length).toBe(
      audits.reduce((n, a) => n + a.topologies.length, 0),
    );
  });

  it("is a --format of the CLI, one page for a directory", async () => {
    let out = "";
    const code = await runCli([EXAMPLES_DIR, "--format", "html"], {
      stdout: (t) => (out += t),
      stderr: () => {},
      stdoutIsTTY: false,
    });
    expect(code).toBe(0);
    const doc = parse(out);
    expect(doc.querySelectorAll("section.audit")).toHaveLength(exampleFiles().length);
  });
});
