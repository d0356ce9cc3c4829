import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTROLLER_EVENT_KINDS, isControllerWarning } from "../../lib/controller/events";

const snapshotSpec = readFileSync(
  new URL("../../../shared/spec/snapshot.md", import.meta.url),
  "utf8",
);

/** The kinds snapshot.md lists for `kubernetes.events` ("whose involvedObject is an ..."). */
function specKinds(): string[] {
  const comment = /involvedObject is an ([\s\S]*?)\(list with/.exec(snapshotSpec)?.[1] ?? "";
  return comment
    .replace(/\/\//g, " ")
    .split(/,|\bor\b/)
    .map((k) => k.trim())
    .filter((k) => /^[A-Z]\w+$/.test(k));
}

const warning = (kind: string, component: string) => ({
  type: "Warning",
  involvedObject: { kind, name: "x" },
  source: { component },
});

describe("the controller's events", () => {
  it("are kept for exactly the involved kinds snapshot.md lists", () => {
    expect(specKinds().length).toBeGreaterThan(5);
    expect([...CONTROLLER_EVENT_KINDS].sort()).toEqual(specKinds().sort());
  });

  it("come from the controller's recorders: its reconcilers and its Gateway controllers", () => {
    // main.go: GetEventRecorderFor("ingress" | "service" | "targetGroupBinding"), and the
    // Gateway reconcilers record as their controller name (gateway.k8s.aws/alb, /nlb).
    for (const c of ["ingress", "service", "targetGroupBinding", "gateway.k8s.aws/alb"]) {
      expect(isControllerWarning(warning("Ingress", c)), c).toBe(true);
    }
    for (const c of ["kubelet", "default-scheduler", "globalAccelerator", "ingress-nginx"]) {
      expect(isControllerWarning(warning("Ingress", c)), c).toBe(false);
    }
    expect(isControllerWarning(warning("Pod", "service"))).toBe(false);
    expect(isControllerWarning({ ...warning("Service", "service"), type: "Normal" })).toBe(false);
    expect(
      isControllerWarning({
        type: "Warning",
        involvedObject: { kind: "TargetGroupBinding", name: "x" },
        reportingComponent: "targetGroupBinding",
      }),
    ).toBe(true);
  });
});
