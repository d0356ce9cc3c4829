import type { SlackMessage } from "../report/slack";
import { SinkError, safeReason } from "./errors";

export interface SlackPostOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Posts to an incoming webhook, which answers 200 "ok" or an error code in the body. */
export async function postToSlack(
  webhookUrl: string,
  message: SlackMessage,
  options: SlackPostOptions,
): Promise<void> {
  let response: Response;
  try {
    response = await options.fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new SinkError("slack", `webhook request failed: ${safeReason(error)}`);
  }
  if (!response.ok) {
    // Slack's error bodies are short codes such as invalid_blocks or no_service.
    const body = (await response.text().catch(() => "")).slice(0, 100).replace(/[^\w -]/g, "");
    throw new SinkError("slack", `webhook answered ${response.status}${body ? ` (${body})` : ""}`);
  }
  await response.body?.cancel().catch(() => undefined);
}
