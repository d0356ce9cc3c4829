/**
 * Counting proxies over a snapshot: every property read anywhere inside a listed object (its
 * nested fields included) is charged to that object, so a test can see how often analysis
 * touches each pod, node or slice.
 */
import type { Snapshot } from "../../lib/snapshot/schema";

export interface ReadCounts {
  /** Reads per object, by list name ("pods", "targetGroups", ...), in list order. */
  perObject: Record<string, number[]>;
}

function track<T extends object>(root: T, bump: () => void): T {
  // One proxy per inner object, so identity (Set, Map, ===) stays what the engine expects.
  const proxies = new WeakMap<object, object>();
  const wrap = (target: object): object => {
    let proxy = proxies.get(target);
    if (!proxy) {
      proxy = new Proxy(target, {
        get(t, key) {
          bump();
          const value: unknown = Reflect.get(t, key);
          return value !== null && typeof value === "object" ? wrap(value) : value;
        },
        has(t, key) {
          bump();
          return Reflect.has(t, key);
        },
      });
      proxies.set(target, proxy);
    }
    return proxy;
  };
  return wrap(root) as T;
}

/** A copy of the snapshot whose list items count their reads into the returned counters. */
export function countingSnapshot(snapshot: Snapshot): { snapshot: Snapshot; counts: ReadCounts } {
  const perObject: Record<string, number[]> = {};
  const wrapList = <T extends object>(name: string, items: T[]): T[] => {
    const counters = new Array<number>(items.length).fill(0);
    perObject[name] = counters;
    return items.map((item, i) => track(item, () => (counters[i] = (counters[i] as number) + 1)));
  };
  const section = <S extends Record<string, unknown>>(s: S): S =>
    Object.fromEntries(
      Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? wrapList(k, v as object[]) : v]),
    ) as S;
  return {
    snapshot: { ...snapshot, aws: section(snapshot.aws), kubernetes: section(snapshot.kubernetes) },
    counts: { perObject },
  };
}

export const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
export const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);
