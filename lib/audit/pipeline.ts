/**
 * One audit of one cluster: collect → analyze → notify (decide → render → send → record) →
 * metrics. A function of the configuration and the clients, so the scheduled Lambda and any
 * other caller (a fleet run per cluster) share it; functions/ only wires AWS clients to it.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { coverageOf } from "../alerts/coverage";
import { notify, type AlertStore, type AlertSummary } from "../alerts/index";
import type { AuditReport } from "../analyze/finding";
import { analyzeModel } from "../analyze/index";
import { buildModel } from "../analyze/model";
import type { ApiCalls, CollectOptions } from "../collect/collect";
import { DEFAULT_REPEAT_INTERVAL_HOURS, type AuditConfig } from "../config";
import { renderMarkdown } from "../report/markdown";
import { auditMetrics, type MetricIdentity } from "../report/metrics";
import { fitMarkdown, fitReport, RESPONSE_LIMIT_BYTES } from "../report/response";
import { topologiesOf } from "../report/topology";
import type { SinkTargets } from "../sinks/index";
import { emitMetrics } from "../sinks/metrics";
import { readWebhookUrl } from "../sinks/webhook-url";
import type { Snapshot } from "../snapshot/schema";
import { collectWithinBudget, collectionBudgetMs, runDeadline, slackBudgetMs } from "./budget";
import { prefilterFor } from "./prefilter-memory";
import { parseRequest, type AuditRequest } from "./request";

export const SERVICE_NAME = "alb-health-auditor";

/** The invocation failed because SNS, the sink alerting relies on, could not be reached. */
export class PublishError extends Error {
  override name = "PublishError";
}

/** The alert state could not be read or written; the run still sent what it could. */
export class AlertStateError extends Error {
  override name = "AlertStateError";
}

/** The AWS clients (and fetch) the sinks use. */
export interface AuditClients {
  sns: SNSClient;
  ssm: SSMClient;
  secrets: SecretsManagerClient;
  fetch: typeof fetch;
}

export interface AuditDeps {
  config: AuditConfig;
  collect: (options: CollectOptions) => Promise<Snapshot>;
  clients: AuditClients;
  /** Milliseconds since the epoch; a fake clock makes AuditDurationMs exact in tests. */
  now: () => number;
  logger: Logger;
  /** Alert state (lib/alerts); without it every run sends every finding. */
  alerts?: AlertStore;
  /** Time left before the Lambda timeout (context.getRemainingTimeInMillis). */
  remainingTimeMs?: () => number;
  /** This run's id, which holds the alert lease (the Lambda request id). */
  runId?: string;
  /** "fleet" for a fleet run's cluster: its metrics name the account and region too. */
  metricIdentity?: MetricIdentity;
}

/** What the alert state did with the run; `duplicate` when the event was handled before. */
interface AlertFields {
  alerts?: AlertSummary;
  duplicate?: true;
}

export type AuditResult =
  (AuditReport & AlertFields) | ({ report: AuditReport; markdown: string } & AlertFields);

/** Where the sinks send, from the configuration; Slack's retries within `slackBudget`. */
function sinkTargets(config: AuditConfig, clients: AuditClients, slackBudget: number): SinkTargets {
  const webhook = config.slackWebhook;
  return {
    ...(config.snsTopicArn ? { sns: { client: clients.sns, topicArn: config.snsTopicArn } } : {}),
    ...(webhook
      ? {
          slack: {
            webhookUrl: () => readWebhookUrl(webhook, clients),
            fetch: clients.fetch,
            timeoutMs: config.slackTimeoutMs,
            retry: { ...config.slackRetry, budgetMs: slackBudget },
          },
        }
      : {}),
  };
}

/** One audit of what an invocation's payload asks for (PayloadError when it is not valid). */
export const runAudit = (event: unknown, deps: AuditDeps): Promise<AuditResult> =>
  auditRequest(parseRequest(event), deps);

/** One audit of a checked request: the Lambda's payload, or a fleet run's cluster. */
export async function auditRequest(request: AuditRequest, deps: AuditDeps): Promise<AuditResult> {
  const { config, logger } = deps;
  const started = deps.now();
  const clusterName = request.clusterName ?? config.clusterName;
  const region = request.region ?? config.region;
  const dryRun = request.dryRun ?? false;
  const remainingMs = deps.remainingTimeMs?.();
  const budgetMs = remainingMs === undefined ? undefined : collectionBudgetMs(remainingMs);
  logger.appendKeys({ cluster: clusterName });
  logger.info("audit started", {
    trigger: request.trigger,
    ...(request.eventId ? { eventId: request.eventId } : {}),
    region,
    dryRun,
    targetGroupArns: request.targetGroupArns?.length ?? "all",
    ...(budgetMs !== undefined ? { collectionBudgetMs: Math.round(budgetMs) } : {}),
  });

  const account = request.account;
  const prefilter = prefilterFor(config, request, {
    name: clusterName,
    region,
    ...(account ? { account } : {}),
  });
  let apiCalls: ApiCalls | undefined;
  // Collection stops in time for analysis and sending; what it could not reach is a gap.
  const snapshot = await collectWithinBudget(remainingMs, (signal) =>
    deps.collect({
      clusterName,
      region,
      ...(account ? { account } : {}),
      ...(request.targetGroupArns ? { targetGroupArns: request.targetGroupArns } : {}),
      ...(signal ? { signal } : {}),
      ...(config.elbCallsPerSecond ? { elbCallsPerSecond: config.elbCallsPerSecond } : {}),
      ...(config.networkChecks === false ? { network: false } : {}),
      ...(config.ec2CallsPerSecond ? { ec2CallsPerSecond: config.ec2CallsPerSecond } : {}),
      ...(prefilter ? { prefilter } : {}),
      onProgress: (message) => logger.debug(message),
      onApiCalls: (calls) => (apiCalls = calls),
    }),
  );
  // One model serves the analysis, the alert coverage and the metrics.
  const model = buildModel(snapshot);
  const { report, suppressed } = analyzeModel(model);
  logger.info("audit analysed", {
    targetGroups: report.summary.targetGroups,
    unhealthyTargets: report.summary.unhealthyTargets,
    bySeverity: report.summary.bySeverity,
    byCode: report.summary.byCode,
    gaps: report.summary.gaps,
  });
  const result: AuditResult =
    request.format === "markdown"
      ? {
          report,
          markdown: renderMarkdown(report, {
            topologies: topologiesOf(model),
            ...(config.links ? { links: config.links } : {}),
          }),
        }
      : report;

  // A dry run is for trying the function out: no message, no metric on the dashboards, and
  // no alert state (nor its lease), so the next real run still notifies what this one saw.
  if (dryRun) return result;

  const run = await notify({
    report,
    coverage: coverageOf(model, suppressed, request.targetGroupArns),
    ...(request.eventId ? { eventId: request.eventId } : {}),
    runId: deps.runId ?? randomUUID(),
    now: new Date(started),
    deadline: runDeadline(started, remainingMs),
    options: {
      minSeverity: config.minSeverity,
      notifyWhenClean: config.notifyWhenClean,
      repeatIntervalMs: (config.repeatIntervalHours ?? DEFAULT_REPEAT_INTERVAL_HOURS) * 3_600_000,
      ...(config.snsFormat ? { snsFormat: config.snsFormat } : {}),
      ...(config.links ? { links: config.links } : {}),
    },
    ...(deps.alerts ? { store: deps.alerts } : {}),
    targets: sinkTargets(
      config,
      deps.clients,
      slackBudgetMs(config.slackRetry?.budgetMs, deps.remainingTimeMs?.()),
    ),
    logger,
  });
  const alerts = run.summary;
  // The first delivery of this event wrote the metrics and sent the messages.
  if (alerts?.duplicate) return { ...result, duplicate: true, alerts };

  const failed = run.outcomes.filter((o) => o.status === "failed");
  try {
    emitMetrics(
      auditMetrics({
        report,
        model,
        durationMs: deps.now() - started,
        sinkFailures: failed.length,
        ...(apiCalls ? { apiCalls } : {}),
        targetGroupMetrics: config.targetGroupMetrics ?? false,
        ...(deps.metricIdentity ? { identity: deps.metricIdentity } : {}),
      }),
      { namespace: config.metricsNamespace, serviceName: SERVICE_NAME },
    );
  } catch (error) {
    logger.error("metrics could not be written", { reason: (error as Error).name });
  }
  logger.info("audit finished", {
    sinks: Object.fromEntries(run.outcomes.map((o) => [o.sink, o.status])),
    ...(apiCalls ? { apiCalls } : {}),
    ...(alerts ? { alerts } : {}),
  });

  const sns = run.outcomes.find((o) => o.sink === "sns" && o.status === "failed");
  if (sns) throw new PublishError(`Findings were not published to SNS: ${sns.reason}`);
  if (run.stateError) throw new AlertStateError(`Alert state: ${run.stateError}`);
  return alerts ? { ...result, alerts } : result;
}

/** The answer within Lambda's response limit: the markdown split evenly with the report. */
export function fitResponse(result: AuditResult, limit = RESPONSE_LIMIT_BYTES): AuditResult {
  if ("markdown" in result) {
    return {
      ...result,
      report: fitReport(result.report, limit / 2),
      markdown: fitMarkdown(result.markdown, limit / 2),
    };
  }
  return fitReport(result, limit);
}
