import { describe, expect, it } from "vitest";
import { SNS_MAX_BYTES, buildSnsMessage } from "../../lib/report/sns";
import { finding, reportOf } from "./reports";

const size = (m: ReturnType<typeof buildSnsMessage>) =>
  Buffer.byteLength(m.message) +
  Buffer.byteLength(m.subject) +
  Object.entries(m.attributes).reduce(
    (sum, [k, a]) =>
      sum + Buffer.byteLength(k) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
    0,
  );

describe("buildSnsMessage", () => {
  it("sets severity (highest), cluster, codes (String.Array) and the finding count", () => {
    const report = reportOf([
      finding({ code: "HC001", severity: "critical" }),
      finding({ code: "TP001", severity: "warning" }),
      finding({ code: "HC001", severity: "warning" }),
      finding({ code: "TGT001", severity: "info" }),
    ]);
    const m = buildSnsMessage(report, { minSeverity: "warning" });
    expect(m.attributes).toEqual({
      severity: { DataType: "String", StringValue: "critical" },
      cluster: { DataType: "String", StringValue: "shop-prod" },
      region: { DataType: "String", StringValue: "eu-west-1" },
      codes: { DataType: "String.Array", StringValue: '["HC001","TP001"]' },
      findings: { DataType: "Number", StringValue: "3" },
    });
    expect(m.subject).toBe("ALB health on shop-prod: 3 finding(s), highest critical");
    const body = JSON.parse(m.message);
    expect(body.findings.map((f: { code: string }) => f.code)).toEqual(["HC001", "TP001", "HC001"]);
    expect(body.summary).toEqual(report.summary);
    expect(body.minSeverity).toBe("warning");
    expect(body).not.toHaveProperty("truncated");
  });

  it("reports the highest published severity, not the highest in the report", () => {
    const report = reportOf([finding({ severity: "warning" }), finding({ severity: "info" })]);
    expect(buildSnsMessage(report, { minSeverity: "info" }).attributes.severity!.StringValue).toBe(
      "warning",
    );
  });

  it("has no codes attribute and severity none when nothing reaches the threshold", () => {
    const m = buildSnsMessage(reportOf([finding({ severity: "info" })]), {
      minSeverity: "warning",
    });
    expect(m.attributes.severity!.StringValue).toBe("none");
    expect(m.attributes).not.toHaveProperty("codes");
    expect(m.subject).toBe("ALB health on shop-prod: no findings");
  });

  it("keeps the subject printable ASCII within 100 characters", () => {
    const m = buildSnsMessage(reportOf([finding()], `clüster-${"x".repeat(120)}`), {
      minSeverity: "warning",
    });
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it("drops the least severe findings with a note when the message would pass 256 KB", () => {
    const bulky = "e".repeat(4_000);
    const findings = [
      ...Array.from({ length: 20 }, () => finding({ severity: "critical", code: "HC001" })),
      ...Array.from({ length: 100 }, () =>
        finding({ severity: "warning", evidence: { expected: {}, actual: { log: bulky } } }),
      ),
    ];
    const m = buildSnsMessage(reportOf(findings), { minSeverity: "warning" });
    expect(size(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(size(m)).toBeGreaterThan(SNS_MAX_BYTES - 10_000);
    const body = JSON.parse(m.message);
    expect(m.omitted).toBeGreaterThan(0);
    expect(body.findings).toHaveLength(120 - m.omitted);
    expect(body.findings.slice(0, 20).every((f: { code: string }) => f.code === "HC001")).toBe(
      true,
    );
    expect(body.truncated).toEqual({
      omittedFindings: m.omitted,
      note: expect.stringContaining(`${m.omitted} of 120 findings left out`),
    });
    // The attributes still describe everything that was found.
    expect(m.attributes.findings!.StringValue).toBe("120");
    expect(m.attributes.codes!.StringValue).toBe('["HC001","TGT005"]');
  });

  it("fits any size limit it is given", () => {
    const findings = Array.from({ length: 30 }, () => finding());
    const m = buildSnsMessage(reportOf(findings), { minSeverity: "warning", maxBytes: 8_000 });
    expect(size(m)).toBeLessThanOrEqual(8_000);
    expect(m.omitted).toBeGreaterThan(0);
    expect(JSON.parse(m.message).findings.length).toBe(30 - m.omitted);
  });
});
