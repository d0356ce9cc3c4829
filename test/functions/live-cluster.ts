/**
 * A live cluster for handler tests that run the real collector: a local HTTPS API server that
 * serves a scenario's Kubernetes objects to the IAM token only, and the AWS inventory of the
 * same scenario through aws-sdk-client-mock (DescribeTargetHealth per group can be made to fail),
 * its EC2 lists included (none: EC2 answers with nothing).
 */
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
import { collectSnapshot, type CollectOptions } from "../../lib/collect/index";
import { signEksToken } from "../../lib/collect/eks-token";
import type { Snapshot, SnapshotInput } from "../../lib/snapshot/schema";
import {
  EVENT_FIELD_LABELS,
  PATHS,
  TEST_CA_DATA,
  startFakeApiServer,
  type CannedAnswer,
  type FakeApiServer,
} from "../collect/fake-apiserver";
import { serveEc2 } from "../support/ec2-inventory";
import { CLUSTER, REGION, k8s, tgs } from "../support/scenarios";

export const T0 = new Date("2026-11-24T10:00:00Z");

export const eks = mockClient(EKSClient);
export const elbv2 = mockClient(ElasticLoadBalancingV2Client);
export const ec2 = mockClient(EC2Client);

export interface LiveClusterOptions {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Canned API server answers by path (errors, hangs). */
  answers?: Partial<Record<string, CannedAnswer>>;
  /** DescribeTargetHealth of these groups fails with this error. */
  failTargetHealth?: Record<string, Error>;
  /** Per-request timeout of the Kubernetes lists. */
  requestTimeoutMs?: number;
  /** CA the collector is told the cluster has (default: the one that signed the server). */
  caData?: string;
}

export interface LiveCluster {
  api: FakeApiServer;
  token: string;
  collect: (options: CollectOptions) => Promise<Snapshot>;
  close: () => Promise<void>;
}

/** List items as the API server returns them: built-in kinds drop apiVersion and kind. */
const items = (objects: Record<string, unknown>[], builtIn: boolean) =>
  objects.map(({ apiVersion, kind, ...rest }) => (builtIn ? rest : { apiVersion, kind, ...rest }));

export async function startLiveCluster(
  input: SnapshotInput,
  options: LiveClusterOptions,
): Promise<LiveCluster> {
  eks.reset();
  elbv2.reset();
  ec2.reset();
  serveEc2(ec2, input.aws);
  const kube = k8s(input);
  const token = await signEksToken({
    clusterName: CLUSTER,
    region: REGION,
    credentials: options.credentials,
    now: () => T0,
  });
  const list = (
    listKind: string,
    apiVersion: string,
    objects: Record<string, unknown>[],
    builtIn = true,
  ) => ({
    listKind,
    apiVersion,
    items: items(objects, builtIn),
  });
  const api = await startFakeApiServer({
    authorize: (header) => header === `Bearer ${token}`,
    answers: options.answers ?? {},
    collections: {
      [PATHS.nodes]: list("NodeList", "v1", kube.nodes),
      [PATHS.services]: list("ServiceList", "v1", kube.services),
      [PATHS.endpointSlices]: list("EndpointSliceList", "discovery.k8s.io/v1", kube.endpointSlices),
      [PATHS.pods]: list("PodList", "v1", kube.pods),
      [PATHS.ingresses]: list("IngressList", "networking.k8s.io/v1", kube.ingresses),
      [PATHS.targetGroupBindings]: list(
        "TargetGroupBindingList",
        "elbv2.k8s.aws/v1beta1",
        kube.targetGroupBindings,
        false,
      ),
      [PATHS.peerAuthenticationsV1]: list(
        "PeerAuthenticationList",
        "security.istio.io/v1",
        kube.peerAuthentications,
        false,
      ),
      [PATHS.events]: {
        ...list("EventList", "v1", (kube as { events?: Record<string, unknown>[] }).events ?? []),
        fieldLabels: EVENT_FIELD_LABELS,
      },
    },
  });

  eks.on(DescribeClusterCommand, { name: CLUSTER }).resolves({
    cluster: {
      name: CLUSTER,
      status: "ACTIVE",
      endpoint: api.url,
      certificateAuthority: { data: options.caData ?? TEST_CA_DATA },
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
  elbv2.on(DescribeTargetHealthCommand).callsFake(async (req: { TargetGroupArn: string }) => {
    const failure = options.failTargetHealth?.[req.TargetGroupArn];
    if (failure) throw failure;
    return {
      TargetHealthDescriptions: groups.find((g) => g.TargetGroupArn === req.TargetGroupArn)
        ?.TargetHealthDescriptions,
    };
  });

  return {
    api,
    token,
    collect: (collectOptions) =>
      collectSnapshot({
        ...collectOptions,
        credentials: options.credentials,
        now: () => T0,
        kubernetes: {
          retries: 1,
          retryDelayMs: 10,
          requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
        },
      }),
    close: () => api.close(),
  };
}
