/**
 * IPv4 addresses and CIDR blocks as closed intervals of 32-bit numbers, and the interval
 * arithmetic the network verdicts need (containment, union coverage). IPv6 is out of scope:
 * the verdicts are unknown for it.
 */

export type Interval = readonly [lo: number, hi: number];

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as a number, or undefined when it is not dotted-quad IPv4. */
export function parseIpv4(address: string): number | undefined {
  const parts = address.trim().split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** The block `a.b.c.d/n` (or a bare address, /32) as an interval; undefined when not IPv4. */
export function parseCidr(cidr: string): Interval | undefined {
  const [address, bits, ...rest] = cidr.trim().split("/");
  if (rest.length > 0 || address === undefined) return undefined;
  const base = parseIpv4(address);
  const prefix = bits === undefined ? 32 : Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return undefined;
  }
  const size = 2 ** (32 - prefix);
  const lo = Math.floor(base / size) * size;
  return [lo, lo + size - 1];
}

export const isIpv6 = (address: string): boolean => address.includes(":");

export const containsAddress = (block: Interval, address: number): boolean =>
  block[0] <= address && address <= block[1];

/** Sorted, merged union of the intervals (adjacent ones merge too). */
export function union(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** True when every address of `block` lies in some interval of `merged` (the output of union). */
export function covers(merged: readonly Interval[], block: Interval): boolean {
  let next = block[0];
  for (const [lo, hi] of merged) {
    if (hi < next) continue;
    if (lo > next) return false;
    next = hi + 1;
    if (next > block[1]) return true;
  }
  return false;
}

export const intersects = (a: Interval, b: Interval): boolean => a[0] <= b[1] && b[0] <= a[1];
