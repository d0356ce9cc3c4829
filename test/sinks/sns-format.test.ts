/**
 * Each SNS format against what its consumer documents: Amazon Q Developer in chat
 * applications custom notifications (test/support/custom-notification.ts says which page and
 * fields), SNS JSON message structure (a `default` text, one per protocol) and SNS subjects
 * (≤ 100 printable ASCII characters, no line break).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AuditReport, Finding } from "../../lib/analyze/finding";
import { buildSnsMessage, type SnsMessage, SNS_MAX_BYTES } from "../../lib/report/sns";
import {
  CHATBOT_LIMITS,
  MAX_THREADED,
  SUBJECT_MAX,
  formatSns,
  threadIdOf,
  type MessageView,
  type ResolvedItem,
  type SnsFormat,
} from "../../lib/report/sns-format";
import { customNotification } from "../support/custom-notification";
import { TG, finding, reportOf } from "./reports";

const structure = z.object({ default: z.string().min(1), email: z.string().min(1) }).strict();

const LINKS = {
  docsBaseUrl: "https://github.com/acme/alb-health-auditor/blob/main/docs/",
  log: {
    group: "/aws/lambda/alb-health-auditor-prod-audit",
    stream: "2026/12/01/[$LATEST]0123abcd",
    region: "eu-west-1",
  },
};

const FIX =
  "kubectl -n shop annotate service cart \\\n  alb.ingress.kubernetes.io/healthcheck-port=8081 --overwrite";

const openView = (report: AuditReport, findings: Finding[] = report.findings): MessageView => ({
  event: "open",
  report,
  findings,
});

function render(view: MessageView, format: SnsFormat, maxBytes?: number): SnsMessage {
  const json = buildSnsMessage(
    view.event === "resolved"
      ? { ...view.report, findings: [] }
      : { ...view.report, findings: view.findings },
    {
      minSeverity: "info",
      attributes: { account: { DataType: "String", StringValue: "111122223333" } },
    },
  );
  return formatSns(view, json, { format, links: LINKS, ...(maxBytes ? { maxBytes } : {}) });
}

const all = (m: SnsMessage) => [m, ...(m.followUps ?? [])];

function expectSubject(subject: string) {
  expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
}

/** The whole Publish request as SNS counts it: message, subject and attributes. */
const requestBytes = (m: SnsMessage) =>
  Buffer.byteLength(m.message) +
  Buffer.byteLength(m.subject) +
  Object.entries(m.attributes).reduce(
    (n, [k, a]) =>
      n + Buffer.byteLength(k) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
    0,
  );

const resolvedItem = (f: Finding): ResolvedItem => ({
  fingerprint: f.fingerprint,
  code: f.code,
  title: f.title,
  severity: f.severity,
  targetGroupArn: f.targetGroupArn,
  firstSeen: "2026-11-24 09:00 UTC",
  openFor: "1h",
});

describe("json format", () => {
  it("is the JSON document unchanged, without a message structure", () => {
    const report = reportOf([finding({ severity: "critical" })]);
    const json = buildSnsMessage(report, { minSeverity: "warning" });
    expect(formatSns(openView(report), json, { format: "json", links: LINKS })).toBe(json);
  });
});

describe("chatbot format (Amazon Q Developer custom notifications)", () => {
  it("publishes one documented custom notification per finding, keeping every attribute", () => {
    const report = reportOf([
      finding({ code: "HC001", severity: "critical", remediation: FIX }),
      finding({ code: "TGT005", severity: "warning" }),
    ]);
    const m = render(openView(report), "chatbot");
    const messages = all(m);
    expect(messages).toHaveLength(2);
    for (const [i, one] of messages.entries()) {
      expect(one.structure).toBe("json");
      const texts = structure.parse(JSON.parse(one.message));
      const n = customNotification.parse(JSON.parse(texts.default));
      expect(n.content.title).toContain(report.findings[i]!.code);
      expect(texts.email).toContain(report.findings[i]!.title);
      expect(one.attributes.account?.StringValue).toBe("111122223333");
      // Each message's filter attributes are its own finding's.
      expect(one.attributes.severity?.StringValue).toBe(report.findings[i]!.severity);
      expect(one.attributes.codes?.StringValue).toBe(JSON.stringify([report.findings[i]!.code]));
      expect(one.attributes.findings?.StringValue).toBe("1");
      expectSubject(one.subject);
    }
  });

  it("threads an opened and a resolved finding together, and different findings apart", () => {
    const [a, b] = [finding({ code: "HC001" }), finding({ code: "HC002" })];
    const report = reportOf([a!, b!]);
    const opened = all(render(openView(report), "chatbot")).map(
      (m) => JSON.parse(JSON.parse(m.message).default).metadata.threadId,
    );
    const resolved = render(
      { event: "resolved", report: reportOf([]), resolved: [resolvedItem(a!)] },
      "chatbot",
    );
    const n = customNotification.parse(JSON.parse(JSON.parse(resolved.message).default));
    expect(n.metadata.threadId).toBe(opened[0]);
    expect(n.metadata.eventType).toBe("resolved");
    expect(opened[1]).not.toBe(opened[0]);
    // The same finding of another cluster is another thread.
    expect(threadIdOf(reportOf([], "shop-staging"), a!.fingerprint)).not.toBe(opened[0]);
  });

  it("ends the description with the fix alone in a code block, and links the docs, console and log", () => {
    const report = reportOf([finding({ code: "HC001", severity: "critical", remediation: FIX })]);
    const n = customNotification.parse(
      JSON.parse(JSON.parse(render(openView(report), "chatbot").message).default),
    );
    expect(n.content.description.endsWith("```\n" + FIX + "\n```")).toBe(true);
    expect(n.content.nextSteps).toEqual([
      "What HC001 means: https://github.com/acme/alb-health-auditor/blob/main/docs/findings.md#hc001",
      `Target group: https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:targetGroupArn=${TG}`,
      "This run's log: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Falb-health-auditor-prod-audit/log-events/2026$252F12$252F01$252F$255B$2524LATEST$255D0123abcd",
    ]);
    expect(n.metadata.relatedResources).toEqual([TG]);
  });

  it("stays within the documented limits when a finding's text is huge, cutting the prose before the fix", () => {
    const report = reportOf([
      finding({ title: "t".repeat(1_000), rootCause: "c".repeat(20_000), remediation: FIX }),
    ]);
    const n = customNotification.parse(
      JSON.parse(JSON.parse(render(openView(report), "chatbot").message).default),
    );
    expect(n.content.description).toContain(FIX);
    expect(n.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
  });

  it(`threads at most ${MAX_THREADED} findings one by one; one digest counts the rest`, () => {
    const findings = Array.from({ length: 25 }, () => finding({ severity: "warning" }));
    const messages = all(render(openView(reportOf(findings)), "chatbot"));
    expect(messages).toHaveLength(MAX_THREADED);
    const digest = customNotification.parse(
      JSON.parse(JSON.parse(messages.at(-1)!.message).default),
    );
    expect(digest.content.title).toContain(`${25 - (MAX_THREADED - 1)} more findings`);
    for (const m of messages) expect(requestBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
  });
});

describe("email format", () => {
  it("sends readable text as `default` and `email`, the fix on lines of its own", () => {
    const report = reportOf([finding({ code: "HC001", severity: "critical", remediation: FIX })]);
    const m = render(openView(report), "email");
    expect(m.structure).toBe("json");
    expect(m.followUps).toBeUndefined();
    const texts = structure.parse(JSON.parse(m.message));
    expect(texts.default).toBe(texts.email);
    const lines = texts.email.split("\n");
    const fixAt = lines.indexOf("  Fix:");
    expect(fixAt).toBeGreaterThan(0);
    expect(lines.slice(fixAt + 1, fixAt + 5)).toEqual([
      "",
      ...FIX.split("\n").map((l) => `    ${l}`),
      "",
    ]);
    expect(texts.email).toContain(
      "Docs: https://github.com/acme/alb-health-auditor/blob/main/docs/findings.md#hc001",
    );
    expect(texts.email).toContain(
      "Run log: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:",
    );
    expect(texts.email).not.toContain("{");
  });

  it("puts the region and the cluster in a valid subject, whatever the cluster's name", () => {
    const short = render(openView(reportOf([finding({ severity: "critical" })])), "email");
    expect(short.subject).toBe("ALB health shop-prod (eu-west-1): 1 finding(s), highest critical");
    const long = render(openView(reportOf([finding()], "c".repeat(100))), "email");
    expectSubject(long.subject);
    expect(long.subject).toContain("(eu-west-1): 1 finding(s), highest warning");
    const odd = render(openView(reportOf([finding()], "shöp\nprod")), "email");
    expectSubject(odd.subject);
    const resolved = render(
      { event: "resolved", report: reportOf([]), resolved: [resolvedItem(finding())] },
      "email",
    );
    expect(resolved.subject).toBe("ALB health shop-prod (eu-west-1): 1 resolved");
  });

  it("stays within the SNS limit at thousands of findings, the most severe first and the rest counted", () => {
    const findings = [
      finding({ severity: "critical", title: "the critical one" }),
      ...Array.from({ length: 3_000 }, () => finding({ rootCause: "r".repeat(300) })),
    ];
    const m = render(openView(reportOf(findings)), "email");
    expect(requestBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const text = structure.parse(JSON.parse(m.message)).email;
    expect(text).toContain("the critical one");
    expect(text).toMatch(/\.\.\. and \d+ more, left out to stay within the SNS size limit/);
  });
});
