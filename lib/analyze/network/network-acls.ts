/**
 * Network-ACL half of a network verdict. ACLs are stateless and apply where traffic crosses a
 * subnet's edge, so four packets are checked for each load balancer subnet other than the
 * target's own: the check in and the return out at the target's subnet, the check out and the
 * return in at the load balancer's. Entries are read in ascending RuleNumber and the first IPv4
 * entry that matches decides; a range of sources or ports is open only when every part of it
 * is allowed by its own first match.
 */
import { parseCidr, parseIpv4, type Interval } from "./ipv4";
import type { NetworkInventory } from "./inventory";
import type { NetworkAcl, NetworkAclEntry } from "./shapes";
import type { Status } from "./security-groups";
import type { TargetInterface } from "./target-interface";

/** The load balancer's side of a connection uses these ports for the answer to reach it. */
export const EPHEMERAL: Interval = [1024, 65535];
const ALL_PORTS: Interval = [0, 65535];
export const MAX_RULE_NUMBER = 32766;

export interface AclDenial {
  side: "target" | "load-balancer";
  direction: "inbound" | "outbound";
  subnetId: string;
  networkAclId: string;
  /** The other end of the packet: a load balancer subnet's CIDR, or the target's address/32. */
  peer: string;
  ports: Interval;
  /** The entry that denies; absent when no entry matched (the ACL's implicit deny). */
  entry?: NetworkAclEntry;
  /** A rule number below the denying entry that this direction of the ACL does not use. */
  freeRuleNumber?: number;
}

export interface AclVerdict {
  status: Status;
  reason?: string;
  denials: AclDenial[];
}

interface Box {
  a: Interval;
  p: Interval;
}

const overlap = (x: Interval, y: Interval): Interval | undefined => {
  const lo = Math.max(x[0], y[0]);
  const hi = Math.min(x[1], y[1]);
  return lo <= hi ? [lo, hi] : undefined;
};

/** `box` minus `cut` (which lies inside it), as at most four boxes. */
function subtract(box: Box, cut: Box): Box[] {
  const out: Box[] = [];
  if (box.a[0] < cut.a[0]) out.push({ a: [box.a[0], cut.a[0] - 1], p: box.p });
  if (cut.a[1] < box.a[1]) out.push({ a: [cut.a[1] + 1, box.a[1]], p: box.p });
  if (box.p[0] < cut.p[0]) out.push({ a: cut.a, p: [box.p[0], cut.p[0] - 1] });
  if (cut.p[1] < box.p[1]) out.push({ a: cut.a, p: [cut.p[1] + 1, box.p[1]] });
  return out;
}

/** The region a TCP packet must fall in for the entry to match it; undefined: never matches. */
function entryBox(entry: NetworkAclEntry): Box | undefined {
  const a = entry.CidrBlock ? parseCidr(entry.CidrBlock) : undefined;
  if (!a) return undefined;
  const protocol = entry.Protocol?.toLowerCase();
  if (protocol === "-1" || protocol === "all") return { a, p: ALL_PORTS };
  if (protocol !== "6" && protocol !== "tcp") return undefined;
  const p: Interval = [entry.PortRange?.From ?? 0, entry.PortRange?.To ?? 65535];
  return { a, p };
}

const sorted = new WeakMap<NetworkAcl, { egress: NetworkAclEntry[]; ingress: NetworkAclEntry[] }>();

function sortedEntries(acl: NetworkAcl, egress: boolean): NetworkAclEntry[] {
  let both = sorted.get(acl);
  if (!both) {
    const of = (out: boolean) =>
      (acl.Entries ?? [])
        .filter((e) => Boolean(e.Egress) === out && e.RuleNumber !== undefined)
        .sort((x, y) => (x.RuleNumber as number) - (y.RuleNumber as number));
    both = { egress: of(true), ingress: of(false) };
    sorted.set(acl, both);
  }
  return egress ? both.egress : both.ingress;
}

/**
 * First-match decision for every TCP packet with a peer in `peer` and a destination port in
 * `ports`: undefined when all are allowed, else the entry that denies the first part refused
 * (null for the implicit deny).
 */
export function firstDeny(
  acl: NetworkAcl,
  egress: boolean,
  peer: Interval,
  ports: Interval,
): NetworkAclEntry | null | undefined {
  let open: Box[] = [{ a: peer, p: ports }];
  for (const entry of sortedEntries(acl, egress)) {
    const box = entryBox(entry);
    if (!box) continue;
    const next: Box[] = [];
    let hit = false;
    for (const region of open) {
      const a = overlap(region.a, box.a);
      const p = a && overlap(region.p, box.p);
      if (!a || !p) {
        next.push(region);
        continue;
      }
      hit = true;
      next.push(...subtract(region, { a, p }));
    }
    if (hit && entry.RuleAction?.toLowerCase() !== "allow") return entry;
    open = next;
    if (open.length === 0) return undefined;
  }
  return null;
}

/** The highest rule number below `below` that no entry of this direction uses. */
export function freeRuleNumber(
  acl: NetworkAcl,
  egress: boolean,
  below: number,
): number | undefined {
  const used = new Set(sortedEntries(acl, egress).map((e) => e.RuleNumber));
  for (let n = Math.min(below - 1, MAX_RULE_NUMBER); n >= 1; n--) if (!used.has(n)) return n;
  return undefined;
}

const blockText = (i: Interval, cidr: string | undefined) => cidr ?? `${i[0]}-${i[1]}`;

export function evaluateAcls(
  inventory: NetworkInventory,
  target: TargetInterface,
  lbSubnets: { subnetId: string; cidr?: string }[],
  port: number,
): AclVerdict {
  const unknown = (reason: string): AclVerdict => ({ status: "unknown", reason, denials: [] });
  if (!inventory.collected.networkAcls) return unknown("aws.networkAcls was not collected");
  if (!inventory.collected.subnets) return unknown("aws.subnets was not collected");
  const address = parseIpv4(target.address);
  if (address === undefined) return unknown(`target address ${target.address} is not IPv4`);
  if (!target.subnetId) return unknown(`interface ${target.interfaceId} names no subnet`);
  const targetAcl = inventory.networkAclOf(target.subnetId);
  if (!targetAcl) return unknown(`no network ACL of subnet ${target.subnetId} is in the snapshot`);
  if (lbSubnets.length === 0) return unknown("the load balancer has no subnets in the snapshot");

  const denials: AclDenial[] = [];
  const check = (
    acl: NetworkAcl,
    side: AclDenial["side"],
    subnetId: string,
    egress: boolean,
    peer: Interval,
    peerText: string,
    ports: Interval,
  ) => {
    const entry = firstDeny(acl, egress, peer, ports);
    if (entry === undefined) return;
    const free = freeRuleNumber(acl, egress, entry?.RuleNumber ?? MAX_RULE_NUMBER + 1);
    denials.push({
      side,
      direction: egress ? "outbound" : "inbound",
      subnetId,
      networkAclId: acl.NetworkAclId ?? "(unnamed)",
      peer: peerText,
      ports,
      ...(entry ? { entry } : {}),
      ...(free !== undefined ? { freeRuleNumber: free } : {}),
    });
  };
  const self: Interval = [address, address];
  const selfText = `${target.address}/32`;
  for (const lbSubnet of lbSubnets) {
    // Traffic inside one subnet crosses no ACL.
    if (lbSubnet.subnetId === target.subnetId) continue;
    const block = lbSubnet.cidr ? parseCidr(lbSubnet.cidr) : undefined;
    if (!block) return unknown(`load balancer subnet ${lbSubnet.subnetId} is not in the snapshot`);
    const lbAcl = inventory.networkAclOf(lbSubnet.subnetId);
    if (!lbAcl) return unknown(`no network ACL of subnet ${lbSubnet.subnetId} is in the snapshot`);
    const peerText = blockText(block, lbSubnet.cidr);
    const checked: Interval = [port, port];
    check(targetAcl, "target", target.subnetId, false, block, peerText, checked);
    check(targetAcl, "target", target.subnetId, true, block, peerText, EPHEMERAL);
    check(lbAcl, "load-balancer", lbSubnet.subnetId, true, self, selfText, checked);
    check(lbAcl, "load-balancer", lbSubnet.subnetId, false, self, selfText, EPHEMERAL);
  }
  return denials.length > 0 ? { status: "closed", denials } : { status: "open", denials };
}
