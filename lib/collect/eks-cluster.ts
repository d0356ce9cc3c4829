/**
 * Where the cluster is and how to talk to it: DescribeCluster for endpoint, CA and VPC, then a
 * KubeConfig that signs in with IAM (or the user's own kubeconfig file and context).
 */
import { KubeConfig } from "@kubernetes/client-node";
import type { EksClusterInfo } from "./kube-endpoint";

// DescribeCluster lives with the library-free EKS connection, which the Lambda uses.
export { describeEksCluster, type EksClusterInfo } from "./kube-endpoint";

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
