import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lib/config";

const base = { CLUSTER_NAME: "shop-prod", AWS_REGION: "eu-west-1" };
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";

describe("loadConfig", () => {
  it("applies defaults and leaves unset sinks out", () => {
    expect(loadConfig(base)).toEqual({
      clusterName: "shop-prod",
      region: "eu-west-1",
      minSeverity: "warning",
      notifyWhenClean: false,
      metricsNamespace: "AlbHealthAuditor",
      slackTimeoutMs: 5_000,
      repeatIntervalHours: 24,
      elbCallsPerSecond: 5,
      networkChecks: true,
      prefilter: { enabled: true, fullSweepEvery: 12, sweep: "rolling" },
      snsFormat: "json",
      links: {},
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      ...base,
      SNS_TOPIC_ARN: TOPIC,
      SLACK_WEBHOOK_SECRET_ARN: SECRET,
      MIN_SEVERITY: "critical",
      NOTIFY_WHEN_CLEAN: "TRUE",
      METRICS_NAMESPACE: "Platform/AlbAudit",
      SLACK_TIMEOUT_MS: "2500",
      ALERT_TABLE_NAME: "alb-health-auditor-prod-alerts",
      REPEAT_INTERVAL_HOURS: "0.5",
      ELB_CALLS_PER_SECOND: "2.5",
      HEALTH_PREFILTER: "false",
      PREFILTER_FULL_SWEEP_EVERY: "4",
      PREFILTER_SWEEP: "full",
      TARGET_GROUP_METRICS: "true",
      SNS_FORMAT: "chatbot",
      DOCS_BASE_URL: "https://github.com/acme/alb-health-auditor/blob/main/docs",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fn",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/01/[$LATEST]ab",
      NETWORK_CHECKS: "false",
      EC2_CALLS_PER_SECOND: "4",
    });
    expect(config).toEqual({
      clusterName: "shop-prod",
      region: "eu-west-1",
      snsTopicArn: TOPIC,
      slackWebhook: { kind: "secretsmanager", arn: SECRET },
      minSeverity: "critical",
      notifyWhenClean: true,
      metricsNamespace: "Platform/AlbAudit",
      slackTimeoutMs: 2_500,
      alertTable: "alb-health-auditor-prod-alerts",
      repeatIntervalHours: 0.5,
      elbCallsPerSecond: 2.5,
      networkChecks: false,
      ec2CallsPerSecond: 4,
      prefilter: { enabled: false, fullSweepEvery: 4, sweep: "full" },
      targetGroupMetrics: true,
      snsFormat: "chatbot",
      links: {
        docsBaseUrl: "https://github.com/acme/alb-health-auditor/blob/main/docs",
        log: { group: "/aws/lambda/fn", stream: "2026/12/01/[$LATEST]ab", region: "eu-west-1" },
      },
    });
  });

  it("treats the empty strings of unset serverless params as absent", () => {
    const config = loadConfig({
      ...base,
      SLACK_WEBHOOK_PARAMETER: "/alb-health-auditor/slack-webhook",
      SLACK_WEBHOOK_SECRET_ARN: "",
      MIN_SEVERITY: " ",
    });
    expect(config.slackWebhook).toEqual({ kind: "ssm", name: "/alb-health-auditor/slack-webhook" });
    expect(config.minSeverity).toBe("warning");
  });

  it("names every problem in one ConfigError", () => {
    const attempt = () =>
      loadConfig({
        AWS_REGION: "eu-west-1",
        SNS_TOPIC_ARN: "alb-findings",
        SLACK_WEBHOOK_PARAMETER: "slack-webhook",
        NOTIFY_WHEN_CLEAN: "yes",
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      "Invalid configuration: CLUSTER_NAME is required (the EKS cluster to audit); " +
        "SNS_TOPIC_ARN is not an SNS topic ARN; " +
        "SLACK_WEBHOOK_PARAMETER must be an SSM parameter path starting with /; " +
        'NOTIFY_WHEN_CLEAN must be "true" or "false"',
    );
    // Each problem also on its own, for the deployment's check to name the parameter.
    expect(() => attempt()).toThrow(
      expect.objectContaining({
        problems: [
          { variable: "CLUSTER_NAME", message: "is required (the EKS cluster to audit)" },
          { variable: "SNS_TOPIC_ARN", message: "is not an SNS topic ARN" },
          {
            variable: "SLACK_WEBHOOK_PARAMETER",
            message: "must be an SSM parameter path starting with /",
          },
          { variable: "NOTIFY_WHEN_CLEAN", message: 'must be "true" or "false"' },
        ],
      }),
    );
  });

  it("refuses an ELB rate above the account's bucket and a broken sweep setting", () => {
    expect(() =>
      loadConfig({ ...base, ELB_CALLS_PER_SECOND: "50", PREFILTER_FULL_SWEEP_EVERY: "0.5" }),
    ).toThrow(
      /ELB_CALLS_PER_SECOND must be at most 40.*PREFILTER_FULL_SWEEP_EVERY must be a whole number of runs/,
    );
  });

  it("refuses two Slack sources", () => {
    expect(() =>
      loadConfig({ ...base, SLACK_WEBHOOK_PARAMETER: "/a/b", SLACK_WEBHOOK_SECRET_ARN: SECRET }),
    ).toThrow("SLACK_WEBHOOK_SECRET_ARN cannot be set together with SLACK_WEBHOOK_PARAMETER");
  });

  it.each([
    [{ CLUSTER_NAME: "shop prod" }, "CLUSTER_NAME is not a valid EKS cluster name"],
    [{ AWS_REGION: "Ireland" }, "AWS_REGION is not an AWS region"],
    [{ MIN_SEVERITY: "high" }, "MIN_SEVERITY must be one of critical, warning, info"],
    [{ SLACK_TIMEOUT_MS: "0" }, "SLACK_TIMEOUT_MS"],
    [{ ALERT_TABLE_NAME: "a b" }, "ALERT_TABLE_NAME is not a DynamoDB table name"],
    [{ REPEAT_INTERVAL_HOURS: "0" }, "REPEAT_INTERVAL_HOURS must be above 0"],
    [{ REPEAT_INTERVAL_HOURS: "daily" }, "REPEAT_INTERVAL_HOURS must be a number of hours"],
    [{ SNS_FORMAT: "slack" }, "SNS_FORMAT must be one of json, chatbot, email"],
    [{ DOCS_BASE_URL: "github.com/acme/docs" }, "DOCS_BASE_URL must be an https:// URL"],
  ])("rejects %j", (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
