import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSnapshot, readSnapshotFile, SnapshotError } from "../../lib/snapshot/read";
import { healthyInstanceGatewayInput, tgs } from "../support/scenarios";

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return (err as Error).message;
  }
  throw new Error("expected a SnapshotError");
};

describe("snapshot reader", () => {
  it("names the path of the first problem", () => {
    const input = healthyInstanceGatewayInput();
    const first = tgs(input)[0]!;
    tgs(input).push(
      { ...first },
      { ...first },
      { ...first, TargetGroupArn: undefined as unknown as string },
    );
    expect(errorOf(() => parseSnapshot(input))).toBe(
      "aws.targetGroups[3].TargetGroupArn: required",
    );
  });

  it("rejects another version and wrong types", () => {
    expect(errorOf(() => parseSnapshot({ ...healthyInstanceGatewayInput(), version: 2 }))).toBe(
      "version: must be 1",
    );
    const input = healthyInstanceGatewayInput();
    (input.kubernetes.services![0]!.spec!.ports![0] as { port: unknown }).port = "80";
    expect(errorOf(() => parseSnapshot(input))).toBe(
      "kubernetes.services[0].spec.ports[0].port: expected number, got string",
    );
  });

  it("validates the fields the rules read beyond the basics (no shape is assumed)", () => {
    const input = healthyInstanceGatewayInput();
    const spec = input.kubernetes.services![0]!.spec! as Record<string, unknown>;
    spec.healthCheckNodePort = "31000";
    expect(errorOf(() => parseSnapshot(input))).toBe(
      "kubernetes.services[0].spec.healthCheckNodePort: expected number, got string",
    );
    const other = healthyInstanceGatewayInput();
    (other.kubernetes.pods![0]!.metadata as Record<string, unknown>).ownerReferences = [
      { kind: 7 },
    ];
    expect(errorOf(() => parseSnapshot(other))).toBe(
      "kubernetes.pods[0].metadata.ownerReferences[0].kind: expected string, got number",
    );
  });

  it("keeps unknown fields", () => {
    const input = healthyInstanceGatewayInput() as Record<string, unknown>;
    input.producer = "kubectl+aws";
    (tgs(input as never)[0] as Record<string, unknown>).IpAddressType = "ipv4";
    const snapshot = parseSnapshot(input);
    expect(snapshot.producer).toBe("kubectl+aws");
    expect(snapshot.aws.targetGroups[0]?.IpAddressType).toBe("ipv4");
  });

  it("turns an absent list into an empty list plus a gap, never silently empty", () => {
    const input = healthyInstanceGatewayInput();
    delete input.kubernetes.peerAuthentications;
    const snapshot = parseSnapshot(input);
    expect(snapshot.kubernetes.peerAuthentications).toEqual([]);
    expect(snapshot.gaps).toEqual([
      { source: "kubernetes.peerAuthentications", message: "absent from the snapshot" },
    ]);
  });

  it("reports unreadable files and bad JSON with the file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "snap-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    await expect(readSnapshotFile(bad)).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(readSnapshotFile(join(dir, "missing.json"))).rejects.toThrow(
      /missing\.json: cannot read \(no such file\)/,
    );
    await expect(readSnapshotFile(dir)).rejects.toThrow(/is a directory/);
  });
});
