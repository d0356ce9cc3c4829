/**
 * A fleet cluster's audit runs the single-cluster pipeline as a scheduled run of that cluster:
 * its own name and region, its account's collection options, and the health prefilter's
 * memory kept per cluster (one cluster's state is never handed to another).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetPrefilterMemory } from "../../lib/audit/prefilter-memory";
import type { CollectOptions, PrefilterState } from "../../lib/collect/collect";
import type { ClusterCollect } from "../../lib/fleet/audit-cluster";
import { pipelineAudit } from "../../lib/fleet/cluster-audit";
import type { FleetCluster } from "../../lib/fleet/definition";
import { captureOutput, testConfig, type Captured } from "../functions/harness";
import { breakGateway, snapshotWith } from "../alerts/scenarios";
import { healthyInstanceGatewayInput, snapshotOf } from "../support/scenarios";

let output: Captured;
beforeEach(() => {
  resetPrefilterMemory();
  output = captureOutput();
});
afterEach(() => output.restore());

const cluster = (
  name: string,
  account = "111122223333",
  region = "eu-central-1",
): FleetCluster => ({
  name,
  account,
  region,
  roleArn: `arn:aws:iam::${account}:role/alb-health-auditor-member`,
});

describe("pipelineAudit (fleet)", () => {
  it("audits each cluster as a scheduled run with its own prefilter memory", async () => {
    const seen: CollectOptions[] = [];
    let run = 0;
    const audit = pipelineAudit({
      config: testConfig({ prefilter: { enabled: true, fullSweepEvery: 6, sweep: "rolling" } }),
      logger: new Logger({ serviceName: "alb-health-auditor", logLevel: "SILENT" }),
      clients: { fetch: () => Promise.reject(new Error("no network in this test")) } as never,
      now: Date.now,
      collect: async (options) => {
        seen.push(options);
        run += 1;
        options.prefilter?.onState?.({ run, cluster: options.clusterName } as never);
        return snapshotOf(healthyInstanceGatewayInput());
      },
    });
    const account = { inventory: "account inventory" } as unknown as ClusterCollect;

    const out = await audit(cluster("alpha"), account, 60_000);
    await audit(cluster("beta"), account, 60_000);
    await audit(cluster("alpha"), account, 60_000);

    expect(out).toEqual({ bySeverity: expect.any(Object), gaps: 0 });
    expect(seen.map((o) => [o.clusterName, o.region])).toEqual([
      ["alpha", "eu-central-1"],
      ["beta", "eu-central-1"],
      ["alpha", "eu-central-1"],
    ]);
    expect(seen.every((o) => o.inventory === account.inventory)).toBe(true);
    // The fleet definition's account names the cluster in its snapshot and alert state.
    expect(seen.every((o) => o.account === "111122223333")).toBe(true);
    expect(seen.map((o) => o.prefilter?.previous as PrefilterState | undefined)).toEqual([
      undefined,
      undefined,
      { run: 1, cluster: "alpha" },
    ]);
  });
});

describe("pipelineAudit (fleet) metrics", () => {
  it("writes each same-named cluster of another account or region to a series of its own", async () => {
    const audit = pipelineAudit({
      config: testConfig(),
      logger: new Logger({ serviceName: "alb-health-auditor", logLevel: "SILENT" }),
      clients: { fetch: () => Promise.reject(new Error("no network in this test")) } as never,
      now: Date.now,
      // As the collector does: the snapshot names the cluster it was asked for. Only account
      // 111111111111's prod in eu-west-1 has a critical finding.
      collect: async (o) => {
        const broken = o.account === "111111111111" && o.region === "eu-west-1";
        const snapshot = broken ? snapshotWith(breakGateway) : snapshotWith();
        return {
          ...snapshot,
          cluster: { name: o.clusterName, region: o.region, account: o.account! },
        };
      },
    });
    const account = {} as ClusterCollect;
    await audit(cluster("prod", "111111111111", "eu-west-1"), account, 60_000);
    await audit(cluster("prod", "222222222222", "eu-west-1"), account, 60_000);
    await audit(cluster("prod", "111111111111", "us-east-1"), account, 60_000);

    // Each EMF document: its dimension names and, for the critical findings, its value.
    const docs = output.emf().map((doc) => {
      const meta = (doc._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] })
        .CloudWatchMetrics[0]!;
      return { dims: meta.Dimensions[0]!, doc };
    });
    expect(docs.length).toBeGreaterThan(0);
    expect(
      docs.every(({ dims }) => ["Account", "Region", "Cluster"].every((d) => dims.includes(d))),
    ).toBe(true);
    const critical = docs
      .filter(({ dims, doc }) => dims.length === 4 && doc.Severity === "critical")
      .map(({ doc }) => [doc.Account, doc.Region, doc.Cluster, doc.Findings]);
    expect(critical).toEqual([
      ["111111111111", "eu-west-1", "prod", 1],
      ["222222222222", "eu-west-1", "prod", 0],
      ["111111111111", "us-east-1", "prod", 0],
    ]);
  });
});
