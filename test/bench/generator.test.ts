import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAULTS, generateSnapshot, type FaultKind } from "../../bench/generator";
import { writeJsonStreaming } from "../../bench/generator/write";
import { analyze } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import { parseSnapshot } from "../../lib/snapshot/read";

const SIZE = { targetGroups: 30, nodes: 120, pods: 900 };

const generated = (faults: number, seed = 5) => generateSnapshot({ ...SIZE, seed, faults });

describe("synthetic snapshot generator", () => {
  it("rebuilds the same document from the same seed, and another from another seed", () => {
    const a = JSON.stringify(generated(0.2, 11));
    expect(JSON.stringify(generated(0.2, 11))).toBe(a);
    expect(JSON.stringify(generated(0.2, 12))).not.toBe(a);
  });

  it("produces a valid snapshot v1 of the requested size", () => {
    const { snapshot, counts } = generated(0.2);
    const s = parseSnapshot(snapshot);
    expect(s.gaps).toEqual([]);
    expect(s.aws.targetGroups).toHaveLength(SIZE.targetGroups);
    expect(s.kubernetes.nodes).toHaveLength(SIZE.nodes);
    expect(s.kubernetes.pods).toHaveLength(SIZE.pods);
    expect(counts.endpoints).toBe(SIZE.pods);
    const types = new Set(s.aws.targetGroups.map((tg) => tg.TargetType));
    expect(types).toEqual(new Set(["instance", "ip"]));
    expect(s.kubernetes.pods.some((p) => p.metadata.annotations?.["sidecar.istio.io/status"])).toBe(
      true,
    );
    for (const slice of s.kubernetes.endpointSlices) {
      expect(slice.endpoints?.length ?? 0).toBeLessThanOrEqual(100);
    }
    const nodePorts = s.kubernetes.services.flatMap(
      (svc) => svc.spec?.ports?.flatMap((p) => p.nodePort ?? []) ?? [],
    );
    expect(new Set(nodePorts).size).toBe(nodePorts.length);
  });

  it("joins every target group through binding, Service, slices and pods to nodes", () => {
    const { snapshot, faults } = generated(0.2);
    const model = buildModel(parseSnapshot(snapshot));
    const stale = new Set(
      faults.filter((f) => f.kind === "stale-target").map((f) => f.targetGroupArn),
    );
    for (const tgv of model.targetGroups) {
      expect(tgv.binding, tgv.name).toBeDefined();
      expect(tgv.servicePort, tgv.name).toBeDefined();
      expect(tgv.healthEndpoint, tgv.name).toBeDefined();
      expect(tgv.loadBalancers, tgv.name).toHaveLength(1);
      if (tgv.manager === "ingress") expect(tgv.ingresses, tgv.name).toHaveLength(1);
      expect(tgv.endpoints.length, tgv.name).toBeGreaterThan(0);
      expect(tgv.endpoints.every((e) => e.pod && model.nodesByName.has(e.nodeName ?? "")));
      const unjoined = tgv.targets.filter((t) => (tgv.targetType === "ip" ? !t.endpoint : !t.node));
      expect(unjoined.length, tgv.name).toBe(stale.has(tgv.arn) ? 1 : 0);
    }
    for (const pod of model.snapshot.kubernetes.pods) {
      expect(model.nodesByName.has(pod.spec.nodeName ?? "")).toBe(true);
    }
  });

  it("injects the requested share of faults, every kind in turn", () => {
    const { faults } = generated(0.5);
    expect(faults).toHaveLength(Math.round(0.5 * SIZE.targetGroups));
    const kinds = new Set(faults.map((f) => f.kind));
    expect(kinds).toEqual(new Set(Object.keys(FAULTS) as FaultKind[]));
    expect(new Set(faults.map((f) => f.targetGroupArn)).size).toBe(faults.length);
  });

  it("a fault-free cluster audits clean: no warning or critical finding", () => {
    const report = analyze(parseSnapshot(generated(0).snapshot));
    const loud = report.findings.filter((f) => f.severity !== "info");
    expect(loud.map((f) => `${f.code} ${f.title}`)).toEqual([]);
    expect(report.summary.unhealthyTargets).toBe(0);
  });

  it("the engine finds every injected fault, with its code and severity, and nothing else", () => {
    const { snapshot, faults } = generated(0.5);
    const report = analyze(parseSnapshot(snapshot));
    for (const fault of faults) {
      const hit = report.findings.find(
        (f) => f.code === fault.code && f.targetGroupArn === fault.targetGroupArn,
      );
      expect(hit, `${fault.kind} on ${fault.targetGroupName}`).toBeDefined();
      expect(hit?.severity, `${fault.kind} on ${fault.targetGroupName}`).toBe(fault.severity);
    }
    const faulty = new Set(faults.map((f) => f.targetGroupArn));
    const elsewhere = report.findings.filter(
      (f) => f.severity !== "info" && !faulty.has(f.targetGroupArn ?? ""),
    );
    expect(elsewhere.map((f) => `${f.code} ${f.title}`)).toEqual([]);
  });
});

describe("streaming snapshot writer", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-gen-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a document JSON.parse reads back unchanged", () => {
    const { snapshot } = generateSnapshot({ targetGroups: 5, nodes: 6, pods: 40, faults: 0.4 });
    const file = join(dir, "s.json");
    writeJsonStreaming(file, snapshot as Record<string, unknown>);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(snapshot);
  });
});
