/**
 * The fleet's state machine (Amazon States Language), built here so the deployment, the
 * validator test and the emulator test share one definition.
 *
 * Map over account-and-region groups (inline: a fleet has tens of such groups, far below the
 * 40 concurrent iterations an inline Map runs, and no S3 item source is needed); inside each
 * iteration a loop audits the group's clusters one after another, as many per worker invocation
 * as its time allows. A worker that fails after its retries fails only its own iteration.
 */

export type FleetTask = "plan" | "worker" | "summary";

/** The fields of a Task state that call one of the fleet's functions. */
export type TaskBinding = (task: FleetTask) => Record<string, unknown>;

export interface StateMachineOptions {
  /** Iterations (account-and-region groups) in flight at once. */
  maxConcurrency: number;
  /**
   * The planned groups, when the fleet definition was packaged with the deployment; without
   * them, a plan task reads the definition (from SSM) at the start of every execution.
   */
  groups?: unknown[];
  /** How each task is called; by default a Lambda invoke of `${<Task>FunctionArn}`. */
  task?: TaskBinding;
  /** Seconds to wait before auditing a throttled cluster again. Default 30. */
  backoffSeconds?: number;
  /** Seconds a worker invocation may take before Step Functions gives up on it. */
  workerTimeoutSeconds?: number;
}

export const FUNCTION_ARN_VARIABLES: Record<FleetTask, string> = {
  plan: "FleetPlanFunctionArn",
  worker: "FleetWorkerFunctionArn",
  summary: "FleetSummaryFunctionArn",
};

/** Lambda invoke through the optimised integration; `${…}` is filled by DefinitionSubstitutions. */
export const lambdaTask: TaskBinding = (task) => ({
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: `\${${FUNCTION_ARN_VARIABLES[task]}}`, "Payload.$": "$" },
  ResultSelector: { "value.$": "$.Payload" },
  OutputPath: "$.value",
});

/**
 * Only what passes by itself is retried: Lambda's own throttling and a task that timed out.
 * A cluster that the account's API throttling stopped comes back through Backoff instead, so
 * the clusters audited before it in the same invocation are not audited twice.
 */
export const RETRYABLE_ERRORS = ["Lambda.TooManyRequestsException", "States.Timeout"] as const;

const retry = [
  {
    ErrorEquals: [...RETRYABLE_ERRORS],
    IntervalSeconds: 5,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  },
];

export function fleetStateMachine(options: StateMachineOptions): Record<string, unknown> {
  const task = options.task ?? lambdaTask;
  const start = options.groups
    ? {
        Type: "Pass",
        Comment: "The fleet definition packaged with the deployment, planned at package time",
        Result: { groups: options.groups },
        Next: "AuditAccountRegions",
      }
    : {
        Type: "Task",
        Comment: "Reads and validates the fleet definition, then groups it by account and region",
        ...task("plan"),
        Retry: retry,
        Next: "AuditAccountRegions",
      };
  return {
    Comment:
      "alb-health-auditor fleet audit: one iteration per account and region, its clusters one after another",
    StartAt: "Fleet",
    States: {
      Fleet: start,
      AuditAccountRegions: {
        Type: "Map",
        ItemsPath: "$.groups",
        MaxConcurrency: options.maxConcurrency,
        ItemSelector: {
          "group.$": "$$.Map.Item.Value",
          "executionId.$": "$$.Execution.Id",
          next: 0,
          throttled: 0,
          results: [],
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "AuditClusters",
          States: {
            AuditClusters: {
              Type: "Task",
              Comment:
                "Audits the group's clusters from `next` on, as many as the invocation's time allows",
              ...task("worker"),
              ...(options.workerTimeoutSeconds
                ? { TimeoutSeconds: options.workerTimeoutSeconds }
                : {}),
              Retry: retry,
              Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "GroupFailed" }],
              Next: "MoreClusters",
            },
            MoreClusters: {
              Type: "Choice",
              Choices: [
                { Variable: "$.backoff", BooleanEquals: true, Next: "Backoff" },
                { Variable: "$.done", BooleanEquals: false, Next: "AuditClusters" },
              ],
              Default: "GroupDone",
            },
            // The account's API throttled the cluster at `next`: wait, then try it again.
            Backoff: { Type: "Wait", Seconds: options.backoffSeconds ?? 30, Next: "AuditClusters" },
            GroupDone: {
              Type: "Pass",
              Parameters: {
                "account.$": "$.group.account",
                "region.$": "$.group.region",
                "results.$": "$.results",
              },
              End: true,
            },
            // The clusters audited before the failure keep their results; the summary reports
            // the rest of the group as failed with the error, and the other groups go on.
            GroupFailed: {
              Type: "Pass",
              Parameters: {
                "account.$": "$.group.account",
                "region.$": "$.group.region",
                "results.$": "$.results",
                "clusters.$": "$.group.clusters",
                "next.$": "$.next",
                "error.$": "$.error.Error",
              },
              End: true,
            },
          },
        },
        ResultPath: "$.groups",
        Next: "Summarize",
      },
      Summarize: {
        Type: "Task",
        Comment: "Fleet summary: metrics, failed clusters as findings, an optional message",
        ...task("summary"),
        Retry: retry,
        End: true,
      },
    },
  };
}
