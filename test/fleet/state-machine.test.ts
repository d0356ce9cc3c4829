/**
 * The fleet's state machine: valid ASL (asl-validator), and run for real in moto's Step
 * Functions interpreter. moto cannot run Lambda functions here (it needs Docker), so the worker
 * code runs in this process on the same fleet input, invocation by invocation, and the state
 * machine's worker task reads each invocation's output back from DynamoDB (in the same moto
 * server): the Map, the loop, the backoff and the failure isolation are the real definition's.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import aslValidator from "asl-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetCluster } from "../../lib/fleet/definition";
import { planFleet, type FleetGroup } from "../../lib/fleet/plan";
import { fleetStateMachine, lambdaTask, type TaskBinding } from "../../lib/fleet/state-machine";
import { summarizeFleet, type GroupOutput } from "../../lib/fleet/summary";
import { runFleetWorker, type WorkerInput } from "../../lib/fleet/worker";
import { startMoto, type MotoServer } from "../support/moto-server";

const validate = (definition: unknown) =>
  aslValidator(structuredClone(definition) as Record<string, unknown>);

describe("fleet state machine definition", () => {
  it.each([
    [
      "packaged with the definition",
      { maxConcurrency: 4, groups: [{ account: "1", region: "r", clusters: [] }] },
    ],
    ["reading the definition from SSM", { maxConcurrency: 10 }],
  ])("passes asl-validator (%s)", (_, options) => {
    const definition = fleetStateMachine({ ...options, workerTimeoutSeconds: 930 });
    const { isValid, errors } = validate(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it("fans out one iteration per account and region, at most MaxConcurrency at once, retrying only throttling and timeouts", () => {
    const definition = fleetStateMachine({ maxConcurrency: 7 }) as {
      States: Record<string, Record<string, unknown>>;
    };
    const map = definition.States.AuditAccountRegions!;
    expect(map).toMatchObject({ Type: "Map", ItemsPath: "$.groups", MaxConcurrency: 7 });
    const inner = (map.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States;
    expect(inner.AuditClusters).toMatchObject({
      ...lambdaTask("worker"),
      Retry: [
        { ErrorEquals: ["Lambda.TooManyRequestsException", "States.Timeout"], BackoffRate: 2 },
      ],
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "GroupFailed" }],
    });
    expect(definition.States.Fleet!.Type).toBe("Task");
  });
});

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  await moto.configure({ stepfunctions: { execute_state_machine: true } });
}, 60_000);
afterAll(() => moto?.stop());

const TABLE = "worker-outputs";
const keyOf = (s: { group: FleetGroup; next: number; throttled: number }) =>
  `${s.group.account}/${s.group.region}/${s.next}/${s.throttled}`;

/** The worker task as a DynamoDB read of the output the in-process worker gave for this input. */
const fromTable: TaskBinding = (task) =>
  task === "worker"
    ? {
        Resource: "arn:aws:states:::dynamodb:getItem",
        Parameters: {
          TableName: TABLE,
          Key: {
            k: {
              "S.$":
                "States.Format('{}/{}/{}/{}', $.group.account, $.group.region, $.next, $.throttled)",
            },
          },
        },
        ResultSelector: { "value.$": "States.StringToJson($.Item.v.S)" },
        OutputPath: "$.value",
      }
    : {
        Resource: "arn:aws:states:::dynamodb:putItem",
        Parameters: {
          TableName: TABLE,
          Item: { k: { S: task }, v: { "S.$": "States.JsonToString($)" } },
        },
        ResultPath: null,
      };

const cl = (name: string, account: string, region: string): FleetCluster => ({
  name,
  account,
  region,
  roleArn: `arn:aws:iam::${account}:role/member`,
});

describe("fleet state machine in moto's Step Functions", () => {
  it("audits every group; a failing iteration fails alone and keeps the clusters it had audited", async () => {
    const groups = planFleet({
      clusters: [
        cl("a1", "111111111111", "eu-west-1"),
        cl("a2", "111111111111", "eu-west-1"),
        cl("b1", "111111111111", "us-east-1"),
        cl("c1", "222222222222", "eu-west-1"),
        cl("c2", "222222222222", "eu-west-1"),
      ],
    });
    const ddb = new DynamoDBClient(moto.clientConfig());
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
      }),
    );
    // The worker code, invocation by invocation: each invocation has time for one cluster;
    // b1 is throttled once; the invocation for c2 crashes (no output is stored for it).
    let throttledOnce = false;
    for (const group of groups) {
      let state: WorkerInput = { group, next: 0, throttled: 0, results: [] };
      for (;;) {
        if (group.account === "222222222222" && state.next === 1) break;
        let t = 0;
        const out = await runFleetWorker(state, {
          now: () => t,
          remainingTimeMs: () => 60_000 - t,
          auditCluster: async (c) => {
            if (c.name === "b1" && !throttledOnce) {
              throttledOnce = true;
              throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
            }
            t += 40_000;
            return {
              bySeverity: { critical: c.name === "a2" ? 1 : 0, warning: 1, info: 0 },
              gaps: 0,
            };
          },
        });
        await ddb.send(
          new PutItemCommand({
            TableName: TABLE,
            Item: { k: { S: keyOf(state) }, v: { S: JSON.stringify(out) } },
          }),
        );
        if (out.done) break;
        state = out;
      }
    }

    const definition = fleetStateMachine({
      maxConcurrency: 2,
      groups,
      task: fromTable,
      backoffSeconds: 1,
    });
    const sfn = new SFNClient(moto.clientConfig());
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "fleet",
        definition: JSON.stringify(definition),
        roleArn: "arn:aws:iam::123456789012:role/fleet-state-machine",
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: "{}" }),
    );
    let described;
    for (let i = 0; i < 300; i++) {
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== "RUNNING") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(described?.status).toBe("SUCCEEDED");
    const output = JSON.parse(described?.output ?? "{}") as { groups: GroupOutput[] };
    expect(
      output.groups.map((g) => [
        g.account,
        g.region,
        g.results.map((r) => r.cluster),
        g.error ?? null,
      ]),
    ).toEqual([
      ["111111111111", "eu-west-1", ["a1", "a2"], null],
      ["111111111111", "us-east-1", ["b1"], null],
      ["222222222222", "eu-west-1", ["c1"], expect.stringMatching(/\S/)],
    ]);
    const summary = summarizeFleet(output.groups);
    expect(summary).toMatchObject({
      clusters: 5,
      audited: 4,
      failed: 1,
      bySeverity: { critical: 1, warning: 4 },
    });
    expect(summary.failedClusters.map((f) => f.cluster)).toEqual(["c2"]);
  }, 120_000);
});
