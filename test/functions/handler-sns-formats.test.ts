/**
 * The handler end to end with SNS_FORMAT=chatbot and SNS_FORMAT=email: configuration from the
 * Lambda's environment (lib/config), alert state in dynalite, SNS in moto_server. What reaches
 * the consumer is read where moto shows it: an HTTP subscriber (the protocol Amazon Q Developer
 * in chat applications subscribes with: moto posts the SNS envelope with the message its
 * protocol gets from a MessageStructure json message, i.e. `default`), and moto's record of
 * every published message (subject, the JSON structure with its `email` key, the attributes).
 * The custom-notification schema and the page it comes from: test/support/custom-notification.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/audit";
import { AlertStore } from "../../lib/alerts/index";
import type { AuditReport } from "../../lib/analyze/finding";
import { loadConfig } from "../../lib/config";
import type { Snapshot } from "../../lib/snapshot/schema";
import { startLocalDynamo, type LocalDynamo } from "../alerts/local-dynamodb";
import { APP_TG_ARN, GW_TG_ARN, breakApp, breakGateway, snapshotWith } from "../alerts/scenarios";
import { customNotification, type CustomNotification } from "../support/custom-notification";
import { startMoto, type MotoServer } from "../support/moto-server";
import { CLUSTER, REGION } from "../support/scenarios";
import { captureOutput, lambdaContext, scheduledEvent, type Captured } from "./harness";

const DOCS = "https://github.com/acme/alb-health-auditor/blob/main/docs";
const LOG_GROUP = "/aws/lambda/alb-health-auditor-prod-audit";
const LOG_STREAM = "2026/11/24/[$LATEST]0123abcd";
const T0 = Date.parse("2026-11-24T10:00:00Z");
const MINUTE = 60_000;

/** The SNS envelope an HTTP(S) subscriber receives. */
interface Delivery {
  Type: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
}

/** One Publish as moto recorded it. */
interface Published {
  message: string;
  subject: string;
  attributes: Record<string, { Type: string; Value: string }>;
}

let moto: MotoServer;
let dynamo: LocalDynamo;
let receiver: Server;
let receiverUrl: string;
let deliveries: Delivery[] = [];
let sns: SNSClient;
let topicArn: string;
let table: string;
let output: Captured;

beforeAll(async () => {
  [moto, dynamo] = await Promise.all([startMoto(), startLocalDynamo()]);
  sns = new SNSClient(moto.clientConfig(REGION));
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      deliveries.push(JSON.parse(body) as Delivery);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/chat`;
}, 60_000);

afterAll(async () => {
  sns?.destroy();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await Promise.all([moto?.stop(), dynamo?.close()]);
});

beforeEach(async () => {
  await moto.reset();
  deliveries = [];
  topicArn = (await sns.send(new CreateTopicCommand({ Name: "alb-health-auditor-prod-findings" })))
    .TopicArn!;
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: "http", Endpoint: receiverUrl }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: "email", Endpoint: "oncall@example.com" }),
  );
  table = await dynamo.createTable();
  output = captureOutput();
});

afterEach(() => output.restore());

let runs = 0;
/** One scheduled run `minutes` after T0, configured from the Lambda's environment. */
async function run(snapshot: Snapshot, minutes: number, format: "chatbot" | "email") {
  runs += 1;
  const config = loadConfig({
    CLUSTER_NAME: CLUSTER,
    AWS_REGION: REGION,
    SNS_TOPIC_ARN: topicArn,
    SNS_FORMAT: format,
    DOCS_BASE_URL: DOCS,
    ALERT_TABLE_NAME: table,
    HEALTH_PREFILTER: "false",
    AWS_LAMBDA_LOG_GROUP_NAME: LOG_GROUP,
    AWS_LAMBDA_LOG_STREAM_NAME: LOG_STREAM,
  });
  const handler = createHandler({
    config,
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    collect: async () => snapshot,
    clients: {
      sns: new SNSClient(moto.clientConfig(REGION)),
      ssm: new SSMClient(moto.clientConfig(REGION)),
      secrets: new SecretsManagerClient(moto.clientConfig(REGION)),
      fetch: (input, init) => fetch(input, init),
    },
    alerts: new AlertStore(dynamo.client, table),
    now: () => T0 + minutes * MINUTE,
  });
  const context = { ...lambdaContext(), awsRequestId: `request-${runs}` };
  return (await handler({ ...scheduledEvent, id: `event-${runs}` }, context)) as AuditReport;
}

/** Every message published to the topic so far, in order, as moto recorded it. */
async function published(): Promise<Published[]> {
  const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as {
    sns: { Topic: { arn: string; sent_notifications: unknown[][] }[] };
  };
  const topic = data.sns.Topic.find((t) => t.arn === topicArn)!;
  return topic.sent_notifications.map(([, message, subject, attributes]) => ({
    message: message as string,
    subject: subject as string,
    attributes: attributes as Published["attributes"],
  }));
}

/** What Amazon Q Developer receives: the envelope's message, a custom notification. */
const notificationsOf = (list: Delivery[]): CustomNotification[] =>
  list.map((d) => customNotification.parse(JSON.parse(d.Message)));

const consoleUrl = (arn: string) =>
  `https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:targetGroupArn=${arn}`;

describe("SNS_FORMAT=chatbot", () => {
  it("delivers one documented custom notification per finding; the resolved one threads under its open one", async () => {
    const report = await run(snapshotWith(breakGateway, breakApp), 0, "chatbot");
    const codes = report.findings.map((f) => f.code);
    expect(codes).toEqual(["HC001", "TGT005"]);

    // What the chat subscriber got: one notification per finding, most severe first.
    const opened = deliveries.splice(0);
    expect(opened.map((d) => [d.Type, d.TopicArn])).toEqual([
      ["Notification", topicArn],
      ["Notification", topicArn],
    ]);
    const [hc001, tgt005] = notificationsOf(opened);
    expect(hc001!.content.title).toContain("HC001");
    expect(hc001!.metadata.eventType).toBe("open");
    expect(hc001!.metadata.relatedResources).toEqual([GW_TG_ARN]);
    expect(hc001!.metadata.additionalContext).toMatchObject({
      cluster: CLUSTER,
      region: REGION,
      code: "HC001",
    });
    // The fix closes the description, alone in a code block, so it copies without the prose.
    const fix = report.findings[0]!.remediation;
    expect(hc001!.content.description.endsWith(`\`\`\`\n${fix}\n\`\`\``)).toBe(true);
    expect(hc001!.content.nextSteps).toEqual([
      `What HC001 means: ${DOCS}/findings.md#hc001`,
      `Target group: ${consoleUrl(GW_TG_ARN)}`,
      expect.stringMatching(
        /^This run's log: https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:log-groups\/log-group\/\$252Faws\$252Flambda\$252Falb-health-auditor-prod-audit\/log-events\//,
      ),
    ]);
    expect(tgt005!.metadata.relatedResources).toEqual([APP_TG_ARN]);
    expect(tgt005!.metadata.threadId).not.toBe(hc001!.metadata.threadId);

    // What was published: a MessageStructure json message, e-mail text beside the notification,
    // and each message's own attributes for subscription filter policies.
    const sent = await published();
    expect(sent).toHaveLength(2);
    for (const [i, p] of sent.entries()) {
      const texts = JSON.parse(p.message) as Record<string, string>;
      expect(Object.keys(texts).sort()).toEqual(["default", "email"]);
      expect(JSON.parse(texts.default!)).toEqual(JSON.parse(opened[i]!.Message));
      expect(texts.email).toContain(`${codes[i]} `);
      expect(p.subject).toMatch(/^ALB health shop-prod \(eu-west-1\): /);
      expect(p.attributes.codes?.Value).toBe(JSON.stringify([codes[i]]));
      expect(p.attributes.event?.Value).toBe("open");
    }

    // Nothing changed: nothing sent. The gateway fixed: one resolved notice, in HC001's thread.
    await run(snapshotWith(breakGateway, breakApp), 5, "chatbot");
    expect(deliveries).toHaveLength(0);
    await run(snapshotWith(breakApp), 30, "chatbot");
    const [resolved, ...rest] = notificationsOf(deliveries.splice(0));
    expect(rest).toEqual([]);
    expect(resolved!.metadata.eventType).toBe("resolved");
    expect(resolved!.metadata.threadId).toBe(hc001!.metadata.threadId);
    expect(resolved!.content.title).toContain("Resolved: HC001");
    expect(resolved!.content.nextSteps![0]).toBe(`What HC001 means: ${DOCS}/findings.md#hc001`);
    expect((await published()).at(-1)!.attributes.event?.Value).toBe("resolved");
  }, 60_000);
});

describe("SNS_FORMAT=email", () => {
  it("sends readable text with region and cluster in the subject, as `default` and `email`", async () => {
    const report = await run(snapshotWith(breakGateway, breakApp), 0, "email");
    const [sent, ...more] = await published();
    expect(more).toEqual([]);
    expect(sent!.subject).toBe("ALB health shop-prod (eu-west-1): 2 finding(s), highest critical");
    const texts = JSON.parse(sent!.message) as Record<string, string>;
    expect(Object.keys(texts).sort()).toEqual(["default", "email"]);
    expect(texts.email).toBe(texts.default);
    const text = texts.email!;
    // Text for people: no JSON document, the cluster and the links spelled out.
    expect(text).not.toMatch(/^\s*[{[]/);
    expect(text).not.toContain('"fingerprint"');
    expect(text.split("\n")[0]).toBe(
      `ALB health on cluster ${CLUSTER} (${REGION}), audited ${report.auditedAt}`,
    );
    expect(text).toContain(`Docs: ${DOCS}/findings.md#hc001`);
    expect(text).toContain(`    ${consoleUrl(GW_TG_ARN)}`);
    expect(text).toContain("Run log: https://eu-west-1.console.aws.amazon.com/cloudwatch/home");
    // The fix on indented lines of its own, after a "Fix:" line.
    const lines = text.split("\n");
    const fixAt = lines.indexOf("  Fix:");
    const fix = report.findings[0]!.remediation.split("\n");
    expect(lines.slice(fixAt + 2, fixAt + 2 + fix.length)).toEqual(fix.map((l) => `    ${l}`));
    expect(sent!.attributes.event?.Value).toBe("open");

    // An HTTP(S) subscriber of the same topic gets the `default` text, with the subject.
    const [delivery] = deliveries.splice(0);
    expect(delivery!.Message).toBe(text);
    expect(delivery!.Subject).toBe(sent!.subject);

    await run(snapshotWith(breakApp), 30, "email");
    const resolved = (await published()).at(-1)!;
    expect(resolved.subject).toBe("ALB health shop-prod (eu-west-1): 1 resolved");
    const gone = (JSON.parse(resolved.message) as { email: string }).email;
    expect(gone).toContain("[RESOLVED] HC001");
    expect(gone).toContain("Open for 30m");
  }, 60_000);
});
