import { describe, expect, it } from "vitest";
import { SLACK_LIMITS, buildSlackMessage, type SlackBlock } from "../../lib/report/slack";
import { finding, reportOf } from "./reports";

const textOf = (b: SlackBlock): string =>
  b.type === "context" ? b.elements.map((e) => e.text).join(" ") : b.text.text;

function expectWithinLimits(blocks: SlackBlock[]) {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const b of blocks) {
    if (b.type === "header")
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (b.type === "section")
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  }
  // Slack refuses a message whose blocks hold more text in all (msg_blocks_too_long).
  expect(blocks.map(textOf).join("").length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  expect(SLACK_LIMITS.messageText).toBeLessThan(12_000);
}

describe("buildSlackMessage", () => {
  it("has a header, a section per critical/warning finding then one with its fix, and a context line", () => {
    const report = reportOf([
      finding({
        code: "HC001",
        severity: "critical",
        title: "Port 31246 is checked",
        remediation: "Set healthcheck-port 31127",
      }),
      finding({
        code: "TP001",
        severity: "warning",
        remediation: "Use externalTrafficPolicy: Cluster",
      }),
      finding({ code: "TGT001", severity: "info" }),
    ]);
    const { text, blocks } = buildSlackMessage(report, { minSeverity: "info" });

    expect(blocks.map((b) => b.type)).toEqual([
      "header",
      "section",
      "section",
      "section",
      "section",
      "section",
      "context",
    ]);
    expect(textOf(blocks[0]!)).toContain("shop-prod: 1 critical, 1 warning, 1 info");
    expect(text).toBe("ALB health on shop-prod: 1 critical, 1 warning, 1 info");
    expect(textOf(blocks[2]!)).toMatch(/^:red_circle: \*HC001 · Port 31246 is checked\*/);
    expect(textOf(blocks[2]!)).toContain(
      "*Target group:* <https://eu-west-1.console.aws.amazon.com/",
    );
    expect(textOf(blocks[2]!)).toContain("|`k8s-shop-cart`>");
    expect(textOf(blocks[2]!)).toContain("*What HC001 means:* docs/findings.md#hc001");
    expect(textOf(blocks[3]!)).toBe("*Fix:*\n```Set healthcheck-port 31127```");
    expect(textOf(blocks[4]!)).toContain("TP001");
    expect(blocks.map(textOf).join("\n")).not.toContain("TGT001");
    expect(textOf(blocks[6]!)).toContain("1 lower-severity finding(s) not shown");
  });

  it("leaves out warnings when MIN_SEVERITY is critical", () => {
    const report = reportOf([
      finding({ code: "HC001", severity: "critical" }),
      finding({ code: "TP001", severity: "warning" }),
    ]);
    const sections = buildSlackMessage(report, { minSeverity: "critical" }).blocks.filter(
      (b) => b.type === "section",
    );
    expect(sections.map(textOf).join("\n")).not.toContain("TP001");
    expect(sections.map(textOf).join("\n")).toContain("HC001");
  });

  it("stops at 50 blocks with an '… and N more' section", () => {
    const report = reportOf(Array.from({ length: 60 }, () => finding()));
    const { blocks } = buildSlackMessage(report, { minSeverity: "warning" });
    expectWithinLimits(blocks);
    expect(blocks).toHaveLength(50);
    const findingSections = blocks.filter(
      (b) => b.type === "section" && textOf(b).includes("TGT005"),
    );
    expect(findingSections).toHaveLength(23);
    expect(textOf(blocks[48]!)).toMatch(
      /^… and 37 more findings not shown here \(37 warning\): every one is in the SNS message/,
    );
    expect(blocks[49]!.type).toBe("context");
  });

  it("keeps a first run with many long findings within Slack's total text, most severe first", () => {
    const fix = `kubectl annotate service cart --overwrite ${"x".repeat(1_500)}`;
    const findings = [
      ...Array.from({ length: 20 }, () => finding({ severity: "critical", remediation: fix })),
      ...Array.from({ length: 20 }, () => finding({ remediation: fix })),
    ];
    const { blocks } = buildSlackMessage(reportOf(findings), { minSeverity: "warning" });
    expectWithinLimits(blocks);
    const shown = blocks.filter((b) => b.type === "section" && textOf(b).includes("TGT005"));
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.every((b) => textOf(b).startsWith(":red_circle:"))).toBe(true);
    // Each finding shown has its fix right after it: the two are never split.
    for (const b of shown) {
      expect(textOf(blocks[blocks.indexOf(b) + 1]!)).toMatch(/^\*Fix:\*\n```kubectl annotate/);
    }
    const rest = 40 - shown.length;
    expect(textOf(blocks.at(-2)!)).toContain(
      `… and ${rest} more findings not shown here (${20 - shown.length} critical, 20 warning)`,
    );
    expect(blocks.at(-1)!.type).toBe("context");
  });

  it("uses all 23 finding slots (two blocks each) when exactly that many fit", () => {
    const { blocks } = buildSlackMessage(reportOf(Array.from({ length: 23 }, () => finding())), {
      minSeverity: "warning",
    });
    expect(blocks).toHaveLength(49);
    expect(blocks.map(textOf).join("\n")).not.toContain("more findings");
  });

  it("cuts a long fix to fit 3000 characters and keeps the code block closed", () => {
    const yaml = Array.from({ length: 400 }, (_, i) => `  key${i}: value-${i}`).join("\n");
    const { blocks } = buildSlackMessage(
      reportOf([finding({ remediation: `metadata:\n${yaml}` })]),
      {
        minSeverity: "warning",
      },
    );
    expectWithinLimits(blocks);
    const section = textOf(blocks[3]!);
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section.length).toBeGreaterThan(2900);
    expect(section).toMatch(/…```$/);
    expect(section).toMatch(/^\*Fix:\*\n```metadata:/);
  });

  it("cuts a long header to 150 characters and escapes mrkdwn control characters", () => {
    const report = reportOf(
      [finding({ title: "a <b> & c", remediation: "x > y" })],
      "c".repeat(140),
    );
    const { blocks } = buildSlackMessage(report, { minSeverity: "warning" });
    expectWithinLimits(blocks);
    expect(textOf(blocks[0]!)).toHaveLength(150);
    expect(textOf(blocks[0]!).endsWith("…")).toBe(true);
    expect(textOf(blocks[2]!)).toContain("a &lt;b&gt; &amp; c");
    expect(textOf(blocks[3]!)).toContain("x &gt; y");
  });

  it("says all clear when there is nothing to show", () => {
    const { blocks } = buildSlackMessage(reportOf([]), { minSeverity: "warning" });
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(textOf(blocks[0]!)).toBe(":white_check_mark: ALB health on shop-prod: no findings");
  });

  it("lists at most five failing targets in a section", () => {
    const affectedTargets = Array.from({ length: 8 }, (_, i) => ({
      id: `i-${i}`,
      port: 31246,
      state: "unhealthy",
      reason: "Target.Timeout",
    }));
    const { blocks } = buildSlackMessage(reportOf([finding({ affectedTargets })]), {
      minSeverity: "warning",
    });
    expect(textOf(blocks[2]!)).toContain(
      "*Failing targets:* 8 (i-0:31246, i-1:31246, i-2:31246, i-3:31246, i-4:31246, … and 3 more)",
    );
  });

  it("links the code's documentation, the target group's console page and the run's log", () => {
    const { blocks } = buildSlackMessage(
      reportOf([finding({ code: "HC001", severity: "critical" })]),
      {
        minSeverity: "warning",
        links: {
          docsBaseUrl: "https://github.com/acme/alb-health-auditor/blob/main/docs",
          log: { group: "/aws/lambda/fn", stream: "2026/12/01/[$LATEST]ab", region: "eu-west-1" },
        },
      },
    );
    expectWithinLimits(blocks);
    expect(textOf(blocks[2]!)).toContain(
      "*What HC001 means:* <https://github.com/acme/alb-health-auditor/blob/main/docs/findings.md#hc001|docs/findings.md#hc001>",
    );
    expect(textOf(blocks[2]!)).toContain(
      "<https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:targetGroupArn=arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-cart/bbbbbbbbbbbbbbbb|`k8s-shop-cart`>",
    );
    expect(textOf(blocks.at(-1)!)).toContain(
      "<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ffn/log-events/2026$252F12$252F01$252F$255B$2524LATEST$255Dab|this run's log>",
    );
    // The fix is a section of its own: nothing but the command in the code block.
    expect(textOf(blocks[3]!)).toBe("*Fix:*\n```Check the pod's readiness endpoint.```");
  });
});
