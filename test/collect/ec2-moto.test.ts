/**
 * The EC2 collector against moto_server: the VPC, subnets, security groups and their rules,
 * a custom network ACL, instances, interfaces, an ALB and its target groups are made through
 * the SDK, the ELB side is collected as the audit does, then the EC2 side; the lists are then
 * judged by the network verdicts they are read for.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
  RunInstancesCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EKSClient } from "@aws-sdk/client-eks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkPaths } from "../../lib/analyze/network";
import { collectSnapshot, fileKubeConfig } from "../../lib/collect";
import type { ApiCalls } from "../../lib/collect/call-count";
import { parseSnapshot } from "../../lib/snapshot/read";
import { collectAws } from "../../lib/collect/aws";
import { collectEc2, createEc2Client, type Ec2Section } from "../../lib/collect/ec2";
import { PATHS, TEST_CA_DATA, startFakeApiServer } from "./fake-apiserver";
import { startMoto, type MotoServer } from "../support/moto-server";

const CLUSTER = "prod";
const clusterTag = [{ Key: "elbv2.k8s.aws/cluster", Value: CLUSTER }];

let moto: MotoServer;
/** Client settings that point an SDK client at moto. */
let at: {
  region: string;
  endpoint: string;
  credentials: ReturnType<MotoServer["clientConfig"]>["credentials"];
};
let ec2: EC2Client;
let elbv2: ElasticLoadBalancingV2Client;

/** What the test built, by role. */
const made = {} as {
  vpc: string;
  lbSubnets: string[];
  nodeSubnet: string;
  lbSg: string;
  nodeSg: string;
  podSg: string;
  bastionSg: string;
  nodeAcl: string;
  instances: string[];
  branchEni: string;
  podEni: string;
  lbArn: string;
};

async function subnet(cidr: string, az: string) {
  const out = await ec2.send(
    new CreateSubnetCommand({ VpcId: made.vpc, CidrBlock: cidr, AvailabilityZone: az }),
  );
  return out.Subnet?.SubnetId as string;
}

async function securityGroup(name: string, rules: IpPermission[] = []) {
  const out = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: made.vpc }),
  );
  const id = out.GroupId as string;
  if (rules.length > 0) {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: rules }));
  }
  return id;
}

async function build() {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  made.vpc = vpc.Vpc?.VpcId as string;
  made.lbSubnets = [
    await subnet("10.0.0.0/24", "eu-west-1a"),
    await subnet("10.0.1.0/24", "eu-west-1b"),
  ];
  made.nodeSubnet = await subnet("10.0.16.0/20", "eu-west-1a");

  made.lbSg = await securityGroup("alb", [
    { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
  ]);
  made.bastionSg = await securityGroup("bastion");
  made.nodeSg = await securityGroup("nodes", [
    // The controller's merged range for the NodePorts, from the ALB's group.
    {
      IpProtocol: "tcp",
      FromPort: 30000,
      ToPort: 32767,
      UserIdGroupPairs: [{ GroupId: made.lbSg }],
    },
    {
      IpProtocol: "tcp",
      FromPort: 22,
      ToPort: 22,
      UserIdGroupPairs: [{ GroupId: made.bastionSg }],
    },
  ]);
  made.podSg = await securityGroup("pods", [
    { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: made.lbSg }] },
  ]);

  // The node subnet gets an ACL of its own that denies 8443 from the ALB's first subnet.
  const acl = await ec2.send(new CreateNetworkAclCommand({ VpcId: made.vpc }));
  made.nodeAcl = acl.NetworkAcl?.NetworkAclId as string;
  const aclEntry = (
    RuleNumber: number,
    Egress: boolean,
    RuleAction: "allow" | "deny",
    CidrBlock: string,
    ports?: [number, number],
  ) =>
    ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: made.nodeAcl,
        RuleNumber,
        Egress,
        RuleAction,
        CidrBlock,
        Protocol: ports ? "6" : "-1",
        ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
      }),
    );
  await aclEntry(90, false, "deny", "10.0.0.0/24", [8443, 8443]);
  await aclEntry(100, false, "allow", "0.0.0.0/0");
  await aclEntry(100, true, "allow", "0.0.0.0/0");
  const current = await ec2.send(
    new DescribeNetworkAclsCommand({
      Filters: [{ Name: "association.subnet-id", Values: [made.nodeSubnet] }],
    }),
  );
  const association = current.NetworkAcls?.[0]?.Associations?.find(
    (a) => a.SubnetId === made.nodeSubnet,
  )?.NetworkAclAssociationId;
  await ec2.send(
    new ReplaceNetworkAclAssociationCommand({
      AssociationId: association,
      NetworkAclId: made.nodeAcl,
    }),
  );

  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12c6146b",
      MinCount: 2,
      MaxCount: 2,
      InstanceType: "t3.medium",
      SubnetId: made.nodeSubnet,
      SecurityGroupIds: [made.nodeSg],
    }),
  );
  made.instances = (run.Instances ?? []).map((i) => i.InstanceId as string);

  // A node interface holding a pod's address, and a pod with a branch interface of its own.
  // (The VPC CNI gives pods secondary addresses; moto's addresses.private-ip-address filter
  // matches primary ones only, so here the pod's address is the interface's primary.)
  const shared = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: made.nodeSubnet,
      Groups: [made.nodeSg],
      PrivateIpAddresses: [
        { PrivateIpAddress: "10.0.17.5", Primary: true },
        { PrivateIpAddress: "10.0.16.50", Primary: false },
      ],
    }),
  );
  made.podEni = shared.NetworkInterface?.NetworkInterfaceId as string;
  const branch = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: made.nodeSubnet,
      Groups: [made.podSg],
      PrivateIpAddress: "10.0.17.9",
    }),
  );
  made.branchEni = branch.NetworkInterface?.NetworkInterfaceId as string;

  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: "web",
      Type: "application",
      Subnets: made.lbSubnets,
      SecurityGroups: [made.lbSg],
    }),
  );
  made.lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
  const targetGroup = async (name: string, TargetType: "instance" | "ip", Port: number) => {
    const out = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: "HTTP",
        Port,
        VpcId: made.vpc,
        TargetType,
        Tags: clusterTag,
      }),
    );
    return out.TargetGroups?.[0]?.TargetGroupArn as string;
  };
  const nodesTg = await targetGroup("k8s-web-nodes", "instance", 31246);
  const podsTg = await targetGroup("k8s-web-pods", "ip", 8080);
  await targetGroup("k8s-idle", "ip", 8080);
  // More addresses than one filter may carry: two DescribeNetworkInterfaces calls.
  const manyTg = await targetGroup("k8s-web-many", "ip", 8080);
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: manyTg,
      Targets: Array.from({ length: 201 }, (_, i) => ({
        Id: `10.0.${18 + Math.floor(i / 200)}.${i % 200}`,
        Port: 8080,
      })),
    }),
  );
  for (const [Port, TargetGroupArn] of [
    [80, nodesTg],
    [8080, podsTg],
    [8081, manyTg],
  ] as const) {
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: made.lbArn,
        Protocol: "HTTP",
        Port,
        DefaultActions: [{ Type: "forward", TargetGroupArn }],
      }),
    );
  }
  // A terminated instance left registered must not fail the batch it is read in.
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: nodesTg,
      Targets: [...made.instances, "i-0123456789abcdef0"].map((Id) => ({ Id, Port: 31246 })),
    }),
  );
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: podsTg,
      Targets: ["10.0.17.5", "10.0.17.9"].map((Id) => ({ Id, Port: 8080 })),
    }),
  );
  return { nodesTg, podsTg };
}

const nodes = () =>
  made.instances.map((id, i) => ({
    metadata: { name: `node-${i}` },
    spec: { providerID: `aws:///eu-west-1a/${id}` },
  }));
const pods = () => [
  {
    metadata: { name: "web-1", namespace: "web" },
    spec: { nodeName: "node-0" },
    status: { podIP: "10.0.17.5" },
  },
  {
    metadata: {
      name: "web-2",
      namespace: "web",
      annotations: {
        "vpc.amazonaws.com/pod-eni": JSON.stringify([
          { eniId: made.branchEni, privateIp: "10.0.17.9", vlanId: 1 },
        ]),
      },
    },
    spec: { nodeName: "node-1" },
    status: { podIP: "10.0.17.9" },
  },
];

let section: Ec2Section;
let calls: { command: string; filterValues: number }[];
let aws: Awaited<ReturnType<typeof collectAws>>;

beforeAll(async () => {
  moto = await startMoto();
  const { region, endpoint, credentials } = moto.clientConfig();
  at = { region, endpoint, credentials };
  ec2 = new EC2Client(at);
  elbv2 = new ElasticLoadBalancingV2Client(at);
  await build();
  aws = await collectAws(new ElasticLoadBalancingV2Client(at), {
    clusterName: CLUSTER,
    vpcId: made.vpc,
    elbCallsPerSecond: Infinity,
  });
  const client = createEc2Client("eu-west-1", at);
  calls = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Filters?: { Values?: string[] }[] };
      const values = (input.Filters ?? []).map((f) => f.Values?.length ?? 0);
      calls.push({ command: context.commandName as string, filterValues: Math.max(0, ...values) });
      return next(args);
    },
    { step: "initialize" },
  );
  section = await collectEc2(
    client,
    { ...aws, nodes: nodes(), pods: pods() },
    { ec2CallsPerSecond: Infinity },
  );
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

const ids = <T>(items: T[], key: (t: T) => string | undefined) => items.map(key).sort();

describe("EC2 collection against moto", () => {
  it("reads the instances of the instance targets, not the stale id, with no gap", () => {
    expect(section.gaps).toEqual([]);
    expect(ids(section.instances, (i) => i.InstanceId)).toEqual([...made.instances].sort());
    const primary = section.instances[0]?.NetworkInterfaces?.find(
      (n) => n.Attachment?.DeviceIndex === 0,
    );
    expect(primary?.Groups?.map((g) => g.GroupId)).toEqual([made.nodeSg]);
  });

  it("reads the interfaces holding the ip targets' addresses, branch included", () => {
    expect(ids(section.networkInterfaces, (n) => n.NetworkInterfaceId)).toEqual(
      [made.podEni, made.branchEni].sort(),
    );
  });

  it("reads the load balancer's and targets' groups and the groups their rules name", () => {
    expect(ids(section.securityGroups, (g) => g.GroupId)).toEqual(
      [made.lbSg, made.nodeSg, made.podSg, made.bastionSg].sort(),
    );
  });

  it("reads both sides' subnets and the ACLs associated with them", () => {
    expect(ids(section.subnets, (s) => s.SubnetId)).toEqual(
      [...made.lbSubnets, made.nodeSubnet].sort(),
    );
    const acls = section.networkAcls;
    expect(acls.map((a) => a.NetworkAclId)).toContain(made.nodeAcl);
    expect(acls.some((a) => a.IsDefault)).toBe(true);
  });

  it("makes one call per list and batch of at most 200 values, none for the idle group", () => {
    expect(calls.map((c) => c.command).sort()).toEqual([
      "DescribeInstancesCommand",
      "DescribeNetworkAclsCommand",
      "DescribeNetworkInterfacesCommand",
      "DescribeNetworkInterfacesCommand",
      "DescribeSecurityGroupsCommand",
      // The bastion group the node group's rule names.
      "DescribeSecurityGroupsCommand",
      "DescribeSubnetsCommand",
    ]);
    const interfaceBatches = calls.filter((c) => c.command === "DescribeNetworkInterfacesCommand");
    expect(interfaceBatches.map((c) => c.filterValues).sort()).toEqual([200, 3]);
  });

  it("gives the network verdicts what they need (shapes as moto serves them, as read back)", () => {
    const { gaps, ...lists } = section;
    expect(gaps).toEqual([]);
    // Through the reader's own validation, as the analysis receives them.
    const read = parseSnapshot(
      JSON.parse(
        JSON.stringify({
          version: 1,
          capturedAt: "2026-01-01T00:00:00Z",
          cluster: { name: CLUSTER, region: "eu-west-1" },
          aws: { loadBalancers: aws.loadBalancers, targetGroups: aws.targetGroups, ...lists },
          kubernetes: {},
        }),
      ),
    );
    const paths = new NetworkPaths(read.aws);
    const shape = read.aws.loadBalancers.find((l) => l.LoadBalancerArn === made.lbArn);
    expect(shape).toBeDefined();
    if (!shape) return;
    const node = { type: "instance" as const, instanceId: made.instances[0] as string };
    expect(paths.evaluate(shape, node, 31246).status).toBe("open");
    expect(paths.evaluate(shape, node, 8080).securityGroups.status).toBe("closed");
    const branch = pods()[1]?.metadata.annotations?.["vpc.amazonaws.com/pod-eni"];
    const pod = { type: "ip" as const, address: "10.0.17.9", vpcId: made.vpc, podEni: branch };
    expect(paths.evaluate(shape, pod, 8080).status).toBe("open");
    const acl = paths.evaluate(shape, { type: "ip", address: "10.0.17.5", vpcId: made.vpc }, 8443);
    expect(acl.networkAcls.status).toBe("closed");
    expect(acl.networkAcls.denials[0]).toMatchObject({
      networkAclId: made.nodeAcl,
      peer: "10.0.0.0/24",
      entry: { RuleNumber: 90, RuleAction: "deny" },
      freeRuleNumber: 89,
    });
  });
});

describe("live collection with the network checks (moto and the API server stand-in)", () => {
  let ec2Requests = 0;
  /** What the collection reports for the Ec2ApiCalls/ElbApiCalls metrics. */
  let reported: ApiCalls | undefined;
  async function collect(network: boolean | undefined) {
    ec2Requests = 0;
    reported = undefined;
    const client = createEc2Client("eu-west-1", at);
    client.middlewareStack.add(
      (next) => async (args) => {
        ec2Requests++;
        return next(args);
      },
      { step: "initialize" },
    );
    const api = await startFakeApiServer({
      authorize: (header) => header === "Bearer t0ken",
      collections: {
        [PATHS.nodes]: { listKind: "NodeList", apiVersion: "v1", items: nodes() },
        [PATHS.pods]: { listKind: "PodList", apiVersion: "v1", items: pods() },
      },
    });
    const dir = mkdtempSync(join(tmpdir(), "alb-audit-ec2-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "lab", cluster: { server: api.url, "certificate-authority-data": TEST_CA_DATA } },
        ],
        users: [{ name: "u", user: { token: "t0ken" } }],
        contexts: [{ name: "lab", context: { cluster: "lab", user: "u" } }],
        "current-context": "lab",
      }),
    );
    try {
      return await collectSnapshot({
        clusterName: CLUSTER,
        region: "eu-west-1",
        kubeconfig,
        loadKubeconfig: fileKubeConfig,
        eks: new EKSClient(at),
        elbv2: new ElasticLoadBalancingV2Client(at),
        ec2: client,
        elbCallsPerSecond: Infinity,
        ec2CallsPerSecond: Infinity,
        ...(network === undefined ? {} : { network }),
        kubernetes: { retries: 0, requestTimeoutMs: 5_000 },
        onApiCalls: (calls) => (reported = calls),
      });
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("puts the five EC2 lists in the snapshot, without a gap of theirs", async () => {
    const snapshot = await collect(undefined);
    const aws = snapshot.aws;
    expect(ids(aws.instances ?? [], (i) => i.InstanceId)).toEqual([...made.instances].sort());
    expect(aws.networkInterfaces).toHaveLength(2);
    expect(aws.securityGroups).toHaveLength(4);
    expect(aws.subnets).toHaveLength(3);
    expect((aws.networkAcls ?? []).length).toBeGreaterThanOrEqual(2);
    expect(snapshot.gaps.filter((g) => g.source.startsWith("aws."))).toEqual([]);
    expect(ec2Requests).toBe(7);
    // Ec2ApiCalls counts what was sent, as the client's own first middleware saw it.
    expect(reported?.ec2).toBe(7);
    expect(reported?.elb).toBeGreaterThan(0);
  });

  it("leaves them out with the switch off: not collected, and no EC2 call", async () => {
    const snapshot = await collect(false);
    for (const list of [
      "instances",
      "networkInterfaces",
      "securityGroups",
      "subnets",
      "networkAcls",
    ]) {
      expect(snapshot.aws).not.toHaveProperty(list);
    }
    expect(ec2Requests).toBe(0);
    // No Ec2ApiCalls rather than a false zero on the dashboard.
    expect(reported).toBeDefined();
    expect(reported).not.toHaveProperty("ec2");
  });
});
