import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectAws } from "../../lib/collect/aws";
import { elbInventory } from "../../lib/collect/elb-inventory";
import { TokenBucket } from "../../lib/collect/rate-limit";
import { idIn, startMoto, type MotoServer } from "../support/moto-server";

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(() => moto?.stop());

/** Counts the requests a client sends, by command name. */
function countCalls(client: ElasticLoadBalancingV2Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "?";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCalls" },
  );
  return counts;
}

async function clusterVpc(elbv2: ElasticLoadBalancingV2Client, cluster: string, cidr: string) {
  const vpcId = idIn(await moto.ec2("CreateVpc", { CidrBlock: cidr }), "vpcId");
  const subnets: string[] = [];
  for (const [i, zone] of ["eu-west-1a", "eu-west-1b"].entries()) {
    const block = cidr.replace(/\.0\.0\/16$/, `.${i}.0/24`);
    subnets.push(
      idIn(
        await moto.ec2("CreateSubnet", { VpcId: vpcId, CidrBlock: block, AvailabilityZone: zone }),
        "subnetId",
      ),
    );
  }
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: `${cluster}-alb`,
      Subnets: subnets,
      Type: "application",
    }),
  );
  const arns: string[] = [];
  for (const n of [1, 2]) {
    const tg = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `k8s-${cluster}-${n}`,
        Protocol: "HTTP",
        Port: 30000 + n,
        VpcId: vpcId,
        TargetType: "instance",
      }),
    );
    const arn = tg.TargetGroups?.[0]?.TargetGroupArn as string;
    await elbv2.send(
      new AddTagsCommand({
        ResourceArns: [arn],
        Tags: [{ Key: "elbv2.k8s.aws/cluster", Value: cluster }],
      }),
    );
    arns.push(arn);
  }
  return { vpcId, lbArn: lb.LoadBalancers?.[0]?.LoadBalancerArn as string, arns };
}

describe("a shared ELB inventory (fleet worker: clusters of one account and region)", () => {
  it("lists load balancers and target groups once and reads each group's tags once, while each cluster keeps its own scope", async () => {
    const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig());
    const a = await clusterVpc(elbv2, "alpha", "10.1.0.0/16");
    const b = await clusterVpc(elbv2, "beta", "10.2.0.0/16");
    const counts = countCalls(elbv2);
    const inventory = elbInventory(elbv2);
    const limiter = new TokenBucket(1000, 1000);

    const collect = (clusterName: string, vpcId: string) =>
      collectAws(elbv2, { clusterName, vpcId, inventory, elbRateLimiter: limiter });
    const alpha = await collect("alpha", a.vpcId);
    const beta = await collect("beta", b.vpcId);
    // A second pass over the same clusters reads no inventory again.
    await collect("alpha", a.vpcId);

    expect(alpha.gaps).toEqual([]);
    expect(alpha.targetGroups.map((tg) => tg.TargetGroupArn).sort()).toEqual([...a.arns].sort());
    expect(beta.targetGroups.map((tg) => tg.TargetGroupArn).sort()).toEqual([...b.arns].sort());
    expect(alpha.loadBalancers.map((lb) => lb.LoadBalancerArn)).toEqual([a.lbArn]);
    expect(counts.get("DescribeLoadBalancersCommand")).toBe(1);
    expect(counts.get("DescribeTargetGroupsCommand")).toBe(1);
    // Two groups per VPC, one DescribeTags batch each; nothing read twice.
    expect(counts.get("DescribeTagsCommand")).toBe(2);
    // Target health is each cluster's own: 2 + 2 + 2 groups.
    expect(counts.get("DescribeTargetHealthCommand")).toBe(6);
  }, 60_000);

  it("without a shared inventory, each collection lists for itself", async () => {
    await moto.reset();
    const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig());
    const a = await clusterVpc(elbv2, "alpha", "10.1.0.0/16");
    const counts = countCalls(elbv2);
    const limiter = new TokenBucket(1000, 1000);
    for (let i = 0; i < 2; i++) {
      await collectAws(elbv2, { clusterName: "alpha", vpcId: a.vpcId, elbRateLimiter: limiter });
    }
    expect(counts.get("DescribeLoadBalancersCommand")).toBe(2);
    expect(counts.get("DescribeTagsCommand")).toBe(2);
  }, 60_000);
});
