import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { readWebhookUrl } from "../../lib/sinks/webhook-url";

const URL_ = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";
const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const clients = () => ({
  ssm: new SSMClient({ region: "eu-west-1" }),
  secrets: new SecretsManagerClient({ region: "eu-west-1" }),
});

beforeEach(() => {
  ssm.reset();
  secrets.reset();
});

describe("readWebhookUrl", () => {
  it("reads a SecureString parameter with decryption", async () => {
    ssm.on(GetParameterCommand, { Name: "/a/slack", WithDecryption: true }).resolves({
      Parameter: { Value: ` ${URL_}\n` },
    });
    await expect(readWebhookUrl({ kind: "ssm", name: "/a/slack" }, clients())).resolves.toBe(URL_);
  });

  it.each([
    ["the bare URL", URL_],
    ["JSON with url", JSON.stringify({ url: URL_ })],
    ["JSON with webhookUrl", JSON.stringify({ webhookUrl: URL_ })],
  ])("reads a secret holding %s", async (_, SecretString) => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString });
    await expect(readWebhookUrl({ kind: "secretsmanager", arn: SECRET }, clients())).resolves.toBe(
      URL_,
    );
  });

  it.each([
    ["http://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", /does not hold an https URL/],
    ["not a url XXXXsecretXXXX", /does not hold a URL/],
    ['{"token":"XXXXsecretXXXX"}', /has no "url" or "webhookUrl" string field/],
  ])("rejects %s without quoting it", async (SecretString, message) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString });
    const read = readWebhookUrl({ kind: "secretsmanager", arn: SECRET }, clients());
    await expect(read).rejects.toThrow(message);
    await expect(read).rejects.not.toThrow(/XXXXsecretXXXX/);
  });

  it("reports a failed read with the service's error, naming the parameter", async () => {
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error("User is not authorized to perform ssm:GetParameter"), {
        name: "AccessDeniedException",
        $metadata: {},
      }),
    );
    await expect(readWebhookUrl({ kind: "ssm", name: "/a/slack" }, clients())).rejects.toThrow(
      "slack: reading SSM parameter /a/slack failed: AccessDeniedException: User is not authorized",
    );
  });

  it("rejects an empty parameter", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "" } });
    await expect(readWebhookUrl({ kind: "ssm", name: "/a/slack" }, clients())).rejects.toThrow(
      "SSM parameter /a/slack is empty",
    );
  });
});
