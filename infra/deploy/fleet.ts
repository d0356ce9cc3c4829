/**
 * Fleet mode in the stack's plugin: the `fleet*` parameters and the fleet definition checked with
 * the other parameters, and the fleet's functions, state machine, schedule and cross-account IAM
 * (lib/fleet/template.ts) added to the service before it is packaged.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FleetError } from "../../lib/fleet/definition";
import { fleetTemplate, type FleetSettings } from "../../lib/fleet/template";

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
  provider: { stage: string };
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
  const single = service.functions.audit;
  const resources = (service.resources ??= {});
  if (single) {
    if (setting(values, "clusterName").trim()) single.events = [];
    else {
      delete service.functions.audit;
      replaceSingleClusterOperations(resources, setting(values, "metricsNamespace"));
    }
  }
  for (const [name, fn] of Object.entries(template.functions)) {
    service.functions[name] = {
      ...fn,
      name: `${service.service}-${service.provider.stage}-${name}`,
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

/**
 * Without a single cluster, its alarms and dashboard would watch a function that is not
 * deployed: the fleet gets two alarms of its own instead, under the same switch and topic as the
 * errors alarm — the worker failing, and a cluster the run could not audit.
 */
function replaceSingleClusterOperations(
  resources: NonNullable<Service["resources"]>,
  namespace: string,
) {
  const all = (resources.Resources ??= {});
  const errors = all.AuditErrorsAlarm as
    { Condition?: string; Properties: Record<string, unknown> } | undefined;
  for (const name of SINGLE_CLUSTER_OPERATIONS) delete all[name];
  if (resources.Outputs) delete resources.Outputs.DashboardUrl;
  if (!errors) return;
  const common = {
    Statistic: "Maximum",
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: "GreaterThanThreshold",
    AlarmActions: errors.Properties.AlarmActions,
    OKActions: errors.Properties.OKActions,
  };
  const alarm = (properties: Record<string, unknown>) => ({
    Type: "AWS::CloudWatch::Alarm",
    ...(errors.Condition ? { Condition: errors.Condition } : {}),
    Properties: { ...common, ...properties },
  });
  all.FleetWorkerErrorsAlarm = alarm({
    AlarmDescription:
      "A fleet worker failed after its retries: the clusters of that account and region it had not reached were not audited (the execution's output and FleetClustersFailed say which).",
    Namespace: "AWS/Lambda",
    MetricName: "Errors",
    Dimensions: [{ Name: "FunctionName", Value: { Ref: "FleetWorkerLambdaFunction" } }],
    TreatMissingData: "notBreaching",
  });
  all.FleetClustersFailedAlarm = alarm({
    AlarmDescription:
      "The last fleet run could not audit at least one cluster (each is an AUDIT001 finding in the run's summary; ClusterAuditFailed names it).",
    Namespace: namespace || "AlbHealthAuditor",
    MetricName: "FleetClustersFailed",
    Dimensions: [{ Name: "Fleet", Value: "all" }],
    TreatMissingData: "ignore",
  });
}
