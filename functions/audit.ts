/**
 * The audit Lambda: the handler and its AWS clients. Runs on the EventBridge schedule or on a
 * manual `aws lambda invoke` with a small payload; the audit itself is lib/audit/pipeline.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import middy from "@middy/core";
import { AlertStore } from "../lib/alerts/index";
import {
  SERVICE_NAME,
  fitResponse,
  runAudit,
  type AuditClients,
  type AuditDeps,
  type AuditResult,
} from "../lib/audit/pipeline";
import { collectSnapshot } from "../lib/collect/collect";
import { loadConfig, type AuditConfig } from "../lib/config";

export { PayloadError, manualPayloadSchema, parseRequest } from "../lib/audit/request";
export {
  AlertStateError,
  PublishError,
  SERVICE_NAME,
  fitResponse,
  runAudit,
  type AuditDeps,
  type AuditResult,
} from "../lib/audit/pipeline";
export { resetPrefilterMemory as resetPrefilterState } from "../lib/audit/prefilter-memory";

const defaultLogger = new Logger({ serviceName: SERVICE_NAME });

function awsClients(config: AuditConfig): AuditClients {
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
            runId: overrides.runId ?? context.awsRequestId,
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
