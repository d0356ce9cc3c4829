/**
 * An EC2 inventory behind aws-sdk-client-mock for tests that run the whole live collection
 * with mocked AWS clients (the Lambda harness): the five Describe calls answer from the given
 * lists, with the filters the collector sends applied. The collector itself is tested against
 * moto (test/collect/ec2-moto.test.ts).
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type Filter,
} from "@aws-sdk/client-ec2";
import type { AwsClientStub } from "aws-sdk-client-mock";

type Item = Record<string, unknown>;
export interface Ec2Lists {
  instances?: unknown[];
  networkInterfaces?: unknown[];
  securityGroups?: unknown[];
  subnets?: unknown[];
  networkAcls?: unknown[];
  [list: string]: unknown;
}

/** The values an item has for a filter name (only the names the collector uses). */
function valuesOf(item: Item, name: string): unknown[] {
  switch (name) {
    case "addresses.private-ip-address":
      return ((item.PrivateIpAddresses as Item[] | undefined) ?? []).map((a) => a.PrivateIpAddress);
    case "association.subnet-id":
      return ((item.Associations as Item[] | undefined) ?? []).map((a) => a.SubnetId);
    case "default":
      return [String(Boolean(item.IsDefault))];
    default: {
      // instance-id → InstanceId, group-id → GroupId, vpc-id → VpcId, ...
      const field = name.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase());
      return [item[field]];
    }
  }
}

const matching = (items: unknown[] | undefined, filters: Filter[] | undefined) =>
  ((items ?? []) as Item[]).filter((item) =>
    (filters ?? []).every((f) => {
      const have = valuesOf(item, f.Name ?? "");
      return (f.Values ?? []).some((v) => have.includes(v));
    }),
  );

export function serveEc2(ec2: AwsClientStub<EC2Client>, lists: Ec2Lists): void {
  ec2.on(DescribeInstancesCommand).callsFake(async (input: { Filters?: Filter[] }) => ({
    Reservations: [{ Instances: matching(lists.instances, input.Filters) }],
  }));
  ec2.on(DescribeNetworkInterfacesCommand).callsFake(async (input: { Filters?: Filter[] }) => ({
    NetworkInterfaces: matching(lists.networkInterfaces, input.Filters),
  }));
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input: { Filters?: Filter[] }) => ({
    SecurityGroups: matching(lists.securityGroups, input.Filters),
  }));
  ec2.on(DescribeSubnetsCommand).callsFake(async (input: { Filters?: Filter[] }) => ({
    Subnets: matching(lists.subnets, input.Filters),
  }));
  ec2.on(DescribeNetworkAclsCommand).callsFake(async (input: { Filters?: Filter[] }) => ({
    NetworkAcls: matching(lists.networkAcls, input.Filters),
  }));
}
