import { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHandler } from "../../functions/audit";
import type { AuditReport, Finding } from "../../lib/analyze/finding";
import { makeFinding } from "../../lib/analyze/rule";
import { fitMarkdown, fitReport } from "../../lib/report/response";
import {
  CLUSTER,
  REGION,
  healthyInstanceGatewayInput,
  snapshotOf,
  tgs,
} from "../support/scenarios";
import { captureOutput, lambdaContext, type Captured, testConfig } from "../functions/harness";

const finding = (i: number, severity: Finding["severity"]): Finding =>
  makeFinding("TGT005", {
    severity,
    title: `finding ${i}`,
    targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/tg-${i}/0123456789abcdef`,
    resources: [],
    affectedTargets: [],
    evidence: { expected: {}, actual: { padding: "x".repeat(1_000) } },
    rootCause: "",
    remediation: "",
  });

function reportWith(findings: Finding[]): AuditReport {
  return {
    version: 1,
    cluster: { name: CLUSTER, region: REGION },
    auditedAt: "2026-11-24T10:00:00Z",
    summary: {} as AuditReport["summary"],
    findings,
  };
}

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe("fitting the Lambda response", () => {
  it("leaves a report that fits untouched", () => {
    const report = reportWith([finding(1, "critical")]);
    expect(fitReport(report, 100_000)).toBe(report);
  });

  it("keeps the most severe findings that fit and counts the rest", () => {
    const findings = [
      ...Array.from({ length: 5 }, (_, i) => finding(i, "critical")),
      ...Array.from({ length: 20 }, (_, i) => finding(100 + i, "warning")),
    ];
    const fitted = fitReport(reportWith(findings), 10_000);
    expect(size(fitted)).toBeLessThanOrEqual(10_000);
    expect(fitted.findings.length).toBeGreaterThan(5);
    expect(fitted.findings).toEqual(findings.slice(0, fitted.findings.length));
    expect(fitted.truncated?.omittedFindings).toBe(25 - fitted.findings.length);
  });

  it("cuts markdown at a line and says so", () => {
    const markdown = Array.from({ length: 500 }, (_, i) => `line ${i} ${"é".repeat(20)}`).join(
      "\n",
    );
    const cut = fitMarkdown(markdown, 4_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(4_000);
    expect(cut).toMatch(/line \d+ é+\n\n_… truncated to fit the Lambda response/);
    expect(fitMarkdown("short", 4_000)).toBe("short");
  });
});

describe("the handler's answer", () => {
  let output: Captured;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  it("stays under the response limit on a large result", async () => {
    const failing = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
        d.TargetHealth = {
          State: "unhealthy",
          Reason: "Target.FailedHealthChecks",
          Description: "x".repeat(3_000),
        };
      }
    });
    const handler = createHandler({
      config: testConfig(),
      logger: new Logger({ serviceName: "alb-health-auditor" }),
      clients: { fetch: () => Promise.reject(new Error("no network")) } as never,
      collect: async () => failing,
      responseLimitBytes: 6_000,
    });
    const result = (await handler({ dryRun: true, format: "markdown" }, lambdaContext())) as {
      report: AuditReport & { truncated?: unknown };
      markdown: string;
    };
    expect(size(result)).toBeLessThanOrEqual(6_000);
    expect(result.report.truncated).toMatchObject({ omittedFindings: 1 });
    expect(result.markdown).toContain("truncated to fit the Lambda response");
  });
});
