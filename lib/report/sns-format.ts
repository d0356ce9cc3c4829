/**
 * The SNS message in the shape its subscribers read. `json` is the audit's JSON document (the
 * default, unchanged for existing subscribers). `email` is readable text for e-mail, with the
 * region and cluster in the subject. `chatbot` is an Amazon Q Developer in chat applications
 * (formerly AWS Chatbot) custom notification, so one topic reaches Slack, Microsoft Teams or
 * Chime without a webhook: one message per finding, threaded by the finding, so that an open
 * and a resolved notice of it land in the same thread; e-mail subscribers of the same topic
 * get the text. Pure: the sink publishes what this returns.
 */
import { createHash } from "node:crypto";
import { severityRank, type AuditReport, type Finding, type Severity } from "../analyze/finding";
import { summaryLine } from "./group";
import { docsLink, logConsoleUrl, targetGroupConsoleUrl, type LinkOptions } from "./links";
import { targetGroupName } from "./slack";
import { SNS_MAX_BYTES, type SnsMessage } from "./sns";

export const SNS_FORMATS = ["json", "chatbot", "email"] as const;
export type SnsFormat = (typeof SNS_FORMATS)[number];

/** SNS subjects: printable ASCII, no line break, at most 100 characters. */
export const SUBJECT_MAX = 100;

/**
 * Custom notification limits as the Amazon Q Developer documentation's schema states them
 * (title 250 and description 8,000 characters); the rest are kept short on purpose.
 */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 8_000,
  summary: 250,
  nextSteps: 5,
  keywords: 5,
  keyword: 75,
} as const;

/** More findings than this in one notification: the rest share one digest message. */
export const MAX_THREADED = 10;

/** A finding gone since the last audit. */
export interface ResolvedItem {
  fingerprint: string;
  code: string;
  title: string;
  severity: Severity;
  targetGroupArn: string | null;
  firstSeen: string;
  /** "2h 5m" */
  openFor: string;
}

/** What one notification says, before any format. */
export type MessageView =
  | {
      event: "open" | "clean";
      report: AuditReport;
      /** Findings to tell about, most severe first. */
      findings: Finding[];
      /** Why a finding is sent now ("New", "Still open after 1d"), by fingerprint. */
      labels?: ReadonlyMap<string, string>;
    }
  | { event: "resolved"; report: AuditReport; resolved: ResolvedItem[] };

export interface SnsFormatOptions {
  format: SnsFormat;
  links?: LinkOptions;
  maxBytes?: number;
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const ascii = (s: string) => s.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e]/g, "?");

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "ALB health <cluster> (<region>): <tail>", the cluster name shortened before anything else. */
export function subjectLine(report: AuditReport, tail: string): string {
  const region = ascii(report.cluster.region);
  const fixed = `ALB health  (${region}): ${ascii(tail)}`;
  const room = Math.max(SUBJECT_MAX - fixed.length, 4);
  let cluster = ascii(report.cluster.name);
  if (cluster.length > room) cluster = `${cluster.slice(0, room - 3)}...`;
  const text = `ALB health ${cluster} (${region}): ${ascii(tail)}`;
  return text.length <= SUBJECT_MAX ? text : `${text.slice(0, SUBJECT_MAX - 3)}...`;
}

const highestOf = (severities: Severity[]): Severity =>
  severities.reduce<Severity>((top, s) => (severityRank(s) < severityRank(top) ? s : top), "info");

function subjectOf(view: MessageView): string {
  if (view.event === "resolved")
    return subjectLine(view.report, `${view.resolved.length} resolved`);
  if (view.findings.length === 0) return subjectLine(view.report, "no findings");
  const highest = highestOf(view.findings.map((f) => f.severity));
  return subjectLine(view.report, `${view.findings.length} finding(s), highest ${highest}`);
}

// ---------------------------------------------------------------- plain text (e-mail)

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => (line ? by + line : line))
    .join("\n");

/** The target group's name, and its console page on a line of its own. */
function targetGroupText(arn: string): string[] {
  const url = targetGroupConsoleUrl(arn);
  return [`  Target group: ${targetGroupName(arn)}`, ...(url ? [`    ${url}`] : [])];
}

const docsLine = (code: string, links: LinkOptions) => {
  const d = docsLink(code, links);
  return d.url ? `Docs: ${d.url}` : `Docs: ${d.label}`;
};

/** One finding as text; the fix on lines of its own, so it can be copied alone. */
export function findingText(f: Finding, links: LinkOptions, label?: string) {
  const lines = [`[${f.severity.toUpperCase()}] ${f.code} ${f.title}`];
  if (label) lines.push(`  ${label}`);
  if (f.targetGroupArn) lines.push(...targetGroupText(f.targetGroupArn));
  if (f.affectedTargets.length > 0) {
    const ids = f.affectedTargets.slice(0, 10).map((t) => (t.port ? `${t.id}:${t.port}` : t.id));
    const more = f.affectedTargets.length - ids.length;
    lines.push(
      `  Failing targets: ${f.affectedTargets.length} (${ids.join(", ")}${more > 0 ? `, and ${more} more` : ""})`,
    );
  }
  lines.push(indent(`Cause: ${f.rootCause}`, "  "));
  lines.push(`  ${docsLine(f.code, links)}`, "", "  Fix:", "", indent(f.remediation, "    "), "");
  return lines.join("\n");
}

function resolvedText(r: ResolvedItem, links: LinkOptions): string {
  const lines = [`[RESOLVED] ${r.code} ${r.title}`];
  if (r.targetGroupArn) lines.push(...targetGroupText(r.targetGroupArn));
  lines.push(`  Open for ${r.openFor} (first seen ${r.firstSeen}, ${r.severity})`);
  lines.push(`  ${docsLine(r.code, links)}`, "");
  return lines.join("\n");
}

/** Text of the first items that fit `maxBytes`, and a line counting the rest. */
function fitItems(head: string, items: string[], tail: string, maxBytes: number): string {
  const rule = "\n----\n\n";
  let text = head;
  let kept = 0;
  const reserve = bytes(tail) + 200;
  for (const item of items) {
    if (bytes(text) + bytes(item) + bytes(rule) + reserve > maxBytes) break;
    text += rule + item;
    kept += 1;
  }
  if (kept < items.length) {
    text += `${rule}... and ${items.length - kept} more, left out to stay within the SNS size limit: the audit's JSON report has all of them.\n`;
  }
  return `${text}\n${tail}`;
}

export function viewText(view: MessageView, links: LinkOptions, maxBytes: number): string {
  const r = view.report;
  const head = [
    `ALB health on cluster ${r.cluster.name} (${r.cluster.region}), audited ${r.auditedAt}`,
    summaryLine(r),
    ...(links.log ? [`Run log: ${logConsoleUrl(links.log)}`] : []),
    "",
  ];
  const tail = "-- alb-health-auditor\n";
  if (view.event === "resolved") {
    head.push(`${view.resolved.length} finding(s) gone since the last audit:`);
    const items = view.resolved.map((x) => resolvedText(x, links));
    return fitItems(head.join("\n"), items, tail, maxBytes);
  }
  if (view.findings.length === 0) {
    return `${head.join("\n")}No finding at or above the threshold.\n\n${tail}`;
  }
  const items = view.findings.map((f) => findingText(f, links, view.labels?.get(f.fingerprint)));
  return fitItems(head.join("\n"), items, tail, maxBytes);
}

// ------------------------------------------------------------------- chatbot

/** Chat platforms' markdown renders a fence as a block of its own, which copies alone. */
const fence = (text: string) => `\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\``;

/**
 * The same id for every notice about one finding of one cluster, so an opened and a resolved
 * finding thread together.
 */
export function threadIdOf(report: AuditReport, fingerprint: string): string {
  const key = `${report.cluster.region}|${report.cluster.name}|${fingerprint}`;
  return `alb-health-${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

const ICON: Record<Severity | "resolved", string> = {
  critical: ":red_circle:",
  warning: ":large_orange_circle:",
  info: ":large_blue_circle:",
  resolved: ":white_check_mark:",
};

/** Only the fields the custom-notification page documents (test/support/custom-notification.ts). */
export interface CustomNotification {
  version: "1.0";
  source: "custom";
  id?: string;
  content: {
    textType: "client-markdown";
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

interface NoticeParts {
  event: "open" | "resolved" | "clean";
  severity: Severity | "resolved";
  code?: string;
  title: string;
  description: string[];
  fix?: string;
  nextSteps: string[];
  threadId: string;
  summary: string;
  targetGroupArn?: string | null;
}

function notification(report: AuditReport, p: NoticeParts): CustomNotification {
  const body = p.description.join("\n");
  // The fix gets the room it needs; the prose before it is what gets cut.
  const fixBlock = p.fix ? `\n*Fix:*\n${fence(cut(p.fix, CHATBOT_LIMITS.description - 200))}` : "";
  const description = cut(body, CHATBOT_LIMITS.description - fixBlock.length) + fixBlock;
  const keywords = [
    ...(p.code ? [p.code] : []),
    p.severity,
    report.cluster.name,
    report.cluster.region,
  ].map((k) => cut(k, CHATBOT_LIMITS.keyword));
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: cut(`${ICON[p.severity]} ${p.title}`, CHATBOT_LIMITS.title),
      description,
      ...(p.nextSteps.length ? { nextSteps: p.nextSteps.slice(0, CHATBOT_LIMITS.nextSteps) } : {}),
      keywords: keywords.slice(0, CHATBOT_LIMITS.keywords),
    },
    metadata: {
      threadId: p.threadId,
      summary: cut(p.summary.replace(/\s+/g, " "), CHATBOT_LIMITS.summary),
      eventType: p.event,
      ...(p.targetGroupArn ? { relatedResources: [p.targetGroupArn] } : {}),
      additionalContext: {
        cluster: report.cluster.name,
        region: report.cluster.region,
        ...(p.code ? { code: p.code } : {}),
      },
    },
  };
}

function linkSteps(code: string, targetGroupArn: string | null, links: LinkOptions): string[] {
  const steps: string[] = [];
  const d = docsLink(code, links);
  steps.push(d.url ? `What ${code} means: ${d.url}` : `What ${code} means: ${d.label}`);
  const page = targetGroupArn ? targetGroupConsoleUrl(targetGroupArn) : undefined;
  if (page) steps.push(`Target group: ${page}`);
  if (links.log) steps.push(`This run's log: ${logConsoleUrl(links.log)}`);
  return steps;
}

const where = (report: AuditReport) => `${report.cluster.name} (${report.cluster.region})`;

function openNotice(f: Finding, report: AuditReport, links: LinkOptions, label?: string) {
  const lines = [
    ...(label ? [label] : []),
    `*Cluster:* ${where(report)}`,
    ...(f.targetGroupArn ? [`*Target group:* \`${targetGroupName(f.targetGroupArn)}\``] : []),
  ];
  if (f.affectedTargets.length > 0) {
    const ids = f.affectedTargets.slice(0, 5).map((t) => (t.port ? `${t.id}:${t.port}` : t.id));
    const more = f.affectedTargets.length - ids.length;
    lines.push(
      `*Failing targets:* ${f.affectedTargets.length} (${ids.join(", ")}${more > 0 ? `, and ${more} more` : ""})`,
    );
  }
  lines.push(`*Cause:* ${f.rootCause}`);
  return notification(report, {
    event: "open",
    severity: f.severity,
    code: f.code,
    title: `${f.code} · ${f.title}`,
    description: lines,
    fix: f.remediation,
    nextSteps: linkSteps(f.code, f.targetGroupArn, links),
    threadId: threadIdOf(report, f.fingerprint),
    summary: `${f.severity} ${f.code} on ${report.cluster.name}: ${f.title}`,
    targetGroupArn: f.targetGroupArn,
  });
}

function resolvedNotice(r: ResolvedItem, report: AuditReport, links: LinkOptions) {
  return notification(report, {
    event: "resolved",
    severity: "resolved",
    code: r.code,
    title: `Resolved: ${r.code} · ${r.title}`,
    description: [
      `*Cluster:* ${where(report)}`,
      ...(r.targetGroupArn ? [`*Target group:* \`${targetGroupName(r.targetGroupArn)}\``] : []),
      `Gone after ${r.openFor} (first seen ${r.firstSeen}, ${r.severity}).`,
    ],
    nextSteps: linkSteps(r.code, r.targetGroupArn, links),
    threadId: threadIdOf(report, r.fingerprint),
    summary: `resolved ${r.code} on ${report.cluster.name}: ${r.title}`,
    targetGroupArn: r.targetGroupArn,
  });
}

/** A notification about the whole audit: the all-clear, or the findings past MAX_THREADED. */
function digestNotice(report: AuditReport, lines: string[], links: LinkOptions, title: string) {
  return notification(report, {
    event: "clean",
    severity: "info",
    title,
    description: [`*Cluster:* ${where(report)}`, summaryLine(report), ...lines],
    nextSteps: links.log ? [`This run's log: ${logConsoleUrl(links.log)}`] : [],
    threadId: threadIdOf(report, "audit"),
    summary: `${title} on ${report.cluster.name}`,
  });
}

// --------------------------------------------------------------------- build

function structured(
  subject: string,
  texts: { default: string; email: string },
  attributes: SnsMessage["attributes"],
  counts: { published: number; omitted: number },
): SnsMessage {
  return { subject, message: JSON.stringify(texts), structure: "json", attributes, ...counts };
}

/**
 * The message(s) for a view in the chosen format. `json` renders the JSON document (the
 * caller's renderer); the others keep its attributes, so subscription filter policies match
 * whatever the format.
 */
export function formatSns(
  view: MessageView,
  json: SnsMessage,
  options: SnsFormatOptions,
): SnsMessage {
  if (options.format === "json") return json;
  const links = options.links ?? {};
  const maxBytes = options.maxBytes ?? SNS_MAX_BYTES;
  const attributes = json.attributes;
  const attributeBytes = Object.entries(attributes).reduce(
    (n, [k, a]) => n + bytes(k) + bytes(a.DataType) + bytes(a.StringValue),
    0,
  );
  const subject = subjectOf(view);
  // JSON escaping of the text can double it (every quote and line break), plus headroom.
  const textBudget = Math.floor((maxBytes - attributeBytes - SUBJECT_MAX - 2_048) / 2);

  if (options.format === "email") {
    // The text goes in twice, JSON-escaped: shrink it until the whole message fits.
    const room = maxBytes - attributeBytes - SUBJECT_MAX - 1_024;
    let budget = textBudget;
    for (;;) {
      const text = viewText(view, links, budget);
      const message = structured(subject, { default: text, email: text }, attributes, {
        published: json.published,
        omitted: json.omitted,
      });
      const size = bytes(message.message);
      if (size <= room || budget < 4_096) return message;
      budget = Math.floor((budget * room) / size) - 1_024;
    }
  }

  const report = view.report;
  // A message about some findings says their severity and codes, so that a filter policy
  // ({"severity": ["critical"]}) lets through only the messages it asks for.
  const about = (items: { severity: Severity; code: string }[]): SnsMessage["attributes"] => ({
    ...attributes,
    severity: { DataType: "String", StringValue: highestOf(items.map((i) => i.severity)) },
    codes: {
      DataType: "String.Array",
      StringValue: JSON.stringify([...new Set(items.map((i) => i.code))].sort()),
    },
    findings: { DataType: "Number", StringValue: String(items.length) },
  });
  const one = (
    n: CustomNotification,
    mailText: string,
    s: string,
    items?: { severity: Severity; code: string }[],
  ): SnsMessage =>
    structured(
      s,
      { default: JSON.stringify(n), email: mailText },
      items ? about(items) : attributes,
      { published: 0, omitted: 0 },
    );
  const mail = (lines: string[]) => cut(lines.join("\n"), textBudget);
  /** One message each for the first items, a digest of the rest past MAX_THREADED. */
  function threads<T extends { severity: Severity; code: string; title: string }>(
    items: T[],
    each: (item: T) => SnsMessage,
    what: string,
  ): SnsMessage[] {
    const alone = items.length <= MAX_THREADED ? items : items.slice(0, MAX_THREADED - 1);
    const rest = items.slice(alone.length);
    const out = alone.map(each);
    if (rest.length > 0) {
      const lines = rest.map((i) => `• ${i.severity} ${i.code} · ${i.title}`);
      const title = `${rest.length} more ${what}`;
      const digest = digestNotice(report, lines, links, title);
      out.push(one(digest, mail(lines), subjectLine(report, title), rest));
    }
    return out;
  }

  let messages: SnsMessage[];
  if (view.event === "resolved") {
    messages = threads(
      view.resolved,
      (r) =>
        one(
          resolvedNotice(r, report, links),
          resolvedText(r, links),
          subjectLine(report, `resolved ${r.code}`),
          [r],
        ),
      "resolved",
    );
  } else if (view.findings.length === 0) {
    const none = digestNotice(
      report,
      ["No finding at or above the threshold."],
      links,
      "No findings",
    );
    messages = [one(none, viewText(view, links, textBudget), subject)];
  } else {
    messages = threads(
      view.findings,
      (f) => {
        const label = view.labels?.get(f.fingerprint);
        return one(
          openNotice(f, report, links, label),
          findingText(f, links, label),
          subjectLine(report, `${f.severity} ${f.code}`),
          [f],
        );
      },
      "findings",
    );
  }
  const [first, ...followUps] = messages;
  return {
    ...first!,
    published: json.published,
    omitted: json.omitted,
    ...(followUps.length ? { followUps } : {}),
  };
}
