/**
 * The EC2 stand-in of the benchmarks speaks EC2's wire protocol faithfully enough for the real
 * client (what it serves reads back as the world it was given), and the EC2 collector makes
 * exactly the fewest calls (bench/ec2-floor.ts), paying the rate limit for every attempt when
 * the stand-in throttles.
 */
import {
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2Floor } from "../../bench/ec2-floor";
import { generateSnapshot } from "../../bench/generator";
import { startEc2StandIn, type Ec2StandIn, type Ec2World } from "../../bench/standins/ec2";
import { collectEc2, createEc2Client, type Ec2Inputs } from "../../lib/collect/ec2";
import { TokenBucket } from "../../lib/collect/rate-limit";

// Over 200 instance targets and ip addresses: batches with a remainder.
const { snapshot } = generateSnapshot({
  targetGroups: 60,
  nodes: 260,
  pods: 1500,
  seed: 3,
  network: true,
});
const world = snapshot.aws as unknown as Ec2World;
const CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };
const inputs: Ec2Inputs = {
  loadBalancers: snapshot.aws.loadBalancers ?? [],
  targetGroups: snapshot.aws.targetGroups ?? [],
  nodes: snapshot.kubernetes.nodes ?? [],
  pods: snapshot.kubernetes.pods ?? [],
};
let standIn: Ec2StandIn;
const client = (extra = {}) =>
  createEc2Client(snapshot.cluster.region, {
    endpoint: standIn.url,
    credentials: CREDENTIALS,
    ...extra,
  });

beforeAll(async () => {
  standIn = await startEc2StandIn(world);
});
afterAll(async () => {
  await standIn.close();
});

const counts = () =>
  Object.fromEntries(
    [...standIn.faults.counts].map(([label, c]) => [label.replace("ec2:", ""), c.requests]),
  );

describe("EC2 stand-in", () => {
  it("serves the world as the SDK reads it (names from the SDK's own schemas)", async () => {
    const ec2 = new EC2Client({
      region: "eu-west-1",
      endpoint: standIn.url,
      credentials: CREDENTIALS,
    });
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
    expect(JSON.parse(JSON.stringify(groups.SecurityGroups))).toEqual(world.securityGroups);
    const acls = await ec2.send(new DescribeNetworkAclsCommand({}));
    expect(JSON.parse(JSON.stringify(acls.NetworkAcls))).toEqual(world.networkAcls);
  });

  it("the collector makes the floor's calls and reads every object on the paths", async () => {
    standIn.faults.reset();
    const out = await collectEc2(client(), inputs, { ec2CallsPerSecond: Infinity });
    expect(out.gaps).toEqual([]);
    const floor = ec2Floor(snapshot);
    expect(floor.DescribeInstances).toBeGreaterThan(1);
    expect(counts()).toEqual(floor);
    const instances = new Set(out.instances.map((i) => i.InstanceId));
    expect(world.instances.filter((i) => instances.has(i.InstanceId as string))).toEqual(
      JSON.parse(JSON.stringify(out.instances)),
    );
  });

  it("under throttling retries, still reads everything, and every attempt waits for a token", async () => {
    standIn.faults.configure({ throttleRate: 0.2, seed: 11 });
    let taken = 0;
    const bucket = new TokenBucket(10_000, 10_000);
    const take = bucket.take.bind(bucket);
    bucket.take = () => {
      taken++;
      return take();
    };
    const out = await collectEc2(client(), inputs, { ec2RateLimiter: bucket });
    expect(out.gaps).toEqual([]);
    const total = standIn.faults.total();
    expect(total.throttled).toBeGreaterThan(0);
    expect(taken).toBe(total.requests);
    standIn.faults.configure({});
  });
});
