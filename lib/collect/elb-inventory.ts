/**
 * The region's ELB inventory, read once and shared: DescribeLoadBalancers and
 * DescribeTargetGroups of an account and region, and the tags of the groups asked for so far.
 * One audit uses it once; a fleet worker hands the same inventory to every cluster of an account
 * and region, so N clusters there cost one listing instead of N (each still scoped to its own
 * VPC, tags and bindings by collectAws).
 */
import type {
  ElasticLoadBalancingV2Client,
  LoadBalancer,
  Tag,
  TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { listLoadBalancers, listTargetGroups, readTags } from "./aws";

export interface ElbInventory {
  loadBalancers(): Promise<LoadBalancer[]>;
  targetGroups(): Promise<TargetGroup[]>;
  /**
   * Tags of these groups; each ARN is read at most once per inventory. Groups deleted since they
   * were listed are added to `deleted`.
   */
  tags(arns: string[], deleted: Set<string>): Promise<Map<string, Tag[]>>;
}

export function elbInventory(
  elbv2: ElasticLoadBalancingV2Client,
  options: { concurrency?: number; onProgress?: (message: string) => void } = {},
): ElbInventory {
  const progress = options.onProgress ?? (() => {});
  let loadBalancers: Promise<LoadBalancer[]> | undefined;
  let targetGroups: Promise<TargetGroup[]> | undefined;
  const tagsByArn = new Map<string, Tag[]>();
  const deletedArns = new Set<string>();
  return {
    loadBalancers: () => (loadBalancers ??= listLoadBalancers(elbv2, progress)),
    targetGroups: () => (targetGroups ??= listTargetGroups(elbv2, progress)),
    async tags(arns, deleted) {
      const unread = arns.filter((arn) => !tagsByArn.has(arn) && !deletedArns.has(arn));
      if (unread.length > 0) {
        const read = await readTags(elbv2, unread, options.concurrency, deletedArns);
        for (const [arn, tags] of read) tagsByArn.set(arn, tags);
      }
      const out = new Map<string, Tag[]>();
      for (const arn of arns) {
        const tags = tagsByArn.get(arn);
        if (tags) out.set(arn, tags);
        if (deletedArns.has(arn)) deleted.add(arn);
      }
      return out;
    },
  };
}
