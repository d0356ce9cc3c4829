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
import { buildSlackMessage } from "../report/slack";
import { buildSnsMessage, publishable } from "../report/sns";
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

type NotifyConfig = Pick<
  AuditConfig,
  "snsTopicArn" | "slackWebhook" | "minSeverity" | "notifyWhenClean" | "slackTimeoutMs"
>;

async function sendToSns(
  report: AuditReport,
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
) {
  const message = buildSnsMessage(report, { minSeverity: config.minSeverity });
  if (message.omitted > 0) {
    logger.warn("SNS message truncated to fit the size limit", {
      published: message.published,
      omitted: message.omitted,
    });
  }
  const messageId = await publishToSns(clients.sns, config.snsTopicArn!, message);
  logger.info("published to SNS", {
    messageId,
    findings: message.published,
    severity: message.attributes.severity?.StringValue,
  });
}

async function sendToSlack(
  report: AuditReport,
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
) {
  const url = await readWebhookUrl(config.slackWebhook!, clients);
  const message = buildSlackMessage(report, { minSeverity: config.minSeverity });
  await postToSlack(url, message, { fetch: clients.fetch, timeoutMs: config.slackTimeoutMs });
  logger.info("posted to Slack", { blocks: message.blocks.length });
}

export async function publishNotifications(
  report: AuditReport,
  config: NotifyConfig,
  clients: SinkClients,
  logger: Logger,
): Promise<SinkOutcome[]> {
  const quiet = publishable(report, config.minSeverity).length === 0 && !config.notifyWhenClean;
  const plan: { sink: SinkOutcome["sink"]; configured: boolean; send: () => Promise<void> }[] = [
    {
      sink: "sns",
      configured: config.snsTopicArn !== undefined,
      send: () => sendToSns(report, config, clients, logger),
    },
    {
      sink: "slack",
      configured: config.slackWebhook !== undefined,
      send: () => sendToSlack(report, config, clients, logger),
    },
  ];
  return Promise.all(
    plan.map(async ({ sink, configured, send }): Promise<SinkOutcome> => {
      if (!configured) return { sink, status: "skipped", reason: "not configured" };
      if (quiet) {
        return { sink, status: "skipped", reason: `no finding at or above ${config.minSeverity}` };
      }
      try {
        await send();
        return { sink, status: "sent" };
      } catch (error) {
        const reason = safeReason(error);
        logger.error("sink failed", { sink, reason });
        return { sink, status: "failed", reason };
      }
    }),
  );
}
