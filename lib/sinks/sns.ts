import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { SnsMessage } from "../report/sns";
import { SinkError, safeReason } from "./errors";

/**
 * Publishes one audit message and its follow-ups, in order; returns the first SNS message id.
 * It fails when any of them was not taken (the next run sends the notification again).
 */
export async function publishToSns(
  client: SNSClient,
  topicArn: string,
  message: SnsMessage,
): Promise<string | undefined> {
  let first: string | undefined;
  for (const [i, m] of [message, ...(message.followUps ?? [])].entries()) {
    try {
      const out = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: m.subject,
          Message: m.message,
          ...(m.structure ? { MessageStructure: m.structure } : {}),
          MessageAttributes: m.attributes,
        }),
      );
      if (i === 0) first = out.MessageId;
    } catch (error) {
      const which = i === 0 ? "" : ` (message ${i + 1} of ${1 + (message.followUps?.length ?? 0)})`;
      throw new SinkError("sns", `publish failed${which}: ${safeReason(error)}`);
    }
  }
  return first;
}
