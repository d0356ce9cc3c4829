import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectSnapshot, type CollectOptions } from "../../lib/collect";
import { fileKubeConfig } from "../../lib/collect/kubeconfig";
import { signEksToken } from "../../lib/collect/eks-token";
import { parseSnapshot } from "../../lib/snapshot/read";
import { serveEc2 } from "../support/ec2-inventory";
import { PATHS, TEST_CA_DATA, startFakeApiServer, type FakeApiServer } from "./fake-apiserver";
import { binding, clusterCollections, event, eventCollection, pod } from "./kube-objects";

const REGION = "eu-west-1";
const VPC = "vpc-0cluster";
const T0 = new Date("2026-11-24T10:00:00Z");
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" };
const arn = (name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:111122223333:targetgroup/${name}/0123456789abcdef`;
const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:111122223333:loadbalancer/app/web/fedcba9876543210`;

const eks = mockClient(EKSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
let server: FakeApiServer;
let expectedToken: string;
let dir: string;

function serveAws() {
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [
      {
        LoadBalancerArn: LB_ARN,
        LoadBalancerName: "web",
        Type: "application",
        Scheme: "internet-facing",
        VpcId: VPC,
        State: { Code: "active" },
        CreatedTime: T0,
      },
    ],
  });
  const group = (name: string, vpc: string) => ({
    TargetGroupArn: arn(name),
    TargetGroupName: name,
    Protocol: "HTTP" as const,
    Port: 31246,
    VpcId: vpc,
    TargetType: "instance" as const,
    HealthCheckPort: "traffic-port",
    HealthCheckPath: "/",
    Matcher: { HttpCode: "200" },
    LoadBalancerArns: [LB_ARN],
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [
      group("bound", VPC),
      group("tagged", VPC),
      group("stale-elsewhere", "vpc-0other"),
    ],
  });
  elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns: string[] }) => ({
    TagDescriptions: input.ResourceArns.map((a) => ({
      ResourceArn: a,
      Tags: a === arn("bound") ? [] : [{ Key: "elbv2.k8s.aws/cluster", Value: "prod" }],
    })),
  }));
  elbv2.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [
      {
        Target: { Id: "i-0aaa", Port: 31246 },
        HealthCheckPort: "31246",
        TargetHealth: { State: "unhealthy", Reason: "Target.ResponseCodeMismatch" },
      },
    ],
  });
}

beforeEach(async () => {
  eks.reset();
  elbv2.reset();
  ec2.reset();
  serveEc2(ec2, {});
  dir = mkdtempSync(join(tmpdir(), "alb-audit-collect-"));
  expectedToken = await signEksToken({
    clusterName: "prod",
    region: REGION,
    credentials: CREDENTIALS,
    now: () => T0,
  });
  const collections = clusterCollections([binding("shop", "web", arn("bound"))]);
  server = await startFakeApiServer({
    authorize: (header) => header === `Bearer ${expectedToken}`,
    collections,
  });
  serveAws();
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const describeCluster = (endpoint: string) =>
  eks.on(DescribeClusterCommand, { name: "prod" }).resolves({
    cluster: {
      name: "prod",
      status: "ACTIVE",
      endpoint,
      certificateAuthority: { data: TEST_CA_DATA },
      resourcesVpcConfig: { vpcId: VPC },
    },
  });

const options = (extra: Partial<CollectOptions> = {}): CollectOptions => ({
  clusterName: "prod",
  region: REGION,
  eks: new EKSClient({ region: REGION }),
  elbv2: new ElasticLoadBalancingV2Client({ region: REGION }),
  credentials: CREDENTIALS,
  now: () => T0,
  kubernetes: { retries: 0, requestTimeoutMs: 5_000 },
  ...extra,
});

function kubeconfigFile(extraCluster: Record<string, unknown> = {}): string {
  const path = join(dir, "config");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "lab",
        cluster: {
          server: server.url,
          "certificate-authority-data": TEST_CA_DATA,
          ...extraCluster,
        },
      },
    ],
    users: [{ name: "lab-user", user: { token: expectedToken } }],
    contexts: [{ name: "lab", context: { cluster: "lab", user: "lab-user" } }],
    "current-context": "",
  };
  writeFileSync(path, JSON.stringify(config)); // JSON is YAML
  return path;
}

describe("collectSnapshot", () => {
  it("names the cluster's account from its ARN, or as the caller knows it", async () => {
    eks.on(DescribeClusterCommand, { name: "prod" }).resolves({
      cluster: {
        name: "prod",
        arn: `arn:aws:eks:${REGION}:444455556666:cluster/prod`,
        status: "ACTIVE",
        endpoint: server.url,
        certificateAuthority: { data: TEST_CA_DATA },
        resourcesVpcConfig: { vpcId: VPC },
      },
    });
    const snapshot = await collectSnapshot(options());
    expect(snapshot.cluster).toEqual({ name: "prod", region: REGION, account: "444455556666" });
    expect(parseSnapshot(JSON.parse(JSON.stringify(snapshot))).cluster.account).toBe(
      "444455556666",
    );
    const told = await collectSnapshot(options({ account: "777788889999" }));
    expect(told.cluster.account).toBe("777788889999");
  });

  it("signs in with IAM and builds a snapshot the reader accepts", async () => {
    describeCluster(server.url);
    const progress: string[] = [];
    const snapshot = await collectSnapshot(options({ onProgress: (m) => progress.push(m) }));

    // What the CLI writes to disk reads back as the same snapshot.
    const reread = parseSnapshot(JSON.parse(JSON.stringify(snapshot)));
    expect(reread).toEqual(snapshot);

    expect(snapshot.capturedAt).toBe("2026-11-24T10:00:00.000Z");
    expect(snapshot.cluster).toEqual({ name: "prod", region: REGION });
    expect(snapshot.aws.targetGroups.map((g) => g.TargetGroupName)).toEqual(["bound", "tagged"]);
    expect(snapshot.aws.targetGroups[0]?.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason).toBe(
      "Target.ResponseCodeMismatch",
    );
    expect(snapshot.aws.loadBalancers.map((l) => l.LoadBalancerName)).toEqual(["web"]);
    expect(snapshot.kubernetes.targetGroupBindings[0]?.spec.targetGroupARN).toBe(arn("bound"));
    expect(snapshot.kubernetes.pods[0]).toMatchObject({ apiVersion: "v1", kind: "Pod" });
    expect(snapshot.kubernetes.nodes[0]?.spec?.providerID).toBe("aws:///eu-west-1a/i-0aaa");
    expect(snapshot.gaps).toEqual([
      {
        source: "kubernetes.peerAuthentications",
        message:
          "the server could not find the requested resource (404) [tried security.istio.io/v1, security.istio.io/v1beta1]",
      },
    ]);

    expect(server.requests.length).toBeGreaterThanOrEqual(8);
    expect(server.requests.every((r) => r.authorization === `Bearer ${expectedToken}`)).toBe(true);
    expect(progress.join("\n")).not.toContain(expectedToken.slice(11));
  });

  it("makes a Gateway API kind the cluster does not serve a gap only when a group needs it", async () => {
    describeCluster(server.url);
    const gatewayTags = [
      { Key: "elbv2.k8s.aws/cluster", Value: "prod" },
      { Key: "gateway.k8s.aws.alb/stack", Value: "edge/public-gw" },
      {
        Key: "gateway.k8s.aws.alb/resource",
        Value: "edge/public-gw:shop-web:HTTPRoute-shop-web:8080",
      },
    ];
    elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((a) => ({
        ResourceArn: a,
        Tags: a === arn("tagged") ? gatewayTags : [],
      })),
    }));
    const snapshot = await collectSnapshot(options());
    // Collected, and empty: the snapshot says so rather than leaving the lists out.
    expect(snapshot.kubernetes.gateways).toEqual([]);
    expect(snapshot.kubernetes.targetGroupConfigurations).toEqual([]);
    const why = "; target group tagged was built for Gateway edge/public-gw";
    // Its route is an HTTPRoute: the other route kinds are not needed, so not gaps.
    expect(snapshot.gaps.filter((g) => g.source !== "kubernetes.peerAuthentications")).toEqual([
      {
        source: "kubernetes.gatewayClasses",
        message: `the server could not find the requested resource (404)${why}`,
      },
      {
        source: "kubernetes.gateways",
        message: `the server could not find the requested resource (404)${why}`,
      },
      {
        source: "kubernetes.httpRoutes",
        message: `the server could not find the requested resource (404)${why}`,
      },
      {
        source: "kubernetes.targetGroupConfigurations",
        message: `the server could not find the requested resource (404) [tried gateway.k8s.aws/v1, gateway.k8s.aws/v1beta1]${why}`,
      },
    ]);
  });

  it("fails with a clear message when IAM sign-in cannot find the cluster", async () => {
    eks.on(DescribeClusterCommand).rejects(
      Object.assign(new Error("No cluster found for name: prod."), {
        name: "ResourceNotFoundException",
      }),
    );
    await expect(collectSnapshot(options())).rejects.toThrow(
      "DescribeCluster prod (eu-west-1) failed: ResourceNotFoundException: No cluster found for name: prod.",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("uses a kubeconfig file and context, and scopes by tag alone when DescribeCluster is denied", async () => {
    eks.on(DescribeClusterCommand).rejects(
      Object.assign(new Error("not authorized to perform eks:DescribeCluster"), {
        name: "AccessDeniedException",
      }),
    );
    const progress: string[] = [];
    const snapshot = await collectSnapshot(
      options({
        kubeconfig: kubeconfigFile(),
        loadKubeconfig: fileKubeConfig,
        context: "lab",
        onProgress: (m) => progress.push(m),
      }),
    );
    expect(
      progress.some((m) => m.startsWith("DescribeCluster failed (AccessDeniedException")),
    ).toBe(true);
    expect(snapshot.kubernetes.services).toHaveLength(1);
    // Without the VPC, a cluster tag anywhere in the region counts.
    expect(snapshot.aws.targetGroups.map((g) => g.TargetGroupName)).toEqual([
      "bound",
      "tagged",
      "stale-elsewhere",
    ]);
  });

  it("warns when the kubeconfig points at another API server than the EKS cluster", async () => {
    describeCluster("https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com");
    const progress: string[] = [];
    const snapshot = await collectSnapshot(
      options({
        kubeconfig: kubeconfigFile(),
        loadKubeconfig: fileKubeConfig,
        context: "lab",
        onProgress: (m) => progress.push(m),
      }),
    );
    expect(
      progress.some((m) => m.startsWith("warning: kubeconfig server https://127.0.0.1:")),
    ).toBe(true);
    expect(snapshot.aws.targetGroups.map((g) => g.TargetGroupName)).toEqual(["bound", "tagged"]);
  });

  it("replaces a list the engine could not read with a gap instead of failing the audit", async () => {
    await server.close();
    const collections = clusterCollections([binding("shop", "web", arn("bound"))]);
    const broken = pod("shop", "broken") as Record<string, unknown>;
    delete (broken.spec as Record<string, unknown>).containers;
    collections[PATHS.pods] = {
      listKind: "PodList",
      apiVersion: "v1",
      items: [pod("shop", "ok"), broken],
    };
    server = await startFakeApiServer({
      authorize: (header) => header === `Bearer ${expectedToken}`,
      collections,
    });
    describeCluster(server.url);

    const snapshot = await collectSnapshot(options());
    expect(snapshot.kubernetes.pods).toEqual([]);
    expect(snapshot.gaps).toContainEqual({
      source: "kubernetes.pods",
      message: "shop/broken does not fit the snapshot format at spec.containers: Required",
    });
    expect(snapshot.kubernetes.services).toHaveLength(1);
  });
});

describe("collectSnapshot with events and bindings by name", () => {
  async function serveCluster(bindings: Record<string, unknown>[]) {
    await server.close();
    const collections = clusterCollections(bindings);
    const ing = { kind: "Ingress", namespace: "shop", name: "web" };
    collections[PATHS.events] = eventCollection([
      event("blocked", ing),
      event("fine", ing, { type: "Normal", reason: "SuccessfullyReconciled" }),
    ]);
    server = await startFakeApiServer({
      authorize: (header) => header === `Bearer ${expectedToken}`,
      collections,
    });
    describeCluster(server.url);
    // A lookup of a group that is not there fails the way the API does.
    elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arn("gone")] }).rejects(
      Object.assign(new Error("One or more target groups not found"), {
        name: "TargetGroupNotFoundException",
      }),
    );
  }

  const byName = (namespace: string, name: string, targetGroupName: string) => {
    const b = binding(namespace, name, "") as { spec: Record<string, unknown> };
    delete b.spec.targetGroupARN;
    b.spec.targetGroupName = targetGroupName;
    return b;
  };

  it("keeps the controller's Warnings and the bindings that name a group by name", async () => {
    await serveCluster([byName("shop", "by-name", "bound"), binding("shop", "old", arn("gone"))]);
    const snapshot = await collectSnapshot(options());
    expect(parseSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
    expect(
      (snapshot.kubernetes.events as { metadata: { name: string } }[]).map((e) => e.metadata.name),
    ).toEqual(["blocked"]);
    // "bound" carries no cluster tag: only the binding by name brings it into scope.
    expect(snapshot.aws.targetGroups.map((g) => g.TargetGroupName)).toEqual(["bound", "tagged"]);
    expect(snapshot.kubernetes.targetGroupBindings.map((b) => b.metadata.name)).toEqual([
      "by-name",
      "old",
    ]);
    expect(snapshot.gaps.map((g) => g.source)).toEqual(["kubernetes.peerAuthentications"]);
    const lookups = elbv2
      .commandCalls(DescribeTargetGroupsCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.TargetGroupArns);
    expect(lookups).toEqual([{ TargetGroupArns: [arn("gone")] }]);
  });

  it("in an audit of named groups keeps only the bindings of those groups", async () => {
    await serveCluster([
      byName("shop", "by-name", "bound"),
      binding("shop", "tagged", arn("tagged")),
      binding("shop", "old", arn("gone")),
    ]);
    const snapshot = await collectSnapshot(options({ targetGroupArns: [arn("bound")] }));
    expect(snapshot.aws.targetGroups.map((g) => g.TargetGroupName)).toEqual(["bound"]);
    // The others' groups were not collected: their bindings would read as bindings of missing ones.
    expect(snapshot.kubernetes.targetGroupBindings.map((b) => b.metadata.name)).toEqual([
      "by-name",
    ]);
  });
});

describe("fileKubeConfig", () => {
  it("refuses a cluster entry that skips TLS verification", async () => {
    const path = kubeconfigFile({ "insecure-skip-tls-verify": true });
    expect(() => fileKubeConfig(path, "lab")).toThrow(/disables TLS verification/);
  });

  it("names a context that does not exist", () => {
    expect(() => fileKubeConfig(kubeconfigFile(), "nope")).toThrow('no context named "nope"');
  });
});
