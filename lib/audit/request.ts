/**
 * What an invocation asks for: a scheduled run (an EventBridge or Scheduler event, recognised
 * by its source and envelope, nothing less) or a manual run with a small, strictly checked
 * payload. Anything else is refused with one bounded line naming what is wrong.
 */
import { z } from "zod";
import { CLUSTER_NAME_PATTERN, REGION_PATTERN } from "../config";

export class PayloadError extends Error {
  override name = "PayloadError";
}

const TARGET_GROUP_ARN =
  /^arn:aws[\w-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[\w-]+\/[0-9a-f]+$/;

/** What `aws lambda invoke --payload` may carry. Unknown keys are rejected to catch typos. */
export const manualPayloadSchema = z
  .object({
    clusterName: z
      .string()
      .regex(CLUSTER_NAME_PATTERN, "is not a valid EKS cluster name")
      .optional(),
    region: z.string().regex(REGION_PATTERN, "is not an AWS region").optional(),
    dryRun: z.boolean().optional(),
    targetGroupArns: z
      .array(z.string().regex(TARGET_GROUP_ARN, "is not a target group ARN"))
      .min(1, "must list at least one ARN when present")
      .optional(),
    format: z.enum(["json", "markdown"]).optional(),
  })
  .strict();

export type ManualPayload = z.infer<typeof manualPayloadSchema>;

export interface AuditRequest extends ManualPayload {
  trigger: "schedule" | "manual";
  /** The event's id of a scheduled run: the same id twice is one event delivered twice. */
  eventId?: string;
  /** The cluster's AWS account, when the caller knows it (a fleet run); never from a payload. */
  account?: string;
}

/**
 * The envelope EventBridge sends for a schedule rule (source aws.events), and that an
 * EventBridge Scheduler target is given with source aws.scheduler. Fields AWS may add later
 * pass; a field of the manual payload does not, so `dryRun` can never be silently ignored.
 */
const scheduledEventSchema = z
  .object({
    version: z.string(),
    id: z.string().regex(/^[\w.:-]{1,128}$/),
    "detail-type": z.literal("Scheduled Event"),
    source: z.enum(["aws.events", "aws.scheduler"]),
    account: z.string().regex(/^\d{12}$/),
    time: z.string().datetime({ offset: true }),
    region: z.string().regex(REGION_PATTERN),
    resources: z.array(z.string().startsWith("arn:")),
    detail: z.object({}).passthrough(),
  })
  .passthrough()
  .refine((event) => !MANUAL_ONLY.some((key) => key in event));

const MANUAL_ONLY = ["clusterName", "dryRun", "targetGroupArns", "format"] as const;

/** Error text stays short whatever the payload: 100,000 bad ARNs are one line, not megabytes. */
const MAX_PROBLEMS = 5;
const MAX_PROBLEM_CHARS = 200;
const MAX_KEYS = 10;

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

function describe(issues: z.ZodIssue[]): string {
  const problems = issues.slice(0, MAX_PROBLEMS).map((i) => {
    const field = i.path.join(".");
    if (i.code === "unrecognized_keys") {
      const more = i.keys.length > MAX_KEYS ? ` and ${i.keys.length - MAX_KEYS} more` : "";
      return `unknown field(s) ${i.keys
        .slice(0, MAX_KEYS)
        .map((k) => clip(k, 40))
        .join(", ")}${more}`;
    }
    if (i.code === "invalid_enum_value") return `${field} must be one of ${i.options.join(", ")}`;
    return field ? `${field}: ${i.message}` : i.message;
  });
  const rest = issues.length - problems.length;
  return [
    ...problems.map((p) => clip(p, MAX_PROBLEM_CHARS)),
    ...(rest > 0 ? [`${rest} more problem(s)`] : []),
  ].join("; ");
}

export function parseRequest(event: unknown): AuditRequest {
  const scheduled = scheduledEventSchema.safeParse(event);
  if (scheduled.success) return { trigger: "schedule", eventId: scheduled.data.id };
  const parsed = manualPayloadSchema.safeParse(event ?? {});
  if (!parsed.success) throw new PayloadError(`Invalid payload: ${describe(parsed.error.issues)}`);
  return { trigger: "manual", ...parsed.data };
}
