/**
 * The collectors' public entry: collectSnapshot with every way of reaching the cluster (EKS
 * sign-in with IAM, a kubeconfig file and context, a ready KubeConfig). The Lambda imports
 * ./collect instead, which leaves the Kubernetes client library out of its bundle.
 */
import type { Snapshot } from "../snapshot/schema";
import { collectSnapshot as collectWith, type CollectOptions } from "./collect";
import { fileKubeConfig } from "./eks-cluster";

export function collectSnapshot(options: CollectOptions): Promise<Snapshot> {
  return collectWith(options, fileKubeConfig);
}

export type { CollectOptions, KubeconfigLoader } from "./collect";
export { collectAws, createElbv2Client } from "./aws";
export type { PrefilterOptions, PrefilterState } from "./prefilter";
export { ELB_RATE_ENV, TokenBucket } from "./rate-limit";
export { collectKubernetes } from "./kubernetes";
export {
  CollectionTimeoutError,
  DeadlineError,
  collectWithinBudget,
  collectionBudgetMs,
  collectionDeadline,
} from "./deadline";
export { KubeconfigError, describeEksCluster, eksKubeConfig, fileKubeConfig } from "./eks-cluster";
export { createEksTokenProvider, signEksToken } from "./eks-token";
