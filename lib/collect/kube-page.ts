/**
 * One page of a Kubernetes list, read through the generated client but kept as the JSON the
 * server sent: the client's typed models drop fields they do not know and rewrite timestamps,
 * and the snapshot promises objects exactly as the API serves them.
 */
import { Agent } from "node:https";
import {
  ApiException,
  Observable,
  ResponseContext,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from "@kubernetes/client-node";

export interface RawList {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: Record<string, unknown>[] | null;
}

/**
 * One keep-alive connection for the pages of a collection: the client makes a new agent, and
 * so a new TLS handshake, for every request.
 */
export interface Connection {
  agent?: Agent;
}

// What the client gets to parse instead of the page: its typed copy would be thrown away.
const EMPTY_LIST = '{"items":[]}';

/** Calls `request` with per-call options that bound its time and capture the raw body. */
export async function fetchRawList(
  request: (options: ConfigurationOptions) => Promise<unknown>,
  timeoutMs: number,
  /** Ends the request early (the collection deadline). */
  signal?: AbortSignal,
  connection?: Connection,
): Promise<RawList> {
  let raw: string | undefined;
  const timeout = AbortSignal.timeout(timeoutMs);
  const capture: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal ? AbortSignal.any([timeout, signal]) : timeout);
      const agent = context.getAgent();
      // Same TLS settings (CA, client certificate) as the client's own agent, kept open.
      if (connection && agent instanceof Agent) {
        connection.agent ??= new Agent({ ...agent.options, keepAlive: true });
        context.setAgent(connection.agent);
      }
      return new Observable(Promise.resolve(context));
    },
    post: (context) =>
      new Observable(
        context.body.text().then((text) => {
          raw = text;
          // The body stream is single-use; hand the client a replayable copy. A page it would
          // parse and convert to typed models only to be discarded (a second JSON.parse and a
          // deep copy per item) becomes an empty list; an error keeps its body for the message.
          const ok = context.httpStatusCode >= 200 && context.httpStatusCode < 300;
          const replay = ok ? EMPTY_LIST : text;
          return new ResponseContext(context.httpStatusCode, context.headers, {
            text: async () => replay,
            binary: async () => Buffer.from(replay, "utf8"),
          });
        }),
      ),
  };
  await request({ middleware: [capture], middlewareMergeStrategy: "append" });
  if (raw === undefined) throw new Error("the list response had no body");
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("the list response is not a JSON object");
  }
  return parsed as RawList;
}

/** HTTP status of a failed call, if the server answered at all. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException && typeof error.code === "number" ? error.code : undefined;
}

const REASONS: Record<number, string> = {
  401: "unauthorized",
  403: "forbidden",
  404: "the server could not find the requested resource",
  410: "the list continuation expired",
  429: "too many requests",
};

function serverMessage(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  if (value && typeof value === "object" && "message" in value) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === "string" && message) return message;
  }
  return undefined;
}

const MAX_MESSAGE = 300;

/** A short, one-line reason for a gap entry: the server's own words and the status code. */
export function describeKubeError(error: unknown, timeoutMs: number): string {
  let text: string;
  const status = statusOf(error);
  if (status !== undefined) {
    const ex = error as ApiException<unknown>;
    const reason = serverMessage(ex.body) ?? REASONS[status] ?? `HTTP ${status}`;
    text = `${reason} (${status})`;
  } else if (error instanceof Error && /abort|timeout/i.test(`${error.name} ${error.message}`)) {
    text = `no answer within ${timeoutMs / 1000}s (timeout)`;
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
