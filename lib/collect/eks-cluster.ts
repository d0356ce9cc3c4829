/**
 * The EKS cluster and the library-free connection to it: DescribeCluster for endpoint, CA and
 * VPC, and an HTTPS endpoint that signs in with an IAM token (the Lambda's way, no Kubernetes
 * client library). One kept-alive connection serves every page of a collection.
 */
import { DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import { Agent } from "node:https";
import type { KubeEndpoint } from "./kube-page";

export interface EksClusterInfo {
  name: string;
  endpoint: string;
  /** Base64 PEM bundle, as DescribeCluster returns it (and as kubeconfig `certificate-authority-data`). */
  caData: string;
  vpcId?: string;
  /** The account in the cluster's ARN. */
  account?: string;
}

export async function describeEksCluster(eks: EKSClient, name: string): Promise<EksClusterInfo> {
  const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
  const endpoint = cluster?.endpoint;
  const caData = cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    const status = cluster?.status ? ` (status ${cluster.status})` : "";
    throw new Error(`EKS cluster ${name} has no API endpoint or CA yet${status}`);
  }
  const account = /^arn:[\w-]+:eks:[\w-]*:(\d{12}):/.exec(cluster?.arn ?? "")?.[1];
  return {
    name,
    endpoint,
    caData,
    vpcId: cluster?.resourcesVpcConfig?.vpcId,
    ...(account ? { account } : {}),
  };
}

/**
 * The EKS endpoint, verified against the cluster CA, with `getToken` asked for the bearer
 * token on every request so a cached token is renewed in flight.
 */
export function eksEndpoint(
  cluster: Pick<EksClusterInfo, "endpoint" | "caData">,
  getToken: () => Promise<string>,
): KubeEndpoint {
  const agent = new Agent({
    ca: Buffer.from(cluster.caData, "base64").toString("utf8"),
    // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot turn it off.
    rejectUnauthorized: true,
    keepAlive: true,
  });
  return {
    server: cluster.endpoint,
    authorize: async () => ({ headers: { authorization: `Bearer ${await getToken()}` }, agent }),
    close: () => agent.destroy(),
  };
}
