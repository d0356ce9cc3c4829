import type { Snapshot } from "../snapshot/schema";

export interface CollectOptions {
  clusterName: string;
  region: string;
  /** Use this kubeconfig (and context) instead of EKS sign-in with IAM. */
  kubeconfig?: string;
  context?: string;
  /** Limit the audit to these target groups. */
  targetGroupArns?: string[];
  /** Progress lines for long collections (the CLI prints them on stderr). */
  onProgress?: (message: string) => void;
}

// PLACEHOLDER until the live collectors land.
export async function collectSnapshot(_options: CollectOptions): Promise<Snapshot> {
  throw new Error("live collection is not implemented yet");
}
