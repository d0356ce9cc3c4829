/**
 * Fleet mode in the stack's plugin: the `fleet*` parameters and the fleet definition checked with
 * the other parameters, and the fleet's functions, state machine, schedule and cross-account IAM
 * (lib/fleet/template.ts) added to the service before it is packaged.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FleetError } from "../../lib/fleet/definition";
import { FUNCTION_NAMES, fleetTemplate, type FleetSettings } from "../../lib/fleet/template";
import { CLUSTER_DIMENSIONS } from "../../lib/report/metrics";
import { fleetDashboardBody, insightsQuery } from "./dashboard";

const FLEET = CLUSTER_DIMENSIONS.fleet;

const setting = (params: ReadonlyMap<string, string>, name: string) => params.get(name) ?? "";

export const isFleet = (params: ReadonlyMap<string, string>): boolean =>
  Boolean(setting(params, "fleet").trim() || setting(params, "fleetParameter").trim());

function settingsOf(values: ReadonlyMap<string, string>): FleetSettings {
  return {
    definition: setting(values, "fleet"),
    parameter: setting(values, "fleetParameter"),
    memberRoleName: setting(values, "fleetMemberRoleName"),
    maxConcurrency: setting(values, "fleetMaxConcurrency"),
    workerTimeout: setting(values, "fleetWorkerTimeout"),
    scheduleRate: setting(values, "scheduleRate"),
    scheduleEnabled: setting(values, "scheduleEnabled"),
    summaryMessage: setting(values, "fleetSummaryMessage"),
  };
}

const readRelative = (dir: string) => (path: string) => readFileSync(resolve(dir, path), "utf8");

/** The fleet's problems as parameter lines (none outside fleet mode). */
export function fleetProblems(params: ReadonlyMap<string, string>, dir = process.cwd()): string[] {
  if (!isFleet(params)) return [];
  try {
    fleetTemplate(settingsOf(params), readRelative(dir));
    return [];
  } catch (error) {
    if (error instanceof FleetError) return [error.message];
    throw error;
  }
}

/** The part of the osls service this touches. */
export interface Service {
  service: string;
  provider: { stage: string; region?: string };
  custom?: { fleet?: Record<string, unknown> };
  functions: Record<string, Record<string, unknown>>;
  resources?: { Resources?: Record<string, unknown>; Outputs?: Record<string, unknown> };
}

/** Adds fleet mode to the resolved service (`custom.fleet` carries the resolved parameters). */
export function addFleet(service: Service, dir: string): boolean {
  const values = new Map(
    Object.entries(service.custom?.fleet ?? {}).map(([k, v]) => [k, v == null ? "" : String(v)]),
  );
  const template = fleetTemplate(settingsOf(values), readRelative(dir));
  if (!template) return false;
  // The state machine's schedule replaces the single-cluster one; without a cluster of its
  // own, the single-cluster function is not deployed at all.
  const prefix = `${service.service}-${service.provider.stage}`;
  const single = service.functions.audit;
  const ownCluster = Boolean(setting(values, "clusterName").trim());
  if (single) {
    if (ownCluster) single.events = [];
    else delete service.functions.audit;
  }
  const resources = (service.resources ??= {});
  addFleetOperations(
    resources,
    {
      prefix,
      namespace: setting(values, "metricsNamespace") || "AlbHealthAuditor",
      region: service.provider.region ?? "us-east-1",
      workerTimeoutSeconds: Number(setting(values, "fleetWorkerTimeout")),
      targetGroupMetrics: /^(true|1)$/i.test(setting(values, "targetGroupMetrics")),
      workerFunctionName: `${prefix}-${FUNCTION_NAMES.worker}`,
    },
    Boolean(single) && ownCluster,
  );
  for (const [name, fn] of Object.entries(template.functions)) {
    service.functions[name] = {
      ...fn,
      name: `${prefix}-${name}`,
      events: [],
    };
  }
  resources.Resources = { ...resources.Resources, ...template.resources };
  resources.Outputs = { ...resources.Outputs, ...template.outputs };
  return true;
}

/** What infra/stack/operations.yml watches of one cluster and its function. */
const SINGLE_CLUSTER_OPERATIONS = [
  "AuditErrorsAlarm",
  "AuditDurationAlarm",
  "AuditSinkFailuresAlarm",
  "CriticalFindingAlarm",
  "AuditDashboard",
];

type Resource = { Condition?: string; Properties: Record<string, unknown> };

export interface FleetOperationsInput {
  /** `<service>-<stage>`, the prefix of the alarm and dashboard names. */
  prefix: string;
  namespace: string;
  region: string;
  workerTimeoutSeconds: number;
  targetGroupMetrics: boolean;
  workerFunctionName: string;
}

/**
 * The fleet's alarms and dashboard, each under the switch (Condition) and on the topic of its
 * single-cluster counterpart in infra/stack/operations.yml: the worker failing, a cluster the run
 * could not audit, a critical finding open and a sink failing in any cluster (Metrics Insights
 * alarms with one contributor per account, region and cluster), and the fleet dashboard. Without
 * a single cluster of its own, the single-cluster ones would watch a function that is not
 * deployed and are removed.
 */
export function addFleetOperations(
  resources: NonNullable<Service["resources"]>,
  input: FleetOperationsInput,
  keepSingleCluster: boolean,
): void {
  const all = (resources.Resources ??= {});
  const single = Object.fromEntries(
    SINGLE_CLUSTER_OPERATIONS.map((name) => [name, all[name] as Resource | undefined]),
  );
  if (!keepSingleCluster) {
    for (const name of SINGLE_CLUSTER_OPERATIONS) delete all[name];
    if (resources.Outputs) delete resources.Outputs.DashboardUrl;
  }
  const errors = single.AuditErrorsAlarm;
  if (!errors) return;
  const { namespace, prefix } = input;
  const when = (counterpart: Resource | undefined) =>
    counterpart?.Condition ? { Condition: counterpart.Condition } : {};
  const actions = {
    AlarmActions: errors.Properties.AlarmActions,
    OKActions: errors.Properties.OKActions,
  };
  const threshold = {
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: "GreaterThanThreshold",
    ...actions,
  };
  const alarm = (counterpart: Resource | undefined, properties: Record<string, unknown>) => ({
    Type: "AWS::CloudWatch::Alarm",
    ...when(counterpart),
    Properties: { ...threshold, ...properties },
  });
  const perCluster = (
    id: string,
    metric: string,
    label: string,
    where: Record<string, string> = {},
  ) => [
    {
      Id: id,
      Expression: insightsQuery(
        namespace,
        "MAX",
        metric,
        [...FLEET, ...Object.keys(where)],
        FLEET,
        where,
      ),
      Period: 300,
      Label: label,
      ReturnData: true,
    },
  ];

  all.FleetWorkerErrorsAlarm = alarm(errors, {
    AlarmDescription:
      "A fleet worker failed after its retries: the clusters of that account and region it had not reached were not audited (the execution's output and FleetClustersFailed say which).",
    Namespace: "AWS/Lambda",
    MetricName: "Errors",
    Dimensions: [{ Name: "FunctionName", Value: { Ref: "FleetWorkerLambdaFunction" } }],
    Statistic: "Maximum",
    Period: 300,
    TreatMissingData: "notBreaching",
  });
  all.FleetClustersFailedAlarm = alarm(errors, {
    AlarmDescription:
      "The last fleet run could not audit at least one cluster (each is an AUDIT001 finding in the run's summary; ClusterAuditFailed names it).",
    Namespace: namespace,
    MetricName: "FleetClustersFailed",
    Dimensions: [{ Name: "Fleet", Value: "all" }],
    Statistic: "Maximum",
    Period: 300,
    TreatMissingData: "ignore",
  });
  if (single.CriticalFindingAlarm) {
    all.FleetCriticalFindingAlarm = alarm(single.CriticalFindingAlarm, {
      AlarmName: `${prefix}-fleet-critical-finding`,
      AlarmDescription: `At least one cluster of the fleet has a critical finding open. Each cluster is a contributor of this alarm: aws cloudwatch describe-alarm-contributors --alarm-name ${prefix}-fleet-critical-finding names its account, region and cluster; the findings message names the finding and its fix.`,
      Metrics: perCluster("critical", "Findings", "critical findings", { Severity: "critical" }),
      TreatMissingData: "ignore",
    });
  }
  if (single.AuditSinkFailuresAlarm) {
    all.FleetSinkFailuresAlarm = alarm(single.AuditSinkFailuresAlarm, {
      AlarmName: `${prefix}-fleet-sink-failures`,
      AlarmDescription: `The audit of at least one cluster could not deliver to a sink (Slack, SNS): aws cloudwatch describe-alarm-contributors --alarm-name ${prefix}-fleet-sink-failures names it; "sink failed" in the worker's log has the reason.`,
      Metrics: perCluster("sinks", "SinkFailures", "sinks failed"),
      TreatMissingData: "ignore",
    });
  }
  if (single.AuditDashboard) {
    all.FleetDashboard = {
      Type: "AWS::CloudWatch::Dashboard",
      ...when(single.AuditDashboard),
      Properties: {
        DashboardName: `${prefix}-fleet`,
        DashboardBody: JSON.stringify(
          fleetDashboardBody({
            namespace,
            region: input.region,
            workerFunctionName: input.workerFunctionName,
            workerTimeoutSeconds: input.workerTimeoutSeconds,
            targetGroupMetrics: input.targetGroupMetrics,
          }),
        ),
      },
    };
    (resources.Outputs ??= {}).FleetDashboardUrl = {
      ...when(single.AuditDashboard),
      Value: {
        "Fn::Join": [
          "",
          [
            "https://",
            { Ref: "AWS::Region" },
            ".console.aws.amazon.com/cloudwatch/home?region=",
            { Ref: "AWS::Region" },
            "#dashboards:name=",
            { Ref: "FleetDashboard" },
          ],
        ],
      },
    };
  }
}
