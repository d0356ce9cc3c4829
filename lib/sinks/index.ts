/**
 * Sends rendered messages to SNS and Slack. Sinks only send: what to send was decided and
 * rendered before (lib/alerts), and where to send it comes from the caller's targets. The
 * sinks run side by side and never stop each other: each outcome is reported, failures are
 * logged with a safe reason, and the caller decides what a failure means for the invocation.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SlackMessage } from "../report/slack";
import type { SnsMessage } from "../report/sns";
import { safeReason, type SinkName } from "./errors";
import { publishToSns } from "./sns";
import { postToSlack, type SlackRetryOptions } from "./slack";

export { SinkError } from "./errors";

export interface SinkOutcome {
  sink: Exclude<SinkName, "metrics">;
  status: "sent" | "skipped" | "failed";
  /** Why it was skipped or failed; safe to log. */
  reason?: string;
}

/** One notification, rendered for each sink. */
export interface RenderedMessage {
  /** What it is, for the logs: "report", "findings", "resolved". */
  kind: string;
  sns: SnsMessage;
  slack: SlackMessage;
}

export interface SnsTarget {
  client: SNSClient;
  topicArn: string;
}

export interface SlackTarget {
  /** Reads the webhook URL (a credential) when there is something to post. */
  webhookUrl: () => Promise<string>;
  fetch: typeof fetch;
  /** Timeout of one attempt. */
  timeoutMs: number;
  retry?: SlackRetryOptions;
}

/** Where messages go; an absent sink is "not configured". */
export interface SinkTargets {
  sns?: SnsTarget;
  slack?: SlackTarget;
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
  messages: RenderedMessage[],
  target: SnsTarget,
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
      const messageId = await publishToSns(target.client, target.topicArn, message);
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
  messages: RenderedMessage[],
  target: SlackTarget,
  logger: Logger,
): Promise<SinkRun> {
  let url: string;
  try {
    url = await target.webhookUrl();
  } catch (error) {
    return { sent: messages.map(() => false), failure: safeReason(error) };
  }
  const run: SinkRun = { sent: [] };
  for (const { kind, slack: message } of messages) {
    try {
      await postToSlack(url, message, {
        fetch: target.fetch,
        timeoutMs: target.timeoutMs,
        ...(target.retry ? { retry: target.retry } : {}),
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

/** Every sink skipped for one reason (nothing to send, another run holds the lease, ...). */
export const skippedAll = (targets: SinkTargets, reason: string): SinkOutcome[] =>
  (["sns", "slack"] as const).map((sink) =>
    targets[sink] === undefined
      ? { sink, status: "skipped", reason: "not configured" }
      : { sink, status: "skipped", reason },
  );

/**
 * Sends each message to every configured sink. SNS and Slack run side by side, so Slack's
 * retries never hold up SNS; within a sink the messages go in order.
 */
export async function deliver(
  messages: RenderedMessage[],
  targets: SinkTargets,
  logger: Logger,
): Promise<Delivery> {
  if (messages.length === 0) {
    return { outcomes: skippedAll(targets, "nothing to send"), delivered: [] };
  }
  const plan = [
    {
      sink: "sns" as const,
      send: targets.sns && (() => sendToSns(messages, targets.sns!, logger)),
    },
    {
      sink: "slack" as const,
      send: targets.slack && (() => sendToSlack(messages, targets.slack!, logger)),
    },
  ];
  const runs = await Promise.all(
    plan.map(async ({ sink, send }) => {
      if (!send) {
        const outcome: SinkOutcome = { sink, status: "skipped", reason: "not configured" };
        return { sink, run: undefined, outcome };
      }
      const run = await send();
      if (run.failure !== undefined) {
        logger.error("sink failed", { sink, reason: run.failure });
        const outcome: SinkOutcome = { sink, status: "failed", reason: run.failure };
        return { sink, run, outcome };
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
