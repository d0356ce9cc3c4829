/**
 * Errors a sink reports. Their messages are built here from known-safe parts, because the
 * raw error of a failed request can quote the URL, and the Slack webhook URL is a credential.
 */
export type SinkName = "sns" | "slack" | "metrics";

export class SinkError extends Error {
  override name = "SinkError";
  constructor(
    readonly sink: SinkName,
    message: string,
  ) {
    super(`${sink}: ${message}`);
  }
}

/**
 * A description of an error that never includes its message text unless it comes from an AWS
 * SDK service response (those name the resource, never a secret value).
 */
export function safeReason(error: unknown): string {
  if (error instanceof SinkError) return error.message;
  if (typeof error !== "object" || error === null) return "unknown error";
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: unknown;
    $metadata?: unknown;
  };
  const name = typeof e.name === "string" ? e.name : "Error";
  if (e.$metadata !== undefined && typeof e.message === "string") return `${name}: ${e.message}`;
  const cause = e.cause as { code?: unknown } | undefined;
  const code =
    typeof e.code === "string" ? e.code : typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `${name} (${code})` : name;
}
