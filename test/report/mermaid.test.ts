// @vitest-environment jsdom
/**
 * The Mermaid pictures are checked with Mermaid's own parser (the one GitHub's renderer runs),
 * not by looking at the text: every bundled example's Markdown, and labels built to break out.
 * jsdom stands in for the browser globals Mermaid's sanitizer expects at import.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../lib/analyze/finding";
import { makeFinding } from "../../lib/analyze/rule";
import { renderMarkdown } from "../../lib/report/markdown";
import { escapeTerminal } from "../../lib/report/escape";
import { mermaidText, renderMermaid } from "../../lib/report/mermaid";
import { buildPath } from "../../lib/report/path";
import { PALETTE } from "../../lib/report/palette";
import type { GroupTopology } from "../../lib/report/topology";
import { auditExample, exampleFiles } from "../support/audited-examples";

interface Parsed {
  db: {
    getVertices: () => Map<string, { text: string; link?: string; classes: string[] }>;
    getEdges: () => { start: string; end: string; text: string }[];
  };
}
type Mermaid = {
  parse: (text: string) => Promise<unknown>;
  mermaidAPI: { getDiagramFromText: (text: string) => Promise<Parsed> };
};
let mermaid: Mermaid;

beforeAll(async () => {
  mermaid = (await import("mermaid")).default as unknown as Mermaid;
});

const blocks = (markdown: string) =>
  [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1] as string);

/** Mermaid keeps entity codes as placeholders until it draws; turn them back into text. */
const decoded = (text: string) =>
  text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/<br\/?>/g, "\n");

describe("Mermaid in the Markdown report", () => {
  it.each(exampleFiles())(
    "%s: one picture per group with a warning or critical finding, and it parses",
    async (name) => {
      const { report, topologies } = await auditExample(name);
      const markdown = renderMarkdown(report, { topologies });
      const loudGroups = new Set(
        report.findings
          .filter((f) => f.severity !== "info" && f.targetGroupArn)
          .map((f) => f.targetGroupArn),
      );
      const found = blocks(markdown);
      expect(found).toHaveLength(loudGroups.size);
      // Each block is one failing group's (its target-group box names it), with its blame drawn.
      const drawn: string[] = [];
      for (const text of found) {
        await expect(mermaid.parse(text)).resolves.toBeTruthy();
        const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db;
        drawn.push(/Target group (\S+)/.exec(decoded(db.getVertices().get("tg")!.text))![1]!);
        expect(db.getEdges().some((e) => e.text.startsWith("⚠"))).toBe(true);
      }
      const names = [...loudGroups].map((arn) => topologies.find((t) => t.arn === arn)!.name);
      expect(drawn.sort()).toEqual(names.sort());
    },
  );

  it("the examples have pictures to parse at all", async () => {
    const counts = await Promise.all(
      exampleFiles().map(async (name) => {
        const { report, topologies } = await auditExample(name);
        return blocks(renderMarkdown(report, { topologies })).length;
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
  });

  it("the parsed picture of example 01 blames the check edge with both ports", async () => {
    const { report, topologies } = await auditExample("01-istio-gateway-traffic-port.json");
    const [text] = blocks(renderMarkdown(report, { topologies }));
    const parsed = await mermaid.mermaidAPI.getDiagramFromText(text as string);
    const blamed = parsed.db.getEdges().filter((e) => e.text !== "");
    expect(blamed.map((e) => [e.start, e.end])).toEqual([["tg", "t0"]]);
    expect(decoded(blamed[0]!.text)).toBe("⚠ HC001: checks 30486, health is on 31127");
  });
});

const HOSTILE = [
  'gw"]; click tg href "javascript:alert(1)"; x["',
  "<img src=x onerror=alert(1)>",
  "a|b|c ```\n%%{init: {'theme':'dark'}}%%\nflowchart TB",
  "#quot; #35; &amp; `code` ; end",
  "tab\there\u0007bell",
];

function hostileTopology(): GroupTopology {
  return {
    arn: "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/tg/1",
    name: HOSTILE[0] as string,
    targetType: "instance",
    traffic: "HTTP:30000",
    check: `HTTP traffic-port ${HOSTILE[1]}`,
    loadBalancers: [{ name: HOSTILE[2] as string, kind: "application" }],
    service: { name: HOSTILE[3] as string, port: HOSTILE[4] },
    targets: [
      { id: "i-1", port: 30000, state: "unhealthy", reason: "Target.Timeout", host: HOSTILE[1] },
    ],
    healthKnown: true,
    healthyPerCloudWatch: false,
    pods: [{ name: HOSTILE[0] as string, ready: false, reason: HOSTILE[2] }],
  };
}

const hostileFinding = (code: string): Finding =>
  makeFinding(code, {
    severity: "critical",
    title: HOSTILE.join(" "),
    targetGroupArn: hostileTopology().arn,
    resources: [],
    affectedTargets: [{ id: "i-1", port: 30000, state: "unhealthy", reason: "Target.Timeout" }],
    evidence: {
      expected: { [HOSTILE[0] as string]: "x", port: HOSTILE[1] },
      actual: { port: HOSTILE[2], healthCheckPort: HOSTILE[3] },
    },
    rootCause: "",
    remediation: "",
  });

describe("labels from the cluster cannot break the picture", () => {
  it("every node and edge label parses back to its text, with no node, link or directive added", async () => {
    const path = buildPath(
      hostileTopology(),
      ["HC001", "HC005", "TGT003", "HC004"].map(hostileFinding),
    );
    const text = renderMermaid(path);
    const parsed = await mermaid.mermaidAPI.getDiagramFromText(text);
    const vertices = parsed.db.getVertices();
    expect([...vertices.keys()].sort()).toEqual(path.nodes.map((n) => n.id).sort());
    for (const node of path.nodes) {
      const v = vertices.get(node.id)!;
      expect(v.link).toBeUndefined();
      expect(v.classes).not.toContain("clickable");
      const raw = [node.title, ...node.lines]
        .map((l) => escapeTerminal(l, { oneLine: true }))
        .join("\n");
      expect(decoded(v.text).replace(/^[✖✔◌] /, "")).toBe(raw);
    }
    const edges = parsed.db.getEdges();
    expect(edges).toHaveLength(path.edges.length);
    const labelled = edges.filter((e) => e.text !== "").map((e) => decoded(e.text));
    expect(labelled.join("\n")).toContain(
      `HC001: checks ${escapeTerminal(HOSTILE[2]!, { oneLine: true })}`,
    );
  });

  it("escapes what Mermaid, Markdown and HTML would read", () => {
    expect(mermaidText('a"b<c>|d`e;f#g&h')).toBe("a#34;b#60;c#62;#124;d#96;e#59;f#35;g#38;h");
    expect(mermaidText("line\nbreak\u202e")).toBe("line\\nbreak\\u202e");
  });
});

describe("the same palette and shapes as the SVG", () => {
  it("each box gets its health's class: Okabe–Ito colour, icon, and the dashed or dotted border", async () => {
    const { report, topologies } = await auditExample(
      "04-nginx-external-traffic-policy-local.json",
    );
    const path = buildPath(topologies[0]!, report.findings);
    const text = renderMermaid(path);
    const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db;
    const vertices = db.getVertices();
    for (const node of path.nodes) {
      const style = PALETTE[node.health];
      const v = vertices.get(node.id)!;
      if (node.health === "neutral") expect(v.classes).toEqual([]);
      else expect(v.classes).toContain(node.health);
      if (style.icon) expect(decoded(v.text).startsWith(`${style.icon} `)).toBe(true);
    }
    for (const health of ["failing", "healthy"] as const) {
      const c = PALETTE[health];
      const dash = c.dash ? `,stroke-dasharray:${c.dash}` : "";
      expect(text).toContain(
        `classDef ${health} fill:${c.fill},stroke:${c.stroke},stroke-width:2px,color:#000${dash}\n`,
      );
    }
    expect(text).toContain(`linkStyle 3 stroke:${PALETTE.failing.stroke},stroke-width:3px`);
  });
});
