/**
 * Fleet mode's functions, called by the fleet state machine (lib/fleet/state-machine.ts):
 * `plan` reads the fleet definition from SSM, `worker` audits the clusters of one account and
 * region, `summary` writes the fleet's metrics and its optional message. Each wires AWS clients
 * to lib/fleet.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import middy from "@middy/core";
import { AlertStore } from "../lib/alerts/index";
import { createElbv2Client } from "../lib/collect/aws";
import { createEc2Client } from "../lib/collect/ec2";
import { collectSnapshot } from "../lib/collect/collect";
import { loadConfig } from "../lib/config";
import { SERVICE_NAME } from "../lib/audit/pipeline";
import { groupAuditor, type TemporaryCredentials } from "../lib/fleet/audit-cluster";
import { pipelineAudit } from "../lib/fleet/cluster-audit";
import { planFromParameter, summarizeRun } from "../lib/fleet/run";
import type { GroupOutput } from "../lib/fleet/summary";
import { runFleetWorker, type WorkerInput } from "../lib/fleet/worker";
import { emitMetrics } from "../lib/sinks/metrics";
import { publishToSns } from "../lib/sinks/sns";

const logger = new Logger({ serviceName: SERVICE_NAME });

export const plan = middy<unknown, unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const name = process.env.FLEET_PARAMETER ?? "";
    const planned = await planFromParameter(
      new SSMClient({ region: process.env.AWS_REGION }),
      name,
    );
    logger.info("fleet planned", {
      groups: planned.groups.length,
      clusters: planned.groups.reduce((n, g) => n + g.clusters.length, 0),
    });
    return planned;
  });

export const worker = middy<WorkerInput, unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (input, context) => {
    const { group } = input;
    // The shared settings (topic, table, severity, rate) are the single-cluster ones; the
    // cluster and region come from each fleet entry.
    const config = loadConfig({
      ...process.env,
      CLUSTER_NAME: group.clusters[0]?.name ?? "",
    });
    logger.appendKeys({ account: group.account, region: group.region });
    const sinkClients = {
      sns: new SNSClient({ region: config.snsTopicArn?.split(":")[3] ?? config.region }),
      ssm: new SSMClient({ region: config.region }),
      secrets: new SecretsManagerClient({ region: config.region }),
      fetch: (url: string | URL | Request, init?: RequestInit) => globalThis.fetch(url, init),
    };
    const alerts = config.alertTable
      ? new AlertStore(new DynamoDBClient({ region: config.region }), config.alertTable)
      : undefined;
    const auditCluster = groupAuditor(group, {
      sts: new STSClient({ region: group.region }),
      clientsFor: (region, credentials: TemporaryCredentials) => ({
        elbv2: createElbv2Client(region, { credentials }),
        ec2: createEc2Client(region, { credentials }),
        eks: new EKSClient({ region, credentials }),
        cloudwatch: new CloudWatchClient({ region, credentials }),
      }),
      elbCallsPerSecond: config.elbCallsPerSecond ?? 5,
      audit: pipelineAudit({
        config,
        collect: collectSnapshot,
        clients: sinkClients,
        logger,
        now: Date.now,
        ...(alerts ? { alerts } : {}),
      }),
    });
    const out = await runFleetWorker(input, {
      auditCluster,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      now: Date.now,
    });
    logger.info("fleet worker finished", {
      next: out.next,
      done: out.done,
      backoff: out.backoff,
      failed: out.results.filter((r) => r.status === "failed").map((r) => r.cluster),
    });
    return out;
  });

export const summary = middy<{ groups?: GroupOutput[] }, unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (input) => {
    const topic = process.env.SNS_TOPIC_ARN;
    const namespace = process.env.METRICS_NAMESPACE || "AlbHealthAuditor";
    const sns = topic ? new SNSClient({ region: topic.split(":")[3] }) : undefined;
    const out = await summarizeRun(input, {
      emit: (metrics) => emitMetrics(metrics, { namespace, serviceName: SERVICE_NAME }),
      ...(sns && topic && process.env.FLEET_SUMMARY_MESSAGE === "true"
        ? { publish: (message) => publishToSns(sns, topic, message) }
        : {}),
    });
    logger.info("fleet summary", { ...out });
    return out;
  });
