import { describe, expect, it } from "vitest";
import { buildModel } from "../../lib/analyze/model";
import { nodeChoices, nodeChoicesOf } from "../../lib/analyze/node-selection";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { healthyInstanceGatewayInput, k8s, snapshotOf } from "../support/scenarios";

const ready = (s: SnapshotInput, i: number, status: string) => {
  k8s(s).nodes[i]!.status = { ...k8s(s).nodes[i]!.status, conditions: [{ type: "Ready", status }] };
};

function verdicts(edit: (s: SnapshotInput) => void, among: number[]) {
  const model = buildModel(snapshotOf(healthyInstanceGatewayInput(), edit));
  const tgv = model.targetGroups[0]!;
  const names = among.map((i) => [...model.nodesByName.keys()][i]!);
  const some = nodeChoicesOf(tgv, model, names).map((c) => [c.node.metadata.name, c.registered]);
  const all = nodeChoices(tgv, model)
    .filter((c) => names.includes(c.node.metadata.name))
    .map((c) => [c.node.metadata.name, c.registered]);
  return { some, all };
}

describe("node selection of some nodes", () => {
  it("agrees with the whole cluster's when the named nodes hold a Ready candidate", () => {
    const { some, all } = verdicts((s) => ready(s, 1, "Unknown"), [0, 1]);
    expect(some).toEqual(all);
    expect(some.map(([, r]) => r)).toEqual([true, false]);
  });

  it("leaves out a named Unknown node when another node of the cluster is Ready", () => {
    // Alone, the Unknown node would be registered (fail-open); the Ready node elsewhere decides.
    const { some, all } = verdicts((s) => ready(s, 0, "Unknown"), [0]);
    expect(some).toEqual(all);
    expect(some).toEqual([[expect.any(String), false]]);
  });

  it("registers Unknown nodes when no candidate of the cluster is Ready", () => {
    const { some } = verdicts((s) => [0, 1, 2].forEach((i) => ready(s, i, "Unknown")), [0]);
    expect(some).toEqual([[expect.any(String), true]]);
  });
});
