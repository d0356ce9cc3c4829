/**
 * The collectors' public entry, with every way of reaching the cluster: EKS sign-in with IAM,
 * a kubeconfig file and context (`loadKubeconfig: fileKubeConfig`), a ready KubeConfig. The
 * Lambda imports ./collect instead, which leaves the Kubernetes client library out of its bundle.
 */
export { collectSnapshot, type CollectOptions, type KubeconfigLoader } from "./collect";
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
export { describeEksCluster } from "./eks-cluster";
export { KubeconfigError, eksKubeConfig, fileKubeConfig } from "./kubeconfig";
export { createEksTokenProvider, signEksToken } from "./eks-token";
