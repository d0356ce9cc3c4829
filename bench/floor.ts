/**
 * The fewest API calls one audit can make, which the collectors are measured against:
 * ceil(TG/400) DescribeTargetGroups + ceil(LB/400) DescribeLoadBalancers (one page even when
 * empty) + ceil(candidates/20) DescribeTags + one DescribeTargetHealth per group in scope, and
 * one paged list per Kubernetes kind. With the health prefilter, a steady-state run needs
 * instead: the two paged lists, DescribeTargetHealth only for the groups CloudWatch flags, no
 * DescribeTags (cached), and ceil(2 × (group, load balancer) pairs / 500) GetMetricData.
 */
export const ELB_PAGE = 400;
export const TAG_BATCH = 20;
export const METRIC_QUERIES_PER_CALL = 500;

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));

export interface ElbFloor {
  DescribeLoadBalancers: number;
  DescribeTargetGroups: number;
  DescribeTags: number;
  DescribeTargetHealth: number;
  total: number;
}

export function elbFloor(counts: {
  loadBalancers: number;
  targetGroups: number;
  /** Groups whose tags decide scope (in the VPC or bound); default all. */
  candidates?: number;
  /** Groups audited; default all. */
  scoped?: number;
}): ElbFloor {
  const floor = {
    DescribeLoadBalancers: pages(counts.loadBalancers, ELB_PAGE),
    DescribeTargetGroups: pages(counts.targetGroups, ELB_PAGE),
    DescribeTags: Math.ceil((counts.candidates ?? counts.targetGroups) / TAG_BATCH),
    DescribeTargetHealth: counts.scoped ?? counts.targetGroups,
  };
  return { ...floor, total: Object.values(floor).reduce((a, b) => a + b, 0) };
}

/** Steady-state prefiltered run: only `flagged` groups get DescribeTargetHealth. */
export function prefilteredFloor(counts: {
  loadBalancers: number;
  targetGroups: number;
  flagged: number;
  /** (target group, load balancer) pairs queried, two metrics each. */
  pairs: number;
}): { elb: ElbFloor; getMetricData: number } {
  const floor = {
    DescribeLoadBalancers: pages(counts.loadBalancers, ELB_PAGE),
    DescribeTargetGroups: pages(counts.targetGroups, ELB_PAGE),
    DescribeTags: 0,
    DescribeTargetHealth: counts.flagged,
  };
  return {
    elb: { ...floor, total: Object.values(floor).reduce((a, b) => a + b, 0) },
    getMetricData: Math.ceil((2 * counts.pairs) / METRIC_QUERIES_PER_CALL),
  };
}

/** Pages per Kubernetes kind at `pageSize` (one list per kind, at least one page each). */
export function kubeFloor(sizes: Record<string, number>, pageSize: number): Record<string, number> {
  return Object.fromEntries(Object.entries(sizes).map(([kind, n]) => [kind, pages(n, pageSize)]));
}
