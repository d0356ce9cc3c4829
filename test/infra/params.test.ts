/**
 * Deploy-time checks of the stack's parameters: every parameter against its rule, through the
 * same function the osls plugin calls with serverless.yml's own defaults and environment; then
 * `osls package` itself, which must stop before building with one line naming the parameter.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkService } from "../../infra/deploy/index";
import { resolveParams } from "../../infra/deploy/params";
import { packageService } from "./osls";

const SERVICE = readFileSync("serverless.yml", "utf8");
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";

/** `params.default` of serverless.yml (flat `name: value` lines). */
const DEFAULTS = Object.fromEntries(
  [...SERVICE.split("\nprovider:")[0]!.matchAll(/^ {4}(\w+): (.*)$/gm)].map(([, k, v]) => [
    k!,
    v!.replace(/^"(.*)"$/, "$1"),
  ]),
);
/** `provider.environment` entries that carry a parameter, as written. */
const ENVIRONMENT = Object.fromEntries(
  [...SERVICE.matchAll(/^ {4}([A-Z0-9_]+): (\$\{param:\w+\})$/gm)].map(([, k, v]) => [k!, v!]),
);

const check = (cli: Record<string, string>, region = "eu-west-1") =>
  checkService({
    cli: Object.entries(cli).map(([k, v]) => `${k}=${v}`),
    config: { default: DEFAULTS },
    stage: "prod",
    region,
    environment: ENVIRONMENT,
  });
const ok = { clusterName: "shop-prod" };

describe("checkService", () => {
  it("reads serverless.yml's defaults and environment", () => {
    expect(DEFAULTS).toMatchObject({
      minSeverity: "warning",
      timeout: "300",
      alarmTopic: "findings",
    });
    expect(ENVIRONMENT).toMatchObject({
      CLUSTER_NAME: "${param:clusterName}",
      SLACK_WEBHOOK_PARAMETER: "${param:slackWebhookParameter}",
    });
  });

  it("accepts a fleet without a cluster name of its own, and names a fleet's problem in one line", () => {
    expect(check({ fleet: "infra/fleet.example.yml" })).toEqual([]);
    expect(
      check({ fleetParameter: "/alb-health-auditor/fleet", fleetMaxConcurrency: "8" }),
    ).toEqual([]);
    expect(check({ fleet: "infra/nope.yml" })).toEqual([
      "--param fleet=infra/nope.yml names a file that cannot be read",
    ]);
    expect(check({ fleetParameter: "/f", fleetWorkerTimeout: "20" })).toEqual([
      "--param fleetWorkerTimeout=20 must be a whole number from 60 to 900",
    ]);
    expect(check({ fleetMaxConcurency: "3", fleet: "infra/fleet.example.yml" })).toEqual([
      "--param fleetMaxConcurency is not a parameter of this stack; did you mean fleetMaxConcurrency?",
    ]);
  });

  it("accepts the defaults with a cluster name, and each optional feature", () => {
    expect(check(ok)).toEqual([]);
    expect(
      check({
        ...ok,
        scheduleRate: "cron(0/10 * * * ? *)",
        slackWebhookSecretArn: SECRET,
        alarmTopic: "operations",
        operationsEmail: "platform@example.com",
        criticalFindingAlarm: "TRUE",
        targetGroupMetrics: "1",
        memorySize: "512",
        timeout: "120",
        logLevel: "debug",
        snsFormat: "chatbot",
        docsBaseUrl: "https://github.com/acme/alb-health-auditor/blob/main/docs",
      }),
    ).toEqual([]);
    expect(check({ ...ok, snsFormat: "email" })).toEqual([]);
    expect(check({ ...ok, scheduleRate: "rate(1 minute)" })).toEqual([]);
    expect(check({ ...ok, alarmTopic: "arn:aws:sns:eu-west-1:111122223333:ops" })).toEqual([]);
  });

  it.each([
    [{}, "--param clusterName is required (the EKS cluster to audit)"],
    [
      { ...ok, minSeverity: "bogus" },
      "--param minSeverity=bogus must be one of critical, warning, info",
    ],
    [
      { ...ok, slackWebhookParameter: "/alb/slack", slackWebhookSecretArn: SECRET },
      "--param slackWebhookSecretArn cannot be set together with slackWebhookParameter (choose one source)",
    ],
    [
      { ...ok, slackWebhookParameter: "alb/slack" },
      "--param slackWebhookParameter must be an SSM parameter path starting with /",
    ],
    [{ clusterName: "shop prod" }, "--param clusterName=shop prod is not a valid EKS cluster name"],
    [{ ...ok, notifyWhenClean: "yes" }, '--param notifyWhenClean=yes must be "true" or "false"'],
    [
      { ...ok, metricsNamespace: "a b" },
      "--param metricsNamespace=a b is not a CloudWatch namespace",
    ],
    [{ ...ok, repeatIntervalHours: "0" }, "--param repeatIntervalHours=0 must be above 0"],
    [
      { ...ok, elbCallsPerSecond: "50" },
      "--param elbCallsPerSecond=50 must be at most 40 (the whole account's ELB API bucket)",
    ],
    [{ ...ok, healthPrefilter: "on" }, '--param healthPrefilter=on must be "true" or "false"'],
    [
      { ...ok, prefilterFullSweepEvery: "0" },
      "--param prefilterFullSweepEvery=0 must be at least 1",
    ],
    [{ ...ok, prefilterSweep: "half" }, "--param prefilterSweep=half must be one of full, rolling"],
    [{ ...ok, snsFormat: "slack" }, "--param snsFormat=slack must be one of json, chatbot, email"],
    [
      { ...ok, docsBaseUrl: "github.com/acme" },
      "--param docsBaseUrl=github.com/acme must be an https:// URL (the folder holding findings.md)",
    ],
    [
      { ...ok, targetGroupMetrics: "maybe" },
      '--param targetGroupMetrics=maybe must be "true" or "false"',
    ],
    [
      { ...ok, scheduleRate: "rate(1 minutes)" },
      "--param scheduleRate=rate(1 minutes) must be an EventBridge rate(...) or cron(...) expression",
    ],
    [
      { ...ok, scheduleRate: "cron(0 12 * * ?)" },
      "--param scheduleRate=cron(0 12 * * ?) must be an EventBridge rate(...) or cron(...) expression",
    ],
    [
      { ...ok, scheduleEnabled: "maybe" },
      '--param scheduleEnabled=maybe must be "true" or "false"',
    ],
    [
      { ...ok, alertEmail: "oncall" },
      "--param alertEmail=oncall must be an e-mail address, or empty for none",
    ],
    [
      { ...ok, logLevel: "LOUD" },
      "--param logLevel=LOUD must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
    ],
    [
      { ...ok, memorySize: "64" },
      "--param memorySize=64 must be a whole number of MB from 128 to 10240",
    ],
    [
      { ...ok, timeout: "15m" },
      "--param timeout=15m must be a whole number of seconds from 10 to 900",
    ],
    [{ ...ok, errorsAlarm: "no" }, '--param errorsAlarm=no must be "true" or "false"'],
    [
      { ...ok, durationAlarmPercent: "120" },
      "--param durationAlarmPercent=120 must be a whole number of percent from 1 to 100",
    ],
    [
      { ...ok, alarmTopic: "ops" },
      '--param alarmTopic=ops must be "findings", "operations" or an SNS topic ARN',
    ],
    [
      { ...ok, alarmTopic: "arn:aws:sns:us-east-1:111122223333:ops" },
      "--param alarmTopic=arn:aws:sns:us-east-1:111122223333:ops must be a topic in eu-west-1: CloudWatch alarms notify their own region",
    ],
    [
      { ...ok, operationsEmail: "platform@example.com" },
      "--param operationsEmail=platform@example.com needs --param alarmTopic=operations (the topic it subscribes to)",
    ],
    [{ ...ok, dashboard: "yes" }, '--param dashboard=yes must be "true" or "false"'],
    [
      { ...ok, minSeverty: "critical" },
      "--param minSeverty is not a parameter of this stack; did you mean minSeverity?",
    ],
    [
      { ...ok, webhook: "x" },
      "--param webhook is not a parameter of this stack (see infra/README.md)",
    ],
  ])("%j: %s", (params, line) => {
    expect(check(params)).toEqual([line]);
  });

  it("names a bad region once", () => {
    expect(check(ok, "Ireland")).toEqual(["--region Ireland is not an AWS region"]);
  });

  it("names every bad parameter, one line each", () => {
    expect(check({ minSeverity: "high", timeout: "0" })).toEqual([
      "--param timeout=0 must be a whole number of seconds from 10 to 900",
      "--param clusterName is required (the EKS cluster to audit)",
      "--param minSeverity=high must be one of critical, warning, info",
    ]);
  });

  it("never echoes a Slack source's value: it may be a pasted webhook URL", () => {
    const url = "https://hooks.slack.com/services/T0AUDIT/B0AUDIT/s3cr3t";
    const problems = check({ ...ok, slackWebhookParameter: url, slackWebhookSecretArn: url });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).not.toContain("s3cr3t");
  });
});

describe("resolveParams", () => {
  it("takes --param first, then the stage's params, then the defaults, as osls does", () => {
    const params = resolveParams({
      cli: ["clusterName=from-cli", "scheduleRate=rate(10 minutes)  ", "broken"],
      config: {
        prod: { clusterName: "from-stage", minSeverity: "critical", alertEmail: null },
        default: { minSeverity: "warning", alertEmail: "", timeout: 300 },
      },
      stage: "prod",
    });
    expect(Object.fromEntries(params)).toEqual({
      clusterName: "from-cli",
      scheduleRate: "rate(10 minutes)",
      minSeverity: "critical",
      alertEmail: "",
      timeout: "300",
    });
  });
});

describe("osls package with a bad parameter", () => {
  it.concurrent.each([
    [{}, "--param clusterName is required (the EKS cluster to audit)"],
    [
      { clusterName: "shop-prod", minSeverity: "bogus" },
      "--param minSeverity=bogus must be one of critical, warning, info",
    ],
    [
      {
        clusterName: "shop-prod",
        slackWebhookParameter: "/alb/slack",
        slackWebhookSecretArn: SECRET,
      },
      "--param slackWebhookSecretArn cannot be set together with slackWebhookParameter (choose one source)",
    ],
    [
      { clusterName: "shop-prod", slackWebhookParameter: "alb/slack" },
      "--param slackWebhookParameter must be an SSM parameter path starting with /",
    ],
  ])(
    "%j fails before building, with one line naming the parameter",
    async (params, line) => {
      const result = await packageService(params);
      expect(result.code).not.toBe(0);
      const output = `${result.stdout}\n${result.stderr}`;
      const lines = output.split("\n").map((l) => l.trim());
      expect(lines).toContain(line);
      expect(lines.filter((l) => l.startsWith("--param") || l.startsWith("--region"))).toHaveLength(
        1,
      );
      // osls's own "Value not found" never comes: the check runs before variables resolve.
      expect(output).not.toContain("Value not found");
      expect(output).not.toMatch(/^\s+at /m);
      expect(existsSync(join(result.dir, ".serverless"))).toBe(false);
      expect(existsSync(join(result.dir, ".esbuild"))).toBe(false);
    },
    300_000,
  );
});
