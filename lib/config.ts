/**
 * Lambda configuration from environment variables, validated once so a misconfigured deployment
 * fails before it calls any API, with one message that names every bad variable.
 */
import { z } from "zod";
import { SEVERITIES, type Severity } from "./analyze/finding";
import { DOCS_BASE_URL, type LinkOptions } from "./report/links";
import { SNS_FORMATS, type SnsFormat } from "./report/sns-format";

/** One bad variable: its name and what it must be. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join("; ")}`);
  }
}

// Serverless writes unset parameters as empty strings; treat them as absent.
const blankAsMissing = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const required = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankAsMissing, schema);
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankAsMissing, schema.optional());

const flag = (fallback: boolean) =>
  optional(
    z
      .string()
      .regex(/^(true|false|1|0)$/i, 'must be "true" or "false"')
      .transform((v) => /^(true|1)$/i.test(v)),
  ).transform((v) => v ?? fallback);

export const CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const DEFAULT_REPEAT_INTERVAL_HOURS = 24;
/** Leaves most of the account's ELB API bucket (10 calls/s) to the AWS Load Balancer Controller. */
export const DEFAULT_ELB_CALLS_PER_SECOND = 5;
/** At a 5-minute schedule, every group's targets are listed at least hourly. */
export const DEFAULT_FULL_SWEEP_EVERY = 12;

const envSchema = z
  .object({
    CLUSTER_NAME: required(
      z
        .string({ required_error: "is required (the EKS cluster to audit)" })
        .regex(CLUSTER_NAME_PATTERN, "is not a valid EKS cluster name"),
    ),
    AWS_REGION: required(
      z
        .string({ required_error: "is required (Lambda sets it)" })
        .regex(REGION_PATTERN, "is not an AWS region"),
    ),
    SNS_TOPIC_ARN: optional(
      z.string().regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "is not an SNS topic ARN"),
    ),
    SLACK_WEBHOOK_PARAMETER: optional(
      // A path, so the IAM policy in serverless.yml can name the parameter's ARN exactly.
      z.string().regex(/^\/[\w.\-/]+$/, "must be an SSM parameter path starting with /"),
    ),
    SLACK_WEBHOOK_SECRET_ARN: optional(
      z
        .string()
        .regex(
          /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
          "is not a Secrets Manager secret ARN",
        ),
    ),
    MIN_SEVERITY: optional(z.enum(SEVERITIES as [Severity, ...Severity[]])).transform(
      (v): Severity => v ?? "warning",
    ),
    NOTIFY_WHEN_CLEAN: flag(false),
    METRICS_NAMESPACE: optional(
      z.string().regex(/^[\w./#:-]{1,255}$/, "is not a CloudWatch namespace"),
    ).transform((v) => v ?? "AlbHealthAuditor"),
    SLACK_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(60_000)).transform(
      (v) => v ?? 5_000,
    ),
    ALERT_TABLE_NAME: optional(z.string().regex(/^[\w.-]{3,255}$/, "is not a DynamoDB table name")),
    REPEAT_INTERVAL_HOURS: optional(
      z.coerce
        .number({ invalid_type_error: "must be a number of hours" })
        .positive("must be above 0")
        .max(8_760, "must be at most 8760 (a year)"),
    ).transform((v) => v ?? DEFAULT_REPEAT_INTERVAL_HOURS),
    ELB_CALLS_PER_SECOND: optional(
      z.coerce
        .number({ invalid_type_error: "must be a number of calls per second" })
        .positive("must be above 0")
        .max(40, "must be at most 40 (the whole account's ELB API bucket)"),
    ).transform((v) => v ?? DEFAULT_ELB_CALLS_PER_SECOND),
    HEALTH_PREFILTER: flag(true),
    NETWORK_CHECKS: flag(true),
    EC2_CALLS_PER_SECOND: optional(
      z.coerce
        .number({ invalid_type_error: "must be a number of calls per second" })
        .positive("must be above 0")
        .max(100, "must be at most 100 (the whole account's EC2 Describe bucket)"),
    ),
    PREFILTER_FULL_SWEEP_EVERY: optional(
      z.coerce
        .number({ invalid_type_error: "must be a whole number of runs" })
        .int("must be a whole number of runs")
        .min(1, "must be at least 1")
        .max(1_000, "must be at most 1000"),
    ).transform((v) => v ?? DEFAULT_FULL_SWEEP_EVERY),
    PREFILTER_SWEEP: optional(z.enum(["full", "rolling"])).transform((v) => v ?? "rolling"),
    TARGET_GROUP_METRICS: flag(false),
    SNS_FORMAT: optional(z.enum(SNS_FORMATS as unknown as [SnsFormat, ...SnsFormat[]])).transform(
      (v): SnsFormat => v ?? "json",
    ),
    DOCS_BASE_URL: optional(
      z.string().regex(DOCS_BASE_URL, "must be an https:// URL (the folder holding findings.md)"),
    ),
    // Set by the Lambda runtime: where this invocation's log goes.
    AWS_LAMBDA_LOG_GROUP_NAME: optional(z.string()),
    AWS_LAMBDA_LOG_STREAM_NAME: optional(z.string()),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_WEBHOOK_PARAMETER && env.SLACK_WEBHOOK_SECRET_ARN) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["SLACK_WEBHOOK_SECRET_ARN"],
        message: "cannot be set together with SLACK_WEBHOOK_PARAMETER (choose one source)",
      });
    }
  });

export type SlackWebhookSource =
  { kind: "ssm"; name: string } | { kind: "secretsmanager"; arn: string };

export interface AuditConfig {
  clusterName: string;
  region: string;
  snsTopicArn?: string;
  slackWebhook?: SlackWebhookSource;
  /** Findings below this severity are not sent to SNS or Slack (metrics count them all). */
  minSeverity: Severity;
  /** Send a message even when no finding reaches `minSeverity`. */
  notifyWhenClean: boolean;
  metricsNamespace: string;
  slackTimeoutMs: number;
  /**
   * DynamoDB table of the alert state (lib/alerts). Unset: no state, every run sends every
   * finding at or above `minSeverity`, as before alerting existed.
   */
  alertTable?: string;
  /** An open finding is notified again after this many hours. Default 24. */
  repeatIntervalHours?: number;
  /** Slack retries of 429 and 5xx answers; defaults in lib/sinks/slack.ts. */
  slackRetry?: { maxAttempts?: number; baseDelayMs?: number; budgetMs?: number };
  /** Client-side limit on ELB API calls, shared by every call of one audit. */
  elbCallsPerSecond?: number;
  /** Read EC2 for the network checks (NET001–NET003); false for teams that grant no EC2 reads. */
  networkChecks?: boolean;
  /** Client-side limit on EC2 API calls (the network checks); default in lib/collect/ec2.ts. */
  ec2CallsPerSecond?: number;
  /**
   * Scheduled runs list target health only where CloudWatch shows unhealthy hosts (or no
   * metric, or a changed group), plus a sweep of the rest every `fullSweepEvery` runs.
   */
  prefilter?: { enabled: boolean; fullSweepEvery: number; sweep: "full" | "rolling" };
  /** Per-target-group target metrics (two custom metrics per group; README "Metric cost"). */
  targetGroupMetrics?: boolean;
  /** The SNS message's shape (lib/report/sns-format.ts); default `json`. */
  snsFormat?: SnsFormat;
  /** Links in messages: the codes' documentation and this invocation's log. */
  links?: LinkOptions;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        variable: i.path.join("."),
        message:
          i.code === "invalid_enum_value" ? `must be one of ${i.options.join(", ")}` : i.message,
      })),
    );
  }
  const e = parsed.data;
  return {
    clusterName: e.CLUSTER_NAME,
    region: e.AWS_REGION,
    ...(e.SNS_TOPIC_ARN ? { snsTopicArn: e.SNS_TOPIC_ARN } : {}),
    ...(e.SLACK_WEBHOOK_PARAMETER
      ? { slackWebhook: { kind: "ssm", name: e.SLACK_WEBHOOK_PARAMETER } as const }
      : e.SLACK_WEBHOOK_SECRET_ARN
        ? { slackWebhook: { kind: "secretsmanager", arn: e.SLACK_WEBHOOK_SECRET_ARN } as const }
        : {}),
    minSeverity: e.MIN_SEVERITY,
    notifyWhenClean: e.NOTIFY_WHEN_CLEAN,
    metricsNamespace: e.METRICS_NAMESPACE,
    slackTimeoutMs: e.SLACK_TIMEOUT_MS,
    ...(e.ALERT_TABLE_NAME ? { alertTable: e.ALERT_TABLE_NAME } : {}),
    repeatIntervalHours: e.REPEAT_INTERVAL_HOURS,
    elbCallsPerSecond: e.ELB_CALLS_PER_SECOND,
    networkChecks: e.NETWORK_CHECKS,
    ...(e.EC2_CALLS_PER_SECOND ? { ec2CallsPerSecond: e.EC2_CALLS_PER_SECOND } : {}),
    prefilter: {
      enabled: e.HEALTH_PREFILTER,
      fullSweepEvery: e.PREFILTER_FULL_SWEEP_EVERY,
      sweep: e.PREFILTER_SWEEP,
    },
    ...(e.TARGET_GROUP_METRICS ? { targetGroupMetrics: true } : {}),
    snsFormat: e.SNS_FORMAT,
    links: {
      ...(e.DOCS_BASE_URL ? { docsBaseUrl: e.DOCS_BASE_URL } : {}),
      ...(e.AWS_LAMBDA_LOG_GROUP_NAME && e.AWS_LAMBDA_LOG_STREAM_NAME
        ? {
            log: {
              group: e.AWS_LAMBDA_LOG_GROUP_NAME,
              stream: e.AWS_LAMBDA_LOG_STREAM_NAME,
              region: e.AWS_REGION,
            },
          }
        : {}),
    },
  };
}
