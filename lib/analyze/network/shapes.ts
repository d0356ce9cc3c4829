/**
 * The EC2 objects the network verdicts read, as the snapshot holds them (SDK v3 output shapes).
 * The types are the snapshot schema's own: one declaration of what is read and validated.
 */
import type {
  Instance,
  InstanceNetworkInterface,
  IpPermission,
  LoadBalancer,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  SecurityGroup,
  Snapshot,
  Subnet,
} from "../../snapshot/schema";

export type {
  Instance,
  InstanceNetworkInterface,
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  SecurityGroup,
  Subnet,
};

/** An interface read from DescribeNetworkInterfaces or nested in an instance. */
export type AnyNetworkInterface = NetworkInterface | InstanceNetworkInterface;

type Ec2ListName = "instances" | "networkInterfaces" | "securityGroups" | "subnets" | "networkAcls";

/** The five optional lists; an absent one was not collected. */
export type NetworkLists = {
  readonly [K in Ec2ListName]?: readonly NonNullable<Snapshot["aws"][K]>[number][];
};

/** The load balancer as DescribeLoadBalancers returns it. */
export type LoadBalancerShape = LoadBalancer;
