/**
 * The stack's parameters (`--param name=value`), checked as osls loads the service: before any
 * variable is resolved and before anything is built, so a bad value fails `osls package` or
 * `osls deploy` with one line per problem, naming the parameter and what it must be.
 *
 * A parameter that reaches the function's environment is checked by lib/config's loadConfig,
 * the check the function itself runs, so packaging accepts exactly what the function will. The
 * others (schedule, sizing, alarms, dashboard) are checked here.
 */
import { z } from "zod";
import { ConfigError, loadConfig } from "../../lib/config";
import { fleetProblems, isFleet } from "./fleet";

/** Where osls takes a parameter from: `--param`, then `params.<stage>`, then `params.default`. */
export interface ParamSources {
  cli?: readonly string[];
  config?: Record<string, Record<string, unknown> | null | undefined>;
  stage: string;
}

/** The values osls will substitute for `${param:...}`, resolved as osls resolves them. */
export function resolveParams({ cli, config, stage }: ParamSources): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of cli ?? []) {
    // osls's own format; a malformed item is osls's to report.
    const match = /^([^=]+)=(.+)$/s.exec(item);
    if (match) out.set(match[1]!, match[2]!.trimEnd());
  }
  for (const level of [stage, "default"]) {
    for (const [name, value] of Object.entries(config?.[level] ?? {})) {
      if (value != null && !out.has(name)) out.set(name, String(value));
    }
  }
  return out;
}

/** `provider.environment` as written: the parameter each `${param:name}` variable carries. */
export function environmentParams(environment: Record<string, unknown> | undefined) {
  const byVariable = new Map<string, string>();
  for (const [variable, value] of Object.entries(environment ?? {})) {
    const match = typeof value === "string" ? /^\$\{param:([\w-]+)\}$/.exec(value) : null;
    if (match) byVariable.set(variable, match[1]!);
  }
  return byVariable;
}

const flag = z.string().regex(/^(true|false|1|0)$/i, 'must be "true" or "false"');
const wholeNumber = (min: number, max: number, unit: string) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number of ${unit} from ${min} to ${max}`)
    .refine((v) => Number(v) >= min && Number(v) <= max, {
      message: `must be a whole number of ${unit} from ${min} to ${max}`,
    });
const email = z
  .string()
  .regex(/^$|^[^@\s]+@[^@\s]+\.[^@\s]+$/, "must be an e-mail address, or empty for none");
const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}$/;

/** EventBridge's schedule syntax: `rate(1 minute)`, `rate(5 minutes)`, six-field `cron(...)`. */
function isSchedule(value: string): boolean {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(value);
  if (rate) return Number(rate[1]) > 0 && (rate[3] === "s") === (Number(rate[1]) !== 1);
  const cron = /^cron\((.+)\)$/.exec(value);
  return cron !== null && cron[1]!.trim().split(/\s+/).length === 6;
}

/** The parameters that do not reach the function's environment, or that lib/config ignores. */
const DEPLOY_PARAMS = {
  scheduleRate: z
    .string()
    .refine(isSchedule, "must be an EventBridge rate(...) or cron(...) expression"),
  scheduleEnabled: flag,
  alertEmail: email,
  logLevel: z
    .string()
    .regex(
      /^(TRACE|DEBUG|INFO|WARN|ERROR|CRITICAL|SILENT)$/i,
      "must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
    ),
  memorySize: wholeNumber(128, 10_240, "MB"),
  timeout: wholeNumber(10, 900, "seconds"),
  errorsAlarm: flag,
  durationAlarm: flag,
  durationAlarmPercent: wholeNumber(1, 100, "percent"),
  sinkFailuresAlarm: flag,
  criticalFindingAlarm: flag,
  alarmTopic: z
    .string()
    .regex(
      new RegExp(`^(findings|operations)$|${SNS_TOPIC_ARN.source}`),
      'must be "findings", "operations" or an SNS topic ARN',
    ),
  operationsEmail: email,
  dashboard: flag,
  // Fleet mode: checked together, with the fleet definition, by ./fleet.
  fleet: z.string(),
  fleetParameter: z.string(),
  fleetMemberRoleName: z.string(),
  fleetMaxConcurrency: z.string(),
  fleetWorkerTimeout: z.string(),
  fleetSummaryMessage: z.string(),
} satisfies Record<string, z.ZodTypeAny>;

export const REQUIRED_PARAMS = ["clusterName"] as const;

/** Parameters whose value may be a pasted credential (a webhook URL): never echoed. */
const UNECHOED = new Set(["slackWebhookParameter", "slackWebhookSecretArn"]);

export interface ParamCheck {
  params: Map<string, string>;
  /** provider.environment as written (see environmentParams). */
  environment: Record<string, unknown> | undefined;
  /** The region being deployed to (`--region` or provider.region). */
  region: string;
}

/** Every problem, one line each; empty when the parameters are good. */
export function checkParams({ params, environment, region }: ParamCheck): string[] {
  const byVariable = environmentParams(environment);
  const known = new Set<string>([
    ...Object.keys(DEPLOY_PARAMS),
    ...byVariable.values(),
    ...REQUIRED_PARAMS,
  ]);
  const problems: string[] = [];
  const say = (name: string, message: string) => {
    const value = params.get(name);
    const shown = !value || UNECHOED.has(name) ? "" : `=${value}`;
    problems.push(`--param ${name}${shown} ${message}`);
  };

  for (const name of params.keys()) {
    if (known.has(name)) continue;
    const near = closest(name, [...known]);
    problems.push(
      `--param ${name} is not a parameter of this stack${near ? `; did you mean ${near}?` : " (see infra/README.md)"}`,
    );
  }

  for (const [name, schema] of Object.entries(DEPLOY_PARAMS)) {
    const value = params.get(name);
    if (value === undefined) continue;
    const parsed = (schema as z.ZodTypeAny).safeParse(value);
    if (!parsed.success) say(name, parsed.error.issues[0]!.message);
  }

  // What the function will read, checked by the function's own rules.
  const env: Record<string, string | undefined> = { AWS_REGION: region };
  for (const [variable, name] of byVariable) env[variable] = params.get(name);
  // A fleet names its clusters in its definition: no clusterName of its own is needed.
  if (isFleet(params) && !params.get("clusterName")) env.CLUSTER_NAME = "fleet";
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const { variable, message } of error.problems) {
      const name = byVariable.get(variable);
      if (variable === "AWS_REGION") problems.push(`--region ${region} ${message}`);
      else if (name) say(name, paramNames(message, byVariable));
    }
  }
  const topic = params.get("alarmTopic");
  const topicRegion = topic ? SNS_TOPIC_ARN.exec(topic)?.[1] : undefined;
  if (topicRegion && topicRegion !== region) {
    say("alarmTopic", `must be a topic in ${region}: CloudWatch alarms notify their own region`);
  }
  problems.push(...fleetProblems(params));
  if (params.get("operationsEmail") && topic !== "operations") {
    say("operationsEmail", "needs --param alarmTopic=operations (the topic it subscribes to)");
  }
  return problems;
}

/** lib/config's messages name variables; the person deploying knows the parameters. */
function paramNames(message: string, byVariable: Map<string, string>): string {
  let out = message;
  for (const [variable, name] of byVariable) out = out.replaceAll(variable, name);
  return out;
}

/** The known name a typo most likely meant (at most 3 edits away). */
function closest(name: string, known: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 3 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
