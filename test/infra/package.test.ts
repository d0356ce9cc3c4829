/**
 * `osls package` with no AWS account, with the default parameters, every optional feature on,
 * and everything optional off. Each template must pass cfn-lint and grant only reads, plus
 * sns:Publish on the stack's own topic, the item writes of the stack's alert table and the log
 * writes the framework adds; the alarms and the dashboard watch what the function writes; the
 * zip must hold a bundle that loads and runs on its own.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import { auditMetrics } from "../../lib/report/metrics";
import { healthyIpAppInput, snapshotOf } from "../support/scenarios";
import { cfnLint, packageService, type Packaged, type Resource, type Template } from "./osls";
import { unzipEntries } from "./zip";

const run = promisify(execFile);
const PARAMETER = "/alb-health-auditor/slack-webhook";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:alb-audit/slack-AbCdEf";
const OPS_TOPIC = "arn:aws:sns:eu-west-1:111122223333:platform-operations";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Statement: Statement[];
}

/**
 * The deployments packaged: the defaults; every optional feature that can go together on; the
 * alternatives to some of those (the Slack secret, an existing alarm topic) with the rest of
 * what is optional off.
 */
const VARIANTS = {
  defaults: { clusterName: "shop-prod" },
  allOn: {
    clusterName: "shop-prod",
    scheduleRate: "rate(10 minutes)",
    slackWebhookParameter: PARAMETER,
    alertEmail: "oncall@example.com",
    criticalFindingAlarm: "true",
    alarmTopic: "operations",
    operationsEmail: "platform@example.com",
    targetGroupMetrics: "true",
  },
  alternatives: {
    clusterName: "shop-prod",
    slackWebhookSecretArn: SECRET,
    alarmTopic: OPS_TOPIC,
    scheduleEnabled: "false",
    durationAlarm: "false",
    sinkFailuresAlarm: "false",
    dashboard: "false",
  },
} satisfies Record<string, Record<string, string>>;
type Variant = keyof typeof VARIANTS;

const packaged = {} as Record<Variant, Packaged>;
const templates = {} as Record<Variant, Template>;

beforeAll(async () => {
  const names = Object.keys(VARIANTS) as Variant[];
  const results = await Promise.all(names.map((name) => packageService(VARIANTS[name])));
  names.forEach((name, i) => {
    const result = results[i]!;
    if (!result.template)
      throw new Error(`${name}: osls package failed\n${result.stdout}${result.stderr}`);
    packaged[name] = result;
    templates[name] = result.template;
  });
}, 600_000);

const ofType = (type: string, variant: Variant = "defaults") =>
  Object.entries(templates[variant].Resources).filter(([, r]) => r.Type === type);
const props = <T>(r: Resource) => r.Properties as T;

function statements(variant: Variant): Statement[] {
  const fromRoles = ofType("AWS::IAM::Role", variant).flatMap(([, r]) =>
    (props<{ Policies?: { PolicyDocument: PolicyDocument }[] }>(r).Policies ?? []).flatMap(
      (p) => p.PolicyDocument.Statement,
    ),
  );
  const fromPolicies = ofType("AWS::IAM::Policy", variant).flatMap(
    ([, r]) => props<{ PolicyDocument: PolicyDocument }>(r).PolicyDocument.Statement,
  );
  return [...fromRoles, ...fromPolicies];
}

const variables = (variant: Variant) =>
  props<{ Environment: { Variables: Record<string, unknown> } }>(
    ofType("AWS::Lambda::Function", variant)[0]![1],
  ).Environment.Variables;
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const text = (v: unknown) => JSON.stringify(v);
const READS = new Set([
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTags",
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeNetworkAcls",
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeNetworkAcls",
  "eks:DescribeCluster",
  "cloudwatch:GetMetricData",
  "ssm:GetParameter",
  "secretsmanager:GetSecretValue",
  "kms:Decrypt",
]);
/** The alert state: Query is its read, PutItem and DeleteItem its only writes. */
const ALERT_TABLE_ACTIONS = [
  "dynamodb:DeleteItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:UpdateItem",
];
const LOGS = new Set([
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:TagResource",
]);
const VARIANT_NAMES = Object.keys(VARIANTS) as Variant[];

describe("osls package", () => {
  it("passes cfn-lint with the defaults, with every optional feature on, and with the alternatives", async () => {
    expect(await cfnLint(VARIANT_NAMES.map((v) => packaged[v].templatePath))).toBe("");
  });

  it("leaves no condition that packaging decided in the template", () => {
    for (const v of VARIANT_NAMES) {
      const t = templates[v];
      expect(t.Conditions).toBeUndefined();
      const entries = [...Object.values(t.Resources), ...Object.values(t.Outputs ?? {})];
      expect(entries.filter((e) => "Condition" in e)).toEqual([]);
      expect(text(t)).not.toContain('"Fn::If"');
    }
  });

  it.each(VARIANT_NAMES)(
    "%s: grants reads only, except sns:Publish on the stack's topic, the alert table's items and the function's logs",
    (variant) => {
      const all = statements(variant);
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
      expect(templates[variant].Resources.AuditTopic!.Type).toBe("AWS::SNS::Topic");
      const dynamo = all.flatMap(actionsOf).filter((a) => a.startsWith("dynamodb:"));
      expect(dynamo.sort()).toEqual(ALERT_TABLE_ACTIONS);
      expect(
        ofType("AWS::IAM::Role", variant).every(([, r]) => !r.Properties.ManagedPolicyArns),
      ).toBe(true);
    },
  );

  it("scopes each read to its one resource where IAM allows it", () => {
    const byAction = (v: Variant, a: string) =>
      statements(v).filter((s) => actionsOf(s).includes(a));
    for (const v of VARIANT_NAMES) {
      for (const s of statements(v)) {
        if (s.Resource === "*") {
          // Neither the ELB Describe calls nor GetMetricData support resource-level scoping.
          expect(
            actionsOf(s).every(
              (a) =>
                a.startsWith("elasticloadbalancing:Describe") ||
                a.startsWith("ec2:Describe") ||
                a === "cloudwatch:GetMetricData",
            ),
          ).toBe(true);
        }
      }
      expect(text(byAction(v, "eks:DescribeCluster")[0]!.Resource)).toMatch(
        /:eks:.*":cluster\/shop-prod"/,
      );
    }
    expect(text(byAction("allOn", "ssm:GetParameter")[0]!.Resource)).toContain(
      `:parameter${PARAMETER}`,
    );
    expect(byAction("alternatives", "secretsmanager:GetSecretValue")[0]!.Resource).toBe(SECRET);
    const viaService = (v: Variant) =>
      byAction(v, "kms:Decrypt").map((s) => text(s.Condition?.StringEquals?.["kms:ViaService"]));
    expect(viaService("allOn")).toEqual([expect.stringContaining("ssm.")]);
    expect(viaService("alternatives")).toEqual([expect.stringContaining("secretsmanager.")]);
    // The Slack read policies exist only when their source is configured.
    const policies = (v: Variant) => ofType("AWS::IAM::Policy", v).map(([id]) => id);
    expect(policies("defaults")).toEqual([]);
    expect(policies("allOn")).toEqual(["SlackWebhookParameterRead"]);
    expect(policies("alternatives")).toEqual(["SlackWebhookSecretRead"]);
    expect(byAction("defaults", "kms:Decrypt")).toEqual([]);
  });

  it("creates the alert table: on demand, keyed by pk and sk, with TTL on expiresAt", () => {
    const table = templates.defaults.Resources.AlertTable!;
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
    expect(variables("defaults")).toMatchObject({
      ALERT_TABLE_NAME: { Ref: "AlertTable" },
      REPEAT_INTERVAL_HOURS: "24",
    });
  });

  it("deploys the function on nodejs22.x arm64 with its schedule and configuration", () => {
    const [, fn] = ofType("AWS::Lambda::Function", "allOn")[0]!;
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "functions/audit.handler",
      FunctionName: "alb-health-auditor-prod-audit",
    });
    expect(variables("allOn")).toMatchObject({
      CLUSTER_NAME: "shop-prod",
      SNS_TOPIC_ARN: { Ref: "AuditTopic" },
      SLACK_WEBHOOK_PARAMETER: PARAMETER,
      MIN_SEVERITY: "warning",
      TARGET_GROUP_METRICS: "true",
    });
    expect(variables("defaults").TARGET_GROUP_METRICS).toBe("false");
    const rules = (v: Variant) =>
      ofType("AWS::Events::Rule", v).map(([, r]) => [
        r.Properties.ScheduleExpression,
        r.Properties.State,
      ]);
    expect(rules("allOn")).toEqual([["rate(10 minutes)", "ENABLED"]]);
    expect(rules("defaults")).toEqual([["rate(5 minutes)", "ENABLED"]]);
    expect(rules("alternatives")).toEqual([["rate(5 minutes)", "DISABLED"]]);
    const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig")[0]!;
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
    const subscriptions = ofType("AWS::SNS::Subscription", "allOn").map(([, r]) => r.Properties);
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        { TopicArn: { Ref: "AuditTopic" }, Protocol: "email", Endpoint: "oncall@example.com" },
      ]),
    );
    expect(ofType("AWS::SNS::Subscription", "defaults")).toEqual([]);
  });

  it("zips one self-contained ESM bundle that loads and validates a payload", async () => {
    const zip = packaged.defaults.zipPath;
    const entries = unzipEntries(readFileSync(zip));
    expect([...entries.keys()].sort()).toEqual(["functions/audit.mjs", "functions/audit.mjs.map"]);
    expect(statSync(zip).size).toBeLessThan(10 * 1024 * 1024);

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

interface Alarm {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: { Metric: { Namespace: string; MetricName: string } };
  }[];
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
}

const alarms = (v: Variant) =>
  Object.fromEntries(
    ofType("AWS::CloudWatch::Alarm", v).map(([id, r]) => [id, props<Alarm>(r)]),
  ) as Record<string, Alarm>;
const FUNCTION = [{ Name: "FunctionName", Value: { Ref: "AuditLambdaFunction" } }];
const CLUSTER_DIM = { Name: "Cluster", Value: "shop-prod" };

describe("alarms", () => {
  it("watch errors, duration and sink failures by default, and notify the findings topic", () => {
    const a = alarms("defaults");
    expect(Object.keys(a).sort()).toEqual([
      "AuditDurationAlarm",
      "AuditErrorsAlarm",
      "AuditSinkFailuresAlarm",
    ]);
    expect(a.AuditErrorsAlarm).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: FUNCTION,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    // Near the timeout: the longest run as a share of the 300 s timeout, from 80 %.
    const duration = a.AuditDurationAlarm!;
    expect(duration.Metrics![0]!.MetricStat!.Metric).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Duration",
      Dimensions: FUNCTION,
    });
    expect(duration.Metrics![1]!.Expression).toBe("duration / (10 * 300)");
    expect(Number(duration.Threshold)).toBe(80);
    expect(duration.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
    expect(a.AuditSinkFailuresAlarm).toMatchObject({
      Namespace: "AlbHealthAuditor",
      MetricName: "SinkFailures",
      Dimensions: [CLUSTER_DIM],
    });
    for (const alarm of Object.values(a)) {
      // A run that failed stays in ALARM until a run succeeds, whatever the schedule.
      expect(alarm.TreatMissingData).toBe("ignore");
      expect(alarm.AlarmActions).toEqual([{ Ref: "AuditTopic" }]);
      expect(alarm.OKActions).toEqual([{ Ref: "AuditTopic" }]);
    }
    expect(templates.defaults.Resources.OperationsTopic).toBeUndefined();
  });

  it("add the critical-finding alarm and an operations topic of their own when asked", () => {
    const a = alarms("allOn");
    expect(Object.keys(a)).toHaveLength(4);
    expect(a.CriticalFindingAlarm).toMatchObject({
      Namespace: "AlbHealthAuditor",
      MetricName: "Findings",
      Dimensions: [CLUSTER_DIM, { Name: "Severity", Value: "critical" }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    for (const alarm of Object.values(a)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: "OperationsTopic" }]);
      expect(alarm.OKActions).toEqual([{ Ref: "OperationsTopic" }]);
    }
    const t = templates.allOn;
    expect(t.Resources.OperationsTopic!.Properties.TopicName).toBe(
      "alb-health-auditor-prod-operations",
    );
    expect(t.Resources.OperationsTopicEmail!.Properties).toEqual({
      TopicArn: { Ref: "OperationsTopic" },
      Protocol: "email",
      Endpoint: "platform@example.com",
    });
    expect(t.Outputs!.OperationsTopicArn!.Value).toEqual({ Ref: "OperationsTopic" });
  });

  it("notify an existing topic by its ARN, and each is left out when off", () => {
    const a = alarms("alternatives");
    expect(Object.keys(a)).toEqual(["AuditErrorsAlarm"]);
    expect(a.AuditErrorsAlarm!.AlarmActions).toEqual([OPS_TOPIC]);
    expect(a.AuditErrorsAlarm!.OKActions).toEqual([OPS_TOPIC]);
    expect(templates.alternatives.Resources.OperationsTopic).toBeUndefined();
  });
});

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { metrics?: unknown[][]; query?: string; region?: string };
}

const dashboard = (v: Variant): Widget[] => {
  const body = templates[v].Resources.AuditDashboard!.Properties.DashboardBody as string;
  return (JSON.parse(body) as { widgets: Widget[] }).widgets;
};

/** The metric names a dashboard shows, from its metric arrays and SEARCH expressions. */
function shown(widgets: Widget[]): Set<string> {
  const names = new Set<string>();
  for (const w of widgets) {
    for (const m of w.properties.metrics ?? []) {
      if (typeof m[1] === "string") names.add(`${m[0]}/${m[1]}`);
      const expression = (m[0] as { expression?: string }).expression;
      const search = expression && /\{"([^"]+)",[^}]*\} MetricName="(\w+)"/.exec(expression);
      if (search) names.add(`${search[1]}/${search[2]}`);
    }
  }
  return names;
}

describe("dashboard", () => {
  it("shows every metric the function writes, and the Lambda's own, for this cluster", () => {
    const snapshot = snapshotOf(healthyIpAppInput());
    const written = auditMetrics({
      report: analyze(snapshot),
      model: buildModel(snapshot),
      durationMs: 1,
      sinkFailures: 0,
      apiCalls: { elb: 1, ec2: 1 },
      targetGroupMetrics: true,
    }).map((d) => `AlbHealthAuditor/${d.name}`);
    const onDashboard = shown(dashboard("allOn"));
    // HealthyTargets is the complement of a chart that would double the lines.
    for (const name of written)
      if (!name.endsWith("/HealthyTargets")) expect(onDashboard).toContain(name);
    for (const name of ["Duration", "Errors", "Invocations", "Throttles"]) {
      expect(onDashboard).toContain(`AWS/Lambda/${name}`);
    }
    // Nothing on it that the function does not write.
    for (const name of onDashboard) {
      if (name.startsWith("AlbHealthAuditor/")) expect(written).toContain(name);
    }
    expect(shown(dashboard("defaults"))).not.toContain("AlbHealthAuditor/UnhealthyTargets");
    const body = JSON.stringify(dashboard("defaults"));
    expect(body).toContain('"FunctionName","alb-health-auditor-prod-audit"');
    expect(body).toContain('"Cluster","shop-prod"');
    expect(body).toContain("SOURCE '/aws/lambda/alb-health-auditor-prod-audit'");
    expect(
      dashboard("defaults").every((w) => w.type === "log" || w.properties.region === "eu-west-1"),
    ).toBe(true);
  });

  it("lays the widgets out on the 24-column grid without overlap, and is left out when off", () => {
    const widgets = dashboard("allOn");
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
    for (const [i, a] of widgets.entries()) {
      for (const b of widgets.slice(i + 1)) {
        const apart =
          a.x + a.width <= b.x ||
          b.x + b.width <= a.x ||
          a.y + a.height <= b.y ||
          b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
    }
    expect(templates.defaults.Outputs!.DashboardUrl).toBeDefined();
    expect(ofType("AWS::CloudWatch::Dashboard", "alternatives")).toEqual([]);
    expect(templates.alternatives.Outputs!.DashboardUrl).toBeUndefined();
  });
});
