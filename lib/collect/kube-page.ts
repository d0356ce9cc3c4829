/**
 * One page of a Kubernetes list over plain HTTPS, kept as the JSON the server sent: the
 * snapshot promises objects exactly as the API serves them, so no typed client is needed (and
 * the Lambda bundle carries none: @kubernetes/client-node alone is half of it).
 */
import { STATUS_CODES, request as httpRequest, type Agent as HttpAgent } from "node:http";
import { request as httpsRequest } from "node:https";

export interface RawList {
  metadata?: { continue?: string; resourceVersion?: string; remainingItemCount?: unknown };
  items?: Record<string, unknown>[] | null;
}

/** Where and how to reach an API server (./kube-endpoint builds one from EKS or a kubeconfig). */
export interface KubeEndpoint {
  /** Base URL of the API server. */
  server: string;
  /** Headers and connection for one request; asked every time, so a token renews mid-list. */
  authorize(): Promise<{ headers: Record<string, string>; agent: HttpAgent }>;
  /** Closes kept-alive connections. */
  close?(): void;
}

/** The server answered with a status other than 2xx; `body` is what it said. */
export class KubeHttpError extends Error {
  override name = "KubeHttpError";
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

/**
 * The server answered 2xx with something that is not a list. Not retried: asking again gets
 * the same answer. The message never quotes the body (a proxy's error page, say).
 */
export class KubeResponseError extends Error {
  override name = "KubeResponseError";
}

/**
 * GETs `path` with `limit`/`continue` (and the server-side `fieldSelector`, when given), bounded
 * by `timeoutMs` and the collection deadline.
 */
export async function fetchListPage(
  endpoint: KubeEndpoint,
  path: string,
  query: { limit: number; continue?: string; fieldSelector?: string },
  timeoutMs: number,
  /** Ends the request early (the collection deadline). */
  signal?: AbortSignal,
): Promise<RawList> {
  const url = new URL(endpoint.server.replace(/\/+$/, "") + path);
  url.searchParams.set("limit", String(query.limit));
  if (query.continue) url.searchParams.set("continue", query.continue);
  if (query.fieldSelector) url.searchParams.set("fieldSelector", query.fieldSelector);
  const { headers, agent } = await endpoint.authorize();
  const timeout = AbortSignal.timeout(timeoutMs);
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        agent,
        headers: { accept: "application/json", ...headers },
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
  if (answer.status < 200 || answer.status > 299)
    throw new KubeHttpError(answer.status, answer.body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new KubeResponseError("the list response is not valid JSON");
  }
  if (!isObject(parsed)) throw new KubeResponseError("the list response is not a JSON object");
  const items = (parsed as RawList).items;
  if (items !== undefined && items !== null && !Array.isArray(items)) {
    throw new KubeResponseError("the list response has no items array");
  }
  if (items?.some((item) => !isObject(item))) {
    throw new KubeResponseError("the list response has an item that is not an object");
  }
  return parsed as RawList;
}

const isObject = (value: unknown): boolean =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** HTTP status of a failed call, if the server answered at all. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof KubeHttpError ? error.code : undefined;
}

const REASONS: Record<number, string> = {
  401: "unauthorized",
  403: "forbidden",
  404: "the server could not find the requested resource",
  410: "the list continuation expired",
  429: "too many requests",
};

/**
 * The API's own words: the message of a Kubernetes Status body. Any other body (a proxy's
 * or load balancer's error page) is never quoted, since it can echo the request's headers,
 * bearer token included.
 */
function statusMessage(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(value) || (value as { kind?: unknown }).kind !== "Status") return undefined;
  const message = (value as { message?: unknown }).message;
  return typeof message === "string" && message.trim() ? message : undefined;
}

const MAX_MESSAGE = 300;

/** A short, one-line reason for a gap entry: the server's own words and the status code. */
export function describeKubeError(error: unknown, timeoutMs: number): string {
  let text: string;
  const status = statusOf(error);
  if (status !== undefined) {
    const reason =
      statusMessage((error as KubeHttpError).body) ??
      REASONS[status] ??
      STATUS_CODES[status]?.toLowerCase() ??
      `HTTP ${status}`;
    text = `${reason} (${status})`;
  } else if (error instanceof Error && /abort|timeout/i.test(`${error.name} ${error.message}`)) {
    text = `no answer within ${timeoutMs / 1000}s (timeout)`;
  } else {
    text = error instanceof Error ? error.message : String(error);
  }
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
