/**
 * The handler when parts of AWS, the cluster or Slack misbehave: with the real collector
 * against a local API server, AWS through aws-sdk-client-mock, Slack on a local server and the
 * alert state in a local DynamoDB. Covered elsewhere: a Kubernetes kind that times out or
 * keeps answering 5xx becomes a gap (test/collect/kubernetes.test.ts), SNS failing fails the
 * invocation after Slack and the metrics (handler.test.ts "sink failures"), a bad payload or
 * environment fails fast with one message (handler.test.ts "manual payload", "configuration").
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler, type AuditDeps } from "../../functions/audit";
import { AlertStore, type AlertSummary } from "../../lib/alerts/index";
import type { AuditReport } from "../../lib/analyze/finding";
import type { AuditConfig } from "../../lib/config";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { startLocalDynamo, type LocalDynamo } from "../alerts/local-dynamodb";
import { APP_TG_ARN, GW_TG_ARN, breakApp, breakGateway, twoGroupInput } from "../alerts/scenarios";
import { PATHS } from "../collect/fake-apiserver";
import { REGION } from "../support/scenarios";
import { captureOutput, lambdaContext, scheduledEvent, type Captured, testConfig } from "./harness";
import { T0, startLiveCluster, type LiveCluster, type LiveClusterOptions } from "./live-cluster";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" };
const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);

let dynamo: LocalDynamo;
let table: string;
let cluster: LiveCluster | undefined;
let slackServer: Server | undefined;
let output: Captured;
const slackHits: { at: number; status: number }[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  sns.reset();
  ssm.reset();
  sns.on(PublishCommand).callsFake(async () => {
    publishedAt.push(Date.now());
    return { MessageId: "m-1" };
  });
  publishedAt.length = 0;
  slackHits.length = 0;
  table = await dynamo.createTable();
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await cluster?.close();
  cluster = undefined;
  if (slackServer) {
    slackServer.closeAllConnections();
    await new Promise((resolve) => slackServer!.close(resolve));
    slackServer = undefined;
  }
});
const publishedAt: number[] = [];

/** A webhook that answers each POST with the next of `answers` (the last one repeats). */
async function slackAnswering(answers: { status: number; retryAfter?: string }[]) {
  slackServer = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = answers[Math.min(slackHits.length, answers.length - 1)]!;
      slackHits.push({ at: Date.now(), status: answer.status });
      res.writeHead(answer.status, {
        "content-type": "text/plain",
        ...(answer.retryAfter ? { "retry-after": answer.retryAfter } : {}),
      });
      res.end(answer.status === 200 ? "ok" : answer.status === 429 ? "rate_limited" : "no_service");
    });
  });
  await new Promise<void>((resolve) => slackServer!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}/services/T0/B0/x`;
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: url } });
}

function config(overrides: Partial<AuditConfig> = {}): AuditConfig {
  return testConfig({
    snsTopicArn: TOPIC,
    slackWebhook: { kind: "ssm", name: "/alb-health-auditor/slack-webhook" },
    slackRetry: { baseDelayMs: 10 },
    alertTable: table,
    ...overrides,
  });
}

type Result = AuditReport & { alerts: AlertSummary };

async function runLive(
  input: SnapshotInput,
  options: Partial<LiveClusterOptions> & {
    minutes?: number;
    deps?: Partial<AuditDeps>;
    config?: Partial<AuditConfig>;
  } = {},
): Promise<Result> {
  await cluster?.close();
  cluster = await startLiveCluster(input, { credentials: CREDENTIALS, ...options });
  const handler = createHandler({
    config: config(options.config),
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    collect: cluster.collect,
    clients: {
      sns: new SNSClient({ region: REGION }),
      ssm: new SSMClient({ region: REGION }),
      secrets: new SecretsManagerClient({ region: REGION }),
      fetch: (url, init) => fetch(url, init),
    },
    alerts: new AlertStore(dynamo.client, table),
    now: () => T0.getTime() + (options.minutes ?? 0) * 60_000,
    ...options.deps,
  });
  const event = { ...scheduledEvent, id: `evt-${Math.random()}` };
  return (await handler(event, lambdaContext())) as Result;
}

const broken = (...edits: ((s: SnapshotInput) => void)[]) => {
  const input = twoGroupInput();
  for (const edit of edits) edit(input);
  return input;
};
const throttled = () =>
  Object.assign(new Error("Rate exceeded"), {
    name: "ThrottlingException",
    $metadata: { httpStatusCode: 400, attempts: 5 },
  });

describe("DescribeTargetHealth throttled for one target group", () => {
  it("reports that group as not audited, audits the rest, and keeps its open finding open", async () => {
    await slackAnswering([{ status: 200 }]);
    const first = await runLive(broken(breakGateway, breakApp));
    expect(first.findings.map((f) => f.code).sort()).toEqual(["HC001", "TGT005"]);
    expect(first.alerts).toMatchObject({ new: 2 });

    const second = await runLive(broken(breakGateway, breakApp), {
      minutes: 5,
      failTargetHealth: { [GW_TG_ARN]: throttled() },
    });
    expect(second.summary).toMatchObject({ targetGroups: 2, targetGroupsAudited: 1, gaps: 1 });
    const audit001 = second.findings.find((f) => f.code === "AUDIT001")!;
    expect(audit001.targetGroupArn).toBe(GW_TG_ARN);
    expect(audit001.title).toContain("target health could not be read; the group is not audited");
    expect(JSON.stringify(audit001.evidence)).toContain("ThrottlingException: Rate exceeded");
    // The other group was audited as usual.
    expect(
      second.findings.filter((f) => f.targetGroupArn === APP_TG_ARN).map((f) => f.code),
    ).toEqual(["TGT005"]);
    // HC001 could not be checked: held, not resolved. The gap pages only if the next run
    // still has it, so this run sends nothing.
    expect(second.alerts).toMatchObject({ new: 0, resolved: 0, held: 1 });
    const attributes = sns
      .commandCalls(PublishCommand)
      .map((c) => c.args[0].input.MessageAttributes!.event!.StringValue);
    expect(attributes).toEqual(["open"]);
    expect(
      output
        .emf()
        .filter((d) => "CollectionGaps" in d)
        .map((d) => d.CollectionGaps),
    ).toEqual([0, 1]);
  });
});

describe("a Kubernetes kind that fails", () => {
  it("turns 5xx on pods into a gap and an AUDIT001, and the audit still succeeds", async () => {
    await slackAnswering([{ status: 200 }]);
    const result = await runLive(broken(breakGateway), {
      answers: {
        [PATHS.pods]: {
          status: 503,
          reason: "ServiceUnavailable",
          message: "etcd is slow",
          times: 99,
        },
      },
    });
    const gap = result.findings.find((f) => f.code === "AUDIT001")!;
    expect(gap.title).toMatch(/^kubernetes\.pods could not be read; checks not run: /);
    expect(JSON.stringify(gap.evidence)).toContain("etcd is slow (503)");
    expect(result.summary.gaps).toBe(1);
  });

  it("turns a kind that never answers into a gap at the request timeout", async () => {
    await slackAnswering([{ status: 200 }]);
    const result = await runLive(broken(breakGateway), {
      requestTimeoutMs: 300,
      answers: { [PATHS.ingresses]: { status: 0, reason: "", message: "", hang: true, times: 99 } },
    });
    const gap = result.findings.find((f) => f.code === "AUDIT001")!;
    expect(JSON.stringify(gap.evidence)).toContain("no answer within 0.3s (timeout)");
    expect(result.findings.map((f) => f.code)).toContain("HC001");
  });
});

describe("the Lambda finishes before its timeout", () => {
  it("stops collecting in time, reports what it could not reach, and still sends", async () => {
    await slackAnswering([{ status: 200 }]);
    const remaining = 3_000;
    const started = Date.now();
    const result = await runLive(broken(breakGateway), {
      // Only the deadline can end this request.
      requestTimeoutMs: 60_000,
      answers: { [PATHS.pods]: { status: 0, reason: "", message: "", hang: true, times: 99 } },
      deps: { remainingTimeMs: () => remaining - (Date.now() - started) },
    });
    expect(Date.now() - started).toBeLessThan(remaining);
    const gap = result.findings.find((f) => f.code === "AUDIT001")!;
    expect(JSON.stringify(gap.evidence)).toContain(
      "not answered within the collection deadline (2s)",
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(slackHits).toHaveLength(1);
    // Two thirds of the time left go to collection, a third stays for analysis and sending.
    const budget = output.json().find((l) => l.message === "audit started")!.collectionBudgetMs;
    expect(budget).toBeGreaterThan(1_950);
    expect(budget).toBeLessThanOrEqual(2_000);
  });

  it("fails with a clear error, before the timeout, when a collector ignores the deadline", async () => {
    const started = Date.now();
    const handler = createHandler({
      config: config(),
      logger: new Logger({ serviceName: "alb-health-auditor" }),
      collect: () => new Promise(() => {}),
      remainingTimeMs: () => 1_500 - (Date.now() - started),
      clients: {
        sns: new SNSClient({ region: REGION }),
        ssm: new SSMClient({ region: REGION }),
        secrets: new SecretsManagerClient({ region: REGION }),
        fetch: (url, init) => fetch(url, init),
      },
    });
    const run = handler(scheduledEvent, lambdaContext());
    await expect(run).rejects.toMatchObject({ name: "CollectionTimeoutError" });
    await expect(run).rejects.toThrow(
      "Collection did not finish within 1s (the invocation had 1.5s left); nothing was analysed or sent",
    );
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe("Slack rate limiting and outages", () => {
  it("retries a 429 after Retry-After while SNS goes out without waiting", async () => {
    await slackAnswering([{ status: 429, retryAfter: "1" }, { status: 200 }]);
    const result = await runLive(broken(breakGateway));
    expect(result.alerts).toMatchObject({ new: 1 });
    expect(slackHits.map((h) => h.status)).toEqual([429, 200]);
    expect(slackHits[1]!.at - slackHits[0]!.at).toBeGreaterThanOrEqual(950);
    // SNS was published before Slack's retry went out.
    expect(publishedAt).toHaveLength(1);
    expect(publishedAt[0]!).toBeLessThan(slackHits[1]!.at);
    expect(output.emf().find((d) => "SinkFailures" in d)!.SinkFailures).toBe(0);
  });

  it("gives up on Slack within the time left, counts the failure and still succeeds", async () => {
    await slackAnswering([{ status: 503 }]);
    const started = Date.now();
    const result = await runLive(broken(breakGateway), {
      config: { slackRetry: { baseDelayMs: 200, maxAttempts: 10 } },
      deps: { remainingTimeMs: () => 2_000 - (Date.now() - started) },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.findings.map((f) => f.code)).toEqual(["HC001"]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(slackHits.length).toBeGreaterThan(1);
    expect(slackHits.length).toBeLessThan(10);
    expect(output.emf().find((d) => "SinkFailures" in d)!.SinkFailures).toBe(1);
    expect(output.json().find((l) => l.message === "sink failed")).toMatchObject({
      sink: "slack",
      reason: expect.stringMatching(
        /^slack: webhook answered 503 \(no_service\); gave up after \d attempt\(s\): the next one .* retry budget$/,
      ),
    });
  });
});
