/**
 * Where the cluster is and how to talk to it: DescribeCluster for endpoint, CA and VPC, then a
 * KubeConfig that signs in with IAM (or the user's own kubeconfig file and context).
 */
import { DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import { KubeConfig } from "@kubernetes/client-node";

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

type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

const IAM_USER = "alb-audit-eks-iam";

/**
 * A KubeConfig for the EKS endpoint that verifies the server against the cluster CA and asks
 * `getToken` for the bearer token on every request, so a cached token is renewed in flight.
 */
export function eksKubeConfig(
  cluster: Pick<EksClusterInfo, "name" | "endpoint" | "caData">,
  getToken: () => Promise<string>,
): KubeConfig {
  const kc = new KubeConfig();
  const authenticator: Authenticator = {
    isAuthProvider: (user) => user.name === IAM_USER,
    applyAuthentication: async (_user, opts) => {
      const token = await getToken();
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    },
  };
  kc.addAuthenticator(authenticator);
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.endpoint,
        caData: cluster.caData,
        skipTLSVerify: false,
      },
    ],
    users: [{ name: IAM_USER }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: IAM_USER }],
    currentContext: cluster.name,
  });
  return kc;
}

/** The user's kubeconfig (file, or the default search path) and context, as kubectl would use. */
export function fileKubeConfig(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (context) {
    if (!kc.getContextObject(context)) {
      throw new Error(`kubeconfig has no context named ${JSON.stringify(context)}`);
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  // The audit reads the whole cluster; it does so only over a verified connection.
  if (cluster.skipTLSVerify || !cluster.server.startsWith("https:")) {
    throw new Error(
      `kubeconfig cluster ${cluster.name} disables TLS verification or is not https; refusing to use it`,
    );
  }
  return kc;
}
