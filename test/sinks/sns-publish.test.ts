import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { SnsMessage } from "../../lib/report/sns";
import { publishToSns } from "../../lib/sinks/sns";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:findings";
const msg = (subject: string, extra: Partial<SnsMessage> = {}): SnsMessage => ({
  subject,
  message: JSON.stringify({ default: subject, email: subject }),
  structure: "json",
  attributes: { event: { DataType: "String", StringValue: "open" } },
  published: 1,
  omitted: 0,
  ...extra,
});

describe("publishToSns", () => {
  it("publishes a message and its follow-ups in order, with MessageStructure json", async () => {
    const sns = mockClient(SNSClient);
    let n = 0;
    sns.on(PublishCommand).callsFake(async () => ({ MessageId: `m-${++n}` }));
    const id = await publishToSns(new SNSClient({ region: "eu-west-1" }), TOPIC, {
      ...msg("a"),
      followUps: [msg("b"), msg("c")],
    });
    expect(id).toBe("m-1");
    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.Subject)).toEqual(["a", "b", "c"]);
    expect(inputs.every((i) => i.MessageStructure === "json" && i.TopicArn === TOPIC)).toBe(true);
    sns.restore();
  });

  it("sends no MessageStructure for the JSON document, and fails naming the message that failed", async () => {
    const sns = mockClient(SNSClient);
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: "m-1" })
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "Throttled" }));
    const plain: SnsMessage = { ...msg("a"), message: "{}", structure: undefined };
    delete plain.structure;
    await expect(
      publishToSns(new SNSClient({ region: "eu-west-1" }), TOPIC, {
        ...plain,
        followUps: [msg("b")],
      }),
    ).rejects.toThrow(/publish failed \(message 2 of 2\)/);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageStructure).toBeUndefined();
    sns.restore();
  });
});
