import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { SnsMessage } from "../report/sns";
import { SinkError, safeReason } from "./errors";

/** Publishes one audit message; returns the SNS message id. */
export async function publishToSns(
  client: SNSClient,
  topicArn: string,
  message: SnsMessage,
): Promise<string | undefined> {
  try {
    const out = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.message,
        MessageAttributes: message.attributes,
      }),
    );
    return out.MessageId;
  } catch (error) {
    throw new SinkError("sns", `publish failed: ${safeReason(error)}`);
  }
}
