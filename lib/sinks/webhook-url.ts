/**
 * Reads the Slack incoming-webhook URL from SSM Parameter Store (SecureString) or Secrets
 * Manager. The URL is a bearer credential: it is returned, never logged or put in an error.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { SlackWebhookSource } from "../config";
import { SinkError, safeReason } from "./errors";

export interface SecretClients {
  ssm: SSMClient;
  secrets: SecretsManagerClient;
}

/** https anywhere; plain http only to this machine, which is what tests stand up. */
function checkedUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SinkError("slack", `${where} does not hold a URL`);
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new SinkError("slack", `${where} does not hold an https URL`);
  }
  return url.toString();
}

/** A secret holds the bare URL or a JSON object with a `url` (or `webhookUrl`) field. */
function urlFromSecretString(secret: string, where: string): string {
  const text = secret.trim();
  if (!text.startsWith("{")) return checkedUrl(text, where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SinkError("slack", `${where} is neither a URL nor JSON`);
  }
  const fields = parsed as { url?: unknown; webhookUrl?: unknown };
  const value = typeof fields.url === "string" ? fields.url : fields.webhookUrl;
  if (typeof value !== "string") {
    throw new SinkError("slack", `${where} has no "url" or "webhookUrl" string field`);
  }
  return checkedUrl(value, where);
}

export async function readWebhookUrl(
  source: SlackWebhookSource,
  clients: SecretClients,
): Promise<string> {
  if (source.kind === "ssm") {
    const where = `SSM parameter ${source.name}`;
    let value: string | undefined;
    try {
      const out = await clients.ssm.send(
        new GetParameterCommand({ Name: source.name, WithDecryption: true }),
      );
      value = out.Parameter?.Value;
    } catch (error) {
      throw new SinkError("slack", `reading ${where} failed: ${safeReason(error)}`);
    }
    if (!value) throw new SinkError("slack", `${where} is empty`);
    return checkedUrl(value, where);
  }
  const where = `secret ${source.arn}`;
  let secret: string | undefined;
  try {
    const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: source.arn }));
    secret = out.SecretString;
  } catch (error) {
    throw new SinkError("slack", `reading ${where} failed: ${safeReason(error)}`);
  }
  if (!secret) throw new SinkError("slack", `${where} has no SecretString`);
  return urlFromSecretString(secret, where);
}
