/**
 * The rules' declarations are the truth the engine runs on: each rule reads only the lists it
 * declares (else a gap there would change its verdict unannounced), and the run order follows
 * from what each rule declares it runs after.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateSnapshot } from "../../bench/generator";
import { runRules } from "../../lib/analyze";
import { CATALOG } from "../../lib/analyze/catalog";
import { buildModel } from "../../lib/analyze/model";
import { AFTER_ALL, type Rule } from "../../lib/analyze/rule";
import { dependenciesOf, orderRules } from "../../lib/analyze/rule-order";
import { RULES } from "../../lib/analyze/rules";
import { parseSnapshot } from "../../lib/snapshot/read";
import type { Snapshot } from "../../lib/snapshot/schema";
import { guard, UndeclaredRead } from "../support/guarded-model";
import { healthyInstanceGatewayInput, healthyIpAppInput, snapshotOf } from "../support/scenarios";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));

function corpus(): [string, Snapshot][] {
  const files = readdirSync(EXAMPLES).filter((f) => /^\d.*\.json$/.test(f));
  return [
    ...files.map((f): [string, Snapshot] => [
      f,
      parseSnapshot(JSON.parse(readFileSync(join(EXAMPLES, f), "utf8"))),
    ]),
    ["healthy instance gateway", snapshotOf(healthyInstanceGatewayInput())],
    ["healthy ip app", snapshotOf(healthyIpAppInput())],
    [
      "generated cluster with faults",
      parseSnapshot(
        generateSnapshot({ targetGroups: 40, nodes: 12, pods: 200, faults: 0.5 }).snapshot,
      ),
    ],
  ];
}

const stub = (code: string, after?: Rule["after"]): Rule => ({
  code,
  inputs: [],
  after,
  check: () => [],
});

describe("rule declarations", () => {
  it("every rule reads only the snapshot lists it declares", () => {
    for (const [name, snapshot] of corpus()) {
      const model = buildModel(snapshot);
      const all = runRules(model);
      for (const rule of RULES) {
        const deps = dependenciesOf(rule, RULES);
        const prior = all.filter((f) => deps.has(f.code));
        expect(
          () => guard(rule).check({ model, prior, rules: RULES }),
          `${rule.code} on ${name}`,
        ).not.toThrow();
      }
    }
  });

  it("a rule that reads an undeclared list fails that check", () => {
    const sneaky: Rule = {
      code: "TGT003",
      inputs: ["aws.targetGroups"],
      check: ({ model }) => (model.snapshot.kubernetes.pods.length > 0 ? [] : []),
    };
    const model = buildModel(snapshotOf(healthyIpAppInput()));
    expect(() => guard(sneaky).check({ model, prior: [], rules: [] })).toThrow(UndeclaredRead);
    const joined: Rule = {
      ...sneaky,
      check: ({ model: m }) => (m.targetGroups[0]?.service ? [] : []),
    };
    expect(() => guard(joined).check({ model, prior: [], rules: [] })).toThrow(
      /targetGroup\.service.*kubernetes\.targetGroupBindings/,
    );
  });

  it("a rule that reads past the join counts the join's lists among its inputs", () => {
    const model = buildModel(snapshotOf(healthyIpAppInput()));
    const weighsItself: Rule = {
      code: "TGT003",
      inputs: ["aws.targetGroups", "kubernetes.services", "kubernetes.endpointSlices"],
      alsoReads: ["kubernetes.targetGroupBindings", "kubernetes.ingresses"],
      check: ({ model: m }) => (m.targetGroups[0]?.endpoints.length ? [] : []),
    };
    expect(() => guard(weighsItself).check({ model, prior: [], rules: [] })).toThrow(
      /targetGroup\.endpoints past the join without kubernetes\.targetGroupBindings among its inputs/,
    );
    // The join itself (which binding names the group) is not past it.
    const binding: Rule = {
      ...weighsItself,
      check: ({ model: m }) => (m.targetGroups[0]?.binding ? [] : []),
    };
    expect(() => guard(binding).check({ model, prior: [], rules: [] })).not.toThrow();
  });

  it("names only catalog codes in `after`", () => {
    const codes = new Set(CATALOG.map((e) => e.code));
    for (const rule of RULES) {
      if (rule.after === AFTER_ALL) continue;
      for (const code of rule.after ?? [])
        expect(codes, `${rule.code} after ${code}`).toContain(code);
    }
  });

  it("runs each rule after the rules it declares, and those after all others last", () => {
    const position = new Map(RULES.map((r, i) => [r.code, i]));
    for (const rule of RULES) {
      for (const dep of dependenciesOf(rule, RULES)) {
        expect(position.get(dep)!, `${dep} before ${rule.code}`).toBeLessThan(
          position.get(rule.code)!,
        );
      }
    }
    const last = RULES.filter((r) => r.after === AFTER_ALL).map((r) => r.code);
    expect(last).toEqual(["TGT005", "AUDIT001"]);
    expect(RULES.slice(-2).map((r) => r.code)).toEqual(last);
  });

  it("orders by the declarations, keeping the list's order where they leave it open", () => {
    const order = orderRules([stub("TGT005", AFTER_ALL), stub("B", ["C"]), stub("A"), stub("C")]);
    expect(order.map((r) => r.code)).toEqual(["A", "C", "B", "TGT005"]);
  });

  it("fails on a cycle of `after` declarations, naming the rules in it", () => {
    expect(() =>
      orderRules([stub("A", ["B"]), stub("B", ["C"]), stub("C", ["A"]), stub("D")]),
    ).toThrow(/cycle among A, B, C/);
  });
});
