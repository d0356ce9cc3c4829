import { describe, expect, it } from "vitest";
import { validateLists, type CollectedLists } from "../../lib/collect/validate";
import type { Gap } from "../../lib/snapshot/schema";

const empty = (): CollectedLists => ({
  aws: { loadBalancers: [], targetGroups: [] },
  kubernetes: {
    nodes: [],
    services: [],
    endpointSlices: [],
    pods: [],
    ingresses: [],
    targetGroupBindings: [],
    peerAuthentications: [],
  },
});

describe("validateLists", () => {
  it("adds no optional list that was not collected", () => {
    const gaps: Gap[] = [];
    const out = validateLists(empty(), gaps);
    expect(Object.keys(out.aws).sort()).toEqual(["loadBalancers", "targetGroups"]);
    expect(out.kubernetes.events).toBeUndefined();
    expect(gaps).toEqual([]);
  });

  it("checks a collected optional list like any other: a bad item empties it with a gap", () => {
    const lists = empty();
    lists.aws.securityGroups = [{ GroupId: "sg-1" }, { GroupName: "no id" }];
    lists.kubernetes.events = [];
    const gaps: Gap[] = [];
    const out = validateLists(lists, gaps);
    expect(out.aws.securityGroups).toEqual([]);
    expect(out.kubernetes.events).toEqual([]);
    expect(gaps).toEqual([
      {
        source: "aws.securityGroups",
        message: "? does not fit the snapshot format at GroupId: Required",
      },
    ]);
  });
});
