import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  type Tag,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { collectAws, createElbv2Client } from "../../lib/collect/aws";
import { range } from "./kube-objects";

const VPC = "vpc-cluster";
const OTHER_VPC = "vpc-other";
const arn = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/${name}/0123456789abcdef`;
const lbArn = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/${name}/fedcba9876543210`;
const clusterTag = (cluster: string): Tag => ({ Key: "elbv2.k8s.aws/cluster", Value: cluster });

const lb = (name: string, vpc: string) => ({
  LoadBalancerArn: lbArn(name),
  LoadBalancerName: name,
  Type: "application" as const,
  VpcId: vpc,
  CreatedTime: new Date("2026-01-02T03:04:05Z"),
  State: { Code: "active" as const },
});

const tg = (name: string, vpc: string, lbs: string[] = []) => ({
  TargetGroupArn: arn(name),
  TargetGroupName: name,
  Protocol: "HTTP" as const,
  Port: 31246,
  VpcId: vpc,
  TargetType: "instance" as const,
  HealthCheckPort: "traffic-port",
  LoadBalancerArns: lbs.map(lbArn),
});

const health = (id: string) => ({
  Target: { Id: id, Port: 31246 },
  HealthCheckPort: "31246",
  TargetHealth: { State: "healthy" as const },
});

const throttled = () =>
  new ElasticLoadBalancingV2ServiceException({
    name: "ThrottlingException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Rate exceeded",
  });

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const client = () => new ElasticLoadBalancingV2Client({ region: "eu-west-1" });

/** DescribeTags answers from a fixed table, like the API: only for the ARNs asked. */
function serveTags(tags: Record<string, Tag[]>) {
  elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns?: string[] }) => ({
    $metadata: { httpStatusCode: 200 },
    TagDescriptions: (input.ResourceArns ?? []).map((a) => ({
      ResourceArn: a,
      Tags: tags[a] ?? [],
    })),
  }));
}

function serveHealth(fail: Set<string> = new Set()) {
  elbv2.on(DescribeTargetHealthCommand).callsFake(async (input: { TargetGroupArn?: string }) => {
    if (fail.has(input.TargetGroupArn ?? "")) throw throttled();
    return {
      $metadata: { httpStatusCode: 200 },
      TargetHealthDescriptions: [health(`i-for-${input.TargetGroupArn?.split("/")[1]}`)],
    };
  });
}

const inputs = <T extends object>(command: new (...args: never[]) => { input: T }): T[] =>
  elbv2.commandCalls(command as never).map((c) => c.args[0].input as T);

beforeEach(() => elbv2.reset());

describe("collectAws", () => {
  it("pages, scopes to the cluster, batches tags and reads health per group", async () => {
    elbv2
      .on(DescribeLoadBalancersCommand)
      .resolvesOnce({
        LoadBalancers: [lb("in-vpc", VPC), lb("elsewhere", OTHER_VPC)],
        NextMarker: "lb-2",
      })
      .resolvesOnce({ LoadBalancers: [lb("peer", OTHER_VPC)] });
    elbv2
      .on(DescribeTargetGroupsCommand)
      .resolvesOnce({
        TargetGroups: [
          tg("tagged", VPC, ["in-vpc"]),
          tg("other-cluster", VPC),
          tg("untagged", VPC),
        ],
        NextMarker: "tg-2",
      })
      .resolvesOnce({
        TargetGroups: [
          tg("bound", VPC),
          tg("bound-peer", OTHER_VPC, ["peer"]),
          tg("foreign-tagged", OTHER_VPC),
        ],
        NextMarker: "tg-3",
      })
      .resolvesOnce({ TargetGroups: [tg("throttled", VPC)] });
    serveTags({
      [arn("tagged")]: [clusterTag("prod"), { Key: "ingress.k8s.aws/stack", Value: "shop/web" }],
      [arn("other-cluster")]: [clusterTag("staging")],
      [arn("foreign-tagged")]: [clusterTag("prod")],
      [arn("throttled")]: [clusterTag("prod")],
    });
    serveHealth(new Set([arn("throttled")]));

    const result = await collectAws(client(), {
      clusterName: "prod",
      vpcId: VPC,
      boundTargetGroupArns: Promise.resolve([arn("bound"), arn("bound-peer")]),
    });

    expect(inputs(DescribeLoadBalancersCommand)).toEqual([
      { PageSize: 400, Marker: undefined },
      { PageSize: 400, Marker: "lb-2" },
    ]);
    expect(inputs(DescribeTargetGroupsCommand)).toEqual([
      { PageSize: 400, Marker: undefined },
      { PageSize: 400, Marker: "tg-2" },
      { PageSize: 400, Marker: "tg-3" },
    ]);

    // In the VPC and tagged for this cluster, or bound by a TargetGroupBinding (any VPC).
    expect(result.targetGroups.map((g) => g.TargetGroupName)).toEqual([
      "tagged",
      "bound",
      "bound-peer",
      "throttled",
    ]);
    // Tags are read for the VPC's groups and the bound ones, never for foreign groups.
    const tagged = inputs(DescribeTagsCommand).flatMap((i) => i.ResourceArns ?? []);
    expect(tagged.sort()).toEqual(
      ["tagged", "other-cluster", "untagged", "bound", "bound-peer", "throttled"].map(arn).sort(),
    );
    expect(
      inputs(DescribeTargetHealthCommand)
        .map((i) => i.TargetGroupArn)
        .sort(),
    ).toEqual(["tagged", "bound", "bound-peer", "throttled"].map(arn).sort());

    const byName = new Map(result.targetGroups.map((g) => [g.TargetGroupName, g]));
    expect(byName.get("tagged")?.Tags).toEqual([
      clusterTag("prod"),
      { Key: "ingress.k8s.aws/stack", Value: "shop/web" },
    ]);
    expect(byName.get("tagged")?.TargetHealthDescriptions).toEqual([health("i-for-tagged")]);
    expect(byName.get("bound")?.Tags).toEqual([]);
    expect(byName.get("throttled")?.TargetHealthDescriptions).toEqual([]);
    expect(result.gaps).toEqual([
      {
        source: "aws.targetGroups",
        targetGroupArn: arn("throttled"),
        message: "DescribeTargetHealth failed: ThrottlingException: Rate exceeded",
      },
    ]);

    // Load balancers of the VPC plus those the scoped groups hang off; plain JSON.
    expect(result.loadBalancers.map((l) => l.LoadBalancerName)).toEqual(["in-vpc", "peer"]);
    expect(result.loadBalancers[0]?.CreatedTime).toBe("2026-01-02T03:04:05.000Z");
    expect(JSON.stringify(result)).not.toContain("$metadata");
  });

  it("asks DescribeTags for at most 20 ARNs at a time and DescribeTargetHealth once per group", async () => {
    const groups = range(45, (i) => tg(`tg-${i}`, VPC));
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: groups });
    serveTags(Object.fromEntries(groups.map((g) => [g.TargetGroupArn, [clusterTag("prod")]])));
    serveHealth();
    const progress: string[] = [];

    const result = await collectAws(client(), {
      clusterName: "prod",
      vpcId: VPC,
      onProgress: (m) => progress.push(m),
    });

    const batches = inputs(DescribeTagsCommand).map((i) => i.ResourceArns ?? []);
    expect(batches.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(new Set(batches.flat())).toEqual(new Set(groups.map((g) => g.TargetGroupArn)));
    const healthCalls = inputs(DescribeTargetHealthCommand).map((i) => i.TargetGroupArn);
    expect(healthCalls).toHaveLength(45);
    expect(new Set(healthCalls).size).toBe(45);
    expect(result.targetGroups).toHaveLength(45);
    expect(progress).toContain("DescribeTargetHealth 10/45");
    expect(progress.at(-1)).toBe("DescribeTargetHealth 45/45");
  });

  it("keeps at most `concurrency` DescribeTargetHealth calls in flight", async () => {
    const groups = range(12, (i) => tg(`tg-${i}`, VPC));
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: groups });
    serveTags(Object.fromEntries(groups.map((g) => [g.TargetGroupArn, [clusterTag("prod")]])));
    let inFlight = 0;
    let peak = 0;
    elbv2.on(DescribeTargetHealthCommand).callsFake(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { TargetHealthDescriptions: [] };
    });

    await collectAws(client(), { clusterName: "prod", vpcId: VPC, concurrency: 3 });
    expect(peak).toBe(3);
    expect(inputs(DescribeTargetHealthCommand)).toHaveLength(12);
  });

  it("limits the audit to the requested groups within the cluster's scope", async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [lb("a", VPC), lb("b", VPC)],
    });
    elbv2.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [tg("wanted", VPC, ["a"]), tg("other", VPC, ["b"]), tg("unrelated", VPC)],
    });
    serveTags({ [arn("wanted")]: [clusterTag("prod")], [arn("other")]: [clusterTag("prod")] });
    serveHealth();
    const progress: string[] = [];

    const result = await collectAws(client(), {
      clusterName: "prod",
      vpcId: VPC,
      targetGroupArns: [arn("wanted"), arn("unrelated")],
      onProgress: (m) => progress.push(m),
    });

    expect(result.targetGroups.map((g) => g.TargetGroupName)).toEqual(["wanted"]);
    expect(result.loadBalancers.map((l) => l.LoadBalancerName)).toEqual(["a"]);
    expect(inputs(DescribeTagsCommand).flatMap((i) => i.ResourceArns)).toEqual([
      arn("wanted"),
      arn("unrelated"),
    ]);
    expect(inputs(DescribeTargetHealthCommand).map((i) => i.TargetGroupArn)).toEqual([
      arn("wanted"),
    ]);
    expect(
      progress.some(
        (m) => m.includes(arn("unrelated")) && m.includes("not in the cluster's scope"),
      ),
    ).toBe(true);
  });

  it("records a failed list as an empty list plus a gap and carries on", async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb("a", VPC)] });
    elbv2.on(DescribeTargetGroupsCommand).rejects(throttled());
    serveTags({});
    serveHealth();

    const progress: string[] = [];
    const result = await collectAws(client(), {
      clusterName: "prod",
      vpcId: VPC,
      targetGroupArns: [arn("wanted")],
      onProgress: (m) => progress.push(m),
    });
    expect(result.targetGroups).toEqual([]);
    // The requested group is not known to be out of scope: the list was never read.
    expect(progress.filter((m) => m.includes("not in the cluster's scope"))).toEqual([]);
    expect(result.loadBalancers).toEqual([]);
    expect(result.gaps).toEqual([
      { source: "aws.targetGroups", message: "ThrottlingException: Rate exceeded" },
    ]);
    expect(inputs(DescribeTargetHealthCommand)).toHaveLength(0);
  });

  it("records failed DescribeLoadBalancers and DescribeTags as whole-list gaps", async () => {
    elbv2.on(DescribeLoadBalancersCommand).rejects(new Error("connect ETIMEDOUT"));
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [tg("tagged", VPC)] });
    elbv2.on(DescribeTagsCommand).rejects(throttled());
    serveHealth();

    const result = await collectAws(client(), { clusterName: "prod", vpcId: VPC });
    expect(result.loadBalancers).toEqual([]);
    expect(result.targetGroups).toEqual([]);
    expect(result.gaps).toEqual([
      { source: "aws.loadBalancers", message: "connect ETIMEDOUT" },
      {
        source: "aws.targetGroups",
        message: "DescribeTags failed: ThrottlingException: Rate exceeded",
      },
    ]);
  });
});

describe("createElbv2Client", () => {
  // The rate limit paces the audit; the SDK's adaptive limiter would stall it after a throttle.
  it("uses the standard retry mode, five attempts", async () => {
    const c = createElbv2Client("eu-west-1");
    expect(c.config.retryMode).toBe("standard");
    const strategy = (await (c.config.retryStrategy as () => Promise<{ mode: string }>)()) ?? {};
    expect(strategy.mode).toBe("standard");
    expect(await c.config.maxAttempts()).toBe(5);
  });

  it("takes overrides such as an endpoint, keeping the retry settings", async () => {
    const c = createElbv2Client("eu-west-1", { endpoint: "http://127.0.0.1:4566" });
    expect(c.config.retryMode).toBe("standard");
    expect((await c.config.endpoint?.())?.hostname).toBe("127.0.0.1");
  });
});
