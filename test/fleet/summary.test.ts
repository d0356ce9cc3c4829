import { describe, expect, it } from "vitest";
import { fleetMessage, fleetMetrics, summarizeFleet } from "../../lib/fleet/summary";

const member = (name: string, account = "222222222222", region = "eu-west-1") => ({
  name,
  account,
  region,
  roleArn: `arn:aws:iam::${account}:role/member`,
});

describe("fleet summary", () => {
  const summary = summarizeFleet([
    {
      account: "111111111111",
      region: "eu-west-1",
      results: [
        {
          cluster: "a",
          account: "111111111111",
          region: "eu-west-1",
          status: "audited",
          bySeverity: { critical: 2, warning: 1, info: 0 },
          durationMs: 1,
        },
        {
          cluster: "b",
          account: "111111111111",
          region: "eu-west-1",
          status: "failed",
          error: "AccessDenied",
          durationMs: 1,
        },
      ],
    },
    // The iteration failed after auditing c: d and e were never reached.
    {
      account: "222222222222",
      region: "eu-west-1",
      results: [
        {
          cluster: "c",
          account: "222222222222",
          region: "eu-west-1",
          status: "audited",
          bySeverity: { critical: 0, warning: 3, info: 1 },
          durationMs: 1,
        },
      ],
      clusters: [member("c"), member("d"), member("e")],
      next: 1,
      error: "States.Timeout",
    },
  ]);

  it("counts every cluster of the fleet, the ones a failed iteration never reached as failed", () => {
    expect(summary).toMatchObject({
      clusters: 5,
      audited: 2,
      failed: 3,
      bySeverity: { critical: 2, warning: 4, info: 1 },
    });
    expect(summary.failedClusters.map((f) => [f.cluster, f.reason])).toEqual([
      ["b", "AccessDenied"],
      ["d", "the account-and-region worker failed: States.Timeout"],
      ["e", "the account-and-region worker failed: States.Timeout"],
    ]);
  });

  it("reports each cluster that could not be audited as an AUDIT001 finding with a stable fingerprint", () => {
    expect(summary.findings).toHaveLength(3);
    const [b] = summary.findings;
    expect(b).toMatchObject({
      code: "AUDIT001",
      name: "AuditIncomplete",
      severity: "warning",
      targetGroupArn: null,
      resources: [{ kind: "Cluster", namespace: "111111111111/eu-west-1", name: "b" }],
      evidence: { actual: { audited: false, reason: "AccessDenied" } },
    });
    expect(summarizeFleet([]).findings).toEqual([]);
    const again = summarizeFleet([
      {
        account: "111111111111",
        region: "eu-west-1",
        results: [
          {
            cluster: "b",
            account: "111111111111",
            region: "eu-west-1",
            status: "failed",
            error: "other reason",
            durationMs: 5,
          },
        ],
      },
    ]);
    expect(again.findings[0]!.fingerprint).toBe(b!.fingerprint);
  });

  it("writes fleet-wide metrics and one ClusterAuditFailed per failed cluster", () => {
    const metrics = fleetMetrics(summary);
    const value = (name: string, dims: Record<string, string> = { Fleet: "all" }) =>
      metrics.find((m) => m.name === name && JSON.stringify(m.dimensions) === JSON.stringify(dims))
        ?.value;
    expect(value("FleetClusters")).toBe(5);
    expect(value("FleetClustersAudited")).toBe(2);
    expect(value("FleetClustersFailed")).toBe(3);
    expect(value("FleetFindings", { Fleet: "all", Severity: "critical" })).toBe(2);
    expect(metrics.filter((m) => m.name === "ClusterAuditFailed").map((m) => m.dimensions)).toEqual(
      [
        { Account: "111111111111", Region: "eu-west-1", Cluster: "b" },
        { Account: "222222222222", Region: "eu-west-1", Cluster: "d" },
        { Account: "222222222222", Region: "eu-west-1", Cluster: "e" },
      ],
    );
  });

  it("says in the subject what a person needs first, within SNS's 100 characters", () => {
    const { subject, body } = fleetMessage(summary);
    expect(subject).toBe(
      "ALB health audit fleet: 2/5 clusters audited, 3 failed; 2 critical, 4 warning, 1 info",
    );
    expect(subject.length).toBeLessThan(100);
    expect(body).toContain(
      "- d (222222222222, eu-west-1): the account-and-region worker failed: States.Timeout",
    );
  });
});
