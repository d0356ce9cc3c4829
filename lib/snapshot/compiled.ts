/**
 * Fast acceptance for the zod schemas of snapshot v1. zod 3 builds a copy of every object it
 * accepts, which on a large snapshot costs more than the JSON parse; the check compiled here
 * from the same schema only answers yes or no and allocates nothing. It is derived when first
 * used, so the schema stays the single source: a field added to schema.ts is checked with no
 * extra step.
 *
 * The compiled check never accepts what zod rejects. A schema node it does not know (refine,
 * transform, a string format, ...) is answered by zod itself for that node alone, and a value
 * the check rejects goes to zod, which names the problem.
 */
import { z, type ZodIssue, type ZodTypeAny } from "zod";

type Check = (value: unknown) => boolean;

/** What zod 3 parses as an object: not an array, a date, a map, a set or a promise. */
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date || v instanceof Map || v instanceof Set) &&
  typeof (v as { then?: unknown }).then !== "function";

/** Nodes answered by zod rather than compiled, by description; see `slowNodes`. */
const fallbacks = new WeakMap<ZodTypeAny, string>();

function viaZod(schema: ZodTypeAny, why: string): Check {
  fallbacks.set(schema, why);
  return (v) => schema.safeParse(v).success;
}

function compileString(schema: z.ZodString): Check {
  if (schema._def.checks.length > 0)
    return viaZod(schema, `string with ${schema._def.checks.map((c) => c.kind).join(", ")}`);
  return (v) => typeof v === "string";
}

function compileNumber(schema: z.ZodNumber): Check {
  const kinds = schema._def.checks.map((c) => c.kind);
  if (kinds.some((k) => k !== "int")) return viaZod(schema, `number with ${kinds.join(", ")}`);
  // zod rejects NaN as a number, and .int() rejects what is not an integer.
  return kinds.length
    ? (v) => typeof v === "number" && Number.isInteger(v)
    : (v) => typeof v === "number" && !Number.isNaN(v);
}

function compileObject(schema: z.AnyZodObject): Check {
  const def = schema._def;
  if (def.unknownKeys === "strict" || !(def.catchall instanceof z.ZodNever))
    return viaZod(schema, "object that is strict or has a catchall");
  const shape = schema.shape as Record<string, ZodTypeAny>;
  const keys = Object.keys(shape);
  const checks = keys.map((key) => compile(shape[key]!));
  return (v) => {
    if (!isObject(v)) return false;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(v[keys[i]!])) return false;
    return true;
  };
}

function compileArray(schema: z.ZodArray<ZodTypeAny>): Check {
  const def = schema._def;
  if (def.minLength || def.maxLength || def.exactLength)
    return viaZod(schema, "array with a length bound");
  const item = compile(def.type);
  return (v) => {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
}

function compileRecord(schema: z.ZodRecord): Check {
  const key = schema._def.keyType;
  if (!(key instanceof z.ZodString) || key._def.checks.length > 0)
    return viaZod(schema, "record with checked keys");
  const value = compile(schema._def.valueType);
  return (v) => {
    if (!isObject(v)) return false;
    for (const k in v) if (!value(v[k])) return false;
    return true;
  };
}

function compileNode(schema: ZodTypeAny): Check {
  if (schema instanceof z.ZodString) return compileString(schema);
  if (schema instanceof z.ZodNumber) return compileNumber(schema);
  if (schema instanceof z.ZodBoolean) return (v) => typeof v === "boolean";
  if (schema instanceof z.ZodObject) return compileObject(schema);
  if (schema instanceof z.ZodArray) return compileArray(schema);
  if (schema instanceof z.ZodRecord) return compileRecord(schema);
  if (schema instanceof z.ZodOptional) {
    const inner = compile(schema._def.innerType);
    return (v) => v === undefined || inner(v);
  }
  if (schema instanceof z.ZodNullable) {
    const inner = compile(schema._def.innerType);
    return (v) => v === null || inner(v);
  }
  if (schema instanceof z.ZodUnion) {
    const options = (schema._def.options as ZodTypeAny[]).map(compile);
    return (v) => options.some((check) => check(v));
  }
  if (schema instanceof z.ZodLiteral) {
    const value: unknown = schema._def.value;
    return (v) => v === value;
  }
  if (schema instanceof z.ZodEnum) {
    const values = new Set<unknown>(schema._def.values);
    return (v) => values.has(v);
  }
  if (schema instanceof z.ZodNull) return (v) => v === null;
  if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return () => true;
  return viaZod(schema, (schema._def as { typeName?: string }).typeName ?? "unknown zod type");
}

const compiled = new WeakMap<ZodTypeAny, Check>();

/** The compiled check of a schema; built on first use and kept. */
export function compile(schema: ZodTypeAny): Check {
  let check = compiled.get(schema);
  if (!check) {
    check = compileNode(schema);
    compiled.set(schema, check);
  }
  return check;
}

/**
 * The first problem of `value` against `schema`, as zod reports it, or undefined when it fits.
 * Only a value the compiled check rejects is given to zod.
 */
export function firstIssue(schema: ZodTypeAny, value: unknown): ZodIssue | undefined {
  if (compile(schema)(value)) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return result.error.issues[0] ?? { code: "custom", path: [], message: "invalid" };
}

/** The nodes of a compiled schema that zod answers (slowly), for the test that keeps them few. */
export function slowNodes(schema: ZodTypeAny): string[] {
  compile(schema);
  const found: string[] = [];
  const visit = (node: ZodTypeAny, path: string, seen: Set<ZodTypeAny>) => {
    if (seen.has(node)) return;
    seen.add(node);
    const why = fallbacks.get(node);
    if (why) return void found.push(`${path || "(item)"}: ${why}`);
    if (node instanceof z.ZodObject)
      for (const [k, f] of Object.entries(node.shape as Record<string, ZodTypeAny>))
        visit(f, path ? `${path}.${k}` : k, seen);
    else if (node instanceof z.ZodArray) visit(node._def.type, `${path}[]`, seen);
    else if (node instanceof z.ZodRecord) visit(node._def.valueType, `${path}{}`, seen);
    else if (node instanceof z.ZodOptional || node instanceof z.ZodNullable)
      visit(node._def.innerType, path, seen);
    else if (node instanceof z.ZodUnion)
      for (const o of node._def.options as ZodTypeAny[]) visit(o, path, seen);
  };
  visit(schema, "", new Set());
  return found;
}
