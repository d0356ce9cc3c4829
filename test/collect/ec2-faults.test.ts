/**
 * What moto cannot produce: EC2 throttling and AccessDenied (UnauthorizedOperation). Each
 * failing list keeps what was read and gets a gap of its own; the other lists are unharmed.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  EC2ServiceException,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { collectEc2, createEc2Client, type Ec2Inputs } from "../../lib/collect/ec2";

const ec2 = mockClient(EC2Client);
const LB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1";

const inputs: Ec2Inputs = {
  loadBalancers: [
    {
      LoadBalancerArn: LB,
      SecurityGroups: ["sg-lb"],
      AvailabilityZones: [{ SubnetId: "subnet-a" }],
    },
  ],
  targetGroups: [
    {
      TargetType: "instance",
      VpcId: "vpc-1",
      LoadBalancerArns: [LB],
      TargetHealthDescriptions: [{ Target: { Id: "i-1" } }],
    },
  ],
  nodes: [],
  pods: [],
};

const error = (name: string, message: string) =>
  new EC2ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: 400 }, message });

function serve() {
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: "i-1",
            NetworkInterfaces: [
              {
                NetworkInterfaceId: "eni-1",
                SubnetId: "subnet-n",
                Groups: [{ GroupId: "sg-node" }],
                Attachment: { DeviceIndex: 0 },
              },
            ],
          },
        ],
      },
    ],
  });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: "sg-lb" }, { GroupId: "sg-node" }],
  });
  ec2
    .on(DescribeSubnetsCommand)
    .resolves({ Subnets: [{ SubnetId: "subnet-a" }, { SubnetId: "subnet-n" }] });
  ec2.on(DescribeNetworkAclsCommand).resolves({
    NetworkAcls: [
      { NetworkAclId: "acl-1", Associations: [{ SubnetId: "subnet-a" }, { SubnetId: "subnet-n" }] },
    ],
  });
}

const client = () =>
  createEc2Client("eu-west-1", { credentials: { accessKeyId: "a", secretAccessKey: "b" } });

beforeEach(() => {
  ec2.reset();
  serve();
});

describe("EC2 collection faults", () => {
  it("AccessDenied on one API is a gap naming its list; the others are read", async () => {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .rejects(error("UnauthorizedOperation", "You are not authorized to perform this operation."));
    const out = await collectEc2(client(), inputs, { ec2CallsPerSecond: Infinity });
    expect(out.gaps).toEqual([
      {
        source: "aws.securityGroups",
        message:
          "DescribeSecurityGroups failed: UnauthorizedOperation: You are not authorized to perform this operation.",
      },
    ]);
    expect(out.securityGroups).toEqual([]);
    expect(out.instances.map((i) => i.InstanceId)).toEqual(["i-1"]);
    expect(out.subnets).toHaveLength(2);
    expect(out.networkAcls).toHaveLength(1);
  });

  it("throttling that outlasts the SDK's retries is a gap; what depends on it is not read", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(error("RequestLimitExceeded", "Request limit exceeded."));
    const out = await collectEc2(client(), inputs, { ec2CallsPerSecond: Infinity });
    expect(out.gaps).toEqual([
      {
        source: "aws.instances",
        message: "DescribeInstances failed: RequestLimitExceeded: Request limit exceeded.",
      },
    ]);
    // Without the instance its interface's group and subnet are unknown: the load balancer's only.
    expect(out.securityGroups.map((g) => g.GroupId)).toEqual(["sg-lb", "sg-node"]);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: "group-id", Values: ["sg-lb"] },
    ]);
    expect(ec2.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: "subnet-id", Values: ["subnet-a"] },
    ]);
  });

  it("reads nothing when no audited group has listed targets (prefilter skipped them)", async () => {
    const skipped = {
      ...inputs,
      targetGroups: [{ ...inputs.targetGroups[0], TargetHealthDescriptions: [] }],
    };
    const out = await collectEc2(client(), skipped, { ec2CallsPerSecond: Infinity });
    expect(ec2.calls()).toHaveLength(0);
    expect(out).toEqual({
      instances: [],
      networkInterfaces: [],
      securityGroups: [],
      subnets: [],
      networkAcls: [],
      gaps: [],
    });
  });

  it("rejects a bad EC2_CALLS_PER_SECOND with a message naming it", async () => {
    process.env.EC2_CALLS_PER_SECOND = "fast";
    try {
      await expect(collectEc2(client(), inputs)).rejects.toThrow(
        'EC2_CALLS_PER_SECOND must be a number of calls per second above 0, got "fast"',
      );
    } finally {
      delete process.env.EC2_CALLS_PER_SECOND;
    }
  });
});
