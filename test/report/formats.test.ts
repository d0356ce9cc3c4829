import { describe, expect, it } from "vitest";
import type { AuditReport, Finding } from "../../lib/analyze/finding";
import { makeFinding } from "../../lib/analyze/rule";
import { renderJson } from "../../lib/report/json";
import { renderMarkdown } from "../../lib/report/markdown";
import { renderText } from "../../lib/report/text";
import { GW_TG_ARN } from "../support/scenarios";

const DOCS = "https://github.com/acme/alb-health-auditor/blob/main/docs";
const CONSOLE = `https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:targetGroupArn=${GW_TG_ARN}`;

const tp001 = makeFinding("TP001", {
  severity: "warning",
  title: "2/3 nodes run no gateway pod",
  targetGroupArn: GW_TG_ARN,
  resources: [{ kind: "Service", namespace: "istio-system", name: "istio-ingressgateway" }],
  affectedTargets: [{ id: "i-0a", port: 31246, state: "unhealthy", reason: "Target.Timeout" }],
  evidence: {
    expected: { externalTrafficPolicy: "Cluster" },
    actual: {
      externalTrafficPolicy: "Local",
      failingNodes: [
        { instanceId: "i-0a", localReadyEndpoints: 0 },
        { instanceId: "i-0b", localReadyEndpoints: 0 },
      ],
    },
  },
  rootCause: "kube-proxy drops traffic on nodes without a local endpoint.",
  remediation: `kubectl -n istio-system patch service istio-ingressgateway -p '{"spec":{"externalTrafficPolicy":"Cluster"}}'`,
});

const mesh002 = makeFinding("MESH002", {
  severity: "critical",
  title: "probe refused | by STRICT mTLS",
  targetGroupArn: null,
  resources: [{ kind: "Deployment", namespace: "payments", name: "api" }],
  affectedTargets: [],
  evidence: { expected: {}, actual: { port: 8080 } },
  rootCause: "no mesh certificate",
  remediation: "enable probe rewrite",
});

function report(findings: Finding[]): AuditReport {
  return {
    version: 1,
    cluster: { name: "shop-prod", region: "eu-west-1" },
    auditedAt: "2026-11-24T10:00:00Z",
    summary: {
      targetGroups: 1,
      targetGroupsAudited: 1,
      targets: 3,
      unhealthyTargets: 1,
      findings: findings.length,
      bySeverity: { critical: 1, warning: 1, info: 0 },
      byCode: {},
      suppressed: 0,
      suppressedByCode: {},
      gaps: 0,
    },
    findings,
  };
}

describe("text report", () => {
  const text = renderText(report([mesh002, tp001]), { color: false });

  it("groups findings under their target group, cluster-wide ones under their own heading", () => {
    expect(text).toContain("\ncluster-wide\n  CRITICAL MESH002 HttpProbeBlockedByStrictMtls: ");
    expect(text).toContain(
      `\nk8s-istiosys-gw\n  ${GW_TG_ARN}\n  console: ${CONSOLE}\n  WARNING  TP001 `,
    );
  });

  it("ends each finding with its fix on lines of its own, then where its code is documented", () => {
    expect(text).toContain(
      `    fix:\n      ${tp001.remediation}\n    docs:     docs/findings.md#tp001\n`,
    );
    const linked = renderText(report([tp001]), { color: false, links: { docsBaseUrl: DOCS } });
    expect(linked).toContain(`    docs:     ${DOCS}/findings.md#tp001\n`);
    // Nothing of the Lambda's: the terminal is the run's log.
    expect(linked).not.toContain("cloudwatch");
  });

  it("compares expected with actual and lists records one per line", () => {
    expect(text).toContain("      externalTrafficPolicy: expected Cluster, actual Local\n");
    expect(text).toContain(
      "      failingNodes:\n        - instanceId=i-0a, localReadyEndpoints=0\n        - instanceId=i-0b, localReadyEndpoints=0\n",
    );
    expect(text).toContain("    targets:  i-0a:31246 unhealthy (Target.Timeout)\n");
  });

  it("says so when there is nothing to report", () => {
    expect(renderText(report([]), { color: false })).toContain("\nNo findings.\n");
  });
});

describe("markdown report", () => {
  const md = renderMarkdown(report([mesh002, tp001]));

  it("renders targets as a table and keeps a | in a cell from splitting it", () => {
    expect(md).toContain("| i-0a | 31246 | unhealthy | Target.Timeout |");
    expect(
      renderMarkdown(
        report([
          {
            ...tp001,
            affectedTargets: [{ id: "a|b", port: null, state: "unhealthy", reason: null }],
          },
        ]),
      ),
    ).toContain("| a\\|b |  | unhealthy |  |");
  });

  it("nests evidence records under their field and fences the fix", () => {
    expect(md).toContain("- failingNodes:\n  - instanceId=i-0a, localReadyEndpoints=0\n");
    expect(md).toContain("**Fix**\n\n```\nkubectl -n istio-system patch service");
    expect(md).toContain(`<sub>fingerprint ${tp001.fingerprint}</sub>`);
  });

  it("links the target group's console page and, with a docs base URL, the code's section", () => {
    expect(md).toContain(`\`${GW_TG_ARN}\` · [EC2 console](${CONSOLE})\n`);
    expect(md).toContain("**What TP001 means:** `docs/findings.md#tp001`\n");
    expect(renderMarkdown(report([tp001]), { links: { docsBaseUrl: `${DOCS}/` } })).toContain(
      `**What TP001 means:** [docs/findings.md#tp001](${DOCS}/findings.md#tp001)\n`,
    );
  });
});

describe("JSON report", () => {
  it("is the report itself, ending in a newline", () => {
    const r = report([tp001]);
    const json = renderJson(r);
    expect(JSON.parse(json)).toEqual(r);
    expect(json.endsWith("}\n")).toBe(true);
  });
});

describe("text from the cluster in reports", () => {
  const hostile = makeFinding("HC001", {
    severity: "critical",
    title: "port \x1b]0;owned\x07 from annotation \x1b[2J\x00 [click](https://evil.example/x)",
    targetGroupArn: GW_TG_ARN,
    resources: [{ kind: "Service", namespace: "shop", name: "web`x`" }],
    affectedTargets: [],
    evidence: { expected: {}, actual: { annotation: "\x9b31m see www.evil.example" } },
    rootCause: "<img src=x onerror=alert(1)> mail ops@evil.example",
    remediation: "kubectl annotate svc web a=b\n```\n[link](https://evil.example)",
  });

  it("links no console page for a target group 'ARN' that is not one", () => {
    const odd = { ...hostile, targetGroupArn: `${GW_TG_ARN})[x](https://evil.example/y` };
    const md = renderMarkdown(report([odd]));
    expect(md).not.toContain("EC2 console");
    // The ARN stays code, as any text from a snapshot.
    expect(md).toContain(`\n\`${odd.targetGroupArn}\`\n`);
    expect(renderText(report([odd]), { color: false })).not.toContain("console:");
  });

  it("shows control characters escaped on the terminal, and keeps its own colours", () => {
    for (const color of [false, true]) {
      const text = renderText(report([hostile]), { color });
      // eslint-disable-next-line no-control-regex -- our own colour codes
      const raw = text.replace(/\x1b\[(?:[0-9;]*)m/g, (m) => (color ? "" : m));
      // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
      expect(raw).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(text).toContain("\\x1b]0;owned\\x07");
      expect(text).toContain("\\x1b[2J\\x00");
      expect(text).toContain("\\x9b31m");
    }
  });

  it("turns no annotation text into a live link, HTML or a closed code block in Markdown", () => {
    const md = renderMarkdown(report([hostile]));
    expect(md).not.toMatch(/(?<!\\)\[click\]\(/);
    expect(md).toContain("`https://evil.example/x)`");
    expect(md).toContain("`www.evil.example`");
    expect(md).toContain("`ops@evil.example`");
    expect(md).not.toMatch(/(?<!\\)<img/);
    // The fix stays inside one block: its fence is longer than any backtick run in it.
    expect(md).toContain(
      "````\nkubectl annotate svc web a=b\n```\n[link](https://evil.example)\n````",
    );
    expect(md).toContain("**Objects:** `` Service shop/web`x` ``");
    // eslint-disable-next-line no-control-regex -- and no terminal control either
    expect(md).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
