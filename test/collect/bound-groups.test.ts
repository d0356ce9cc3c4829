/**
 * Every target group a TargetGroupBinding names is looked up in AWS, by ARN or by name, so the
 * analysis can tell a binding whose group is gone (BIND003): moto answers a missing group with
 * TargetGroupNotFound, which is an answer, not a gap.
 */
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  AddTagsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAws, createElbv2Client } from "../../lib/collect/aws";
import { defaultVpcId, startMoto, type MotoServer } from "../support/moto-server";

let moto: MotoServer;
let vpc: string;
let client: ElasticLoadBalancingV2Client;
const arns: Record<string, string> = {};

async function createGroup(name: string, tags: { Key: string; Value: string }[] = []) {
  const out = await client.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: "HTTP",
      Port: 80,
      VpcId: vpc,
      TargetType: "ip",
    }),
  );
  const arn = out.TargetGroups![0]!.TargetGroupArn!;
  if (tags.length > 0) await client.send(new AddTagsCommand({ ResourceArns: [arn], Tags: tags }));
  arns[name] = arn;
  return arn;
}

beforeAll(async () => {
  moto = await startMoto();
  vpc = await defaultVpcId(moto);
  const { region, endpoint, credentials } = moto.clientConfig();
  client = createElbv2Client(region, { endpoint, credentials });
  await createGroup("tagged", [{ Key: "elbv2.k8s.aws/cluster", Value: "prod" }]);
  await createGroup("named-only");
  await createGroup("unrelated");
  // A group deleted (and so re-created under a new ARN, or not at all) outside the cluster.
  const gone = await createGroup("deleted");
  await client.send(new DeleteTargetGroupCommand({ TargetGroupArn: gone }));
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
}, 30_000);

describe("collectAws with bound groups (moto_server)", () => {
  it("takes groups named by a binding into scope and answers missing ones as not found", async () => {
    const progress: string[] = [];
    const result = await collectAws(client, {
      clusterName: "prod",
      vpcId: vpc,
      elbCallsPerSecond: Infinity,
      boundTargetGroupArns: [arns.tagged!, arns.deleted!],
      boundTargetGroupNames: Promise.resolve(["named-only", "never-existed"]),
      onProgress: (m) => progress.push(m),
    });
    expect(result.gaps).toEqual([]);
    expect(result.targetGroups.map((tg) => tg.TargetGroupName).sort()).toEqual([
      "named-only",
      "tagged",
    ]);
    expect(result.targetGroups.every((tg) => Array.isArray(tg.TargetHealthDescriptions))).toBe(
      true,
    );
  });
});

describe("collectAws lookups that fail otherwise", () => {
  const throttled = () =>
    new ElasticLoadBalancingV2ServiceException({
      name: "ThrottlingException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
      message: "Rate exceeded",
    });

  it("leaves a group asked for by ARN unknown, and a name the whole list, with a gap", async () => {
    const mock = mockClient(ElasticLoadBalancingV2Client);
    mock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    const missing =
      "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef";
    mock.on(DescribeTargetGroupsCommand).callsFake(async (input) => {
      if (input.TargetGroupArns || input.Names) throw throttled();
      return { TargetGroups: [] };
    });
    try {
      const result = await collectAws(new ElasticLoadBalancingV2Client({ region: "eu-west-1" }), {
        clusterName: "prod",
        elbCallsPerSecond: Infinity,
        boundTargetGroupArns: [missing],
        boundTargetGroupNames: ["by-name"],
      });
      expect(result.gaps).toEqual([
        {
          source: "aws.targetGroups",
          targetGroupArn: missing,
          message: `DescribeTargetGroups for bound ${missing} failed: ThrottlingException: Rate exceeded`,
        },
        {
          source: "aws.targetGroups",
          message:
            "DescribeTargetGroups for bound name by-name failed: ThrottlingException: Rate exceeded",
        },
      ]);
    } finally {
      mock.restore();
    }
  });

  it("asks nothing more when the listing itself failed (its gap holds every verdict)", async () => {
    const mock = mockClient(ElasticLoadBalancingV2Client);
    mock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    mock.on(DescribeTargetGroupsCommand).rejects(throttled());
    try {
      const result = await collectAws(new ElasticLoadBalancingV2Client({ region: "eu-west-1" }), {
        clusterName: "prod",
        elbCallsPerSecond: Infinity,
        boundTargetGroupNames: ["by-name"],
      });
      expect(mock.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(1);
      expect(result.gaps).toEqual([
        { source: "aws.targetGroups", message: "ThrottlingException: Rate exceeded" },
      ]);
    } finally {
      mock.restore();
    }
  });
});
