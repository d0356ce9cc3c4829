/**
 * KubeConfigs for the Kubernetes client library: one that signs in to EKS with IAM, or the user's
 * own kubeconfig file and context, refused when it would not verify the server.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { EksClusterInfo } from "./eks-cluster";

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

/** A kubeconfig file or context that cannot be used: the user's input, not a collection failure. */
export class KubeconfigError extends Error {
  override name = "KubeconfigError";
}

/**
 * Why a kubeconfig did not load, in one line that never quotes the file: a YAML error's own
 * message carries a snippet of the lines around it, which can be a token or a key.
 */
const where = (path: string | undefined) =>
  `kubeconfig ${path ?? "(default: $KUBECONFIG or ~/.kube/config)"}`;

function loadFailure(path: string | undefined, error: unknown): KubeconfigError {
  const file = where(path);
  const e = error as { code?: unknown; name?: unknown; mark?: { line?: unknown } };
  if (typeof e?.code === "string") return new KubeconfigError(`${file}: cannot read (${e.code})`);
  const line = typeof e?.mark?.line === "number" ? ` (line ${e.mark.line + 1})` : "";
  // The library's own checks name a field ("clusters[0].name is missing"), never a value.
  const detail =
    e?.name === "YAMLException" || !(error instanceof Error)
      ? ""
      : `: ${error.message.split("\n")[0]}`;
  return new KubeconfigError(`${file}: not a valid kubeconfig${line}${detail}`);
}

/** The user's kubeconfig (file, or the default search path) and context, as kubectl would use. */
export function fileKubeConfig(path?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else if (!process.env.KUBECONFIG && !existsSync(join(homedir(), ".kube", "config")))
      // The library would fall back to an invented context on http://localhost:8080.
      throw new KubeconfigError(
        `${where(path)}: none found; give --kubeconfig FILE or set KUBECONFIG`,
      );
    else kc.loadFromDefault();
  } catch (error) {
    throw error instanceof KubeconfigError ? error : loadFailure(path, error);
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      // Context names are what `kubectl config get-contexts` shows: no credential.
      const names = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `${where(path)} has no context named ${JSON.stringify(context)} (${names.length ? `it has: ${names.join(", ")}` : "it has none"})`,
      );
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeconfigError("kubeconfig has no current cluster");
  // The audit reads the whole cluster; it does so only over a verified connection.
  if (cluster.skipTLSVerify || !cluster.server.startsWith("https:")) {
    throw new KubeconfigError(
      `kubeconfig cluster ${cluster.name} disables TLS verification or is not https; refusing to use it`,
    );
  }
  return kc;
}
