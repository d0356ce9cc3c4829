/**
 * Secrets stay secret through a whole run: the handler with the real collector (IAM token to a
 * local HTTPS API server), alert state in a local DynamoDB, SNS and Slack, logs at DEBUG, and
 * the CLI writing a snapshot. Known fake credentials, the EKS token, the webhook URL and
 * inline pod secrets are planted, then every captured byte is searched for them.
 * Also here: the API server's certificate must chain to the cluster CA (see also
 * test/collect/kubernetes.test.ts "refuses a server whose certificate the cluster CA did not
 * sign"), and the collector never asks for Secrets or ConfigMaps.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { createHandler } from "../../functions/audit";
import { AlertStore } from "../../lib/alerts/index";
import { runCli } from "../../lib/cli/run";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { startLocalDynamo, type LocalDynamo } from "../alerts/local-dynamodb";
import { breakApp, breakGateway, twoGroupInput } from "../alerts/scenarios";
import { OTHER_CA_DATA, PATHS } from "../collect/fake-apiserver";
import { CLUSTER, REGION, k8s } from "../support/scenarios";
import {
  captureOutput,
  lambdaContext,
  scheduledEvent,
  startSlackStub,
  type Captured,
  type SlackStub,
  testConfig,
} from "./harness";
import { T0, startLiveCluster, type LiveCluster } from "./live-cluster";

const CREDENTIALS = {
  accessKeyId: "AKIAFAKEAUDITKEY0001",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzFAKEzSECRETzKEY",
  sessionToken: "IQoJb3JpZ2luX2VjFAKESESSIONTOKENxyz0123456789",
};
const INLINE_SECRETS = ["hunter2-inline-db-password", "ak-live-0123456789abcdef"];
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
let dynamo: LocalDynamo;
let slack: SlackStub;
let cluster: LiveCluster | undefined;
let output: Captured;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  sns.reset();
  ssm.reset();
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  slack = await startSlackStub();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });
  // Whatever dumps the environment would show these.
  vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", CREDENTIALS.sessionToken);
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  vi.unstubAllEnvs();
  await slack.close();
  await cluster?.close();
  cluster = undefined;
});

/** The gateway failing (and the app unless `appFixed`), and a pod with secrets inline. */
function scenario(appFixed = false): SnapshotInput {
  const input = twoGroupInput();
  breakGateway(input);
  if (!appFixed) breakApp(input);
  const cart = k8s(input).pods.find((p) => p.metadata.name.startsWith("cart-"))!;
  const container = cart.spec.containers[0]! as Record<string, unknown>;
  container.env = [{ name: "DB_PASSWORD", value: INLINE_SECRETS[0] }];
  container.args = [`--api-key=${INLINE_SECRETS[1]}`];
  return input;
}

function handler(store: AlertStore) {
  return createHandler({
    config: testConfig({
      snsTopicArn: TOPIC,
      slackWebhook: { kind: "ssm", name: "/alb-health-auditor/slack-webhook" },
      minSeverity: "info",
      notifyWhenClean: true,
      slackRetry: { baseDelayMs: 10 },
      alertTable: store.tableName,
    }),
    logger: new Logger({ serviceName: "alb-health-auditor", logLevel: "DEBUG" }),
    collect: cluster!.collect,
    clients: {
      sns: new SNSClient({ region: REGION }),
      ssm: new SSMClient({ region: REGION }),
      secrets: new SecretsManagerClient({ region: REGION }),
      fetch: (url, init) => fetch(url, init),
    },
    alerts: store,
    now: () => T0.getTime(),
  });
}

function secretsIn(token: string): string[] {
  const signed = new URL(
    Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"),
  );
  return [
    CREDENTIALS.secretAccessKey,
    CREDENTIALS.sessionToken,
    token,
    token.slice("k8s-aws-v1.".length, "k8s-aws-v1.".length + 40),
    signed.searchParams.get("X-Amz-Signature")!,
    slack.url,
    slack.secretPath,
    "s3cr3tW3bh00kT0k3n",
    ...INLINE_SECRETS,
  ];
}

it("puts no token, webhook URL, credential or inline secret in logs, messages, state or snapshots", async () => {
  cluster = await startLiveCluster(scenario(), { credentials: CREDENTIALS });
  const table = await dynamo.createTable();
  const store = new AlertStore(dynamo.client, table);

  const outputs: unknown[] = [];
  outputs.push(await handler(store)(scheduledEvent, lambdaContext()));
  // A second run: the app's finding is resolved, and Slack fails.
  await slack.close();
  slack = await startSlackStub(500);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });
  await cluster.close();
  cluster = await startLiveCluster(scenario(true), { credentials: CREDENTIALS });
  outputs.push(await handler(store)({ ...scheduledEvent, id: "second" }, lambdaContext()));

  // The CLI writes the snapshot it collected.
  const dir = mkdtempSync(join(tmpdir(), "audit-security-"));
  const file = join(dir, "snapshot.json");
  const cli = { out: "", err: "" };
  const code = await runCli(
    ["collect", "--cluster", CLUSTER, "--region", REGION, "--out", file, "--format", "json"],
    {
      stdout: (t) => (cli.out += t),
      stderr: (t) => (cli.err += t),
      stdoutIsTTY: false,
      collect: cluster.collect,
    },
  );
  expect(code).toBe(0);
  const snapshot = readFileSync(file, "utf8");

  const state = await dynamo.client.send(new ScanCommand({ TableName: table }));
  const everything = [
    output.text(),
    JSON.stringify(outputs),
    JSON.stringify(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)),
    JSON.stringify(slack.bodies),
    JSON.stringify(state.Items),
    snapshot,
    cli.out,
    cli.err,
  ].join("\n");

  // The run really happened: logs, messages, state and a snapshot with the pod in it.
  expect(output.json().some((l) => l.message === "alert decision")).toBe(true);
  const events = sns
    .commandCalls(PublishCommand)
    .map((c) => c.args[0].input.MessageAttributes!.event!.StringValue);
  expect(events).toEqual(["open", "resolved"]);
  expect(output.json().some((l) => l.message === "sink failed")).toBe(true);
  expect(state.Items!.length).toBeGreaterThan(0);
  expect(snapshot).toContain('"name": "DB_PASSWORD"');
  expect(snapshot).toContain("ISTIO_KUBE_APP_PROBERS");
  expect(cluster.api.requests.length).toBeGreaterThan(0);

  for (const secret of secretsIn(cluster.token)) {
    expect(everything.includes(secret), `found ${secret.slice(0, 12)}…`).toBe(false);
  }
});

it("never asks the API server for Secrets or ConfigMaps", async () => {
  cluster = await startLiveCluster(scenario(), { credentials: CREDENTIALS });
  await handler(new AlertStore(dynamo.client, await dynamo.createTable()))(
    { dryRun: true },
    lambdaContext(),
  );
  const paths = new Set(cluster.api.requests.map((r) => r.path));
  expect(paths.size).toBeGreaterThan(0);
  for (const path of paths) {
    expect(path).not.toMatch(/secrets|configmaps/i);
    expect(Object.values(PATHS)).toContain(path);
  }
});

it("refuses an API server whose certificate the cluster CA did not sign", async () => {
  cluster = await startLiveCluster(scenario(), { credentials: CREDENTIALS, caData: OTHER_CA_DATA });
  const report = (await handler(new AlertStore(dynamo.client, await dynamo.createTable()))(
    { dryRun: true },
    lambdaContext(),
  )) as { findings: { code: string; evidence: unknown }[] };
  // The TLS handshake failed, so not one request reached the server (nor did the token).
  expect(cluster.api.requests).toEqual([]);
  const gaps = report.findings.filter((f) => f.code === "AUDIT001");
  expect(gaps.length).toBeGreaterThanOrEqual(6);
  expect(JSON.stringify(gaps[0]!.evidence)).toMatch(/certificate/i);
});
