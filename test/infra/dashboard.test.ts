import { describe, expect, it } from "vitest";
import { dashboardBody, type DashboardInput } from "../../infra/deploy/dashboard";

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
