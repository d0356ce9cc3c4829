/**
 * What the controller says about a Gateway's objects: CTRL001 reports a Warning on the Gateway,
 * its route or its TargetGroupConfiguration, and HC005 names it as the reason a declared value
 * did not take.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { parseSnapshot } from "../../../lib/snapshot/read";
import type { SnapshotInput } from "../../../lib/snapshot/schema";

const example = (): SnapshotInput =>
  JSON.parse(
    readFileSync(
      new URL("../../../examples/20-gateway-api-tgc-not-applied.json", import.meta.url),
      "utf8",
    ),
  ) as SnapshotInput;

const warningOn = (kind: string, namespace: string, name: string, message: string) => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `${name}.1`, namespace },
  involvedObject: { kind, namespace, name },
  type: "Warning",
  reason: "FailedBuildModel",
  message,
  count: 3,
  lastTimestamp: "",
  source: { component: "gateway.k8s.aws/alb" },
});

function withEvent(kind: string, namespace: string, name: string) {
  const input = example();
  const message = `failed to build model: ${kind} ${namespace}/${name} is not valid`;
  const event = warningOn(kind, namespace, name, message);
  event.lastTimestamp = input.capturedAt;
  (input.kubernetes as Record<string, unknown>).events = [event];
  return analyze(parseSnapshot(input)).findings;
}

describe("controller Warnings on a Gateway's objects", () => {
  it.each([
    ["Gateway", "orders", "orders-gw"],
    ["HTTPRoute", "orders", "orders-api"],
    ["TargetGroupConfiguration", "orders", "orders-api"],
  ])("a Warning on %s %s/%s is CTRL001 and HC005's reason", (kind, ns, name) => {
    const findings = withEvent(kind, ns, name);
    const ctrl = findings.find((f) => f.code === "CTRL001");
    expect(ctrl?.title).toContain(`${kind} ${ns}/${name}`);
    const hc005 = findings.find((f) => f.code === "HC005")!;
    expect(hc005.rootCause).toContain(
      `The controller says why it does not apply them: FailedBuildModel on ${kind} ${ns}/${name}`,
    );
    expect(hc005.evidence.actual.controllerEvent).toMatchObject({
      object: `${kind} ${ns}/${name}`,
      reason: "FailedBuildModel",
    });
  });

  it("a Warning on another Gateway stays out", () => {
    const findings = withEvent("Gateway", "orders", "other-gw");
    expect(findings.map((f) => f.code)).not.toContain("CTRL001");
  });
});
