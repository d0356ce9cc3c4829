/**
 * The fewest EC2 calls the network checks need for a snapshot (what bench/standins/ec2 serves):
 * per list, one call per 200 filter values (EC2's limit on one filter), pages aside. Counted
 * from the snapshot on its own terms, not through the collector's code.
 */
import type { SnapshotInput } from "../lib/snapshot/schema";

const FILTER_VALUES = 200;
const calls = (values: number) => Math.ceil(values / FILTER_VALUES);

type Item = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? (v as Item[]) : []);

export function ec2Floor(snapshot: SnapshotInput): Record<string, number> {
  const aws = snapshot.aws as Record<string, unknown>;
  const listed = (snapshot.aws.targetGroups ?? []).filter(
    (tg) => (tg.TargetHealthDescriptions ?? []).length > 0,
  );
  const ids = (type: string) =>
    new Set(
      listed
        .filter((tg) => tg.TargetType === type)
        .flatMap((tg) => (tg.TargetHealthDescriptions ?? []).map((d) => d.Target.Id)),
    );
  const instanceIds = ids("instance");
  const addresses = ids("ip");
  // Nodes that run a pod an ip target names.
  const nodeInstance = new Map(
    snapshot.kubernetes.nodes?.map((n) => [n.metadata.name, n.spec?.providerID?.split("/").pop()]),
  );
  for (const pod of snapshot.kubernetes.pods ?? []) {
    const ip = pod.status?.podIP;
    const instance = pod.spec.nodeName ? nodeInstance.get(pod.spec.nodeName) : undefined;
    if (ip && addresses.has(ip) && instance) instanceIds.add(instance);
  }
  const lbArns = new Set(listed.flatMap((tg) => tg.LoadBalancerArns ?? []));
  const lbs = (snapshot.aws.loadBalancers ?? []).filter((lb) => lbArns.has(lb.LoadBalancerArn));
  const byId = new Map(list(aws.instances).map((i) => [i.InstanceId, i]));
  const holders = new Map<unknown, Item>();
  for (const eni of list(aws.networkInterfaces)) {
    for (const a of list(eni.PrivateIpAddresses)) holders.set(a.PrivateIpAddress, eni);
  }
  const interfaces: Item[] = [
    ...[...instanceIds].flatMap((id) =>
      list(byId.get(id)?.NetworkInterfaces).filter(
        (n) => (n.Attachment as Item | undefined)?.DeviceIndex === 0,
      ),
    ),
    ...new Set(
      [...addresses].flatMap((a): Item[] => {
        const eni = holders.get(a);
        return eni ? [eni] : [];
      }),
    ),
  ];
  const groups = new Set([
    ...lbs.flatMap((lb) => lb.SecurityGroups ?? []),
    ...interfaces.flatMap((n) => list(n.Groups).map((g) => g.GroupId)),
  ]);
  const subnets = new Set([
    ...lbs.flatMap((lb) => (lb.AvailabilityZones ?? []).map((z) => z.SubnetId)),
    ...interfaces.map((n) => n.SubnetId),
  ]);
  return {
    DescribeInstances: calls(instanceIds.size),
    DescribeNetworkInterfaces: calls(addresses.size),
    DescribeSecurityGroups: calls(groups.size),
    DescribeSubnets: calls(subnets.size),
    DescribeNetworkAcls: calls(subnets.size),
  };
}
