/**
 * The handler with the real collector: IAM sign-in token, @kubernetes/client-node against a
 * local HTTPS API server that serves the scenario's objects, the AWS inventory through
 * aws-sdk-client-mock, then the sinks. The live path must find what the snapshot path finds.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { eventCollection } from "../collect/kube-objects";
import { EC2Client } from "@aws-sdk/client-ec2";
import { serveEc2 } from "../support/ec2-inventory";
import { createHandler } from "../../functions/audit";
import { analyze } from "../../lib/analyze/index";
import type { AuditReport } from "../../lib/analyze/finding";
import { collectSnapshot } from "../../lib/collect/index";
import { signEksToken } from "../../lib/collect/eks-token";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import {
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type FakeApiServer,
} from "../collect/fake-apiserver";
import {
  CLUSTER,
  NODES,
  REGION,
  healthyInstanceGatewayInput,
  k8s,
  snapshotOf,
  target,
  tgs,
} from "../support/scenarios";
import {
  captureOutput,
  lambdaContext,
  scheduledEvent,
  startSlackStub,
  type Captured,
  type SlackStub,
  testConfig,
} from "./harness";

const T0 = new Date("2026-11-24T10:00:00Z");
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" };
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alb-health-auditor-prod-findings";

const eks = mockClient(EKSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);

let api: FakeApiServer;
let slack: SlackStub;
let output: Captured;

/** The gateway checked on its traffic port, as its annotation asks: HC001 on every node. */
function scenario(): SnapshotInput {
  const input = healthyInstanceGatewayInput();
  k8s(input).services[0]!.metadata.annotations!["alb.ingress.kubernetes.io/healthcheck-port"] =
    "traffic-port";
  const tg = tgs(input)[0]!;
  tg.HealthCheckPort = "traffic-port";
  tg.TargetHealthDescriptions = NODES.map((n) =>
    target(n.id, 31246, "unhealthy", "Target.ResponseCodeMismatch", "codes: [404]"),
  );
  return input;
}

/** List items as the API server returns them: built-in kinds drop apiVersion and kind. */
const items = (objects: Record<string, unknown>[], builtIn: boolean) =>
  objects.map(({ apiVersion: _v, kind: _k, ...rest }) =>
    builtIn ? rest : { apiVersion: _v, kind: _k, ...rest },
  );

function serveAws(input: SnapshotInput) {
  eks.on(DescribeClusterCommand, { name: CLUSTER }).resolves({
    cluster: {
      name: CLUSTER,
      status: "ACTIVE",
      endpoint: api.url,
      certificateAuthority: { data: TEST_CA_DATA },
      resourcesVpcConfig: { vpcId: "vpc-1" },
    },
  });
  const groups = tgs(input);
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: input.aws.loadBalancers as never,
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: groups.map(({ Tags: _t, TargetHealthDescriptions: _h, ...tg }) => tg) as never,
  });
  elbv2.on(DescribeTagsCommand).callsFake(async (req: { ResourceArns: string[] }) => ({
    TagDescriptions: req.ResourceArns.map((arn) => ({
      ResourceArn: arn,
      Tags: groups.find((g) => g.TargetGroupArn === arn)?.Tags ?? [],
    })),
  }));
  elbv2.on(DescribeTargetHealthCommand).callsFake(async (req: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions: groups.find((g) => g.TargetGroupArn === req.TargetGroupArn)
      ?.TargetHealthDescriptions,
  }));
}

beforeEach(async () => {
  for (const m of [eks, elbv2, sns, ssm, ec2]) m.reset();
  serveEc2(ec2, {});
  const input = scenario();
  const kube = k8s(input);
  const token = await signEksToken({
    clusterName: CLUSTER,
    region: REGION,
    credentials: CREDENTIALS,
    now: () => T0,
  });
  api = await startFakeApiServer({
    authorize: (header) => header === `Bearer ${token}`,
    collections: {
      [PATHS.nodes]: { listKind: "NodeList", apiVersion: "v1", items: items(kube.nodes, true) },
      [PATHS.services]: {
        listKind: "ServiceList",
        apiVersion: "v1",
        items: items(kube.services, true),
      },
      [PATHS.endpointSlices]: {
        listKind: "EndpointSliceList",
        apiVersion: "discovery.k8s.io/v1",
        items: items(kube.endpointSlices, true),
      },
      [PATHS.pods]: { listKind: "PodList", apiVersion: "v1", items: items(kube.pods, true) },
      [PATHS.ingresses]: {
        listKind: "IngressList",
        apiVersion: "networking.k8s.io/v1",
        items: items(kube.ingresses, true),
      },
      [PATHS.targetGroupBindings]: {
        listKind: "TargetGroupBindingList",
        apiVersion: "elbv2.k8s.aws/v1beta1",
        items: items(kube.targetGroupBindings, false),
      },
      [PATHS.peerAuthenticationsV1]: {
        listKind: "PeerAuthenticationList",
        apiVersion: "security.istio.io/v1",
        items: [],
      },
      [PATHS.events]: eventCollection([]),
    },
  });
  serveAws(input);
  slack = await startSlackStub();
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: slack.url } });
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  await api.close();
  await slack.close();
});

it("audits a live cluster end to end and finds what the snapshot path finds", async () => {
  const handler = createHandler({
    config: testConfig({
      snsTopicArn: TOPIC,
      slackWebhook: { kind: "ssm", name: "/alb-health-auditor/slack-webhook" },
      targetGroupMetrics: true,
    }),
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    collect: (options) =>
      collectSnapshot({
        ...options,
        credentials: CREDENTIALS,
        now: () => T0,
        kubernetes: { retries: 0, requestTimeoutMs: 5_000 },
      }),
    clients: {
      sns: new SNSClient({ region: REGION }),
      ssm: new SSMClient({ region: REGION }),
      secrets: new SecretsManagerClient({ region: REGION }),
      fetch: (input, init) => fetch(input, init),
    },
    now: () => T0.getTime(),
  });

  const report = (await handler(scheduledEvent, lambdaContext())) as AuditReport;

  const expected = analyze(snapshotOf(scenario()));
  expect(report.findings.map((f) => [f.code, f.severity, f.fingerprint])).toEqual(
    expected.findings.map((f) => [f.code, f.severity, f.fingerprint]),
  );
  expect(report.findings.map((f) => f.code)).toEqual(["HC001"]);
  expect(report.summary.gaps).toBe(0);

  // Every list went to the API server with the IAM token (the server refuses anything else).
  const listed = new Set(api.requests.map((r) => r.path));
  for (const path of [PATHS.nodes, PATHS.services, PATHS.pods, PATHS.targetGroupBindings]) {
    expect(listed).toContain(path);
  }
  expect(api.requests.every((r) => r.authorization?.startsWith("Bearer k8s-aws-v1."))).toBe(true);

  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  expect(
    sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageAttributes!.codes!.StringValue,
  ).toBe('["HC001"]');
  expect(slack.bodies).toHaveLength(1);
  expect(output.emf().some((d) => d.UnhealthyTargets === 3)).toBe(true);
  expect(output.text()).not.toContain(slack.secretPath);
  expect(output.text()).not.toContain("k8s-aws-v1.");
});
