/**
 * The compiled checks accept exactly what zod accepts. Every item of the bundled examples and of
 * a small synthetic cluster is checked as it is and after many one-field mutations (removed,
 * null, a wrong type, NaN, a fraction, an array or object in place of a value) on the fields
 * it has and the fields its schema declares.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z, type ZodTypeAny } from "zod";
import { generateSnapshot } from "../../bench/generator";
import { ACCEPT, acceptModuleSource } from "../../lib/snapshot/accept";
import { compile, firstIssue, slowNodes } from "../../lib/snapshot/compiled";
import { envelopeSchema, LIST_SCHEMAS, OPTIONAL_LIST_SCHEMAS } from "../../lib/snapshot/schema";

const LISTS = [LIST_SCHEMAS, OPTIONAL_LIST_SCHEMAS]
  .flatMap(Object.entries)
  .flatMap(([section, lists]) =>
    Object.entries(lists as Record<string, ZodTypeAny>).map(
      ([name, schema]) => [section, name, schema] as const,
    ),
  );

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".json") && f !== "expected.json")
  .map((f) => JSON.parse(readFileSync(`examples/${f}`, "utf8")));
const synthetic = generateSnapshot({ targetGroups: 12, nodes: 20, pods: 120, seed: 3, faults: 0.3 })
  .snapshot as unknown as Record<string, Record<string, unknown[]>>;
const documents = [...examples, synthetic];

const WRONG: unknown[] = [undefined, null, 1.5, Number.NaN, "x", true, [], {}, [1]];

/** Runs `fn` with the value at `path` of `item` replaced (undefined removes it), then restores it. */
function withValue(item: unknown, path: (string | number)[], value: unknown, fn: () => void) {
  let at = item as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const had = Object.hasOwn(at, last);
  const before = at[last];
  if (value === undefined) delete at[last];
  else at[last] = value;
  try {
    fn();
  } finally {
    if (had) at[last] = before;
    else delete at[last];
  }
}

/** Paths of the item's own fields, plus the fields its schema declares at each object. */
function paths(value: unknown, schema: ZodTypeAny | undefined, at: (string | number)[] = []) {
  const out: (string | number)[][] = [];
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s._def.innerType;
  if (Array.isArray(value)) {
    const item = s instanceof z.ZodArray ? (s._def.type as ZodTypeAny) : undefined;
    value.slice(0, 3).forEach((v, i) => {
      out.push([...at, i], ...paths(v, item, [...at, i]));
    });
  } else if (value && typeof value === "object") {
    const shape = s instanceof z.ZodObject ? (s.shape as Record<string, ZodTypeAny>) : {};
    const record = s instanceof z.ZodRecord ? (s._def.valueType as ZodTypeAny) : undefined;
    for (const key of new Set([...Object.keys(value), ...Object.keys(shape)])) {
      const child = (value as Record<string, unknown>)[key];
      out.push([...at, key], ...paths(child, shape[key] ?? record, [...at, key]));
    }
  }
  return out;
}

describe("compiled snapshot checks", () => {
  it.each(LISTS)(
    "%s.%s: agree with zod on every item and every one-field mutation",
    (section, name, schema) => {
      const check = compile(schema);
      let compared = 0;
      for (const doc of documents) {
        // A few items of each list: the examples vary little within a list.
        for (const item of ((doc[section]?.[name] ?? []) as unknown[]).slice(0, 2)) {
          expect(check(item)).toBe(true);
          for (const path of paths(item, schema)) {
            for (const wrong of WRONG) {
              withValue(item, path, wrong, () => {
                const zodSays = schema.safeParse(item).success;
                if (check(item) !== zodSays)
                  throw new Error(
                    `${section}.${name} ${path.join(".")} = ${String(wrong)}: zod says ${zodSays}`,
                  );
              });
              compared++;
            }
          }
        }
      }
      // The optional lists have items only where the examples or the generator collect them.
      if (name in (LIST_SCHEMAS as Record<string, object>)[section]!)
        expect(compared).toBeGreaterThan(50);
    },
  );

  it("compile every list schema with no node left to zod, so large snapshots stay fast", () => {
    // A node the compiler does not know still validates (zod answers it), only slower; teach
    // lib/snapshot/compiled.ts the new kind of node, or accept the cost here knowingly.
    expect(
      LISTS.flatMap(([section, name, schema]) =>
        slowNodes(schema).map((n) => `${section}.${name} ${n}`),
      ),
    ).toEqual([]);
    expect(slowNodes(envelopeSchema)).toEqual([]);
  });

  it("leave a node they do not know to zod, and zod names the problem", () => {
    const schema = z
      .object({ port: z.number().min(1), name: z.string().refine((s) => s !== "x") })
      .passthrough();
    // The check cannot prove such a value valid, so every one goes to zod for the verdict.
    expect(compile(schema)({ port: 1, name: "y" })).toBe(false);
    expect(compile(schema)({ port: 0, name: "y" })).toBe(false);
    expect(slowNodes(schema)).toEqual(["port: number with min", "name: ZodEffects"]);
    expect(firstIssue(schema, { port: 0, name: "y" })).toMatchObject({
      path: ["port"],
      code: "too_small",
    });
    expect(firstIssue(schema, { port: 2, name: "y" })).toBeUndefined();
  });

  it("check capturedAt's timestamp exactly as zod does", () => {
    const capturedAt = (envelopeSchema.shape as Record<string, ZodTypeAny>).capturedAt!;
    const check = compile(capturedAt);
    const samples = [
      "2026-11-30T09:14:00Z",
      "2026-11-30T09:14:00.123Z",
      "2026-11-30T09:14:00+02:00",
      "2026-11-30T09:14:00+0200",
      "2026-11-30T09:14:00",
      "2026-11-30 09:14:00Z",
      "2026-13-30T09:14:00Z",
      "2026-02-30T09:14:00Z",
      "2026-11-30T24:00:00Z",
      "2026-11-30",
      "",
      "x",
    ];
    const verdicts = samples.map((s) => [s, check(s)]);
    expect(verdicts).toEqual(samples.map((s) => [s, capturedAt.safeParse(s).success]));
    expect(verdicts.filter(([, ok]) => ok)).toHaveLength(4);
  });

  it("are the same checks in the CLI's bundle, generated at build time", async () => {
    const source = acceptModuleSource();
    const url = `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`;
    const built = (await import(url)) as { ACCEPT: Record<string, (v: unknown) => boolean> };
    expect(Object.keys(built.ACCEPT).sort()).toEqual(Object.keys(ACCEPT).sort());
    for (const doc of documents) {
      expect(built.ACCEPT.envelope!(doc)).toBe(true);
      expect(built.ACCEPT.envelope!({ ...doc, capturedAt: "yesterday" })).toBe(false);
      for (const [section, name] of LISTS) {
        for (const item of (doc[section]?.[name] ?? []) as unknown[])
          expect(built.ACCEPT[`${section}.${name}`]!(item)).toBe(true);
      }
    }
    const pod = synthetic.kubernetes!.pods![0] as { metadata: object };
    expect(built.ACCEPT["kubernetes.pods"]!({ ...pod, metadata: { name: 3 } })).toBe(false);
  });

  it("reject what zod 3 does not parse as an object", () => {
    const schema = z.object({}).passthrough();
    for (const v of [new Date(), new Map(), new Set(), [], null, Promise.resolve()]) {
      expect(compile(schema)(v)).toBe(false);
      expect(schema.safeParse(v).success).toBe(compile(schema)(v));
    }
  });
});
