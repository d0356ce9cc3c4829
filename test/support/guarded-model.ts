/**
 * A model whose lists a rule has not declared throw when the rule touches them, so a test
 * fails the moment a rule reads what its declaration does not say (and a gap in that list would
 * silently change its verdict). A rule that reads past the join (a field built from every list
 * the join reads: the Service, its endpoints, pods, Ingresses) must count the bindings and the
 * Services among its inputs (model JOIN_INPUTS), so that a gap in them keeps it from running
 * rather than from seeing the group's Service.
 */
import {
  ENDPOINT_VIEW_SOURCES,
  JOIN_INPUTS,
  JOIN_SOURCES,
  MODEL_SOURCES,
  TARGET_GROUP_VIEW_SOURCES,
  TARGET_VIEW_SOURCES,
  type Model,
} from "../../lib/analyze/model";
import { readsOf, type Rule } from "../../lib/analyze/rule";
import { OPTIONAL_SOURCES, SOURCES, type Source } from "../../lib/snapshot/schema";

export class UndeclaredRead extends Error {}

const LISTS = new Set<string>([...SOURCES, ...OPTIONAL_SOURCES]);

/** Whether a field is built past the join: from every list the join reads. */
const pastJoin = (sources: readonly Source[]) => JOIN_SOURCES.every((s) => sources.includes(s));

export function guardedModel(
  model: Model,
  allowed: readonly Source[],
  who = "the rule",
  /** The lists the rule cannot run without; given, reading past the join demands the join's. */
  inputs?: readonly Source[],
): Model {
  const ok = new Set<string>(allowed);
  const demand = (field: string, sources: readonly Source[] | undefined) => {
    const missing = (sources ?? []).filter((s) => !ok.has(s));
    if (missing.length > 0) {
      throw new UndeclaredRead(
        `${who} reads ${field}, built from undeclared ${missing.join(", ")}`,
      );
    }
    const notInputs = JOIN_INPUTS.filter((s) => !inputs?.includes(s));
    if (inputs && sources && pastJoin(sources) && notInputs.length > 0) {
      throw new UndeclaredRead(
        `${who} reads ${field} past the join without ${notInputs.join(", ")} among its inputs`,
      );
    }
  };
  const cache = new WeakMap<object, object>();
  /** Wraps `target` so that reading a field listed in `table` demands its sources. */
  function wrap<T extends object>(
    target: T,
    what: string,
    table: Partial<Record<string, readonly Source[]>>,
    inner: (field: string, value: unknown) => unknown = (_, v) => v,
  ): T {
    const seen = cache.get(target);
    if (seen) return seen as T;
    const proxy = new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver) as unknown;
        if (typeof prop !== "string") return value;
        demand(`${what}.${prop}`, table[prop]);
        return inner(prop, value);
      },
    });
    cache.set(target, proxy);
    return proxy;
  }
  const section = (name: "aws" | "kubernetes", value: object) =>
    new Proxy(value, {
      get(t, prop, receiver) {
        const key = `${name}.${String(prop)}`;
        if (LISTS.has(key)) demand(`snapshot.${key}`, [key as Source]);
        return Reflect.get(t, prop, receiver) as unknown;
      },
    });
  const endpoint = (e: object) => wrap(e, "endpoint", ENDPOINT_VIEW_SOURCES);
  const target = (t: object) =>
    wrap(t, "target", TARGET_VIEW_SOURCES, (field, v) =>
      field === "endpoint" && v ? endpoint(v as object) : v,
    );
  const group = (g: object) =>
    wrap(g, "targetGroup", TARGET_GROUP_VIEW_SOURCES, (field, v) =>
      field === "targets"
        ? (v as object[]).map(target)
        : field === "endpoints"
          ? (v as object[]).map(endpoint)
          : v,
    );
  const snapshot = new Proxy(model.snapshot, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      return prop === "aws" || prop === "kubernetes" ? section(prop, value as object) : value;
    },
  });
  return wrap(model, "model", MODEL_SOURCES, (field, v) =>
    field === "snapshot" ? snapshot : field === "targetGroups" ? (v as object[]).map(group) : v,
  );
}

/** The rule, checking on a model that holds only what it declares. */
export const guard = (rule: Rule): Rule => ({
  ...rule,
  check: (ctx) =>
    rule.check({
      ...ctx,
      // A rule that needs no list (AUDIT001, which reports the gaps) runs whatever is missing:
      // it reads past the join only to name a group's objects.
      model: guardedModel(
        ctx.model,
        readsOf(rule),
        `rule ${rule.code}`,
        rule.inputs.length > 0 ? rule.inputs : undefined,
      ),
    }),
});
