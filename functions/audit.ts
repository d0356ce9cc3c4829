/**
 * The audit Lambda: collect → analyze → sinks. Runs on the EventBridge schedule or on a manual
 * `aws lambda invoke` with a small payload. `runAudit` takes every dependency as an argument
 * so tests drive the whole flow without AWS; `handler` wires the real ones.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import { coverageOf } from "../lib/alerts/coverage";
import { AlertStore, notifyChanges, type AlertSummary } from "../lib/alerts/index";
import type { AuditReport } from "../lib/analyze/finding";
import { analyzeModel } from "../lib/analyze/index";
import { buildModel } from "../lib/analyze/model";
import {
  collectSnapshot,
  collectWithinBudget,
  collectionBudgetMs,
  type ApiCalls,
  type CollectOptions,
  type PrefilterState,
} from "../lib/collect/collect";
import { parseRequest, type AuditRequest } from "../lib/audit/request";
import { loadConfig, type AuditConfig } from "../lib/config";

export { PayloadError, parseRequest, manualPayloadSchema } from "../lib/audit/request";
import { auditMetrics } from "../lib/report/metrics";
import { renderMarkdown } from "../lib/report/markdown";
import { topologiesOf } from "../lib/report/topology";
import { fitMarkdown, fitReport, RESPONSE_LIMIT_BYTES } from "../lib/report/response";
import { publishNotifications, type SinkClients, type SinkOutcome } from "../lib/sinks/index";
import { emitMetrics } from "../lib/sinks/metrics";
import { SLACK_RETRY_DEFAULTS } from "../lib/sinks/slack";
import type { Snapshot } from "../lib/snapshot/schema";

export const SERVICE_NAME = "alb-health-auditor";

/** The invocation failed because SNS, the sink alerting relies on, could not be reached. */
export class PublishError extends Error {
  override name = "PublishError";
}

/** The alert state could not be read or written; the run still sent what it could. */
export class AlertStateError extends Error {
  override name = "AlertStateError";
}

export interface AuditDeps {
  config: AuditConfig;
  collect: (options: CollectOptions) => Promise<Snapshot>;
  clients: SinkClients;
  /** Milliseconds since the epoch; a fake clock makes AuditDurationMs exact in tests. */
  now: () => number;
  logger: Logger;
  /** Alert state (lib/alerts); without it every run sends every finding. */
  alerts?: AlertStore;
  /** Time left before the Lambda timeout (context.getRemainingTimeInMillis). */
  remainingTimeMs?: () => number;
}

/** What the alert state did with the run; `duplicate` when the event was handled before. */
interface AlertFields {
  alerts?: AlertSummary;
  duplicate?: true;
}

export type AuditResult =
  (AuditReport & AlertFields) | ({ report: AuditReport; markdown: string } & AlertFields);

/**
 * The health prefilter's memory between runs. It lives as long as the warm container; a cold
 * start begins again with a full listing, which is the safe direction.
 */
let prefilterState: PrefilterState | undefined;

/** Forgets the prefilter's memory, as a cold start does (tests). */
export const resetPrefilterState = (): void => {
  prefilterState = undefined;
};

/**
 * Only scheduled runs use the prefilter: someone invoking the function by hand is
 * investigating and wants every target listed, and a run limited to named groups lists them.
 */
function prefilterFor(config: AuditConfig, request: AuditRequest): CollectOptions["prefilter"] {
  if (!config.prefilter?.enabled || request.trigger !== "schedule") return undefined;
  return {
    enabled: true,
    fullSweepEvery: config.prefilter.fullSweepEvery,
    sweep: config.prefilter.sweep,
    ...(prefilterState ? { previous: prefilterState } : {}),
    onState: (state) => {
      prefilterState = state;
    },
  };
}

export async function runAudit(event: unknown, deps: AuditDeps): Promise<AuditResult> {
  const { config, logger } = deps;
  const started = deps.now();
  const request = parseRequest(event);
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

  const prefilter = prefilterFor(config, request);
  let apiCalls: ApiCalls | undefined;
  // Collection stops in time for analysis and sending; what it could not reach is a gap.
  const snapshot = await collectWithinBudget(remainingMs, (signal) =>
    deps.collect({
      clusterName,
      region,
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
      ? { report, markdown: renderMarkdown(report, { topologies: topologiesOf(model) }) }
      : report;

  // A dry run is for trying the function out: no message, no metric on the dashboards, and
  // no alert state, so the next real run still notifies what this one saw.
  if (dryRun) return result;

  // Slack's retries get at most half of what is left, so they cannot run into the timeout.
  const left = deps.remainingTimeMs?.();
  const slackBudget = Math.min(
    config.slackRetry?.budgetMs ?? SLACK_RETRY_DEFAULTS.budgetMs,
    left === undefined ? Infinity : Math.max(0, Math.floor(left / 2)),
  );
  const sinkConfig = { ...config, slackRetry: { ...config.slackRetry, budgetMs: slackBudget } };

  let outcomes: SinkOutcome[];
  let alerts: AlertSummary | undefined;
  let stateError: string | undefined;
  if (deps.alerts) {
    const run = await notifyChanges({
      report,
      coverage: coverageOf(model, suppressed, request.targetGroupArns),
      ...(request.eventId ? { eventId: request.eventId } : {}),
      now: new Date(started),
      config: sinkConfig,
      store: deps.alerts,
      clients: deps.clients,
      logger,
    });
    // The first delivery of this event wrote the metrics and sent the messages.
    if (run.summary.duplicate) return { ...result, duplicate: true, alerts: run.summary };
    ({ outcomes, stateError } = run);
    alerts = run.summary;
  } else {
    outcomes = await publishNotifications(report, sinkConfig, deps.clients, logger);
  }
  const failed = outcomes.filter((o) => o.status === "failed");
  try {
    emitMetrics(
      auditMetrics({
        report,
        model,
        durationMs: deps.now() - started,
        sinkFailures: failed.length,
        ...(apiCalls ? { apiCalls } : {}),
        targetGroupMetrics: config.targetGroupMetrics ?? false,
      }),
      { namespace: config.metricsNamespace, serviceName: SERVICE_NAME },
    );
  } catch (error) {
    logger.error("metrics could not be written", { reason: (error as Error).name });
  }
  logger.info("audit finished", {
    sinks: Object.fromEntries(outcomes.map((o) => [o.sink, o.status])),
    ...(apiCalls ? { apiCalls } : {}),
    ...(alerts ? { alerts } : {}),
  });

  const sns = outcomes.find((o) => o.sink === "sns" && o.status === "failed");
  if (sns) throw new PublishError(`Findings were not published to SNS: ${sns.reason}`);
  if (stateError) throw new AlertStateError(`Alert state: ${stateError}`);
  return alerts ? { ...result, alerts } : result;
}

const defaultLogger = new Logger({ serviceName: SERVICE_NAME });

function awsClients(config: AuditConfig): SinkClients {
  // A topic or secret in another region than the function is reached in its own region.
  const regionOf = (arn: string | undefined) => arn?.split(":")[3] ?? config.region;
  const secretArn =
    config.slackWebhook?.kind === "secretsmanager" ? config.slackWebhook.arn : undefined;
  return {
    sns: new SNSClient({ region: regionOf(config.snsTopicArn) }),
    ssm: new SSMClient({ region: config.region }),
    secrets: new SecretsManagerClient({ region: regionOf(secretArn) }),
    fetch: (input, init) => globalThis.fetch(input, init),
  };
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

/** The middy handler; tests pass fakes for any dependency, production passes none. */
export function createHandler(
  overrides: Partial<AuditDeps> & { responseLimitBytes?: number } = {},
) {
  const logger = overrides.logger ?? defaultLogger;
  let config = overrides.config;
  let clients = overrides.clients;
  let alerts = overrides.alerts;
  return middy<unknown, AuditResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      try {
        // Read once per container; a bad value fails every invocation with the same message.
        config ??= loadConfig();
        clients ??= awsClients(config);
        if (config.alertTable) {
          alerts ??= new AlertStore(
            new DynamoDBClient({ region: config.region }),
            config.alertTable,
          );
        }
        return fitResponse(
          await runAudit(event, {
            config,
            clients,
            logger,
            collect: overrides.collect ?? collectSnapshot,
            now: overrides.now ?? Date.now,
            ...(alerts ? { alerts } : {}),
            remainingTimeMs:
              overrides.remainingTimeMs ?? (() => context.getRemainingTimeInMillis()),
          }),
          overrides.responseLimitBytes,
        );
      } catch (error) {
        logger.error("audit failed", error as Error);
        throw error;
      }
    });
}

export const handler = createHandler();
