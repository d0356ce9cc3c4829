/**
 * The fields of the EC2 objects (SDK v3 output shapes, as the snapshot holds them) that the
 * network verdicts read. Structural, so the snapshot's own types and the SDK's both fit (ids are
 * optional as in the SDK; an object without one cannot be looked up and is left out).
 */

export interface Ec2Tag {
  Key?: string;
  Value?: string;
}

export interface IpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string }[];
  PrefixListIds?: { PrefixListId?: string }[];
  UserIdGroupPairs?: { GroupId?: string; UserId?: string; Description?: string }[];
}

export interface SecurityGroup {
  GroupId?: string;
  GroupName?: string;
  VpcId?: string;
  OwnerId?: string;
  IpPermissions?: IpPermission[];
  IpPermissionsEgress?: IpPermission[];
  Tags?: Ec2Tag[];
}

export interface GroupIdentifier {
  GroupId?: string;
  GroupName?: string;
}

/** An interface as DescribeNetworkInterfaces returns it, or as DescribeInstances nests it. */
export interface NetworkInterface {
  NetworkInterfaceId?: string;
  SubnetId?: string;
  VpcId?: string;
  PrivateIpAddress?: string;
  PrivateIpAddresses?: { PrivateIpAddress?: string; Primary?: boolean }[];
  Groups?: GroupIdentifier[];
  InterfaceType?: string;
  Attachment?: { DeviceIndex?: number; InstanceId?: string };
}

export interface Instance {
  InstanceId?: string;
  VpcId?: string;
  SubnetId?: string;
  PrivateIpAddress?: string;
  NetworkInterfaces?: NetworkInterface[];
}

export interface Subnet {
  SubnetId?: string;
  VpcId?: string;
  CidrBlock?: string;
  AvailabilityZone?: string;
}

export interface NetworkAclEntry {
  RuleNumber?: number;
  Protocol?: string;
  RuleAction?: string;
  Egress?: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From?: number; To?: number };
}

export interface NetworkAcl {
  NetworkAclId?: string;
  VpcId?: string;
  IsDefault?: boolean;
  Associations?: { SubnetId?: string; NetworkAclAssociationId?: string }[];
  Entries?: NetworkAclEntry[];
}

/** The five optional lists; an absent one was not collected. */
export interface NetworkLists {
  instances?: readonly Instance[];
  networkInterfaces?: readonly NetworkInterface[];
  securityGroups?: readonly SecurityGroup[];
  subnets?: readonly Subnet[];
  networkAcls?: readonly NetworkAcl[];
}

/** The load balancer as DescribeLoadBalancers returns it. */
export interface LoadBalancerShape {
  LoadBalancerArn: string;
  Type?: string;
  SecurityGroups?: string[];
  AvailabilityZones?: { SubnetId?: string; ZoneName?: string }[];
}
