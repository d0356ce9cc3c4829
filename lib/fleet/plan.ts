/**
 * One iteration of the fleet's state machine per account and region: the clusters that share an
 * ELB API bucket (per account and region) are audited one after another by one worker, which
 * reads the load balancer inventory once for all of them.
 */
import type { Fleet, FleetCluster } from "./definition";

export interface FleetGroup {
  account: string;
  region: string;
  clusters: FleetCluster[];
}

/** Groups in a stable order (account, region), clusters in the order the definition lists them. */
export function planFleet(fleet: Fleet): FleetGroup[] {
  const groups = new Map<string, FleetGroup>();
  for (const cluster of fleet.clusters) {
    const key = `${cluster.account}/${cluster.region}`;
    let group = groups.get(key);
    if (!group) {
      group = { account: cluster.account, region: cluster.region, clusters: [] };
      groups.set(key, group);
    }
    group.clusters.push(cluster);
  }
  return [...groups.values()].sort(
    (a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region),
  );
}
