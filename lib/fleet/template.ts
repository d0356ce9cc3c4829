/**
 * What a fleet deployment adds to the stack: the fleet's functions, its state machine and
 * schedule, and the IAM that lets the auditor assume each member account's read-only role.
 * Built at package time by infra/fleet-plugin.cjs from the `fleet*` parameters; pure, so a test
 * can read it without packaging.
 */
import { parseFleetText, FleetError, type Fleet } from "./definition";
import { planFleet } from "./plan";
import { FUNCTION_ARN_VARIABLES, fleetStateMachine, type FleetTask } from "./state-machine";

export interface FleetSettings {
  /** Path of a fleet definition packaged with the deployment (`--param fleet=...`). */
  definition?: string;
  /** Or an SSM parameter (String) holding it, read at the start of every execution. */
  parameter?: string;
  /** Role name in every member account when the definition comes from SSM (unknown here). */
  memberRoleName: string;
  maxConcurrency: string;
  workerTimeout: string;
  scheduleRate: string;
  scheduleEnabled: string;
  /** "true": the summary step publishes one fleet summary message to the findings topic. */
  summaryMessage: string;
}

export interface FleetFunction {
  handler: string;
  description: string;
  timeout: number;
  memorySize?: number;
  maximumRetryAttempts?: number;
  environment?: Record<string, unknown>;
}

export interface FleetTemplate {
  functions: Record<string, FleetFunction>;
  resources: Record<string, unknown>;
  outputs: Record<string, unknown>;
  fleet?: Fleet;
}

const PARAMETER_PATH = /^\/[\w.\-/]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** One line in the form the stack's other parameter checks use (infra/deploy/params.ts). */
function fail(parameter: string, value: string, what: string): never {
  throw new FleetError(`--param ${parameter}${value ? `=${value}` : ""} ${what}`);
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    fail(name, raw, `must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** The fleet functions' names in the service (the deployed name is `<service>-<stage>-<name>`). */
export const FUNCTION_NAMES: Record<FleetTask, string> = {
  plan: "fleetPlan",
  worker: "fleetWorker",
  summary: "fleetSummary",
};
/** The CloudFormation logical id the framework gives a function (its naming convention). */
const logicalId = (task: FleetTask) =>
  `${FUNCTION_NAMES[task].charAt(0).toUpperCase()}${FUNCTION_NAMES[task].slice(1)}LambdaFunction`;
const arnOf = (task: FleetTask) => ({ "Fn::GetAtt": [logicalId(task), "Arn"] });
const join = (...parts: unknown[]) => ({ "Fn::Join": ["", parts] });
const partition = { Ref: "AWS::Partition" };

/** A role only this account's `service` may assume, with one inline policy of one statement. */
const serviceRole = (service: string, policyName: string, statement: Record<string, unknown>) => ({
  Type: "AWS::IAM::Role",
  Properties: {
    AssumeRolePolicyDocument: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
        },
      ],
    },
    Policies: [
      { PolicyName: policyName, PolicyDocument: { Version: "2012-10-17", Statement: [statement] } },
    ],
  },
});

/**
 * The fleet's additions, or undefined for a single-cluster deployment. Throws FleetError with
 * one line naming the parameter (or the definition's entry) when something is wrong.
 */
export function fleetTemplate(
  settings: FleetSettings,
  readDefinition: (path: string) => string,
): FleetTemplate | undefined {
  const definition = settings.definition?.trim() || undefined;
  const parameter = settings.parameter?.trim() || undefined;
  if (!definition && !parameter) return undefined;
  if (definition && parameter)
    fail("fleetParameter", parameter, "cannot be set together with fleet (choose one source)");
  if (parameter && !PARAMETER_PATH.test(parameter)) {
    fail("fleetParameter", parameter, "must be an SSM parameter path starting with /");
  }
  if (!ROLE_NAME.test(settings.memberRoleName)) {
    fail("fleetMemberRoleName", settings.memberRoleName, "is not an IAM role name");
  }
  if (!/^(true|false)$/.test(settings.summaryMessage)) {
    fail("fleetSummaryMessage", settings.summaryMessage, 'must be "true" or "false"');
  }
  const maxConcurrency = wholeNumber("fleetMaxConcurrency", settings.maxConcurrency, 1, 40);
  const workerTimeout = wholeNumber("fleetWorkerTimeout", settings.workerTimeout, 60, 900);

  let fleet: Fleet | undefined;
  if (definition) {
    let text: string;
    try {
      text = readDefinition(definition);
    } catch {
      fail("fleet", definition, "names a file that cannot be read");
    }
    fleet = parseFleetText(text, { source: `--param fleet=${definition}` });
  }
  const groups = fleet ? planFleet(fleet) : undefined;

  const functions: Record<string, FleetFunction> = {
    [FUNCTION_NAMES.worker]: {
      handler: "functions/fleet.worker",
      description: "Audits the clusters of one account and region of the fleet, one after another",
      timeout: workerTimeout,
      // Step Functions retries what is worth retrying; Lambda's own async retries do not apply.
      maximumRetryAttempts: 0,
    },
    [FUNCTION_NAMES.summary]: {
      handler: "functions/fleet.summary",
      description: "Summarises a fleet run: metrics, failed clusters, an optional message",
      timeout: 60,
      memorySize: 256,
      maximumRetryAttempts: 0,
      environment: { FLEET_SUMMARY_MESSAGE: settings.summaryMessage },
    },
  };
  if (parameter) {
    functions[FUNCTION_NAMES.plan] = {
      handler: "functions/fleet.plan",
      description: "Reads and validates the fleet definition from SSM",
      timeout: 30,
      memorySize: 256,
      maximumRetryAttempts: 0,
      environment: { FLEET_PARAMETER: parameter },
    };
  }
  const tasks: FleetTask[] = parameter ? ["plan", "worker", "summary"] : ["worker", "summary"];

  const stateMachine = fleetStateMachine({
    maxConcurrency,
    ...(groups ? { groups } : {}),
    // A little over the function's own timeout: a worker that hangs fails its iteration only.
    workerTimeoutSeconds: workerTimeout + 30,
  });

  // The member roles the auditor may assume: exactly the fleet's, or every account's role of
  // the one name when the definition is only known at run time.
  const memberRoles = fleet
    ? [...new Set(fleet.clusters.map((c) => c.roleArn))]
    : [join("arn:", partition, `:iam::*:role/${settings.memberRoleName}`)];
  const auditorStatements: unknown[] = [
    { Effect: "Allow", Action: "sts:AssumeRole", Resource: memberRoles },
  ];
  if (parameter) {
    auditorStatements.push({
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: join(
        "arn:",
        partition,
        ":ssm:",
        { Ref: "AWS::Region" },
        ":",
        { Ref: "AWS::AccountId" },
        `:parameter${parameter}`,
      ),
    });
  }

  const resources: Record<string, unknown> = {
    FleetAuditorAccess: {
      Type: "AWS::IAM::Policy",
      Properties: {
        PolicyName: join({ Ref: "AWS::StackName" }, "-fleet-access"),
        Roles: [{ Ref: "IamRoleLambdaExecution" }],
        PolicyDocument: { Version: "2012-10-17", Statement: auditorStatements },
      },
    },
    FleetStateMachineRole: serviceRole("states.amazonaws.com", "invoke-fleet-functions", {
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: tasks.map(arnOf),
    }),
    FleetStateMachine: {
      Type: "AWS::StepFunctions::StateMachine",
      Properties: {
        StateMachineType: "STANDARD",
        RoleArn: { "Fn::GetAtt": ["FleetStateMachineRole", "Arn"] },
        Definition: stateMachine,
        DefinitionSubstitutions: Object.fromEntries(
          tasks.map((task) => [FUNCTION_ARN_VARIABLES[task], arnOf(task)]),
        ),
      },
    },
    FleetScheduleRole: serviceRole("events.amazonaws.com", "start-fleet-audit", {
      Effect: "Allow",
      Action: "states:StartExecution",
      Resource: { Ref: "FleetStateMachine" },
    }),
    FleetSchedule: {
      Type: "AWS::Events::Rule",
      Properties: {
        Description: "Starts the fleet audit",
        ScheduleExpression: settings.scheduleRate.trim(),
        State: /^(true|1)$/i.test(settings.scheduleEnabled) ? "ENABLED" : "DISABLED",
        Targets: [
          {
            Id: "fleet-audit",
            Arn: { Ref: "FleetStateMachine" },
            RoleArn: { "Fn::GetAtt": ["FleetScheduleRole", "Arn"] },
          },
        ],
      },
    },
  };

  const outputs: Record<string, unknown> = {
    FleetStateMachineArn: {
      Description:
        "Start a fleet audit by hand: aws stepfunctions start-execution --state-machine-arn ...",
      Value: { Ref: "FleetStateMachine" },
    },
    FleetMemberTrust: {
      Description: "AuditorRoleArn for infra/member-role.yml in every member account",
      Value: { "Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"] },
    },
  };
  return { functions, resources, outputs, ...(fleet ? { fleet } : {}) };
}
