/**
 * Sends an audit to SNS and Slack. The sinks run side by side and never stop each other: each
 * outcome is reported, failures are logged with a safe reason, and the caller decides what a
 * failure means for the invocation.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { AuditReport } from "../analyze/finding";
import type { AuditConfig } from "../config";
import { buildSlackMessage, type SlackMessage } from "../report/slack";
import { buildSnsMessage, publishable, type SnsMessage } from "../report/sns";
import { formatSns } from "../report/sns-format";
import { safeReason, type SinkName } from "./errors";
import { publishToSns } from "./sns";
import { postToSlack } from "./slack";
import { readWebhookUrl } from "./webhook-url";

export { SinkError } from "./errors";

export interface SinkClients {
  sns: SNSClient;
  ssm: SSMClient;
  secrets: SecretsManagerClient;
  fetch: typeof fetch;
}

export interface SinkOutcome {
  sink: Exclude<SinkName, "metrics">;
  status: "sent" | "skipped" | "failed";
  /** Why it was skipped or failed; safe to log. */
  reason?: string;
}

export type NotifyConfig = Pick<
  AuditConfig,
  | "snsTopicArn"
  | "slackWebhook"
  | "minSeverity"
  | "notifyWhenClean"
  | "slackTimeoutMs"
  | "slackRetry"
  | "snsFormat"
  | "links"
>;

/** One notification, rendered for both sinks. */
export interface OutgoingMessage {
  /** What it is, for the logs: "report", "findings", "resolved". */
  kind: string;
  sns: SnsMessage;
  slack: SlackMessage;
}

export interface Delivery {
  outcomes: SinkOutcome[];
  /**
   * Per message: whether the sink alerting relies on took it (SNS when configured, else
   * Slack; true when neither is). The alert state records a notification only then.
   */
  delivered: boolean[];
}

interface SinkRun {
  sent: boolean[];
  failure?: string;
}

async function sendToSns(
  messages: OutgoingMessage[],
  topicArn: string,
  clients: SinkClients,
  logger: Logger,
): Promise<SinkRun> {
  const run: SinkRun = { sent: [] };
  for (const { kind, sns: message } of messages) {
    if (message.omitted > 0) {
      logger.warn("SNS message truncated to fit the size limit", {
        kind,
        published: message.published,
        omitted: message.omitted,
      });
    }
    try {
      const messageId = await publishToSns(clients.sns, topicArn, message);
      logger.info("published to SNS", {
        kind,
        messageId,
        findings: message.published,
        severity: message.attributes.severity?.StringValue,
      });
      run.sent.push(true);
    } catch (error) {
      run.failure ??= safeReason(error);
      run.sent.push(false);
    }
  }
  return run;
}

async function sendToSlack(
  messages: OutgoingMessage[],
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
): Promise<SinkRun> {
  let url: string;
  try {
    url = await readWebhookUrl(config.slackWebhook!, clients);
  } catch (error) {
    return { sent: messages.map(() => false), failure: safeReason(error) };
  }
  const run: SinkRun = { sent: [] };
  for (const { kind, slack: message } of messages) {
    try {
      await postToSlack(url, message, {
        fetch: clients.fetch,
        timeoutMs: config.slackTimeoutMs,
        retry: config.slackRetry,
      });
      logger.info("posted to Slack", { kind, blocks: message.blocks.length });
      run.sent.push(true);
    } catch (error) {
      run.failure ??= safeReason(error);
      run.sent.push(false);
    }
  }
  return run;
}

/**
 * Sends each message to every configured sink. SNS and Slack run side by side, so Slack's
 * retries never hold up SNS; within a sink the messages go in order.
 */
export async function sendMessages(
  messages: OutgoingMessage[],
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
): Promise<Delivery> {
  const plan: { sink: SinkOutcome["sink"]; configured: boolean; send: () => Promise<SinkRun> }[] = [
    {
      sink: "sns",
      configured: config.snsTopicArn !== undefined,
      send: () => sendToSns(messages, config.snsTopicArn!, clients, logger),
    },
    {
      sink: "slack",
      configured: config.slackWebhook !== undefined,
      send: () => sendToSlack(messages, config, clients, logger),
    },
  ];
  const runs = await Promise.all(
    plan.map(async ({ sink, configured, send }) => {
      if (!configured) {
        return {
          sink,
          run: undefined,
          outcome: { sink, status: "skipped", reason: "not configured" } as SinkOutcome,
        };
      }
      if (messages.length === 0) {
        return {
          sink,
          run: undefined,
          outcome: { sink, status: "skipped", reason: "nothing to send" } as SinkOutcome,
        };
      }
      const run = await send();
      if (run.failure !== undefined) {
        logger.error("sink failed", { sink, reason: run.failure });
        return {
          sink,
          run,
          outcome: { sink, status: "failed", reason: run.failure } as SinkOutcome,
        };
      }
      return { sink, run, outcome: { sink, status: "sent" } as SinkOutcome };
    }),
  );
  const primary =
    runs.find((r) => r.run !== undefined && r.sink === "sns") ?? runs.find((r) => r.run);
  return {
    outcomes: runs.map((r) => r.outcome),
    delivered: messages.map((_, i) => primary?.run?.sent[i] ?? true),
  };
}

/** Without alert state: one message with every finding at or above `minSeverity`. */
export async function publishNotifications(
  report: AuditReport,
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
): Promise<SinkOutcome[]> {
  const quiet = publishable(report, config.minSeverity).length === 0 && !config.notifyWhenClean;
  if (quiet) {
    const reason = `no finding at or above ${config.minSeverity}`;
    return (["sns", "slack"] as const).map((sink) =>
      (sink === "sns" ? config.snsTopicArn : config.slackWebhook) === undefined
        ? { sink, status: "skipped", reason: "not configured" }
        : { sink, status: "skipped", reason },
    );
  }
  const findings = publishable(report, config.minSeverity);
  const links = config.links ? { links: config.links } : {};
  const message: OutgoingMessage = {
    kind: "report",
    sns: formatSns(
      { event: findings.length > 0 ? "open" : "clean", report, findings },
      buildSnsMessage(report, { minSeverity: config.minSeverity }),
      { format: config.snsFormat ?? "json", ...links },
    ),
    slack: buildSlackMessage(report, { minSeverity: config.minSeverity, ...links }),
  };
  return (await sendMessages([message], config, clients, logger)).outcomes;
}
