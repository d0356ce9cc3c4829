/**
 * The SNS message for an audit: one JSON document per audit plus message attributes that
 * subscription filter policies match on. Pure: the sink publishes what this returns.
 */
import { severityRank, type AuditReport, type Finding, type Severity } from "../analyze/finding";

/** SNS rejects anything larger; the limit covers the body and the message attributes. */
export const SNS_MAX_BYTES = 262_144;
/** Room for the SDK's own accounting differences; a message is never cut this close. */
const SAFETY_BYTES = 1_024;
const SUBJECT_MAX = 100;

export interface SnsAttribute {
  DataType: "String" | "String.Array" | "Number";
  StringValue: string;
}

export interface SnsMessage {
  subject: string;
  message: string;
  attributes: Record<string, SnsAttribute>;
  /** Findings at or above the threshold, and how many of them the body carries. */
  published: number;
  omitted: number;
  /** SNS `MessageStructure: "json"`: `message` holds one text per protocol (`default`, `email`). */
  structure?: "json";
  /** Published right after this one, as part of the same notification (one per finding). */
  followUps?: SnsMessage[];
}

export interface SnsOptions {
  minSeverity: Severity;
  /** Override for tests; defaults to the SNS limit. */
  maxBytes?: number;
  /** More attributes (the alert state's `event`, ...), counted against the size limit. */
  attributes?: Record<string, SnsAttribute>;
  /** More top-level fields of the body, after the report's. */
  extra?: Record<string, unknown>;
}

/** Findings at or above `minSeverity`, in report order. */
export const publishable = (report: AuditReport, minSeverity: Severity): Finding[] =>
  report.findings.filter((f) => severityRank(f.severity) <= severityRank(minSeverity));

const bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/**
 * Which cluster a message is about: `cluster` and `region`, and `account` when the audit knows
 * it, so a subscription filters one cluster of a fleet even where names repeat.
 */
export function clusterAttributes(cluster: {
  name: string;
  region: string;
  account?: string;
}): Record<string, SnsAttribute> {
  return {
    cluster: { DataType: "String", StringValue: cluster.name },
    region: { DataType: "String", StringValue: cluster.region },
    ...(cluster.account ? { account: { DataType: "String", StringValue: cluster.account } } : {}),
  };
}

function attributeBytes(attributes: Record<string, SnsAttribute>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, a]) => sum + bytes(name) + bytes(a.DataType) + bytes(a.StringValue),
    0,
  );
}

function subjectOf(report: AuditReport, findings: Finding[], highest: Severity | "none"): string {
  const text =
    highest === "none"
      ? `ALB health on ${report.cluster.name}: no findings`
      : `ALB health on ${report.cluster.name}: ${findings.length} finding(s), highest ${highest}`;
  // Subjects must be printable ASCII without line breaks, at most 100 characters.
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}

export function buildSnsMessage(report: AuditReport, options: SnsOptions): SnsMessage {
  const findings = publishable(report, options.minSeverity);
  const highest: Severity | "none" = findings[0]
    ? findings.reduce<Severity>(
        (top, f) => (severityRank(f.severity) < severityRank(top) ? f.severity : top),
        "info",
      )
    : "none";
  const codes = [...new Set(findings.map((f) => f.code))].sort();

  const attributes: Record<string, SnsAttribute> = {
    severity: { DataType: "String", StringValue: highest },
    ...clusterAttributes(report.cluster),
    findings: { DataType: "Number", StringValue: String(findings.length) },
  };
  // String.Array lets a filter policy match one code of many ({"codes": ["HC001"]}); SNS
  // does not accept an empty array, so a clean audit has no `codes` attribute.
  if (codes.length > 0) {
    attributes.codes = { DataType: "String.Array", StringValue: JSON.stringify(codes) };
  }
  Object.assign(attributes, options.attributes);

  const subject = subjectOf(report, findings, highest);
  const budget =
    (options.maxBytes ?? SNS_MAX_BYTES) -
    attributeBytes(attributes) -
    bytes(subject) -
    SAFETY_BYTES;

  const envelope = (kept: Finding[]) => {
    const omitted = findings.length - kept.length;
    return JSON.stringify({
      ...report,
      minSeverity: options.minSeverity,
      ...options.extra,
      findings: kept,
      ...(omitted > 0
        ? {
            truncated: {
              omittedFindings: omitted,
              note: `${omitted} of ${findings.length} findings left out to stay within the SNS size limit; run the audit with format json for all of them`,
            },
          }
        : {}),
    });
  };

  // Findings are in severity order, so keeping a prefix drops the least severe first.
  let kept = findings;
  let message = envelope(kept);
  if (bytes(message) > budget) {
    const empty = bytes(envelope([])) + 200; // the note grows with the numbers in it
    let used = empty;
    let count = 0;
    for (const f of findings) {
      used += bytes(JSON.stringify(f)) + 1;
      if (used > budget) break;
      count += 1;
    }
    kept = findings.slice(0, count);
    message = envelope(kept);
    while (bytes(message) > budget && kept.length > 0) {
      kept = kept.slice(0, -1);
      message = envelope(kept);
    }
  }
  return {
    subject,
    message,
    attributes,
    published: findings.length,
    omitted: findings.length - kept.length,
  };
}
