/**
 * The live collectors make exactly the fewest calls an audit needs (bench/floor.ts): the real
 * collectSnapshot, real SDK and Kubernetes clients, against the benchmark's stand-ins serving a
 * generated cluster. Counts only, no timing: the stand-ins answer at once and never throttle.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EKSClient } from "@aws-sdk/client-eks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elbFloor, kubeFloor, prefilteredFloor } from "../../bench/floor";
import { generateSnapshot } from "../../bench/generator";
import { startAwsStandIn, type AwsStandIn } from "../../bench/standins/aws";
import {
  CA_DATA,
  SERVED_LISTS,
  startKubeStandIn,
  type KubeStandIn,
} from "../../bench/standins/kube";
import { collectSnapshot, createElbv2Client, type CollectOptions } from "../../lib/collect/index";
import type { ApiCalls } from "../../lib/collect/call-count";
import type { PrefilterState } from "../../lib/collect/prefilter";

// Over 400 groups and load balancers' worth of pages, 20-ARN tag batches with a remainder.
const SIZE = { targetGroups: 430, nodes: 60, pods: 2600 };
const PAGE = 250;
const CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };

const generated = generateSnapshot({ ...SIZE, faults: 0.2, seed: 5 });
const { snapshot } = generated;
const groups = snapshot.aws.targetGroups ?? [];
let aws: AwsStandIn;
let kube: KubeStandIn;

beforeAll(async () => {
  kube = await startKubeStandIn(snapshot.kubernetes);
  aws = await startAwsStandIn({
    loadBalancers: snapshot.aws.loadBalancers ?? [],
    targetGroups: groups,
    cluster: {
      name: snapshot.cluster.name,
      vpcId: groups[0]?.VpcId ?? "",
      endpoint: kube.url,
      caData: CA_DATA,
    },
  });
});

afterAll(async () => {
  await aws.close();
  await kube.close();
});

function options(extra: Partial<CollectOptions> = {}): CollectOptions {
  const client = { region: snapshot.cluster.region, endpoint: aws.url, credentials: CREDENTIALS };
  return {
    clusterName: snapshot.cluster.name,
    region: snapshot.cluster.region,
    eks: new EKSClient(client),
    elbv2: createElbv2Client(snapshot.cluster.region, {
      endpoint: aws.url,
      credentials: CREDENTIALS,
    }),
    cloudwatch: new CloudWatchClient(client),
    kubeConfig: kube.kubeConfig(),
    elbCallsPerSecond: Infinity,
    kubernetes: { pageSize: PAGE },
    // The ELB and Kubernetes floors; EC2's is measured on its own stand-in.
    network: false,
    ...extra,
  };
}

/** Requests per API action since the last call, and the counters reset. */
function calls(): {
  elb: Record<string, number>;
  kube: Record<string, number>;
  other: Record<string, number>;
} {
  const out = { elb: {}, kube: {}, other: {} } as Record<string, Record<string, number>>;
  for (const [label, count] of [...aws.faults.counts, ...kube.faults.counts]) {
    const [api, action] = label.split(":") as [string, string];
    const bucket = api === "elbv2" ? "elb" : api === "kube" ? "kube" : "other";
    (out[bucket] as Record<string, number>)[action] = count.requests;
  }
  aws.faults.reset();
  kube.faults.reset();
  return out as ReturnType<typeof calls>;
}

const sizes = Object.fromEntries(
  SERVED_LISTS.map((k) => {
    const v = (snapshot.kubernetes as Record<string, unknown>)[k];
    return [k, Array.isArray(v) ? v.length : 0];
  }),
);

describe("API calls per audit", () => {
  let firstState: PrefilterState | undefined;

  it("equal the floor on a full audit: paged lists, tag batches, one health call per group", async () => {
    let counted: ApiCalls | undefined;
    const collected = await collectSnapshot(
      options({
        prefilter: { enabled: true, onState: (s) => (firstState = s) },
        onApiCalls: (c) => (counted = c),
      }),
    );
    // What the collection reports (the ElbApiCalls metric) is what the API received.
    expect(counted?.elb).toBe(aws.faults.total((label) => label.startsWith("elbv2:")).requests);
    expect(collected.gaps).toEqual([]);
    expect(collected.aws.targetGroups).toHaveLength(SIZE.targetGroups);
    const floor = elbFloor({
      loadBalancers: snapshot.aws.loadBalancers?.length ?? 0,
      targetGroups: groups.length,
    });
    const { elb, kube: pages, other } = calls();
    const { total: _total, ...perAction } = floor;
    expect(elb).toEqual(perAction);
    expect(floor.DescribeTargetGroups).toBe(2);
    expect(floor.DescribeTags).toBe(22);
    expect(pages).toEqual(kubeFloor(sizes, PAGE));
    expect(pages.pods).toBe(Math.ceil(SIZE.pods / PAGE));
    // The first prefiltered run has nothing to compare with: a full sweep, no metrics read.
    expect(other).toEqual({ DescribeCluster: 1 });
  });

  it("equal the prefiltered floor in a steady state: health only where CloudWatch flags it", async () => {
    expect(firstState?.runCount).toBe(1);
    const collected = await collectSnapshot(
      options({ prefilter: { enabled: true, previous: firstState } }),
    );
    const flagged = groups.filter((tg) => {
      const states = (tg.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State);
      return (
        (tg.LoadBalancerArns ?? []).length === 0 ||
        states.includes("unhealthy") ||
        !states.includes("healthy")
      );
    }).length;
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(groups.length / 2);
    const floor = prefilteredFloor({
      loadBalancers: snapshot.aws.loadBalancers?.length ?? 0,
      targetGroups: groups.length,
      flagged,
      pairs: groups.reduce((n, tg) => n + (tg.LoadBalancerArns ?? []).length, 0),
    });
    const { elb, kube: pages, other } = calls();
    const { total: _total, ...perAction } = floor.elb;
    expect({ DescribeTags: 0, ...elb }).toEqual(perAction);
    expect(other).toEqual({ DescribeCluster: 1, GetMetricData: floor.getMetricData });
    expect(pages).toEqual(kubeFloor(sizes, PAGE));
    expect(collected.aws.targetGroups.filter((tg) => tg.HealthSource).length).toBe(
      groups.length - flagged,
    );
  });

  it("count every attempt, retries of throttled calls included", async () => {
    aws.faults.configure({ throttleRate: 0.05, seed: 11 });
    try {
      let counted: ApiCalls | undefined;
      await collectSnapshot(options({ onApiCalls: (c) => (counted = c) }));
      const elb = aws.faults.total((label) => label.startsWith("elbv2:"));
      expect(elb.throttled).toBeGreaterThan(0);
      expect(counted?.elb).toBe(elb.requests);
    } finally {
      aws.faults.configure({});
    }
  });
});
