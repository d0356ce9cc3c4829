/**
 * `osls package` with no AWS account: the CloudFormation template it writes must grant only
 * reads, plus sns:Publish on the stack's own topic, the item writes of the stack's alert table
 * and the log writes the framework adds; the zip must hold a bundle that loads and runs on its
 * own.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { unzipEntries } from "./zip";

const run = promisify(execFile);
const TEMPLATE = ".serverless/cloudformation-template-update-stack.json";
const ZIP = ".serverless/alb-health-auditor.zip";
const PARAMETER = "/alb-health-auditor/slack-webhook";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Statement: Statement[];
}
interface Resource {
  Type: string;
  Condition?: string;
  Properties: {
    Policies?: { PolicyDocument: PolicyDocument }[];
    PolicyDocument?: PolicyDocument;
    ManagedPolicyArns?: unknown;
    Environment?: { Variables: Record<string, unknown> };
    ScheduleExpression?: string;
    MaximumRetryAttempts?: number;
    [key: string]: unknown;
  };
}
type Resources = Record<string, Resource>;

let resources: Resources;

beforeAll(async () => {
  // Fake credentials: packaging must not need real ones, and must never use someone's profile.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_REGION: "eu-west-1",
    SLS_TELEMETRY_DISABLED: "1",
    SLS_NOTIFICATIONS_MODE: "off",
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  await run(
    "node_modules/.bin/osls",
    [
      "package",
      "--stage",
      "prod",
      "--region",
      "eu-west-1",
      "--param",
      "clusterName=shop-prod",
      "--param",
      "scheduleRate=rate(10 minutes)",
      // Both sources only to see both read policies filled in; the function refuses both.
      "--param",
      `slackWebhookParameter=${PARAMETER}`,
      "--param",
      `slackWebhookSecretArn=${SECRET}`,
    ],
    { env, timeout: 240_000, maxBuffer: 10 * 1024 * 1024 },
  );
  resources = JSON.parse(readFileSync(TEMPLATE, "utf8")).Resources;
}, 300_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

function statements(): Statement[] {
  const fromRoles = ofType("AWS::IAM::Role").flatMap(([, r]) =>
    (r.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement),
  );
  const fromPolicies = ofType("AWS::IAM::Policy").flatMap(
    ([, r]) => r.Properties.PolicyDocument!.Statement,
  );
  return [...fromRoles, ...fromPolicies];
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const text = (v: unknown) => JSON.stringify(v);
const READS = new Set([
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTags",
  "eks:DescribeCluster",
  "cloudwatch:GetMetricData",
  "ssm:GetParameter",
  "secretsmanager:GetSecretValue",
  "kms:Decrypt",
]);
/** The alert state: Query is its read, PutItem and DeleteItem its only writes. */
const ALERT_TABLE_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query"];
const LOGS = new Set([
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:TagResource",
]);

describe("osls package", () => {
  it("writes the CloudFormation template and the zip", () => {
    expect(existsSync(TEMPLATE)).toBe(true);
    expect(existsSync(ZIP)).toBe(true);
  });

  it("grants reads only, except sns:Publish on the stack's topic, the alert table's items and the function's logs", () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) {
      expect(s.Effect).toBe("Allow");
      for (const action of actionsOf(s)) {
        expect(action).not.toMatch(/\*/);
        if (READS.has(action)) continue;
        if (LOGS.has(action)) {
          expect(text(s.Resource)).toContain("log-group:/aws/lambda/alb-health-auditor-prod");
          continue;
        }
        if (action.startsWith("dynamodb:")) {
          expect(ALERT_TABLE_ACTIONS).toContain(action);
          expect(s.Resource).toEqual({ "Fn::GetAtt": ["AlertTable", "Arn"] });
          continue;
        }
        expect(action).toBe("sns:Publish");
        expect(s.Resource).toEqual({ Ref: "AuditTopic" });
      }
    }
    expect(resources.AuditTopic!.Type).toBe("AWS::SNS::Topic");
    const dynamo = all.flatMap(actionsOf).filter((a) => a.startsWith("dynamodb:"));
    expect(dynamo.sort()).toEqual(ALERT_TABLE_ACTIONS);
    expect(ofType("AWS::IAM::Role").every(([, r]) => !r.Properties.ManagedPolicyArns)).toBe(true);
  });

  it("scopes each read to its one resource where IAM allows it", () => {
    const byAction = (a: string) => statements().filter((s) => actionsOf(s).includes(a));
    for (const s of statements()) {
      if (s.Resource === "*") {
        // Neither the ELB Describe calls nor GetMetricData support resource-level scoping.
        expect(
          actionsOf(s).every(
            (a) =>
              a.startsWith("elasticloadbalancing:Describe") || a === "cloudwatch:GetMetricData",
          ),
        ).toBe(true);
      }
    }
    expect(text(byAction("eks:DescribeCluster")[0]!.Resource)).toMatch(
      /:eks:.*":cluster\/shop-prod"/,
    );
    expect(text(byAction("ssm:GetParameter")[0]!.Resource)).toContain(`:parameter${PARAMETER}`);
    expect(byAction("secretsmanager:GetSecretValue")[0]!.Resource).toBe(SECRET);
    const viaServices = byAction("kms:Decrypt").map((s) =>
      text(s.Condition?.StringEquals?.["kms:ViaService"]),
    );
    expect(viaServices).toHaveLength(2);
    expect(viaServices[0]).toContain("ssm.");
    expect(viaServices[1]).toContain("secretsmanager.");
    // The Slack read policies exist only when their source is configured.
    expect(
      ofType("AWS::IAM::Policy")
        .map(([, r]) => r.Condition)
        .sort(),
    ).toEqual(["SlackFromParameter", "SlackFromSecret"]);
  });

  it("creates the alert table: on demand, keyed by pk and sk, with TTL on expiresAt", () => {
    const table = resources.AlertTable!;
    expect(table.Type).toBe("AWS::DynamoDB::Table");
    expect(table.Properties).toMatchObject({
      TableName: "alb-health-auditor-prod-alerts",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
    const [, fn] = ofType("AWS::Lambda::Function")[0]!;
    expect(fn.Properties.Environment!.Variables).toMatchObject({
      ALERT_TABLE_NAME: { Ref: "AlertTable" },
      REPEAT_INTERVAL_HOURS: "24",
    });
  });

  it("deploys the function on nodejs22.x arm64 with its schedule and configuration", () => {
    const [, fn] = ofType("AWS::Lambda::Function")[0]!;
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "functions/audit.handler",
    });
    expect(fn.Properties.Environment!.Variables).toMatchObject({
      CLUSTER_NAME: "shop-prod",
      SNS_TOPIC_ARN: { Ref: "AuditTopic" },
      SLACK_WEBHOOK_PARAMETER: PARAMETER,
      MIN_SEVERITY: "warning",
    });
    const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties.ScheduleExpression);
    expect(rules).toEqual(["rate(10 minutes)"]);
    expect(readFileSync("serverless.yml", "utf8")).toMatch(/^\s+scheduleRate: rate\(5 minutes\)$/m);
    const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig")[0]!;
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
  });

  it("zips one self-contained ESM bundle that loads and validates a payload", async () => {
    const entries = unzipEntries(readFileSync(ZIP));
    expect([...entries.keys()].sort()).toEqual(["functions/audit.mjs", "functions/audit.mjs.map"]);
    expect(statSync(ZIP).size).toBeLessThan(10 * 1024 * 1024);

    const dir = mkdtempSync(join(tmpdir(), "audit-bundle-"));
    for (const [name, data] of entries) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
    }
    // Run outside the repository so nothing resolves from node_modules: all must be bundled.
    const script = `
      const { handler } = await import(${JSON.stringify(join(dir, "functions/audit.mjs"))});
      const context = { functionName: "f", awsRequestId: "r", invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:f", memoryLimitInMB: "512", functionVersion: "1", getRemainingTimeInMillis: () => 1000 };
      try { await handler({ dryRun: "yes" }, context); console.log("NO ERROR"); }
      catch (e) { console.log("ERROR " + e.name + ": " + e.message); }
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: dir,
      env: { PATH: process.env.PATH, CLUSTER_NAME: "shop-prod", AWS_REGION: "eu-west-1" },
      timeout: 60_000,
    });
    expect(stdout).toContain(
      "ERROR PayloadError: Invalid payload: dryRun: Expected boolean, received string",
    );
  });
});
