import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { collectAws, type AwsCollectOptions } from "../../lib/collect/aws";
import type { PrefilterOptions, PrefilterState } from "../../lib/collect/prefilter";
import { range } from "./kube-objects";

const VPC = "vpc-cluster";
const NOW = new Date("2026-11-24T10:07:30Z");
const arn = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/${name}/0123456789abcdef`;
const lbArn = (name: string, type = "app") =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/${type}/${name}/fedcba9876543210`;

const tg = (name: string, lbs: string[] = [lbArn("web")]): TargetGroup => ({
  TargetGroupArn: arn(name),
  TargetGroupName: name,
  Protocol: "HTTP",
  Port: 8080,
  VpcId: VPC,
  TargetType: "ip",
  HealthCheckPath: "/ready",
  LoadBalancerArns: lbs,
});

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const cloudwatch = mockClient(CloudWatchClient);

/** Host counts CloudWatch reports per (group name, load balancer dimension); absent: no data. */
let metrics: Record<string, { unhealthy: number; healthy: number } | undefined>;
let groups: TargetGroup[];

function serve() {
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  elbv2.on(DescribeTargetGroupsCommand).callsFake(async () => ({ TargetGroups: groups }));
  elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns?: string[] }) => ({
    TagDescriptions: (input.ResourceArns ?? []).map((a) => ({
      ResourceArn: a,
      Tags: [{ Key: "elbv2.k8s.aws/cluster", Value: "prod" }],
    })),
  }));
  elbv2.on(DescribeTargetHealthCommand).callsFake(async (input: { TargetGroupArn?: string }) => ({
    TargetHealthDescriptions: [
      {
        Target: { Id: `10.0.0.${input.TargetGroupArn?.length}`, Port: 8080 },
        TargetHealth: { State: "healthy" },
      },
    ],
  }));
  cloudwatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q: MetricDataQuery) => {
      const dims = Object.fromEntries(
        (q.MetricStat?.Metric?.Dimensions ?? []).map((d) => [d.Name, d.Value]),
      );
      const name = String(dims.TargetGroup).split("/")[1];
      const lb = String(dims.LoadBalancer).split("/")[1];
      const counts = metrics[`${name} ${lb}`];
      const value =
        q.MetricStat?.Metric?.MetricName === "UnHealthyHostCount"
          ? counts?.unhealthy
          : counts?.healthy;
      return {
        Id: q.Id,
        StatusCode: "Complete",
        Timestamps: value === undefined ? [] : [NOW, NOW],
        Values: value === undefined ? [] : [value, value],
      };
    }),
  }));
}

beforeEach(() => {
  elbv2.reset();
  cloudwatch.reset();
  metrics = {};
  groups = [];
  serve();
});

const healthCalls = () =>
  elbv2
    .commandCalls(DescribeTargetHealthCommand)
    .map((c) => (c.args[0].input.TargetGroupArn ?? "").split("/")[1] ?? "")
    .sort();

async function run(prefilter: PrefilterOptions, extra: Partial<AwsCollectOptions> = {}) {
  elbv2.resetHistory();
  cloudwatch.resetHistory();
  return collectAws(new ElasticLoadBalancingV2Client({ region: "eu-west-1" }), {
    clusterName: "prod",
    vpcId: VPC,
    cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
    now: () => NOW,
    prefilter,
    ...extra,
  });
}

const healthy = { unhealthy: 0, healthy: 3 };

describe("health prefilter", () => {
  it("lists only groups that are unhealthy, have no metric, changed or are new", async () => {
    groups = [
      tg("calm"),
      tg("failing"),
      tg("detached", []),
      tg("no-data"),
      tg("edited"),
      tg("empty"),
      tg("split", [lbArn("web"), lbArn("edge")]),
      tg("nlb", [lbArn("tcp", "net")]),
    ];
    Object.assign(metrics, {
      "calm web": healthy,
      "failing web": { unhealthy: 2, healthy: 1 },
      "edited web": healthy,
      "empty web": { unhealthy: 0, healthy: 0 },
      "split web": healthy,
      "split edge": { unhealthy: 1, healthy: 2 },
      "nlb tcp": healthy,
    });
    const first = await run({ enabled: true });
    expect(first.prefilter?.stats).toMatchObject({ run: 1, fullSweep: true, skipped: 0 });
    expect(healthCalls()).toHaveLength(8);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);

    groups[4] = { ...tg("edited"), HealthCheckPath: "/healthz" };
    groups.push(tg("newcomer"));
    metrics["newcomer web"] = healthy;
    const second = await run({ enabled: true, previous: first.prefilter?.state });

    expect(healthCalls()).toEqual(
      ["detached", "edited", "empty", "failing", "newcomer", "no-data", "split"].sort(),
    );
    expect(second.prefilter?.stats).toEqual({
      run: 2,
      fullSweep: false,
      read: { sweep: 0, new: 1, changed: 1, "no-metric": 2, unhealthy: 3 },
      skipped: 2,
      metricCalls: 1,
    });
    // Tags come from the previous run, except for the group it did not know.
    expect(
      elbv2.commandCalls(DescribeTagsCommand).flatMap((c) => c.args[0].input.ResourceArns),
    ).toEqual([arn("newcomer")]);

    const byName = new Map(second.targetGroups.map((g) => [g.TargetGroupName, g]));
    expect(byName.get("calm")).toMatchObject({
      HealthSource: "cloudwatch-prefilter",
      TargetHealthDescriptions: [],
      Tags: [{ Key: "elbv2.k8s.aws/cluster", Value: "prod" }],
      CloudWatchHealth: {
        UnHealthyHostCount: 0,
        HealthyHostCount: 3,
        StartTime: "2026-11-24T09:57:00.000Z",
        EndTime: "2026-11-24T10:07:00.000Z",
      },
    });
    expect(byName.get("nlb")?.HealthSource).toBe("cloudwatch-prefilter");
    expect(byName.get("failing")?.HealthSource).toBeUndefined();
    expect(byName.get("failing")?.TargetHealthDescriptions).toHaveLength(1);
    expect(second.prefilter?.state.runCount).toBe(2);
    expect(Object.keys(second.prefilter?.state.configHashes ?? {})).toHaveLength(9);
  });

  it("asks for UnHealthyHostCount and HealthyHostCount per group and load balancer", async () => {
    groups = [tg("app-group"), tg("nlb-group", [lbArn("tcp", "net")])];
    const first = await run({ enabled: true });
    await run({ enabled: true, previous: first.prefilter?.state, windowMinutes: 5 });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date("2026-11-24T10:02:00Z"));
    expect(input?.EndTime).toEqual(new Date("2026-11-24T10:07:00Z"));
    const stats = input?.MetricDataQueries?.map((q) => ({
      namespace: q.MetricStat?.Metric?.Namespace,
      metric: q.MetricStat?.Metric?.MetricName,
      stat: q.MetricStat?.Stat,
      period: q.MetricStat?.Period,
      dimensions: q.MetricStat?.Metric?.Dimensions,
    }));
    expect(stats).toEqual([
      {
        namespace: "AWS/ApplicationELB",
        metric: "UnHealthyHostCount",
        stat: "Maximum",
        period: 60,
        dimensions: [
          { Name: "TargetGroup", Value: "targetgroup/app-group/0123456789abcdef" },
          { Name: "LoadBalancer", Value: "app/web/fedcba9876543210" },
        ],
      },
      {
        namespace: "AWS/ApplicationELB",
        metric: "HealthyHostCount",
        stat: "Minimum",
        period: 60,
        dimensions: [
          { Name: "TargetGroup", Value: "targetgroup/app-group/0123456789abcdef" },
          { Name: "LoadBalancer", Value: "app/web/fedcba9876543210" },
        ],
      },
      expect.objectContaining({ namespace: "AWS/NetworkELB", metric: "UnHealthyHostCount" }),
      expect.objectContaining({ namespace: "AWS/NetworkELB", metric: "HealthyHostCount" }),
    ]);
  });

  it("sends at most 500 queries per GetMetricData call", async () => {
    groups = range(610, (i) => tg(`g${i}`));
    for (let i = 0; i < 610; i++) metrics[`g${i} web`] = healthy;
    const first = await run({ enabled: true });
    const second = await run({ enabled: true, previous: first.prefilter?.state });
    const sizes = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries?.length)
      .sort();
    expect(sizes).toEqual([220, 500, 500]);
    const ids = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries?.map((q) => q.Id) ?? []);
    expect(new Set(ids).size).toBe(1220);
    expect(second.prefilter?.stats.skipped).toBe(610);
    expect(healthCalls()).toEqual([]);
  });

  it("follows NextToken until CloudWatch has sent every data point", async () => {
    groups = [tg("paged")];
    const first = await run({ enabled: true });
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: "q0", Values: [0] }],
        NextToken: "more",
      })
      .resolvesOnce({ MetricDataResults: [{ Id: "q1", Values: [4, 0] }] });
    const second = await run({ enabled: true, previous: first.prefilter?.state });
    const tokens = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, "more"]);
    // The minimum over both pages is 0 healthy hosts, which is worth a look.
    expect(second.prefilter?.stats.read.unhealthy).toBe(1);
    expect(healthCalls()).toEqual(["paged"]);
  });

  it("sweeps every group every N runs", async () => {
    groups = range(6, (i) => tg(`g${i}`));
    for (let i = 0; i < 6; i++) metrics[`g${i} web`] = healthy;
    metrics["g0 web"] = { unhealthy: 1, healthy: 2 };
    let previous: PrefilterState | undefined;
    const listed: number[] = [];
    for (let r = 1; r <= 7; r++) {
      const result = await run({ enabled: true, fullSweepEvery: 3, previous });
      previous = result.prefilter?.state;
      listed.push(healthCalls().length);
      expect(result.prefilter?.stats.fullSweep).toBe(r % 3 === 1);
    }
    expect(listed).toEqual([6, 1, 1, 6, 1, 1, 6]);
    expect(previous?.runCount).toBe(7);
  });

  it("rolling sweeps list each group once per N runs, a slice at a time", async () => {
    groups = range(30, (i) => tg(`g${i}`));
    for (let i = 0; i < 30; i++) metrics[`g${i} web`] = healthy;
    const first = await run({ enabled: true, sweep: "rolling", fullSweepEvery: 3 });
    expect(healthCalls()).toHaveLength(30);
    let previous = first.prefilter?.state;
    const seen: string[][] = [];
    for (let r = 2; r <= 4; r++) {
      const result = await run({ enabled: true, sweep: "rolling", fullSweepEvery: 3, previous });
      previous = result.prefilter?.state;
      expect(result.prefilter?.stats.fullSweep).toBe(false);
      seen.push(healthCalls());
    }
    expect(seen.flat().sort()).toEqual(groups.map((g) => g.TargetGroupName).sort());
    for (const slice of seen) expect(slice.length).toBeGreaterThan(0);
  });

  it("lists every group when GetMetricData fails, and says why", async () => {
    groups = [tg("a"), tg("b")];
    metrics = { "a web": healthy, "b web": healthy };
    const first = await run({ enabled: true });
    cloudwatch.on(GetMetricDataCommand).rejects(
      Object.assign(new Error("not authorized to perform cloudwatch:GetMetricData"), {
        name: "AccessDenied",
      }),
    );
    const progress: string[] = [];
    const second = await run(
      { enabled: true, previous: first.prefilter?.state },
      { onProgress: (m) => progress.push(m) },
    );
    expect(healthCalls()).toEqual(["a", "b"]);
    expect(second.prefilter?.stats.metricsFailed).toBe(
      "AccessDenied: not authorized to perform cloudwatch:GetMetricData",
    );
    expect(progress).toContain(
      "warning: GetMetricData failed (AccessDenied: not authorized to perform cloudwatch:GetMetricData); listing every target group",
    );
    expect(second.gaps).toEqual([]);
  });

  it("stays out of a manual audit of named groups", async () => {
    groups = [tg("a"), tg("b")];
    metrics = { "a web": healthy, "b web": healthy };
    const first = await run({ enabled: true });
    const manual = await run(
      { enabled: true, previous: first.prefilter?.state },
      { targetGroupArns: [arn("a")] },
    );
    expect(healthCalls()).toEqual(["a"]);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(manual.prefilter).toBeUndefined();
  });
});
