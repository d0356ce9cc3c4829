/**
 * `osls package` of a fleet deployment, with no AWS account: the bundled example fleet yields
 * the state machine, its schedule, the cross-account trust and the outputs; a bad fleet
 * parameter or definition fails packaging before anything is built, with one line naming it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import aslValidator from "asl-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unzipEntries } from "./zip";

const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "fleet-package-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_REGION: "eu-west-1",
    SLS_TELEMETRY_DISABLED: "1",
    SLS_NOTIFICATIONS_MODE: "off",
  };
  delete e.AWS_PROFILE;
  delete e.AWS_SESSION_TOKEN;
  return e;
}

/** Packages into its own folder, so it never races another packaging test over .serverless/. */
async function osls(params: string[]): Promise<{ ok: boolean; out: string; dir: string }> {
  const dir = tempDir();
  const args = ["package", "--stage", "prod", "--region", "eu-west-1", "--package", dir];
  for (const p of params) args.push("--param", p);
  try {
    const { stdout, stderr } = await run("node_modules/.bin/osls", args, {
      env: env(),
      timeout: 240_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    return { ok: true, out: stdout + stderr, dir };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, dir };
  }
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, unknown>;
}

let template: Template;
let packaged: { ok: boolean; out: string; dir: string };
beforeAll(async () => {
  packaged = await osls([
    "fleet=infra/fleet.example.yml",
    "fleetMaxConcurrency=3",
    "criticalFindingAlarm=true",
  ]);
  template = JSON.parse(
    readFileSync(join(packaged.dir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as Template;
}, 300_000);

const ofType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe("osls package --param fleet=infra/fleet.example.yml", () => {
  it("builds the state machine with the example's three account-and-region groups, valid ASL", () => {
    expect(packaged.ok).toBe(true);
    const machine = template.Resources.FleetStateMachine!;
    expect(machine.Type).toBe("AWS::StepFunctions::StateMachine");
    const definition = machine.Properties.Definition as {
      States: Record<string, Record<string, unknown>>;
    };
    const groups = (
      definition.States.Fleet!.Result as {
        groups: { account: string; region: string; clusters: unknown[] }[];
      }
    ).groups;
    expect(groups.map((g) => `${g.account}/${g.region}/${g.clusters.length}`)).toEqual([
      "111111111111/eu-west-1/1",
      "111111111111/us-east-1/1",
      "222222222222/eu-west-1/1",
    ]);
    expect(definition.States.AuditAccountRegions).toMatchObject({ Type: "Map", MaxConcurrency: 3 });
    const result = aslValidator(structuredClone(definition) as Record<string, unknown>);
    expect(result.errors).toEqual([]);
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      FleetWorkerFunctionArn: { "Fn::GetAtt": ["FleetWorkerLambdaFunction", "Arn"] },
      FleetSummaryFunctionArn: { "Fn::GetAtt": ["FleetSummaryLambdaFunction", "Arn"] },
    });
  });

  it("starts it on the schedule, and deploys no single-cluster function without a cluster of its own", () => {
    const rules = ofType("AWS::Events::Rule");
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: "rate(5 minutes)",
      State: "ENABLED",
      Targets: [
        {
          Arn: { Ref: "FleetStateMachine" },
          RoleArn: { "Fn::GetAtt": ["FleetScheduleRole", "Arn"] },
        },
      ],
    });
    const handlers = ofType("AWS::Lambda::Function")
      .map(([, r]) => r.Properties.Handler)
      .sort();
    expect(handlers).toEqual(["functions/fleet.summary", "functions/fleet.worker"]);
    const entries = [
      ...unzipEntries(readFileSync(join(packaged.dir, "alb-health-auditor.zip"))).keys(),
    ];
    expect(entries.sort()).toEqual(["functions/fleet.mjs", "functions/fleet.mjs.map"]);
  });

  it("lets the auditor assume exactly the fleet's member roles, and the state machine invoke exactly its functions", () => {
    const access = template.Resources.FleetAuditorAccess!.Properties as {
      Roles: unknown[];
      PolicyDocument: { Statement: { Action: string; Resource: unknown }[] };
    };
    expect(access.Roles).toEqual([{ Ref: "IamRoleLambdaExecution" }]);
    expect(access.PolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: [
          "arn:aws:iam::111111111111:role/alb-health-auditor-member",
          "arn:aws:iam::222222222222:role/platform/alb-health-auditor-member",
        ],
      },
    ]);
    const role = template.Resources.FleetStateMachineRole!.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string; Resource: unknown }[] } }[];
    };
    expect(role.Policies[0]!.PolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: [
          { "Fn::GetAtt": ["FleetWorkerLambdaFunction", "Arn"] },
          { "Fn::GetAtt": ["FleetSummaryLambdaFunction", "Arn"] },
        ],
      },
    ]);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(["FleetStateMachineArn", "FleetMemberTrust", "AuditFunctionRoleArn"]),
    );
  });

  it("watches the fleet instead of a single cluster: worker errors, clusters not audited, each cluster's critical findings and sinks", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([name, r]) => [
      name,
      r.Properties.MetricName ?? (r.Properties.Metrics as { Expression: string }[])[0]!.Expression,
    ]);
    expect(alarms.sort()).toEqual([
      ["FleetClustersFailedAlarm", "FleetClustersFailed"],
      [
        "FleetCriticalFindingAlarm",
        `SELECT MAX("Findings") FROM SCHEMA("AlbHealthAuditor", "Account", "Cluster", "Region", "Severity") WHERE "Severity" = 'critical' GROUP BY "Account", "Region", "Cluster" ORDER BY MAX() DESC`,
      ],
      [
        "FleetSinkFailuresAlarm",
        `SELECT MAX("SinkFailures") FROM SCHEMA("AlbHealthAuditor", "Account", "Cluster", "Region") GROUP BY "Account", "Region", "Cluster" ORDER BY MAX() DESC`,
      ],
      ["FleetWorkerErrorsAlarm", "Errors"],
    ]);
    const dashboards = ofType("AWS::CloudWatch::Dashboard");
    expect(dashboards.map(([name, r]) => [name, r.Properties.DashboardName])).toEqual([
      ["FleetDashboard", "alb-health-auditor-prod-fleet"],
    ]);
    const body = dashboards[0]![1].Properties.DashboardBody as string;
    expect(body).toContain("SOURCE '/aws/lambda/alb-health-auditor-prod-fleetWorker'");
    expect(Object.keys(template.Outputs)).toContain("FleetDashboardUrl");
    expect(JSON.stringify(template)).not.toContain("AuditLambdaFunction");
  });

  it("passes cfn-lint", async () => {
    const file = join(packaged.dir, "cloudformation-template-update-stack.json");
    let out = "[]";
    try {
      ({ stdout: out } = await run("cfn-lint", ["--format", "json", file], { timeout: 120_000 }));
    } catch (error) {
      out = (error as { stdout?: string }).stdout ?? "[]";
    }
    const matches = JSON.parse(out) as { Message: string }[];
    expect(matches.map((m) => m.Message)).toEqual([]);
  }, 120_000);

  it("passes cfn-lint: the member-account role template for StackSets", async () => {
    const { stdout } = await run("cfn-lint", ["--format", "json", "infra/member-role.yml"], {
      timeout: 120_000,
    });
    expect(JSON.parse(stdout || "[]")).toEqual([]);
  }, 120_000);
});

// Each packaging costs seconds: the other parameter checks are unit-tested on fleetTemplate.
describe("fleet parameters checked before anything is built", () => {
  it.each([
    [["fleet=infra/nope.yml"], "--param fleet=infra/nope.yml names a file that cannot be read"],
    [
      ["fleet=infra/fleet.example.yml", "fleetParameter=/alb/fleet"],
      "--param fleetParameter=/alb/fleet cannot be set together with fleet (choose one source)",
    ],
    [["BAD_FLEET"], "fleet.yml: clusters[1] (payments).account: Expected string, received number"],
  ])(
    "%j fails with one line naming it",
    async (params, line) => {
      const resolved = params.map((p) => {
        if (p !== "BAD_FLEET") return p;
        const file = join(tempDir(), "fleet.yml");
        writeFileSync(
          file,
          'defaults: { roleName: member }\nclusters:\n  - { name: a, account: "111111111111", region: eu-west-1 }\n  - { name: payments, account: 2222, region: eu-west-1 }\n',
        );
        return `fleet=${file}`;
      });
      const { ok, out, dir } = await osls(resolved);
      expect(ok).toBe(false);
      expect(out).toContain(line);
      // Nothing was built.
      expect(() => readFileSync(join(dir, "alb-health-auditor.zip"))).toThrow();
    },
    120_000,
  );
});
