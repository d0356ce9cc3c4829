/**
 * The Kubernetes collector through a KubeConfig, whose credentials (token, client certificate,
 * exec plugin, proxy) the library resolves; one kept-alive connection serves every page.
 * (EKS sign-in without the library: ./eks-cluster's eksEndpoint.)
 */
import type { Agent as HttpAgent, OutgoingHttpHeaders } from "node:http";
import { Agent, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeEndpoint } from "./kube-page";

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
