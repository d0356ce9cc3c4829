/**
 * Analysis must stay linear in the size of the snapshot: each object is read a bounded number
 * of times, however large the cluster. Counting proxies charge every property read to the
 * listed object it belongs to; the same analysis runs on a cluster and on one four times
 * larger. A scan of a whole list per target group or per finding shows up as reads per object
 * that grow with the cluster (and a total that grows about 16-fold instead of 4-fold).
 */
import { describe, expect, it } from "vitest";
import { generateSnapshot, type GeneratorOptions } from "../../bench/generator";
import { analyze } from "../../lib/analyze/index";
import { parseSnapshot } from "../../lib/snapshot/read";
import { countingSnapshot, max, total } from "./counting";

type Size = Pick<GeneratorOptions, "targetGroups" | "nodes" | "pods">;

/** Every fault kind is present at both sizes, so their rule paths are measured too. */
const FAULTS = 0.25;
const SEED = 3;

/**
 * Slack for the random parts of the mix (replica counts, IngressGroup sizes): a fixed
 * per-object cost varies by up to about 1.3 between the two sizes over seeds 1–6, while a cost
 * that grows with the cluster gives about 4 (and a quadratic total about 16 instead of 4).
 */
const TOLERANCE = 1.5;

/**
 * A list the small run barely reads (a rule path its mix did not take, e.g. no unhealthy
 * sidecar target to look up mTLS for) gives no ratio worth judging; the grand total still does.
 */
const MIN_READS_PER_OBJECT = 5;

/**
 * No object of bounded size may be read more often than this. Generous on purpose (the busiest,
 * a full EndpointSlice of 100 endpoints, is read about 2,000 times): it catches a per-object
 * cost that runs away, while the ratios below catch one that merely grows. Target groups,
 * Services and namespace-wide policies are left out: they are read once per member (target,
 * pod), which is linear in total but not bounded per object.
 */
const MAX_READS_PER_OBJECT = 5000;
const BOUNDED_SIZE = ["pods", "nodes", "endpointSlices", "targetGroupBindings", "ingresses"];

function measure(size: Size) {
  const generated = generateSnapshot({ ...size, seed: SEED, faults: FAULTS });
  const plain = parseSnapshot(generated.snapshot);
  const { snapshot, counts } = countingSnapshot(parseSnapshot(generated.snapshot));
  const report = analyze(snapshot);
  const objects =
    Object.values(counts.perObject).reduce((n, list) => n + list.length, 0) +
    plain.aws.targetGroups.reduce((n, tg) => n + (tg.TargetHealthDescriptions?.length ?? 0), 0);
  return { reads: counts.perObject, objects, report, plain };
}

const mean = (xs: readonly number[]) => total(xs) / Math.max(1, xs.length);

const cases: { name: string; small: Size; large: Size; perObject: string[] }[] = [
  {
    name: "four times everything (target groups, nodes, pods)",
    // Multiples of 40 target groups: whole namespaces (8 groups each) in whole sets of five
    // (three with Istio, one STRICT), so both sizes have the same mix.
    small: { targetGroups: 40, nodes: 100, pods: 1000 },
    large: { targetGroups: 160, nodes: 400, pods: 4000 },
    perObject: [
      "targetGroups",
      "services",
      "endpointSlices",
      "pods",
      "nodes",
      "ingresses",
      "targetGroupBindings",
    ],
  },
  {
    // Same target groups, four times the pods behind each: catches work quadratic in a group's
    // size. Slices start full (100 endpoints), so a slice is the same size at both scales; a
    // group's own Service and target group are read per pod, so they are not in `perObject`.
    name: "four times bigger target groups (pods per Service)",
    small: { targetGroups: 10, nodes: 100, pods: 2000 },
    large: { targetGroups: 10, nodes: 400, pods: 8000 },
    perObject: ["endpointSlices", "pods", "nodes", "targetGroupBindings"],
  },
];

describe.each(cases)("analysis reads on $name", ({ small, large, perObject }) => {
  const a = measure(small);
  const b = measure(large);
  const growth = b.objects / a.objects;

  it("counts reads without changing what analysis finds", () => {
    const fingerprints = (r: ReturnType<typeof analyze>) => r.findings.map((f) => f.fingerprint);
    expect(fingerprints(b.report)).toEqual(fingerprints(analyze(b.plain)));
    expect(b.report.findings.length).toBeGreaterThan(0);
    expect(total(b.reads.pods ?? [])).toBeGreaterThan(0);
  });

  it("total reads grow in proportion to the snapshot, not with its square", () => {
    const all = (r: Record<string, number[]>) => total(Object.values(r).flat());
    expect(growth).toBeGreaterThan(3);
    expect(all(b.reads) / all(a.reads)).toBeLessThan(growth * TOLERANCE);
    for (const [list, counts] of Object.entries(b.reads)) {
      const before = a.reads[list] ?? [];
      if (mean(before) < MIN_READS_PER_OBJECT) continue;
      expect(total(counts) / total(before), list).toBeLessThan(growth * TOLERANCE);
    }
  });

  it("reads per object stay the same when the cluster grows", () => {
    for (const list of perObject) {
      const before = mean(a.reads[list] ?? []);
      const after = mean(b.reads[list] ?? []);
      expect(before, list).toBeGreaterThan(0);
      expect(after / before, list).toBeLessThan(TOLERANCE);
    }
  });

  it(`no pod, node, slice, binding or Ingress is read more than ${MAX_READS_PER_OBJECT} times`, () => {
    for (const list of BOUNDED_SIZE) {
      expect(max(b.reads[list] ?? []), list).toBeLessThanOrEqual(MAX_READS_PER_OBJECT);
    }
  });
});
