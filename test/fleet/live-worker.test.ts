/**
 * The fleet worker for real: moto serves STS (AssumeRole), EKS, ELBv2, EC2 and SNS over their
 * wire protocols, one HTTPS Kubernetes stand-in per cluster serves the cluster's objects to the
 * EKS token signed with the assumed role's credentials only, and the whole single-cluster audit
 * (collect → analyze → alert) runs for each cluster of the group.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  EKSClient,
  type DescribeClusterCommandOutput,
} from "@aws-sdk/client-eks";
import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit } from "../../lib/audit/pipeline";
import { collectSnapshot } from "../../lib/collect/collect";
import { groupAuditor, ROLE_SESSION_NAME } from "../../lib/fleet/audit-cluster";
import { planFleet } from "../../lib/fleet/plan";
import { runFleetWorker } from "../../lib/fleet/worker";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import {
  EVENT_FIELD_LABELS,
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type FakeApiServer,
} from "../collect/fake-apiserver";
import { testConfig } from "../functions/harness";
import { healthyInstanceGatewayInput, k8s } from "../support/scenarios";
import { idIn, startMoto, type MotoServer } from "../support/moto-server";

const ACCOUNT = "123456789012"; // moto's account
const REGION = "eu-west-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/alb-health-auditor-member`;

let moto: MotoServer;
const servers: FakeApiServer[] = [];
beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await moto?.stop();
});

/** The access key id a presigned EKS token was signed with, and whether it carries a session. */
function signer(authorization: string | undefined) {
  const token = authorization?.replace(/^Bearer k8s-aws-v1\./, "") ?? "";
  const url = new URL(Buffer.from(token, "base64url").toString("utf8"));
  return {
    accessKeyId: url.searchParams.get("X-Amz-Credential")?.split("/")[0],
    session: url.searchParams.has("X-Amz-Security-Token"),
  };
}

const listOf = (listKind: string, apiVersion: string, items: Record<string, unknown>[]) => ({
  listKind,
  apiVersion,
  items,
});

/** A cluster in moto (VPC, subnets, instances, EKS, ALB, one bound target group) and its API server. */
async function cluster(name: string, cidr: string) {
  const elbv2 = new ElasticLoadBalancingV2Client(moto.clientConfig(REGION));
  const vpcId = idIn(await moto.ec2("CreateVpc", { CidrBlock: cidr }), "vpcId");
  const subnets: string[] = [];
  for (const [i, zone] of ["eu-west-1a", "eu-west-1b"].entries()) {
    const xml = await moto.ec2("CreateSubnet", {
      VpcId: vpcId,
      CidrBlock: cidr.replace(/\.0\.0\/16$/, `.${i}.0/24`),
      AvailabilityZone: zone,
    });
    subnets.push(idIn(xml, "subnetId"));
  }
  const run = await moto.ec2("RunInstances", {
    ImageId: "ami-12c6146b",
    MinCount: "2",
    MaxCount: "2",
    SubnetId: subnets[0]!,
  });
  const instances = [...run.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)].map((m) => m[1]!);
  await new EKSClient(moto.clientConfig(REGION)).send(
    new CreateClusterCommand({
      name,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
      resourcesVpcConfig: { subnetIds: subnets },
    }),
  );
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({ Name: `${name}-alb`, Subnets: subnets, Type: "application" }),
  );
  const tg = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: `k8s-${name}-gw`,
      Protocol: "HTTP",
      Port: 31246,
      VpcId: vpcId,
      TargetType: "instance",
      HealthCheckPort: "31127",
      HealthCheckPath: "/healthz/ready",
    }),
  );
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn as string;
  await elbv2.send(
    new AddTagsCommand({
      ResourceArns: [tgArn],
      Tags: [{ Key: "elbv2.k8s.aws/cluster", Value: name }],
    }),
  );
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: tgArn,
      Targets: instances.map((Id) => ({ Id, Port: 31246 })),
    }),
  );

  // The healthy gateway scenario, re-pointed at what moto created.
  const input: SnapshotInput = healthyInstanceGatewayInput();
  const kube = k8s(input);
  kube.targetGroupBindings[0]!.spec = {
    ...kube.targetGroupBindings[0]!.spec,
    targetGroupARN: tgArn,
  };
  kube.nodes.splice(2);
  kube.nodes.forEach((n, i) => {
    (n.spec as { providerID: string }).providerID = `aws:///eu-west-1a/${instances[i]}`;
  });
  const seen: string[] = [];
  const strip = (o: Record<string, unknown>[]) =>
    o.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  const api = await startFakeApiServer({
    authorize: (header) => {
      const s = signer(header);
      seen.push(`${s.accessKeyId}${s.session ? "+session" : ""}`);
      return s.session && (s.accessKeyId ?? "").startsWith("ASIA");
    },
    answers: {},
    collections: {
      [PATHS.nodes]: listOf("NodeList", "v1", strip(kube.nodes)),
      [PATHS.services]: listOf("ServiceList", "v1", strip(kube.services)),
      [PATHS.endpointSlices]: listOf(
        "EndpointSliceList",
        "discovery.k8s.io/v1",
        strip(kube.endpointSlices),
      ),
      [PATHS.pods]: listOf("PodList", "v1", strip(kube.pods)),
      [PATHS.ingresses]: listOf("IngressList", "networking.k8s.io/v1", strip(kube.ingresses)),
      [PATHS.targetGroupBindings]: listOf(
        "TargetGroupBindingList",
        "elbv2.k8s.aws/v1beta1",
        kube.targetGroupBindings,
      ),
      [PATHS.peerAuthenticationsV1]: listOf("PeerAuthenticationList", "security.istio.io/v1", []),
      [PATHS.events]: { ...listOf("EventList", "v1", []), fieldLabels: EVENT_FIELD_LABELS },
    },
  });
  servers.push(api);
  return { name, api, tgArn, lbArn: lb.LoadBalancers?.[0]?.LoadBalancerArn, seen };
}

describe("fleet worker against moto and the Kubernetes stand-in", () => {
  it("assumes the member role once, shares one ELB inventory, and audits each cluster of the account and region; a missing cluster fails alone", async () => {
    const alpha = await cluster("alpha", "10.1.0.0/16");
    const beta = await cluster("beta", "10.2.0.0/16");
    const byName = new Map([alpha, beta].map((c) => [c.name, c]));
    const topic = await new SNSClient(moto.clientConfig(REGION)).send(
      new CreateTopicCommand({ Name: "findings" }),
    );

    const calls: string[] = [];
    const count = (client: { middlewareStack: { add: (...args: never[]) => void } }) =>
      (client.middlewareStack.add as (m: unknown, o: unknown) => void)(
        (next: (a: unknown) => unknown, context: { commandName?: string }) => (args: unknown) => {
          calls.push(context.commandName ?? "?");
          return next(args);
        },
        { step: "initialize" },
      );
    const sts = new STSClient(moto.clientConfig(REGION));
    count(sts);
    const usedCredentials: string[] = [];
    const [group] = planFleet({
      clusters: ["alpha", "missing", "beta"].map((name) => ({
        name,
        account: ACCOUNT,
        region: REGION,
        roleArn: ROLE,
        externalId: "fleet-external-id",
      })),
    });
    const logger = new Logger({ serviceName: "test", logLevel: "SILENT" });
    const config = testConfig({ snsTopicArn: topic.TopicArn as string });
    const sinks = {
      sns: new SNSClient(moto.clientConfig(REGION)),
      ssm: new SSMClient(moto.clientConfig(REGION)),
      secrets: new SecretsManagerClient(moto.clientConfig(REGION)),
      fetch: () => Promise.reject(new Error("no Slack in this test")),
    };

    const auditCluster = groupAuditor(group!, {
      sts,
      clientsFor: (region, credentials) => {
        usedCredentials.push(credentials.accessKeyId);
        const settings = { ...moto.clientConfig(region), credentials };
        const elbv2 = new ElasticLoadBalancingV2Client(settings);
        const eks = new EKSClient(settings);
        count(elbv2);
        // moto invents an endpoint and CA; the test's cluster lives on the stand-in.
        eks.middlewareStack.add(
          (next) => async (args) => {
            const out = await next(args);
            const c = (out.output as DescribeClusterCommandOutput).cluster;
            const api = c?.name ? byName.get(c.name)?.api : undefined;
            if (c && api) {
              c.endpoint = api.url;
              c.certificateAuthority = { data: TEST_CA_DATA };
            }
            return out;
          },
          { step: "initialize", name: "pointAtStandIn" },
        );
        const ec2 = new EC2Client(settings);
        count(ec2);
        return { elbv2, eks, ec2, cloudwatch: new CloudWatchClient(settings) };
      },
      elbCallsPerSecond: 1000,
      audit: async (c, collect) => {
        const result = await runAudit(
          { clusterName: c.name, region: c.region },
          {
            config: { ...config, clusterName: c.name, region: c.region },
            collect: (options) =>
              collectSnapshot({
                ...options,
                ...collect,
                kubernetes: { retries: 0, requestTimeoutMs: 5_000 },
              }),
            clients: sinks,
            logger,
            now: Date.now,
          },
        );
        const report = "report" in result ? result.report : result;
        return {
          bySeverity: report.summary.bySeverity,
          gaps: report.summary.gaps,
          targetGroups: report.summary.targetGroups,
        } as never;
      },
    });

    const out = await runFleetWorker(
      { group: group!, next: 0, throttled: 0, results: [] },
      { auditCluster, now: Date.now, remainingTimeMs: () => 600_000 },
    );

    expect(out.done).toBe(true);
    expect(out.results.map((r) => [r.cluster, r.status])).toEqual([
      ["alpha", "audited"],
      ["missing", "failed"],
      ["beta", "audited"],
    ]);
    expect(out.results[1]!.error).toMatch(
      /DescribeCluster missing \(eu-west-1\) failed: ResourceNotFoundException/,
    );
    for (const r of [out.results[0]!, out.results[2]!]) {
      expect(r).toMatchObject({
        gaps: 0,
        targetGroups: 1,
        bySeverity: { critical: 0, warning: 0 },
      });
    }
    // One AssumeRole (with the external id) for the whole group, one client set, one inventory.
    expect(calls.filter((c) => c === "AssumeRoleCommand")).toHaveLength(1);
    expect(usedCredentials).toHaveLength(1);
    expect(usedCredentials[0]).toMatch(/^ASIA/);
    expect(calls.filter((c) => c === "DescribeLoadBalancersCommand")).toHaveLength(1);
    expect(calls.filter((c) => c === "DescribeTargetGroupsCommand")).toHaveLength(1);
    // The network checks read EC2 through the member role's clients too.
    expect(calls.filter((c) => c === "DescribeInstancesCommand").length).toBeGreaterThan(0);
    // Each API server was reached with a token signed by the assumed role's session only.
    for (const c of [alpha, beta]) {
      expect(c.seen.length).toBeGreaterThan(0);
      expect(new Set(c.seen)).toEqual(new Set([`${usedCredentials[0]}+session`]));
    }
    expect(ROLE_SESSION_NAME).toBe("alb-health-auditor");
  }, 120_000);
});
