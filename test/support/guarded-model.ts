/**
 * A model whose lists a rule has not declared throw when the rule touches them, so a test
 * fails the moment a rule reads what its declaration does not say (and a gap in that list would
 * silently change its verdict).
 */
import {
  ENDPOINT_VIEW_SOURCES,
  MODEL_SOURCES,
  TARGET_GROUP_VIEW_SOURCES,
  TARGET_VIEW_SOURCES,
  type Model,
} from "../../lib/analyze/model";
import { readsOf, type Rule } from "../../lib/analyze/rule";
import { OPTIONAL_SOURCES, SOURCES, type Source } from "../../lib/snapshot/schema";

export class UndeclaredRead extends Error {}

const LISTS = new Set<string>([...SOURCES, ...OPTIONAL_SOURCES]);

export function guardedModel(model: Model, allowed: readonly Source[], who = "the rule"): Model {
  const ok = new Set<string>(allowed);
  const demand = (field: string, sources: readonly Source[] | undefined) => {
    const missing = (sources ?? []).filter((s) => !ok.has(s));
    if (missing.length > 0) {
      throw new UndeclaredRead(
        `${who} reads ${field}, built from undeclared ${missing.join(", ")}`,
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
    rule.check({ ...ctx, model: guardedModel(ctx.model, readsOf(rule), `rule ${rule.code}`) }),
});
