/**
 * Live mode: collects a snapshot from AWS and the cluster. The collectors (AWS SDK, Kubernetes
 * client) are imported here, on first use, so an offline audit never loads them; in the bundle
 * they are a chunk of their own.
 */
import type { CollectOptions } from "../collect";
import type { Snapshot } from "../snapshot/schema";
import { SOURCES } from "../snapshot/sources";
import { InputError, UsageError } from "./args";

/** Collection failed (exit 3). */
export class CollectionError extends Error {}

export type Collect = (options: CollectOptions) => Promise<Snapshot>;

export interface LiveTarget {
  cluster?: string;
  region?: string;
  kubeconfig?: string;
  context?: string;
  targetGroups?: string[];
  noNetwork?: boolean;
}

export async function liveSnapshot(
  target: LiveTarget,
  onProgress: (message: string) => void,
  collect?: Collect,
): Promise<Snapshot> {
  if (!target.cluster || !target.region)
    throw new UsageError("live mode needs both --cluster and --region");
  const collectors = await import("../collect");
  let snapshot: Snapshot;
  try {
    snapshot = await (collect ?? collectors.collectSnapshot)({
      clusterName: target.cluster,
      region: target.region,
      kubeconfig: target.kubeconfig,
      context: target.context,
      loadKubeconfig: collectors.fileKubeConfig,
      targetGroupArns: target.targetGroups,
      ...(target.noNetwork ? { network: false } : {}),
      onProgress,
    });
  } catch (err) {
    if (err instanceof collectors.KubeconfigError) throw new InputError(err.message);
    // One line on stderr, whatever the underlying error carried.
    throw new CollectionError(
      String((err as Error)?.message ?? err)
        .replace(/\s+/g, " ")
        .trim(),
    );
  }
  return checkCollected(snapshot);
}

/** A collection in which every list failed is a failed collection (exit 3), not a report of
 * nine AUDIT001 warnings. */
function checkCollected(snapshot: Snapshot): Snapshot {
  const wholeListGaps = snapshot.gaps.filter((g) => typeof g.targetGroupArn !== "string");
  if (SOURCES.every((source) => wholeListGaps.some((g) => g.source === source))) {
    const reasons = [...new Set(wholeListGaps.map((g) => g.message))].slice(0, 2).join("; ");
    throw new CollectionError(`nothing could be read (${reasons})`);
  }
  return snapshot;
}
