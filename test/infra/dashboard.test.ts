import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dashboardBody, type DashboardInput } from "../../infra/deploy/dashboard";
import { addFleet, type Service } from "../../infra/deploy/fleet";
import { analyzeModel } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import { fleetMetrics, summarizeFleet } from "../../lib/fleet/summary";
import { auditMetrics, type MetricIdentity } from "../../lib/report/metrics";
import { breakGateway, snapshotWith } from "../alerts/scenarios";

const input: DashboardInput = {
  namespace: "Platform/AlbAudit",
  cluster: "shop-prod",
  region: "eu-west-1",
  functionName: "alb-health-auditor-prod-audit",
  timeoutSeconds: 120,
  targetGroupMetrics: false,
};
const searches = (body: ReturnType<typeof dashboardBody>) =>
  JSON.stringify(body).match(/SEARCH\(.*?\)/g) ?? [];

describe("dashboardBody", () => {
  it("quotes a namespace with a slash in its SEARCH expressions and marks the timeout", () => {
    const body = dashboardBody(input);
    expect(searches(body)).toEqual([
      String.raw`SEARCH('{\"Platform/AlbAudit\",Cluster,Code,Severity} MetricName=\"Findings\" Cluster=\"shop-prod\"', 'Maximum', 300)`,
    ]);
    expect(JSON.stringify(body)).toContain('{"label":"timeout","value":120000}');
  });

  it("charts unhealthy targets per group only when those metrics are written", () => {
    const on = dashboardBody({ ...input, targetGroupMetrics: true });
    expect(searches(on).some((s) => s.includes('MetricName=\\"UnhealthyTargets\\"'))).toBe(true);
    expect(on.widgets.length).toBe(dashboardBody(input).widgets.length + 1);
  });
});

/** "Name[Dim,Dim]": a metric as CloudWatch tells it apart (its name and dimension names). */
const key = (name: string, dims: string[]) => `${name}[${[...dims].sort().join(",")}]`;

/** Every metric the audit writes, with every optional one on (lib/report/metrics.ts). */
function emitted(identity?: MetricIdentity): Set<string> {
  const snapshot = snapshotWith(breakGateway);
  const model = buildModel({
    ...snapshot,
    cluster: { ...snapshot.cluster, account: "111111111111" },
  });
  const { report } = analyzeModel(model);
  const data = auditMetrics({
    report,
    model,
    durationMs: 1_000,
    sinkFailures: 0,
    apiCalls: { elb: 3, ec2: 5 },
    targetGroupMetrics: true,
    ...(identity ? { identity } : {}),
  });
  return new Set(data.map((d) => key(d.name, Object.keys(d.dimensions))));
}

/** The metrics named in an expression: each SEARCH's and each Metrics Insights query's schema. */
function queried(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{"[^"]+",([\w,]+)\} MetricName="(\w+)"/g))
    out.push(key(m[2]!, m[1]!.split(",")));
  for (const m of text.matchAll(/SELECT \w+\("(\w+)"\) FROM SCHEMA\("[^"]+", ([^)]*)\)/g))
    out.push(
      key(
        m[1]!,
        m[2]!.split(", ").map((d) => d.replaceAll('"', "")),
      ),
    );
  return out;
}

/** The audit's own metrics a dashboard draws: each metric line, and each query's schema. */
function charted(body: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown): void => {
    if (!Array.isArray(value)) {
      if (value && typeof value === "object") Object.values(value).forEach(visit);
      if (typeof value === "string") queried(value).forEach((m) => out.add(m));
      return;
    }
    if (value[0] === input.namespace && typeof value[1] === "string") {
      const dims = value.slice(2).filter((v, i) => typeof v === "string" && i % 2 === 0);
      out.add(key(value[1], dims as string[]));
      return;
    }
    value.forEach(visit);
  };
  visit(body);
  return out;
}

/** The alarms on the audit's own namespace in infra/stack/operations.yml. */
function alarmed(): Set<string> {
  const yml = readFileSync(new URL("../../infra/stack/operations.yml", import.meta.url), "utf8");
  const out = new Set<string>();
  const alarm =
    /Namespace: \$\{param:metricsNamespace\}\n\s+MetricName: (\w+)\n\s+Dimensions:\n((?:\s+- \{ Name: \w+.*\n)+)/g;
  for (const m of yml.matchAll(alarm)) {
    out.add(
      key(
        m[1]!,
        [...m[2]!.matchAll(/Name: (\w+)/g)].map((d) => d[1]!),
      ),
    );
  }
  return out;
}

describe("the dashboard and the alarms read the metrics the audit writes", () => {
  const written = emitted();

  it("charts only metrics written under those names and dimensions", () => {
    const drawn = charted(dashboardBody({ ...input, targetGroupMetrics: true }));
    expect(drawn.size).toBeGreaterThanOrEqual(8);
    expect([...drawn].filter((m) => !written.has(m))).toEqual([]);
    // ELB and EC2 calls among them, as the collection counts them.
    expect(drawn).toContain("ElbApiCalls[Cluster]");
    expect(drawn).toContain("Ec2ApiCalls[Cluster]");
  });

  it("charts every metric written but HealthyTargets (AWS's own HealthyHostCount shows it)", () => {
    const drawn = charted(dashboardBody({ ...input, targetGroupMetrics: true }));
    const names = new Set([...drawn].map((m) => m.split("[")[0]));
    const undrawn = [...written].map((m) => m.split("[")[0]!).filter((n) => !names.has(n));
    expect([...new Set(undrawn)]).toEqual(["HealthyTargets"]);
  });

  it("alarms only on metrics written under those names and dimensions", () => {
    const alarms = alarmed();
    expect([...alarms].sort()).toEqual(["Findings[Cluster,Severity]", "SinkFailures[Cluster]"]);
    expect([...alarms].filter((m) => !written.has(m))).toEqual([]);
  });
});

/** Every metric a fleet writes: each cluster's, named by account, region and cluster, and the run's. */
function fleetEmitted(): Set<string> {
  const failed = { account: "111111111111", region: "eu-west-1", durationMs: 1 };
  const summary = summarizeFleet([
    {
      account: "111111111111",
      region: "eu-west-1",
      results: [{ ...failed, cluster: "a", status: "failed", error: "AccessDenied" }],
    },
  ]);
  const run = fleetMetrics(summary).map((d) => key(d.name, Object.keys(d.dimensions)));
  return new Set([...emitted("fleet"), ...run]);
}

/** An alarm's or a dashboard's properties, as far as these tests read them. */
interface Properties {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string }[];
  Metrics?: { Expression?: string }[];
  DashboardBody?: string;
}
type Resources = Record<string, { Type?: string; Condition?: string; Properties: Properties }>;
type Outputs = Record<string, { Condition?: string } | undefined>;

/** A fleet deployment's resources: addFleet on a stack with the single-cluster operations. */
function fleetStack(ownCluster = false): { resources: Resources; outputs: Outputs } {
  const single = (condition: string) => ({
    Type: "AWS::CloudWatch::Alarm",
    Condition: condition,
    Properties: { AlarmActions: ["topic"], OKActions: ["topic"] },
  });
  const service: Service = {
    service: "alb-health-auditor",
    provider: { stage: "prod", region: "eu-west-1" },
    custom: {
      fleet: {
        fleet: "infra/fleet.example.yml",
        fleetMemberRoleName: "alb-health-auditor-member",
        fleetMaxConcurrency: "4",
        fleetWorkerTimeout: "900",
        fleetSummaryMessage: "false",
        scheduleRate: "rate(5 minutes)",
        scheduleEnabled: "true",
        clusterName: ownCluster ? "shop-prod" : "",
        metricsNamespace: input.namespace,
        targetGroupMetrics: "true",
      },
    },
    functions: { audit: { handler: "functions/handler.handler" } },
    resources: {
      Resources: {
        AuditErrorsAlarm: single("ErrorsAlarm"),
        AuditDurationAlarm: single("DurationAlarm"),
        AuditSinkFailuresAlarm: single("SinkFailuresAlarm"),
        CriticalFindingAlarm: single("CriticalFindingAlarm"),
        AuditDashboard: {
          Type: "AWS::CloudWatch::Dashboard",
          Condition: "Dashboard",
          Properties: {},
        },
      },
      Outputs: { DashboardUrl: { Condition: "Dashboard", Value: "url" } },
    },
  };
  addFleet(service, fileURLToPath(new URL("../..", import.meta.url)));
  return {
    resources: service.resources!.Resources as Resources,
    outputs: service.resources!.Outputs as Outputs,
  };
}

/** The alarms on the audit's namespace: each metric alarm, and each Metrics Insights query. */
function fleetAlarmed(resources: Resources): Set<string> {
  const out = new Set<string>();
  for (const r of Object.values(resources)) {
    if (r.Type !== "AWS::CloudWatch::Alarm") continue;
    const p = r.Properties;
    if (p.Namespace === input.namespace)
      out.add(
        key(
          p.MetricName!,
          (p.Dimensions ?? []).map((d) => d.Name),
        ),
      );
    for (const m of p.Metrics ?? []) queried(m.Expression ?? "").forEach((k) => out.add(k));
  }
  return out;
}

describe("the fleet's dashboard and alarms read the metrics a fleet writes", () => {
  const written = fleetEmitted();
  const { resources, outputs } = fleetStack();
  const body = JSON.parse(resources.FleetDashboard!.Properties.DashboardBody as string) as unknown;

  it("charts only metrics written under those names and dimensions: each cluster by account, region and name", () => {
    const drawn = charted(body);
    expect(drawn.size).toBeGreaterThanOrEqual(12);
    expect([...drawn].filter((m) => !written.has(m))).toEqual([]);
    expect(drawn).toContain("Findings[Account,Cluster,Region,Severity]");
    expect(drawn).toContain("Findings[Account,Cluster,Code,Region,Severity]");
    expect(drawn).toContain("ElbApiCalls[Account,Cluster,Region]");
    // Nothing of the single-cluster identity, which a fleet never writes.
    expect([...drawn].filter((m) => m.endsWith("[Cluster]") || m.includes("[Cluster,"))).toEqual(
      [],
    );
  });

  it("charts every metric a fleet writes but HealthyTargets", () => {
    const names = new Set([...charted(body)].map((m) => m.split("[")[0]));
    const undrawn = [...written].map((m) => m.split("[")[0]!).filter((n) => !names.has(n));
    expect([...new Set(undrawn)]).toEqual(["HealthyTargets"]);
  });

  it("sums the API calls per account and region, the unit the ELB rate limit counts", () => {
    expect(JSON.stringify(body)).toContain(
      String.raw`SELECT SUM(\"ElbApiCalls\") FROM SCHEMA(\"Platform/AlbAudit\", \"Account\", \"Cluster\", \"Region\") GROUP BY \"Account\", \"Region\" ORDER BY SUM() DESC`,
    );
  });

  it("alarms only on metrics a fleet writes; a critical finding and a failed sink per cluster", () => {
    const alarms = fleetAlarmed(resources);
    expect([...alarms].sort()).toEqual([
      "Findings[Account,Cluster,Region,Severity]",
      "FleetClustersFailed[Fleet]",
      "SinkFailures[Account,Cluster,Region]",
    ]);
    expect([...alarms].filter((m) => !written.has(m))).toEqual([]);
    // One contributor per account, region and cluster: the alarm says which cluster it is.
    const critical = resources.FleetCriticalFindingAlarm!.Properties.Metrics![0];
    expect(critical).toEqual({
      Id: "critical",
      Expression: `SELECT MAX("Findings") FROM SCHEMA("Platform/AlbAudit", "Account", "Cluster", "Region", "Severity") WHERE "Severity" = 'critical' GROUP BY "Account", "Region", "Cluster" ORDER BY MAX() DESC`,
      Period: 300,
      Label: "critical findings",
      ReturnData: true,
    });
  });

  it("puts each under its single-cluster counterpart's switch, and drops the single-cluster ones", () => {
    const conditions = Object.fromEntries(
      Object.entries(resources)
        .filter(([name]) => name.startsWith("Fleet") && resources[name]!.Condition)
        .map(([name, r]) => [name, r.Condition]),
    );
    expect(conditions).toEqual({
      FleetWorkerErrorsAlarm: "ErrorsAlarm",
      FleetClustersFailedAlarm: "ErrorsAlarm",
      FleetCriticalFindingAlarm: "CriticalFindingAlarm",
      FleetSinkFailuresAlarm: "SinkFailuresAlarm",
      FleetDashboard: "Dashboard",
    });
    expect(Object.keys(resources).filter((n) => !n.startsWith("Fleet"))).toEqual([]);
    expect(outputs.DashboardUrl).toBeUndefined();
    expect(outputs.FleetDashboardUrl?.Condition).toBe("Dashboard");
  });

  it("keeps the single-cluster ones beside the fleet's when the deployment has a cluster of its own", () => {
    const hybrid = fleetStack(true).resources;
    expect(Object.keys(hybrid)).toEqual(
      expect.arrayContaining([
        "AuditErrorsAlarm",
        "AuditDashboard",
        "FleetDashboard",
        "FleetCriticalFindingAlarm",
      ]),
    );
  });
});
