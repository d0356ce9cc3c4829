/**
 * How the Kubernetes collector reaches the API server: straight from DescribeCluster and an
 * IAM token (the Lambda's way, no Kubernetes client library), or through a KubeConfig, whose
 * credentials (token, client certificate, exec plugin, proxy) the library resolves. Either way
 * one kept-alive connection serves every page of a collection.
 */
import { DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import type { Agent as HttpAgent, OutgoingHttpHeaders } from "node:http";
import { Agent, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeEndpoint } from "./kube-page";

export interface EksClusterInfo {
  name: string;
  endpoint: string;
  /** Base64 PEM bundle, as DescribeCluster returns it (and as kubeconfig `certificate-authority-data`). */
  caData: string;
  vpcId?: string;
}

export async function describeEksCluster(eks: EKSClient, name: string): Promise<EksClusterInfo> {
  const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
  const endpoint = cluster?.endpoint;
  const caData = cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    const status = cluster?.status ? ` (status ${cluster.status})` : "";
    throw new Error(`EKS cluster ${name} has no API endpoint or CA yet${status}`);
  }
  return { name, endpoint, caData, vpcId: cluster?.resourcesVpcConfig?.vpcId };
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

const headerText = (headers: OutgoingHttpHeaders | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers ?? {}).flatMap(([k, v]) =>
      v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : String(v)]],
    ),
  );

/** The current cluster and user of a KubeConfig; the library applies its credentials per request. */
export function kubeConfigEndpoint(kc: KubeConfig): KubeEndpoint {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  let kept: Agent | undefined;
  return {
    server,
    authorize: async () => {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      let agent = typeof options.agent === "object" ? (options.agent as HttpAgent) : undefined;
      // The library builds a fresh agent, so a fresh TLS handshake, per request: keep one open
      // with the same settings (CA, client certificate). A proxy agent is used as it comes.
      if (agent === undefined || agent instanceof Agent) {
        kept ??= new Agent({
          ...(agent as Agent | undefined)?.options,
          keepAlive: true,
          // Left unset, Node takes it from NODE_TLS_REJECT_UNAUTHORIZED: a variable set for
          // some other tool would send the token to any server. fileKubeConfig refuses
          // insecure-skip-tls-verify, so verification is always on.
          rejectUnauthorized: true,
        });
        agent = kept;
      }
      return { headers: headerText(options.headers as OutgoingHttpHeaders | undefined), agent };
    },
    close: () => kept?.destroy(),
  };
}

export const isKubeEndpoint = (value: KubeConfig | KubeEndpoint): value is KubeEndpoint =>
  typeof (value as KubeEndpoint).authorize === "function";
