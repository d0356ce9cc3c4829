/**
 * How the metrics name their cluster: by name alone in a single-cluster deployment (unchanged,
 * so existing alarms keep their data), and by account, region and name in a fleet, where
 * same-named clusters of other accounts or regions must never share a series.
 */
import { describe, expect, it } from "vitest";
import { analyzeModel } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import type { Snapshot } from "../../lib/snapshot/schema";
import {
  auditMetrics,
  clusterDimensions,
  type MetricDatum,
  type MetricIdentity,
} from "../../lib/report/metrics";
import { breakGateway, snapshotWith } from "../alerts/scenarios";

/** A cluster called `prod` somewhere; `broken` gives it an HC001 on its gateway. */
function prod(account: string | undefined, region: string, broken: boolean): Snapshot {
  const snapshot = broken ? snapshotWith(breakGateway) : snapshotWith();
  return {
    ...snapshot,
    cluster: { ...snapshot.cluster, name: "prod", region, ...(account ? { account } : {}) },
  };
}

function metricsOf(snapshot: Snapshot, identity?: MetricIdentity): MetricDatum[] {
  const model = buildModel(snapshot);
  const { report } = analyzeModel(model);
  return auditMetrics({
    report,
    model,
    durationMs: 100,
    sinkFailures: 0,
    apiCalls: { elb: 3, ec2: 5 },
    targetGroupMetrics: true,
    ...(identity ? { identity } : {}),
  });
}

/** A series as CloudWatch tells it apart: the name and every dimension's name and value. */
const series = (d: MetricDatum) =>
  `${d.name}{${Object.entries(d.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}}`;

const critical = (data: MetricDatum[]) =>
  data.filter(
    (d) => d.name === "Findings" && d.dimensions.Severity === "critical" && !d.dimensions.Code,
  );

describe("fleet metrics", () => {
  const clusters = [
    prod("111111111111", "eu-west-1", true),
    prod("222222222222", "eu-west-1", false),
    prod("111111111111", "us-east-1", false),
  ];

  it("give same-named clusters of other accounts and regions series of their own", () => {
    const runs = clusters.map((c) => metricsOf(c, "fleet"));
    const sets = runs.map((data) => new Set(data.map(series)));
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      expect([...sets[i]!].filter((s) => sets[j]!.has(s))).toEqual([]);
    }
    // The broken cluster's critical finding is its own, not added to or overwritten by the others.
    expect(runs.map((data) => critical(data).map((d) => [d.dimensions, d.value]))).toEqual([
      [
        [
          { Account: "111111111111", Region: "eu-west-1", Cluster: "prod", Severity: "critical" },
          1,
        ],
      ],
      [
        [
          { Account: "222222222222", Region: "eu-west-1", Cluster: "prod", Severity: "critical" },
          0,
        ],
      ],
      [
        [
          { Account: "111111111111", Region: "us-east-1", Cluster: "prod", Severity: "critical" },
          0,
        ],
      ],
    ]);
  });

  it("keep every metric and every other dimension, three cluster dimensions in place of one", () => {
    const fleet = metricsOf(clusters[0]!, "fleet");
    const single = metricsOf(clusters[0]!);
    expect(fleet.length).toBe(single.length);
    fleet.forEach((d, i) => {
      const { Account, Region, ...rest } = d.dimensions;
      expect([Account, Region]).toEqual(["111111111111", "eu-west-1"]);
      expect({ ...d, dimensions: rest }).toEqual(single[i]);
    });
  });

  it("refuse a fleet cluster without its account rather than write a series it shares", () => {
    expect(() => metricsOf(prod(undefined, "eu-west-1", false), "fleet")).toThrow(
      "fleet metrics of cluster prod need its account",
    );
  });
});

describe("single-cluster metrics", () => {
  it("name the cluster by Cluster alone, even when the audit knows its account", () => {
    // EKS sign-in gives the snapshot the account; the metrics' identity must not change with it.
    const withAccount = metricsOf(prod("111111111111", "eu-west-1", true));
    const without = metricsOf(prod(undefined, "eu-west-1", true));
    expect(withAccount).toEqual(without);
    expect(new Set(withAccount.map((d) => Object.keys(d.dimensions).sort().join(",")))).toEqual(
      new Set(["Cluster,Severity", "Cluster,Code,Severity", "Cluster", "Cluster,TargetGroup"]),
    );
    expect(withAccount.every((d) => d.dimensions.Cluster === "prod")).toBe(true);
  });

  it("clusterDimensions: Cluster alone by default, Account/Region/Cluster for a fleet", () => {
    const cluster = { name: "main", region: "ap-south-1", account: "333333333333" };
    expect(clusterDimensions(cluster)).toEqual({ Cluster: "main" });
    expect(clusterDimensions(cluster, "fleet")).toEqual({
      Account: "333333333333",
      Region: "ap-south-1",
      Cluster: "main",
    });
  });
});
