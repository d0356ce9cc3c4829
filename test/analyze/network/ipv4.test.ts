import { describe, expect, it } from "vitest";
import { covers, parseCidr, parseIpv4, union } from "../../../lib/analyze/network/ipv4";

describe("IPv4 intervals", () => {
  it.each([
    ["10.0.0.0/24", [167772160, 167772415]],
    ["10.0.0.77/24", [167772160, 167772415]],
    ["0.0.0.0/0", [0, 4294967295]],
    ["255.255.255.255/32", [4294967295, 4294967295]],
    ["10.1.2.3", [167838211, 167838211]],
  ])("%s", (cidr, interval) => expect(parseCidr(cidr)).toEqual(interval));

  it.each(["10.0.0.0/33", "10.0.0/24", "256.0.0.0/8", "::/0", "10.0.0.01/32", ""])(
    "rejects %s",
    (cidr) => expect(parseCidr(cidr)).toBeUndefined(),
  );

  it("covers a block only when the union leaves no address out", () => {
    const block = parseCidr("10.0.0.0/23")!;
    const halves = union([parseCidr("10.0.1.0/24")!, parseCidr("10.0.0.0/24")!]);
    expect(halves).toEqual([block]);
    expect(covers(halves, block)).toBe(true);
    const gap = union([parseCidr("10.0.0.0/24")!, parseCidr("10.0.1.128/25")!]);
    expect(covers(gap, block)).toBe(false);
    expect(covers(union([parseCidr("0.0.0.0/0")!]), block)).toBe(true);
    expect(covers([], block)).toBe(false);
    expect(parseIpv4("10.0.0.1")).toBe(167772161);
  });
});
