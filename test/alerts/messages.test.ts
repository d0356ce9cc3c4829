import { describe, expect, it } from "vitest";
import { decideAlerts, FULL_COVERAGE, type AlertRecord } from "../../lib/alerts/decide";
import { alertMessages, formatDuration, renderAll } from "../../lib/alerts/messages";
import { reportNotifications } from "../../lib/alerts/notification";
import { SNS_ATTRIBUTES } from "../../lib/alerts/render-sns";
import { analyze } from "../../lib/analyze/index";
import { SLACK_LIMITS, type SlackBlock } from "../../lib/report/slack";
import { GW_TG_ARN, breakApp, breakGateway, snapshotWith } from "./scenarios";

const HOUR = 3_600_000;
const T0 = new Date("2026-11-24T10:00:00Z");
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const report = analyze(snapshotWith(breakGateway, breakApp));
const [hc001, tgt005] = report.findings as [
  (typeof report.findings)[0],
  (typeof report.findings)[0],
];

const sectionTexts = (blocks: SlackBlock[]) =>
  blocks.flatMap((b) => (b.type === "section" ? [b.text.text] : []));

function recordOf(f: typeof hc001, fields: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint: f.fingerprint,
    code: f.code,
    title: f.title,
    severity: f.severity,
    targetGroupArn: f.targetGroupArn,
    firstSeen: T0.toISOString(),
    lastSeen: T0.toISOString(),
    notifiedAt: T0.toISOString(),
    notifiedSeverity: f.severity,
    ...fields,
  };
}

/** HC001 rose from warning to critical; TGT005 was sent before. */
const escalation = () =>
  decideAlerts({
    previous: [
      recordOf(tgt005),
      recordOf(hc001, { severity: "warning", notifiedSeverity: "warning" }),
    ],
    findings: report.findings,
    coverage: FULL_COVERAGE,
    now: at(1),
    minSeverity: "warning",
    repeatIntervalMs: 24 * HOUR,
  });

describe("alertMessages", () => {
  it("sends nothing when nothing changed", () => {
    const decision = decideAlerts({
      previous: [recordOf(hc001), recordOf(tgt005)],
      findings: report.findings,
      coverage: FULL_COVERAGE,
      now: at(1),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    expect(alertMessages(report, decision, { minSeverity: "warning" })).toEqual([]);
  });

  it("sends the new and escalated findings with why, and leaves out those already sent", () => {
    const [message, ...rest] = alertMessages(report, escalation(), { minSeverity: "warning" });
    expect(rest).toEqual([]);
    expect(message!.kind).toBe("findings");

    expect(message!.sns.attributes).toMatchObject({
      event: { DataType: "String", StringValue: "open" },
      reasons: { DataType: "String.Array", StringValue: '["escalated"]' },
      severity: { StringValue: "critical" },
      codes: { StringValue: '["HC001"]' },
      findings: { StringValue: "1" },
    });
    const body = JSON.parse(message!.sns.message);
    expect(body.event).toBe("open");
    expect(body.findings.map((f: { code: string }) => f.code)).toEqual(["HC001"]);
    expect(body.alerts).toEqual([
      {
        fingerprint: hc001.fingerprint,
        reason: "escalated",
        previousSeverity: "warning",
        firstSeen: T0.toISOString(),
      },
    ]);
    // The summary still describes the whole audit.
    expect(body.summary.findings).toBe(2);

    const sections = sectionTexts(message!.slack.blocks);
    const hc = sections.find((t) => t.includes("HC001"))!;
    expect(hc.split("\n")[0]).toBe("_Severity rose from warning_");
    expect(sections.some((t) => t.includes("TGT005"))).toBe(false);
    const context = message!.slack.blocks.at(-1)!;
    expect(JSON.stringify(context)).toContain("1 open finding(s) sent before not repeated");
  });

  it("labels a reminder with how long the finding has been open", () => {
    const decision = decideAlerts({
      previous: [recordOf(hc001), recordOf(tgt005, { notifiedAt: at(20).toISOString() })],
      findings: report.findings,
      coverage: FULL_COVERAGE,
      now: at(25.5),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    const [message] = alertMessages(report, decision, { minSeverity: "warning" });
    const hc = sectionTexts(message!.slack.blocks).find((t) => t.includes("HC001"))!;
    expect(hc.split("\n")[0]).toBe("_Still open after 1d 1h (since 2026-11-24 10:00 UTC)_");
    expect(message!.sns.attributes.reasons!.StringValue).toBe('["reminder"]');
  });

  it("sends a short resolved message with how long each finding lasted", () => {
    const gone = recordOf(hc001, { lastSeen: at(2).toISOString() });
    const fixed = analyze(snapshotWith(breakApp));
    const decision = decideAlerts({
      previous: [gone, recordOf(tgt005)],
      findings: fixed.findings,
      coverage: FULL_COVERAGE,
      now: at(2.5),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    const messages = alertMessages(fixed, decision, { minSeverity: "warning" });
    expect(messages.map((m) => m.kind)).toEqual(["resolved"]);
    const { sns, slack } = messages[0]!;

    expect(sns.subject).toBe("ALB health on shop-prod: 1 finding(s) resolved");
    expect(sns.attributes).toEqual({
      event: { DataType: "String", StringValue: "resolved" },
      severity: { DataType: "String", StringValue: "critical" },
      cluster: { DataType: "String", StringValue: "shop-prod" },
      region: { DataType: "String", StringValue: "eu-west-1" },
      codes: { DataType: "String.Array", StringValue: '["HC001"]' },
      findings: { DataType: "Number", StringValue: "1" },
    });
    expect(JSON.parse(sns.message)).toEqual({
      version: 1,
      event: "resolved",
      cluster: fixed.cluster,
      auditedAt: fixed.auditedAt,
      resolved: [
        {
          fingerprint: hc001.fingerprint,
          code: "HC001",
          title: hc001.title,
          severity: "critical",
          targetGroupArn: GW_TG_ARN,
          firstSeen: T0.toISOString(),
          lastSeen: at(2).toISOString(),
          resolvedAt: at(2.5).toISOString(),
          openForSeconds: 2.5 * 3600,
        },
      ],
    });

    expect(slack.blocks[0]).toMatchObject({
      type: "header",
      text: { text: ":white_check_mark: ALB health on shop-prod: 1 resolved" },
    });
    const [section] = sectionTexts(slack.blocks);
    expect(section).toContain("HC001");
    expect(section).toContain("`k8s-istiosys-gw`");
    expect(section).toContain("Resolved after 2h 30m (first seen 2026-11-24 10:00 UTC, critical)");
  });

  it("keeps a long resolved list within Slack's and SNS's limits", () => {
    const many: AlertRecord[] = Array.from({ length: 120 }, (_, i) =>
      recordOf(hc001, { fingerprint: `fp${String(i).padStart(3, "0")}`, title: "x".repeat(400) }),
    );
    const decision = decideAlerts({
      previous: many,
      findings: [],
      coverage: FULL_COVERAGE,
      now: at(1),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    const [message] = alertMessages(report, decision, {
      minSeverity: "warning",
      snsMaxBytes: 20_000,
    });
    const blocks = message!.slack.blocks;
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const text = blocks.map((b) => (b.type === "context" ? b.elements[0]!.text : b.text.text));
    expect(text.join("").length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
    const shown = blocks.filter((b) => b.type === "section").length - 1;
    expect(shown).toBeGreaterThan(10);
    expect(text.at(-2)).toContain(`… and ${120 - shown} more resolved findings: every one is in`);
    expect(Buffer.byteLength(message!.sns.message)).toBeLessThan(20_000);
    const body = JSON.parse(message!.sns.message);
    expect(body.resolved.length + body.omitted).toBe(120);
    expect(message!.sns.omitted).toBe(body.omitted);
    expect(message!.sns.attributes.findings!.StringValue).toBe("120");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [45_000, "45s"],
    [12 * 60_000, "12m"],
    [2 * HOUR, "2h"],
    [2 * HOUR + 5 * 60_000, "2h 5m"],
    [24 * HOUR, "1d"],
    [76 * HOUR + 59 * 60_000, "3d 4h"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("SNS attributes", () => {
  it("are the same set on every kind of message, the fallback report included", () => {
    const fixed = analyze(snapshotWith(breakApp));
    const decision = decideAlerts({
      previous: [recordOf(hc001, { lastSeen: at(1).toISOString() })],
      findings: fixed.findings,
      coverage: FULL_COVERAGE,
      now: at(2),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    const messages = [
      ...renderAll(reportNotifications(report, "warning", false)),
      ...renderAll(reportNotifications(analyze(snapshotWith()), "warning", true)),
      ...alertMessages(fixed, decision, { minSeverity: "warning" }),
    ];
    expect(messages.map((m) => m.kind)).toEqual(["report", "report", "findings", "resolved"]);
    expect(messages.map((m) => m.sns.attributes.event?.StringValue)).toEqual([
      "open",
      "clean",
      "open",
      "resolved",
    ]);
    for (const { sns } of messages) {
      for (const name of SNS_ATTRIBUTES) expect(sns.attributes[name]?.StringValue).toBeTruthy();
    }
  });
});

describe("SNS formats and links on alert messages", () => {
  const resolution = () => {
    const fixed = analyze(snapshotWith(breakApp));
    const decision = decideAlerts({
      previous: [recordOf(hc001, { lastSeen: at(1).toISOString() }), recordOf(tgt005)],
      findings: fixed.findings,
      coverage: FULL_COVERAGE,
      now: at(2),
      minSeverity: "warning",
      repeatIntervalMs: 24 * HOUR,
    });
    return { fixed, decision };
  };

  it("email: the why of each finding in plain text, in a structured message with every attribute", () => {
    const [message] = alertMessages(report, escalation(), {
      minSeverity: "warning",
      snsFormat: "email",
    });
    expect(message!.sns.structure).toBe("json");
    const texts = JSON.parse(message!.sns.message) as { default: string; email: string };
    expect(texts.email).toContain("HC001");
    expect(texts.email).toContain("  Severity rose from warning\n");
    expect(texts.email).not.toContain("_Severity");
    expect(message!.sns.subject).toBe(
      "ALB health shop-prod (eu-west-1): 1 finding(s), highest critical",
    );
    for (const name of SNS_ATTRIBUTES) {
      expect(message!.sns.attributes[name]?.StringValue).toBeTruthy();
    }
    expect(message!.sns.attributes.reasons?.StringValue).toBe('["escalated"]');
  });

  it("chatbot: an opened and a resolved finding thread together, every message fully attributed", () => {
    const [opened] = alertMessages(report, escalation(), {
      minSeverity: "warning",
      snsFormat: "chatbot",
    });
    const { fixed, decision } = resolution();
    const [resolved] = alertMessages(fixed, decision, {
      minSeverity: "warning",
      snsFormat: "chatbot",
    });
    const threadOf = (m: { message: string }) =>
      (JSON.parse(JSON.parse(m.message).default) as { metadata: { threadId: string } }).metadata
        .threadId;
    expect(threadOf(opened!.sns)).toBe(threadOf(resolved!.sns));
    expect(resolved!.sns.attributes.event?.StringValue).toBe("resolved");
    for (const m of [opened!.sns, resolved!.sns, ...(opened!.sns.followUps ?? [])]) {
      for (const name of SNS_ATTRIBUTES) expect(m.attributes[name]?.StringValue).toBeTruthy();
    }
  });

  it("links a resolved finding's docs and console page in Slack, and the run's log", () => {
    const { fixed, decision } = resolution();
    const links = {
      docsBaseUrl: "https://github.com/acme/auditor/blob/main/docs",
      log: { group: "/aws/lambda/audit", stream: "2026/11/24/[$LATEST]ab", region: "eu-west-1" },
    };
    const [resolved] = alertMessages(fixed, decision, { minSeverity: "warning", links });
    const [section] = sectionTexts(resolved!.slack.blocks);
    expect(section).toContain(
      `*Target group:* <https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:targetGroupArn=${GW_TG_ARN}|\`k8s-istiosys-gw\`>`,
    );
    expect(section).toContain(
      "*What HC001 means:* <https://github.com/acme/auditor/blob/main/docs/findings.md#hc001|docs/findings.md#hc001>",
    );
    const context = JSON.stringify(resolved!.slack.blocks.at(-1));
    expect(context).toContain("|this run's log>");
    expect(context).toContain("cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/");
  });

  it("links the code's documentation in Slack and e-mail when DOCS_BASE_URL is set", () => {
    const links = { docsBaseUrl: "https://github.com/acme/auditor/blob/main/docs" };
    const [message] = alertMessages(report, escalation(), {
      minSeverity: "warning",
      snsFormat: "email",
      links,
    });
    const hc = sectionTexts(message!.slack.blocks).find((t) => t.includes("HC001 ·"))!;
    expect(hc).toContain(
      "*What HC001 means:* <https://github.com/acme/auditor/blob/main/docs/findings.md#hc001|",
    );
    expect(hc.split("\n")[0]).toBe("_Severity rose from warning_");
    const texts = JSON.parse(message!.sns.message) as { email: string };
    expect(texts.email).toContain(
      "Docs: https://github.com/acme/auditor/blob/main/docs/findings.md#hc001",
    );
  });
});
