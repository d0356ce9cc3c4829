import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dashboardBody, type DashboardInput } from "../../infra/deploy/dashboard";
import { analyzeModel } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import { auditMetrics } from "../../lib/report/metrics";
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
function emitted(): Set<string> {
  const model = buildModel(snapshotWith(breakGateway));
  const { report } = analyzeModel(model);
  const data = auditMetrics({
    report,
    model,
    durationMs: 1_000,
    sinkFailures: 0,
    apiCalls: { elb: 3, ec2: 5 },
    targetGroupMetrics: true,
  });
  return new Set(data.map((d) => key(d.name, Object.keys(d.dimensions))));
}

/** The audit's own metrics the dashboard draws: each metric line, and each SEARCH's schema. */
function charted(body: ReturnType<typeof dashboardBody>): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown): void => {
    if (!Array.isArray(value)) {
      if (value && typeof value === "object") Object.values(value).forEach(visit);
      if (typeof value === "string") {
        for (const m of value.matchAll(/\{"[^"]+",([\w,]+)\} MetricName="(\w+)"/g))
          out.add(key(m[2]!, m[1]!.split(",")));
      }
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
