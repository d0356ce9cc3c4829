/**
 * The handler with alert state in a local DynamoDB-compatible server (dynalite, real wire
 * protocol): what on-call receives over a series of scheduled runs.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHandler, type AuditResult } from "../../functions/audit";
import { AlertStore, type AlertSummary } from "../../lib/alerts/index";
import type { AuditReport } from "../../lib/analyze/finding";
import type { AuditConfig } from "../../lib/config";
import type { SlackMessage } from "../../lib/report/slack";
import type { Snapshot, SnapshotInput } from "../../lib/snapshot/schema";
import { startLocalDynamo, type LocalDynamo } from "../alerts/local-dynamodb";
import { APP_TG_ARN, GW_TG_ARN, breakApp, breakGateway, snapshotWith } from "../alerts/scenarios";
import { CLUSTER, REGION, k8s, tgs } from "../support/scenarios";
import {
  captureOutput,
  lambdaContext,
  scheduledEvent,
  startSlackStub,
  type Captured,
  type SlackStub,
  testConfig,
} from "./harness";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";
const T0 = Date.parse("2026-11-24T10:00:00Z");
const MINUTE = 60_000;

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);

let dynamo: LocalDynamo;
let table: string;
let slack: SlackStub;
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
  seenPublishes = 0;
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  slack = await startSlackStub();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });
  table = await dynamo.createTable();
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await slack.close();
});

function config(overrides: Partial<AuditConfig> = {}): AuditConfig {
  return testConfig({
    snsTopicArn: TOPIC,
    slackWebhook: { kind: "ssm", name: "/alb-health-auditor/slack-webhook" },
    slackRetry: { baseDelayMs: 10 },
    alertTable: table,
    repeatIntervalHours: 24,
    ...overrides,
  });
}

let runs = 0;
/** One scheduled run at `minutes` after T0, with its own event id unless one is given. */
async function run(
  snapshot: Snapshot,
  minutes: number,
  options: { event?: unknown; config?: Partial<AuditConfig>; store?: AlertStore } = {},
) {
  runs += 1;
  const handler = createHandler({
    config: config(options.config),
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    collect: async () => snapshot,
    clients: {
      sns: new SNSClient({ region: REGION }),
      ssm: new SSMClient({ region: REGION }),
      secrets: new SecretsManagerClient({ region: REGION }),
      fetch: (input, init) => fetch(input, init),
    },
    alerts: options.store ?? new AlertStore(dynamo.client, table),
    now: () => T0 + minutes * MINUTE,
  });
  const event = options.event ?? { ...scheduledEvent, id: `event-${runs}` };
  // Each invocation has its own request id, the lease holder.
  const context = { ...lambdaContext(), awsRequestId: `request-${runs}` };
  return (await handler(event, context)) as AuditReport & {
    alerts: AlertSummary;
    duplicate?: true;
  };
}

let seenPublishes = 0;
/** Everything sent since the last call. */
function sent() {
  const all = sns.commandCalls(PublishCommand);
  // Not resetHistory(): that would restart the mock's call count its *Once answers rely on.
  const messages = all.slice(seenPublishes).map((c) => c.args[0].input);
  seenPublishes = all.length;
  const posts = slack.bodies.splice(0) as SlackMessage[];
  return {
    events: messages.map((m) => m.MessageAttributes?.event?.StringValue),
    sns: messages,
    slack: posts,
    slackText: JSON.stringify(posts),
  };
}

async function stateItems() {
  const out = await dynamo.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `cluster#${REGION}/${CLUSTER}` } },
    }),
  );
  return (out.Items ?? []).map((i) => i.sk!.S!);
}

const findingsMetric = () =>
  output
    .emf()
    .filter((d) => d.Severity === "critical" && d.Code === undefined)
    .map((d) => d.Findings);

describe("alert lifecycle against DynamoDB", () => {
  it("notifies a finding once over consecutive runs, then once when it is fixed", async () => {
    const broken = snapshotWith(breakGateway);

    const first = await run(broken, 0);
    expect(first.alerts).toMatchObject({ state: "ok", new: 1, resolved: 0 });
    const one = sent();
    expect(one.events).toEqual(["open"]);
    expect(one.sns[0]!.MessageAttributes!.reasons!.StringValue).toBe('["new"]');
    expect(one.slack).toHaveLength(1);
    expect(one.slackText).toContain("_New_");
    expect(one.slackText).toContain("HC001");

    const second = await run(broken, 5);
    expect(second.alerts).toMatchObject({ state: "ok", new: 0, escalated: 0, reminder: 0 });
    expect(second.findings.map((f) => f.code)).toEqual(["HC001"]);
    const two = sent();
    expect(two.sns).toHaveLength(0);
    expect(two.slack).toHaveLength(0);
    // Metrics report every run, notified or not.
    expect(findingsMetric()).toEqual([1, 1]);

    const fixed = await run(snapshotWith(), 150);
    expect(fixed.alerts).toMatchObject({ resolved: 1 });
    const three = sent();
    expect(three.events).toEqual(["resolved"]);
    const body = JSON.parse(three.sns[0]!.Message!);
    expect(body.resolved).toEqual([
      expect.objectContaining({
        code: "HC001",
        targetGroupArn: GW_TG_ARN,
        firstSeen: new Date(T0).toISOString(),
        openForSeconds: 150 * 60,
      }),
    ]);
    expect(three.slack).toHaveLength(1);
    expect(three.slackText).toContain("1 resolved");
    expect(three.slackText).toContain("Resolved after 2h 30m");

    await run(snapshotWith(), 155);
    expect(sent().sns).toHaveLength(0);
    expect(await stateItems()).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^finding#/)]),
    );
  });

  it("notifies again when the severity rises", async () => {
    await run(
      snapshotWith((s) => breakGateway(s, 2)),
      0,
    );
    const warning = sent();
    expect(JSON.parse(warning.sns[0]!.Message!).findings[0].severity).toBe("warning");

    await run(
      snapshotWith((s) => breakGateway(s, 2)),
      5,
    );
    expect(sent().sns).toHaveLength(0);

    const rose = await run(
      snapshotWith((s) => breakGateway(s, 3)),
      10,
    );
    expect(rose.alerts).toMatchObject({ escalated: 1, new: 0 });
    const critical = sent();
    expect(critical.sns[0]!.MessageAttributes).toMatchObject({
      event: { StringValue: "open" },
      reasons: { StringValue: '["escalated"]' },
      severity: { StringValue: "critical" },
    });
    expect(critical.slackText).toContain("_Severity rose from warning_");

    // Falling back to warning is no news.
    await run(
      snapshotWith((s) => breakGateway(s, 2)),
      15,
    );
    expect(sent().sns).toHaveLength(0);
  });

  it("reminds after REPEAT_INTERVAL_HOURS while a finding stays open", async () => {
    const broken = snapshotWith(breakGateway);
    await run(broken, 0, { config: { repeatIntervalHours: 1 } });
    sent();
    await run(broken, 59, { config: { repeatIntervalHours: 1 } });
    expect(sent().sns).toHaveLength(0);
    const reminder = await run(broken, 60, { config: { repeatIntervalHours: 1 } });
    expect(reminder.alerts).toMatchObject({ reminder: 1 });
    const text = sent().slackText;
    expect(text).toContain("_Still open after 1h (since 2026-11-24 10:00 UTC)_");
  });

  it("sends only what changed when one finding is new and another is already known", async () => {
    await run(snapshotWith(breakGateway), 0);
    sent();
    const both = await run(snapshotWith(breakGateway, breakApp), 5);
    expect(both.alerts).toMatchObject({ new: 1 });
    const message = sent();
    const body = JSON.parse(message.sns[0]!.Message!);
    expect(body.findings.map((f: { code: string }) => f.code)).toEqual(["TGT005"]);
    expect(body.summary.findings).toBe(2);
    expect(message.slackText).toContain("1 open finding(s) sent before not repeated");
  });
});

describe("idempotency", () => {
  it("handles an EventBridge event delivered twice once", async () => {
    const broken = snapshotWith(breakGateway);
    const event = { ...scheduledEvent, id: "7bf73129-1428-4cd3-a780-95db273d1602" };
    const first = await run(broken, 0, { event });
    expect(first.duplicate).toBeUndefined();
    const emfAfterFirst = output.emf().length;
    const again = await run(broken, 0.5, { event });

    expect(again.duplicate).toBe(true);
    expect(again.alerts).toMatchObject({ duplicate: true });
    expect(again.findings.map((f) => f.code)).toEqual(["HC001"]);
    expect(sent().sns).toHaveLength(1);
    expect(output.emf()).toHaveLength(emfAfterFirst);
    expect(
      output.json().find((l) => l.message === "duplicate event: already handled, nothing sent"),
    ).toMatchObject({ eventId: event.id, level: "INFO" });
    expect(await stateItems()).toContain(`event#${event.id}`);
  });

  it("treats manual invocations as distinct runs", async () => {
    await run(snapshotWith(breakGateway), 0, { event: {} });
    const again = await run(snapshotWith(breakGateway), 1, { event: {} });
    expect(again.duplicate).toBeUndefined();
    expect(sent().sns).toHaveLength(1);
  });
});

describe("what the alert state never does", () => {
  it("is not written by a dry run, so the next real run still notifies", async () => {
    const dry = (await run(snapshotWith(breakGateway), 0, {
      event: { dryRun: true },
    })) as AuditResult;
    expect(dry).not.toHaveProperty("alerts");
    expect(await stateItems()).toEqual([]);
    expect(sent().sns).toHaveLength(0);
    const real = await run(snapshotWith(breakGateway), 1);
    expect(real.alerts).toMatchObject({ new: 1 });
  });

  it("does not call a finding resolved when its target group was not audited", async () => {
    await run(snapshotWith(breakGateway), 0);
    sent();
    const blind = await run(
      snapshotWith((s) => {
        s.gaps = [
          {
            source: "aws.targetGroups",
            targetGroupArn: GW_TG_ARN,
            message: "DescribeTargetHealth failed: ThrottlingException: Rate exceeded",
          },
        ];
      }),
      5,
    );
    // The gap itself waits for a second run before it pages (one throttled call is common).
    expect(blind.alerts).toMatchObject({ resolved: 0, held: 1, new: 0 });
    expect(sent().sns).toHaveLength(0);

    // Seen again: still the same open finding, nothing to say about it; the one-off gap is
    // forgotten without a message.
    const back = await run(snapshotWith(breakGateway), 10);
    expect(back.alerts).toMatchObject({ new: 0, resolved: 0 });
    expect(sent().sns).toHaveLength(0);
  });

  it("pages about a gap that is still there on the next run", async () => {
    const gap = (s: Parameters<Parameters<typeof snapshotWith>[0]>[0]) => {
      s.gaps = [{ source: "kubernetes.pods", message: "pods is forbidden (403)" }];
    };
    const first = await run(snapshotWith(gap), 0);
    expect(first.alerts).toMatchObject({ new: 0 });
    expect(sent().sns).toHaveLength(0);
    const second = await run(snapshotWith(gap), 5);
    expect(second.alerts).toMatchObject({ new: 1 });
    const message = sent();
    expect(message.events).toEqual(["open"]);
    expect(JSON.parse(message.sns[0]!.Message!).findings[0].code).toBe("AUDIT001");
  });

  it("does not resolve findings of target groups a limited manual run did not look at", async () => {
    await run(snapshotWith(breakGateway), 0);
    sent();
    const limited = await run(snapshotWith(), 5, { event: { targetGroupArns: [APP_TG_ARN] } });
    expect(limited.alerts).toMatchObject({ resolved: 0, held: 1 });
    expect(sent().sns).toHaveLength(0);
  });

  it("does not notify findings below MIN_SEVERITY or suppressed ones, nor call them resolved", async () => {
    await run(snapshotWith(breakGateway), 0, { config: { minSeverity: "critical" } });
    sent();
    await run(snapshotWith(breakGateway, breakApp), 5, { config: { minSeverity: "critical" } });
    expect(sent().sns).toHaveLength(0);
    await run(snapshotWith(breakGateway), 10, { config: { minSeverity: "critical" } });
    expect(sent().sns).toHaveLength(0);

    const silenced = await run(
      snapshotWith(breakGateway, (s) => {
        s.kubernetes!.services![0]!.metadata.annotations!["alb-health-auditor/ignore"] = "HC001";
      }),
      15,
    );
    expect(silenced.findings).toEqual([]);
    expect(silenced.alerts).toMatchObject({ resolved: 0 });
    expect(sent().sns).toHaveLength(0);
  });
});

describe("overlapping runs", () => {
  it("give exactly one notification per change: one run decides, the other says so", async () => {
    // SNS is slow, so the runs overlap while the first is sending.
    sns.on(PublishCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { MessageId: "m-slow" };
    });
    const broken = snapshotWith(breakGateway);
    const opened = await Promise.all([run(broken, 0), run(broken, 0.5)]);
    expect(opened.map((r) => r.alerts.state).sort()).toEqual(["busy", "ok"]);
    expect(sent().events).toEqual(["open"]);
    // The run without the lease still audited and returned its report.
    const busy = opened.find((r) => r.alerts.state === "busy")!;
    expect(busy.findings.map((f) => f.code)).toEqual(["HC001"]);
    expect(
      output
        .json()
        .some((l) =>
          String(l.message).startsWith("another run of this cluster holds the alert lease"),
        ),
    ).toBe(true);

    // One fix seen by two overlapping runs is resolved once, and stays resolved.
    const fixed = snapshotWith();
    await Promise.all([run(fixed, 5), run(fixed, 5.5)]);
    expect(sent().events).toEqual(["resolved"]);
    await run(fixed, 10);
    expect(sent().events).toEqual([]);
    expect(await stateItems()).not.toContain("lease");
  });

  it("needs no lease for a dry run", async () => {
    const store = new AlertStore(dynamo.client, table);
    const held = await store.acquireLease(
      `cluster#${REGION}/${CLUSTER}`,
      "someone-else",
      new Date(T0),
      new Date(T0 + 60 * MINUTE),
    );
    expect(held).toBeDefined();
    const report = await run(snapshotWith(breakGateway), 1, { event: { dryRun: true } });
    expect(report.findings).toHaveLength(1);
    expect(report.alerts).toBeUndefined();
    expect(sent().sns).toHaveLength(0);
  });
});

describe("when a sink or the state fails", () => {
  it("sends an undelivered SNS notice again on the next run", async () => {
    sns
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error("Rate exceeded"), {
          name: "ThrottledException",
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ MessageId: "m-2" });
    await expect(run(snapshotWith(breakGateway), 0)).rejects.toMatchObject({
      name: "PublishError",
    });
    // Slack got it, the metrics were written.
    expect(sent().slack).toHaveLength(1);
    expect(findingsMetric()).toEqual([1]);

    const retry = await run(snapshotWith(breakGateway), 5);
    expect(retry.alerts).toMatchObject({ new: 1 });
    expect(sent().events).toEqual(["open"]);
  });

  it("counts a notice SNS took as delivered even when Slack failed", async () => {
    await slack.close();
    slack = await startSlackStub(500);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });
    await run(snapshotWith(breakGateway), 0);
    expect(sent().sns).toHaveLength(1);
    await run(snapshotWith(breakGateway), 5);
    expect(sent().sns).toHaveLength(0);
  });

  it("sends every finding when the state cannot be read, and fails the invocation after", async () => {
    const missing = new AlertStore(dynamo.client, "alerts-missing");
    const attempt = run(snapshotWith(breakGateway), 0, { store: missing });
    await expect(attempt).rejects.toMatchObject({ name: "AlertStateError" });
    await expect(attempt).rejects.toThrow(/alerts-missing failed: ResourceNotFoundException/);
    const message = sent();
    // The plain report message, as without alert state, with every attribute a filter
    // policy may match on: {"event": ["open"]} must not drop the fallback.
    expect(message.sns).toHaveLength(1);
    expect(message.sns[0]!.MessageAttributes).toEqual({
      event: { DataType: "String", StringValue: "open" },
      severity: { DataType: "String", StringValue: "critical" },
      cluster: { DataType: "String", StringValue: CLUSTER },
      region: { DataType: "String", StringValue: REGION },
      codes: { DataType: "String.Array", StringValue: '["HC001"]' },
      findings: { DataType: "Number", StringValue: "1" },
    });
    expect(message.slack).toHaveLength(1);
    expect(findingsMetric()).toEqual([1]);
    expect(
      output.json().find((l) => l.message === "alert state unavailable; sending every finding"),
    ).toBeDefined();
  });
});

// Issue 12, item 1: when a list the topology join reads (TargetGroupBindings, Services,
// Ingresses) cannot be read, a group's findings may vanish only because the join broke. Those
// groups hold their open findings: no "resolved" while traffic is still lost, and no flap when
// the next run sees the list again.

/** The cart group is tied to its Service by its TargetGroupBinding alone (no stack tags). */
function boundOnly(s: SnapshotInput): void {
  const tg = tgs(s).find((t) => t.TargetGroupArn === APP_TG_ARN)!;
  tg.Tags = tg.Tags!.filter((t) => t.Key === "elbv2.k8s.aws/cluster");
}

/** No endpoint of the cart Service is ready and its targets fail: TGT003, critical. */
function cartDown(s: SnapshotInput): void {
  for (const slice of k8s(s).endpointSlices) {
    if (slice.metadata.labels?.["kubernetes.io/service-name"] !== "cart") continue;
    for (const ep of slice.endpoints ?? []) ep.conditions = { ready: false, serving: false };
  }
  for (const pod of k8s(s).pods.filter((p) => p.metadata.namespace === "shop")) {
    pod.status!.conditions = [{ type: "Ready", status: "False" }];
  }
  const tg = tgs(s).find((t) => t.TargetGroupArn === APP_TG_ARN)!;
  tg.TargetHealthDescriptions = tg.TargetHealthDescriptions!.map((d) => ({
    ...d,
    TargetHealth: { State: "unhealthy", Reason: "Target.Timeout" },
  }));
}

/** The bindings list answered 403: an empty list plus a gap, as the collector writes it. */
function bindingsForbidden(s: SnapshotInput): void {
  k8s(s).targetGroupBindings = [];
  s.gaps = [
    {
      source: "kubernetes.targetGroupBindings",
      message: "targetgroupbindings.elbv2.k8s.aws is forbidden (403)",
    },
  ];
}

describe("a gap in a list the join reads", () => {
  it("sends no resolved for an open TGT003 of a binding-linked group, and no flap after it", async () => {
    const down = await run(snapshotWith(boundOnly, cartDown), 0);
    expect(down.findings.map((f) => [f.code, f.targetGroupArn])).toContainEqual([
      "TGT003",
      APP_TG_ARN,
    ]);
    expect(sent().events).toEqual(["open"]);

    const blind = await run(snapshotWith(boundOnly, cartDown, bindingsForbidden), 5);
    expect(blind.findings.map((f) => f.code)).not.toContain("TGT003");
    // No "resolved", and the failing targets are not sent again under another code: the
    // group's findings are held both ways (AUDIT001 waits for a second run, as for any gap).
    expect(sent().events).toEqual([]);
    expect(blind.alerts.held).toBeGreaterThan(0);

    const again = await run(snapshotWith(boundOnly, cartDown), 10);
    expect(again.findings.map((f) => f.code)).toContain("TGT003");
    expect(sent().events).toEqual([]);
  });

  it("resolves it once a run that can see the join no longer finds it", async () => {
    await run(snapshotWith(boundOnly, cartDown), 0);
    sent();
    await run(snapshotWith(boundOnly, cartDown, bindingsForbidden), 5);
    await run(snapshotWith(boundOnly), 10);
    expect(sent().events).toContain("resolved");
  });
});

describe("alert state keyed by account, region and cluster", () => {
  const ACCOUNT = "111122223333";
  const inAccount =
    (account: string) =>
    (s: SnapshotInput): void => {
      s.cluster = { ...s.cluster, account };
    };
  const items = async (pk: string) => {
    const out = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: pk } },
      }),
    );
    return (out.Items ?? []).map((i) => i.sk!.S!).filter((sk) => sk.startsWith("finding#"));
  };
  const LEGACY = `cluster#${REGION}/${CLUSTER}`;
  const KEYED = `cluster#${ACCOUNT}/${REGION}/${CLUSTER}`;

  it("takes over the state of the key without the account: no finding is sent again as new", async () => {
    // State written before accounts were part of the key (a snapshot without one).
    await run(snapshotWith(breakGateway, breakApp), 0);
    expect(sent().events).toEqual(["open"]);
    expect(await items(LEGACY)).toHaveLength(2);

    // The upgraded run knows the account: the same findings are still open, nothing is sent.
    const upgraded = await run(snapshotWith(breakGateway, breakApp, inAccount(ACCOUNT)), 5);
    expect(upgraded.alerts).toMatchObject({ state: "ok", new: 0, resolved: 0 });
    expect(sent().events).toEqual([]);
    expect(await items(KEYED)).toHaveLength(2);
    expect(await items(LEGACY)).toEqual([]);
    expect(
      output.json().some((l) => l.message === "alert state moved to the key with the account"),
    ).toBe(true);

    // Fixed: resolved once, under the new key, and never again from the old one.
    await run(snapshotWith(breakApp, inAccount(ACCOUNT)), 10);
    expect(sent().events).toEqual(["resolved"]);
    await run(snapshotWith(breakApp, inAccount(ACCOUNT)), 15);
    expect(sent().events).toEqual([]);
  });

  it("keeps two accounts' clusters of one name and region apart, with account and region on every message", async () => {
    await run(snapshotWith(breakGateway, inAccount(ACCOUNT)), 0);
    const first = sent();
    expect(first.events).toEqual(["open"]);
    expect(first.sns[0]!.MessageAttributes).toMatchObject({
      account: { DataType: "String", StringValue: ACCOUNT },
      region: { DataType: "String", StringValue: REGION },
      cluster: { DataType: "String", StringValue: CLUSTER },
    });
    // The other account's cluster of the same name is healthy: it resolves nothing of the first.
    await run(snapshotWith(inAccount("999988887777")), 5);
    expect(sent().events).toEqual([]);
    await run(snapshotWith(breakGateway, inAccount(ACCOUNT)), 10);
    expect(sent().events).toEqual([]);
    const fixed = await run(snapshotWith(inAccount(ACCOUNT)), 15);
    expect(sent().events).toEqual(["resolved"]);
    expect(fixed.cluster).toEqual({ name: CLUSTER, region: REGION, account: ACCOUNT });
  });
});
