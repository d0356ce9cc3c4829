/**
 * ELB answers that a long, live collection meets: a marker that never advances, a group deleted
 * between DescribeTargetGroups and the calls after it, a DescribeTags answer that leaves a
 * group out. Each must end in a known state (a gap, or the group gone), never a hang or a
 * whole-scope loss.
 */
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
  type Tag,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { collectAws } from "../../lib/collect/aws";

const VPC = "vpc-cluster";
const arn = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/${name}/0123456789abcdef`;
const tg = (name: string) => ({
  TargetGroupArn: arn(name),
  TargetGroupName: name,
  Protocol: "HTTP" as const,
  Port: 31246,
  VpcId: VPC,
  TargetType: "instance" as const,
});
const clusterTags: Tag[] = [{ Key: "elbv2.k8s.aws/cluster", Value: "prod" }];
const notFound = () =>
  new TargetGroupNotFoundException({
    $metadata: { httpStatusCode: 400 },
    message: "One or more target groups not found",
  });

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const client = () => new ElasticLoadBalancingV2Client({ region: "eu-west-1" });
const options = { clusterName: "prod", vpcId: VPC, elbCallsPerSecond: Infinity };

beforeEach(() => {
  elbv2.reset();
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
});

describe("collectAws with odd ELB answers", () => {
  it("stops paging when NextMarker repeats and records a gap", async () => {
    elbv2
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [tg("a")], NextMarker: "stuck" });
    const result = await collectAws(client(), options);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand).length).toBeLessThanOrEqual(3);
    expect(result.targetGroups).toEqual([]);
    expect(result.gaps).toEqual([
      {
        source: "aws.targetGroups",
        message: expect.stringContaining("DescribeTargetGroups: NextMarker repeated"),
      },
    ]);
  });

  it("drops a group deleted after it was listed, and audits the rest of its tag batch", async () => {
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [tg("kept"), tg("gone")] });
    elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns?: string[] }) => {
      if (input.ResourceArns?.includes(arn("gone"))) throw notFound();
      return {
        TagDescriptions: input.ResourceArns?.map((a) => ({ ResourceArn: a, Tags: clusterTags })),
      };
    });
    const result = await collectAws(client(), options);
    expect(result.gaps).toEqual([]);
    expect(result.targetGroups.map((t) => t.TargetGroupName)).toEqual(["kept"]);
  });

  it("drops a group whose DescribeTargetHealth says it no longer exists instead of a gap", async () => {
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [tg("kept"), tg("gone")] });
    elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns?: string[] }) => ({
      TagDescriptions: input.ResourceArns?.map((a) => ({ ResourceArn: a, Tags: clusterTags })),
    }));
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arn("gone") }).rejects(notFound());
    const result = await collectAws(client(), options);
    expect(result.gaps).toEqual([]);
    expect(result.targetGroups.map((t) => t.TargetGroupName)).toEqual(["kept"]);
  });

  it("records a gap naming a group DescribeTags left out, so its open alerts are held", async () => {
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [tg("kept"), tg("untold")] });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [{ ResourceArn: arn("kept"), Tags: clusterTags }],
    });
    const result = await collectAws(client(), options);
    expect(result.targetGroups.map((t) => t.TargetGroupName)).toEqual(["kept"]);
    expect(result.gaps).toEqual([
      {
        source: "aws.targetGroups",
        targetGroupArn: arn("untold"),
        message: "DescribeTags returned no tags for this target group; its scope is unknown",
      },
    ]);
  });
});
