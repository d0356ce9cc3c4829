/**
 * The handler end to end: real middy stack, real analysis, SNS/SSM/Secrets Manager through
 * aws-sdk-client-mock, Slack through a local HTTP server, logs and EMF captured from stdout.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, type AuditDeps } from "../../functions/audit";
import type { AuditReport } from "../../lib/analyze/finding";
import type { CollectOptions } from "../../lib/collect/index";
import type { AuditConfig } from "../../lib/config";
import type { SlackMessage } from "../../lib/report/slack";
import type { Snapshot } from "../../lib/snapshot/schema";
import {
  CLUSTER,
  GW_TG_ARN,
  NODES,
  REGION,
  healthyInstanceGatewayInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";
import {
  captureOutput,
  lambdaContext,
  scheduledEvent,
  startSlackStub,
  steppingClock,
  type Captured,
  type SlackStub,
  testConfig,
} from "./harness";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";
const PARAMETER = "/alb-health-auditor/slack-webhook";

/**
 * The gateway target group checked on its traffic port, as the Service annotation now asks
 * (so the annotation was applied): every node fails, HC001 critical and nothing else.
 */
const brokenGateway = (): Snapshot =>
  snapshotOf(healthyInstanceGatewayInput(), (i) => {
    k8s(i).services[0]!.metadata.annotations!["alb.ingress.kubernetes.io/healthcheck-port"] =
      "traffic-port";
    const tg = tgs(i)[0]!;
    tg.HealthCheckPort = "traffic-port";
    tg.TargetHealthDescriptions = NODES.map((n) =>
      target(n.id, 31246, "unhealthy", "Target.ResponseCodeMismatch", "codes: [404]"),
    );
  });

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);

let slack: SlackStub;
let output: Captured;
let collected: CollectOptions[];

function config(overrides: Partial<AuditConfig> = {}): AuditConfig {
  return testConfig({
    snsTopicArn: TOPIC,
    slackWebhook: { kind: "ssm", name: PARAMETER },
    slackRetry: { baseDelayMs: 10 },
    ...overrides,
  });
}

function handlerWith(snapshot: Snapshot, overrides: Partial<AuditDeps> = {}) {
  return createHandler({
    config: config(),
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    collect: async (options) => {
      collected.push(options);
      options.onApiCalls?.({ elb: 7, ec2: 4 });
      return snapshot;
    },
    clients: {
      sns: new SNSClient({ region: REGION }),
      ssm: new SSMClient({ region: REGION }),
      secrets: new SecretsManagerClient({ region: REGION }),
      fetch: (input, init) => fetch(input, init),
    },
    now: steppingClock(1_700_000_000_000, 1_234),
    ...overrides,
  });
}

const publishes = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const emfMetric = (name: string, dims: Record<string, string>) =>
  output
    .emf()
    .filter((doc) => Object.entries(dims).every(([k, v]) => doc[k] === v))
    .filter((doc) => {
      const meta = (doc._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] })
        .CloudWatchMetrics[0]!;
      return meta.Dimensions[0]!.length === Object.keys(dims).length;
    })
    .map((doc) => doc[name])
    .filter((v) => v !== undefined);

beforeEach(async () => {
  sns.reset();
  ssm.reset();
  secrets.reset();
  sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
  slack = await startSlackStub();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: slack.url } });
  collected = [];
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  await slack.close();
});

describe("scheduled audit", () => {
  it("collects, analyses, publishes to SNS and Slack and writes EMF metrics", async () => {
    const report = (await handlerWith(brokenGateway())(
      scheduledEvent,
      lambdaContext(),
    )) as AuditReport;

    expect(collected).toEqual([expect.objectContaining({ clusterName: CLUSTER, region: REGION })]);
    expect(collected[0]!.targetGroupArns).toBeUndefined();
    expect(report.findings.map((f) => [f.code, f.severity, f.targetGroupArn])).toEqual([
      ["HC001", "critical", GW_TG_ARN],
    ]);

    // SNS: one message, attributes a filter policy can match, the findings in the body.
    expect(publishes()).toHaveLength(1);
    const published = publishes()[0]!;
    expect(published.TopicArn).toBe(TOPIC);
    expect(published.MessageAttributes).toEqual({
      // Without alert state too, a filter policy on `event` sees the message.
      event: { DataType: "String", StringValue: "open" },
      severity: { DataType: "String", StringValue: "critical" },
      cluster: { DataType: "String", StringValue: CLUSTER },
      region: { DataType: "String", StringValue: REGION },
      codes: { DataType: "String.Array", StringValue: '["HC001"]' },
      findings: { DataType: "Number", StringValue: "1" },
    });
    const body = JSON.parse(published.Message!) as AuditReport;
    expect(body.findings.map((f) => f.fingerprint)).toEqual(
      report.findings.map((f) => f.fingerprint),
    );
    expect(body.summary).toEqual(report.summary);

    // Slack: read the URL with decryption, post once, within Block Kit limits.
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: PARAMETER,
      WithDecryption: true,
    });
    expect(slack.bodies).toHaveLength(1);
    const message = slack.bodies[0] as SlackMessage;
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.blocks[0]!.type).toBe("header");
    const sections = message.blocks.filter((b) => b.type === "section");
    // The fix follows its finding in a section of its own.
    const hc001 = sections.findIndex((b) => "text" in b && b.text.text.includes("HC001"));
    const fix = sections[hc001 + 1];
    expect(fix && "text" in fix && fix.text.text).toMatch(/^\*Fix:\*\n```/);
    for (const s of sections) {
      if ("text" in s) expect(s.text.text.length).toBeLessThanOrEqual(3000);
    }

    // Metrics as EMF, in the namespace, with the Cluster dimension.
    expect(output.emf().length).toBeGreaterThan(0);
    for (const doc of output.emf()) {
      const meta = (doc._aws as { CloudWatchMetrics: { Namespace: string }[] })
        .CloudWatchMetrics[0]!;
      expect(meta.Namespace).toBe("AlbHealthAuditor");
      expect(doc.Cluster).toBe(CLUSTER);
      expect(doc).not.toHaveProperty("service");
    }
    expect(
      emfMetric("Findings", { Cluster: CLUSTER, Severity: "critical", Code: "HC001" }),
    ).toEqual([1]);
    expect(emfMetric("Findings", { Cluster: CLUSTER, Severity: "critical" })).toEqual([1]);
    expect(emfMetric("Findings", { Cluster: CLUSTER, Severity: "warning" })).toEqual([0]);
    // Per-target-group metrics cost two custom metrics a group: off unless configured.
    expect(output.emf().filter((doc) => "TargetGroup" in doc)).toEqual([]);
    expect(emfMetric("AuditDurationMs", { Cluster: CLUSTER })).toEqual([1_234]);
    expect(emfMetric("ElbApiCalls", { Cluster: CLUSTER })).toEqual([7]);
    expect(emfMetric("Ec2ApiCalls", { Cluster: CLUSTER })).toEqual([4]);
    expect(emfMetric("CollectionGaps", { Cluster: CLUSTER })).toEqual([0]);
    expect(emfMetric("SinkFailures", { Cluster: CLUSTER })).toEqual([0]);

    // Structured logs, and never the webhook URL.
    const logs = output.json().filter((o) => "message" in o);
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(["audit started", "published to SNS", "posted to Slack"]),
    );
    expect(logs.find((l) => l.message === "audit started")).toMatchObject({
      cluster: CLUSTER,
      function_request_id: lambdaContext().awsRequestId,
      trigger: "schedule",
    });
    expect(output.text()).not.toContain(slack.secretPath);
    expect(output.text()).not.toContain("s3cr3t");
  });

  it("stays quiet on SNS and Slack when nothing reaches MIN_SEVERITY, but still counts", async () => {
    await handlerWith(snapshotOf(healthyInstanceGatewayInput()), {
      config: config({ targetGroupMetrics: true }),
    })(scheduledEvent, lambdaContext());

    expect(publishes()).toHaveLength(0);
    expect(slack.bodies).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    const tgDims = { Cluster: CLUSTER, TargetGroup: "k8s-istiosys-gw-1234567890" };
    expect(emfMetric("HealthyTargets", tgDims)).toEqual([3]);
    expect(emfMetric("Findings", { Cluster: CLUSTER, Severity: "critical" })).toEqual([0]);
  });

  it("sends the all-clear when NOTIFY_WHEN_CLEAN is on", async () => {
    await handlerWith(snapshotOf(healthyInstanceGatewayInput()), {
      config: config({ notifyWhenClean: true }),
    })(scheduledEvent, lambdaContext());

    expect(publishes()).toHaveLength(1);
    expect(publishes()[0]!.MessageAttributes).not.toHaveProperty("codes");
    expect(publishes()[0]!.MessageAttributes!.severity!.StringValue).toBe("none");
    expect(slack.bodies).toHaveLength(1);
  });
});

describe("message formats from the configuration", () => {
  it("publishes SNS_FORMAT's shape and DOCS_BASE_URL's links, with every attribute", async () => {
    await handlerWith(brokenGateway(), {
      config: config({
        snsFormat: "chatbot",
        links: { docsBaseUrl: "https://example.com/docs" },
      }),
    })(scheduledEvent, lambdaContext());

    expect(publishes()).toHaveLength(1);
    const published = publishes()[0]!;
    expect(published.MessageStructure).toBe("json");
    const notice = JSON.parse(JSON.parse(published.Message!).default) as {
      content: { nextSteps: string[] };
    };
    expect(notice.content.nextSteps).toContain(
      "What HC001 means: https://example.com/docs/findings.md#hc001",
    );
    expect(published.MessageAttributes).toMatchObject({
      event: { StringValue: "open" },
      severity: { StringValue: "critical" },
      cluster: { StringValue: CLUSTER },
      findings: { StringValue: "1" },
    });
    const message = slack.bodies[0] as SlackMessage;
    expect(JSON.stringify(message.blocks)).toContain("https://example.com/docs/findings.md#hc001");
  });
});

describe("network checks switch", () => {
  it("reads EC2 by default and not with NETWORK_CHECKS=false, at EC2_CALLS_PER_SECOND", async () => {
    const healthy = snapshotOf(healthyInstanceGatewayInput());
    await handlerWith(healthy)(scheduledEvent, lambdaContext());
    await handlerWith(healthy, {
      config: config({ networkChecks: false, ec2CallsPerSecond: 3 }),
    })(scheduledEvent, lambdaContext());
    expect(collected.map((o) => [o.network, o.ec2CallsPerSecond])).toEqual([
      [undefined, undefined],
      [false, 3],
    ]);
  });
});

describe("manual payload", () => {
  it("passes cluster, region and target groups to the collector", async () => {
    const other = "arn:aws:elasticloadbalancing:us-east-2:111122223333:targetgroup/k8s-x/0123abcd";
    await handlerWith(brokenGateway())(
      { clusterName: "shop-staging", region: "us-east-2", targetGroupArns: [other] },
      lambdaContext(),
    );
    expect(collected).toEqual([
      expect.objectContaining({
        clusterName: "shop-staging",
        region: "us-east-2",
        targetGroupArns: [other],
      }),
    ]);
  });

  it("returns the report with its markdown rendering on format markdown", async () => {
    const result = (await handlerWith(brokenGateway())(
      { format: "markdown" },
      lambdaContext(),
    )) as { report: AuditReport; markdown: string };
    expect(result.report.findings[0]!.code).toBe("HC001");
    expect(result.markdown).toContain("HC001");
    expect(result.markdown).toContain(result.report.findings[0]!.fingerprint);
  });

  it("links the markdown's codes to DOCS_BASE_URL", async () => {
    const docsBaseUrl = "https://github.com/acme/alb-health-auditor/blob/main/docs";
    const result = (await handlerWith(brokenGateway(), {
      config: config({ links: { docsBaseUrl } }),
    })({ format: "markdown" }, lambdaContext())) as { markdown: string };
    expect(result.markdown).toContain(
      `**What HC001 means:** [docs/findings.md#hc001](${docsBaseUrl}/findings.md#hc001)`,
    );
  });

  it("publishes nothing and writes no metric on a dry run", async () => {
    const report = (await handlerWith(brokenGateway())(
      { dryRun: true },
      lambdaContext(),
    )) as AuditReport;
    expect(report.summary.bySeverity.critical).toBe(1);
    expect(publishes()).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(slack.bodies).toHaveLength(0);
    expect(output.emf()).toHaveLength(0);
  });

  it.each([
    [{ dryRun: "yes" }, /dryRun: Expected boolean, received string/],
    [{ format: "html" }, /format must be one of json, markdown/],
    [{ targetGroupArns: ["k8s-shop-cart"] }, /targetGroupArns\.0: is not a target group ARN/],
    [{ dryrun: true }, /unknown field\(s\) dryrun/],
    [{ region: "Ireland" }, /region: is not an AWS region/],
    ["audit please", /Expected object, received string/],
    // Shaped like a schedule but no EventBridge event: dryRun must not be skipped silently.
    [{ "detail-type": "Scheduled Event", dryRun: true, clusterName: "other" }, /unknown field/],
    [{ ...scheduledEvent, dryRun: true }, /unknown field\(s\) version/],
  ])("rejects %j with an error naming the field, before anything runs", async (event, message) => {
    const run = handlerWith(brokenGateway())(event, lambdaContext());
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toMatchObject({ name: "PayloadError" });
    expect(collected).toHaveLength(0);
    expect(publishes()).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(slack.bodies).toHaveLength(0);
    expect(output.emf()).toHaveLength(0);
  });
});

describe("payload checks", () => {
  it("keeps the error short whatever the payload (100,000 bad ARNs)", async () => {
    const targetGroupArns = Array.from({ length: 100_000 }, (_, i) => `not-an-arn-${i}`);
    const run = handlerWith(brokenGateway())({ targetGroupArns }, lambdaContext());
    await expect(run).rejects.toMatchObject({ name: "PayloadError" });
    const message = await run.then(
      () => "",
      (e: Error) => e.message,
    );
    expect(message.length).toBeLessThan(2_000);
    expect(message).toContain("targetGroupArns.0: is not a target group ARN");
    expect(message).toContain("99995 more problem(s)");
    expect(collected).toHaveLength(0);
  });

  it("treats a Scheduler event as scheduled (its event id counts as the event)", async () => {
    const event = { ...scheduledEvent, source: "aws.scheduler" };
    await handlerWith(brokenGateway())(event, lambdaContext());
    const started = output.json().find((o) => o.message === "audit started");
    expect(started).toMatchObject({ trigger: "schedule", eventId: scheduledEvent.id });
  });
});

describe("sink failures", () => {
  it("still publishes to SNS when the Slack webhook fails, and counts the failure", async () => {
    await slack.close();
    slack = await startSlackStub(500);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });

    const report = (await handlerWith(brokenGateway())(
      scheduledEvent,
      lambdaContext(),
    )) as AuditReport;

    expect(report.findings).toHaveLength(1);
    // A 5xx is retried, a bounded number of times.
    expect(slack.bodies).toHaveLength(3);
    expect(publishes()).toHaveLength(1);
    expect(emfMetric("SinkFailures", { Cluster: CLUSTER })).toEqual([1]);
    const failure = output.json().find((o) => o.message === "sink failed");
    expect(failure).toMatchObject({
      sink: "slack",
      reason: "slack: webhook answered 500 (no_service); gave up after 3 attempts",
    });
    expect(output.text()).not.toContain(slack.secretPath);
  });

  it("still publishes to SNS when the webhook parameter cannot be read", async () => {
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error("Parameter /alb-health-auditor/slack-webhook not found."), {
        name: "ParameterNotFound",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await handlerWith(brokenGateway())(scheduledEvent, lambdaContext());
    expect(publishes()).toHaveLength(1);
    expect(output.json().find((o) => o.message === "sink failed")).toMatchObject({
      sink: "slack",
      reason: expect.stringContaining("ParameterNotFound"),
    });
  });

  it("fails the invocation when SNS fails, after Slack and the metrics were attempted", async () => {
    sns.on(PublishCommand).rejects(
      Object.assign(new Error("Authorization error"), {
        name: "AuthorizationErrorException",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const run = handlerWith(brokenGateway())(scheduledEvent, lambdaContext());
    await expect(run).rejects.toThrow(
      /not published to SNS: sns: publish failed: AuthorizationError/,
    );
    await expect(run).rejects.toMatchObject({ name: "PublishError" });
    expect(slack.bodies).toHaveLength(1);
    expect(emfMetric("SinkFailures", { Cluster: CLUSTER })).toEqual([1]);
    expect(
      emfMetric("Findings", { Cluster: CLUSTER, Severity: "critical", Code: "HC001" }),
    ).toEqual([1]);
  });
});

describe("Slack webhook from Secrets Manager", () => {
  it("reads the URL from a JSON secret and never logs it", async () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ url: slack.url }) });
    await handlerWith(brokenGateway(), {
      config: config({ slackWebhook: { kind: "secretsmanager", arn } }),
    })(scheduledEvent, lambdaContext());

    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: arn,
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(slack.bodies).toHaveLength(1);
    expect(output.text()).not.toContain(slack.secretPath);
  });
});

describe("configuration from the environment", () => {
  it("fails with one message naming every bad variable, before collecting", async () => {
    vi.stubEnv("CLUSTER_NAME", "");
    vi.stubEnv("MIN_SEVERITY", "high");
    vi.stubEnv("AWS_REGION", REGION);
    try {
      const handler = handlerWith(brokenGateway(), { config: undefined });
      const run = handler(scheduledEvent, lambdaContext());
      await expect(run).rejects.toThrow(
        "Invalid configuration: CLUSTER_NAME is required (the EKS cluster to audit); MIN_SEVERITY must be one of critical, warning, info",
      );
      expect(collected).toHaveLength(0);
      expect(publishes()).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("audits the configured cluster when the environment is valid", async () => {
    vi.stubEnv("CLUSTER_NAME", "shop-prod");
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("SNS_TOPIC_ARN", TOPIC);
    vi.stubEnv("SLACK_WEBHOOK_PARAMETER", "");
    vi.stubEnv("SLACK_WEBHOOK_SECRET_ARN", "");
    try {
      await handlerWith(brokenGateway(), { config: undefined })(scheduledEvent, lambdaContext());
      expect(collected[0]).toMatchObject({ clusterName: "shop-prod", region: "eu-west-1" });
      expect(publishes()).toHaveLength(1);
      // No Slack source configured: no read, no post.
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
      expect(slack.bodies).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
