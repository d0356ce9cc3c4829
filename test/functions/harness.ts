/**
 * What the handler tests stand up instead of AWS: a local HTTP server in place of the Slack
 * webhook, captured stdout/stderr (Powertools writes logs and EMF there), a Lambda context.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "aws-lambda";
import { vi } from "vitest";
import type { AuditConfig } from "../../lib/config";
import { CLUSTER, REGION } from "../support/scenarios";

/** The configuration every handler test starts from: the scenario cluster, no sinks. */
export function testConfig(overrides: Partial<AuditConfig> = {}): AuditConfig {
  return {
    clusterName: CLUSTER,
    region: REGION,
    minSeverity: "warning",
    notifyWhenClean: false,
    metricsNamespace: "AlbHealthAuditor",
    slackTimeoutMs: 2_000,
    ...overrides,
  };
}

export interface SlackStub {
  /** Webhook URL; the path stands in for the secret part of a real one. */
  url: string;
  secretPath: string;
  bodies: unknown[];
  close: () => Promise<void>;
}

export async function startSlackStub(status = 200): Promise<SlackStub> {
  const bodies: unknown[] = [];
  const secretPath = "/services/T0AUDIT/B0AUDIT/s3cr3tW3bh00kT0k3n";
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
    req.on("end", () => {
      if (req.method === "POST" && req.url === secretPath) bodies.push(JSON.parse(data));
      res.writeHead(req.url === secretPath ? status : 404, { "content-type": "text/plain" });
      res.end(status === 200 ? "ok" : "no_service");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${secretPath}`,
    secretPath,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Captured {
  text: () => string;
  /** Lines that parse as JSON objects. */
  json: () => Record<string, unknown>[];
  /** EMF documents: JSON lines with an `_aws` key. */
  emf: () => Record<string, unknown>[];
  restore: () => void;
}

export function captureOutput(): Captured {
  const chunks: string[] = [];
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(grab);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(grab);
  const text = () => chunks.join("");
  const json = () =>
    text()
      .split("\n")
      .filter((l) => l.trim().startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    text,
    json,
    emf: () => json().filter((o) => "_aws" in o),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "alb-health-auditor-prod-audit",
    functionVersion: "$LATEST",
    invokedFunctionArn:
      "arn:aws:lambda:eu-west-1:111122223333:function:alb-health-auditor-prod-audit",
    memoryLimitInMB: "512",
    awsRequestId: "5b1c6f1e-0000-4000-8000-000000000001",
    logGroupName: "/aws/lambda/alb-health-auditor-prod-audit",
    logStreamName: "2026/11/24/[$LATEST]0000",
    getRemainingTimeInMillis: () => 120_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const scheduledEvent = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "111122223333",
  time: "2026-11-24T10:00:00Z",
  region: "eu-west-1",
  resources: ["arn:aws:events:eu-west-1:111122223333:rule/alb-health-auditor-prod-audit"],
  detail: {},
};

/** A clock that advances by `stepMs` on each reading. */
export function steppingClock(startMs: number, stepMs: number): () => number {
  let t = startMs - stepMs;
  return () => (t += stepMs);
}
