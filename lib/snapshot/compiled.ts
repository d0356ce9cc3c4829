/**
 * Fast acceptance for the zod schemas of snapshot v1. zod 3 builds a copy of every object it
 * accepts, which on a large snapshot costs more than the JSON parse; the check generated here
 * from the same schema only answers yes or no and allocates nothing. The check is JavaScript
 * source derived from the schema: turned into a function on first use (tests, the Lambda), and
 * written into the CLI's bundle at build time (see ./accept.ts), so the schema stays the single
 * source and a field added to schema.ts is checked with no extra step.
 *
 * A check never accepts what zod rejects. A schema node the generator does not know (refine,
 * transform, a string format other than datetime, ...) makes the check answer "not proven"
 * (false) for every value that reaches it, and a value the check does not accept goes to zod,
 * which gives the verdict and names the problem. `slowNodes` lists such nodes.
 */
import { datetimeRegex, z, type ZodIssue, type ZodTypeAny } from "zod";

export type Check = (value: unknown) => boolean;

/** What zod 3 parses as an object (its getParsedType): not an array, promise, map, set or date. */
const IS_OBJECT = `function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    !(v.then && typeof v.then === "function" && v.catch && typeof v.catch === "function") &&
    !(v instanceof Map || v instanceof Set || v instanceof Date);
}`;

/** The kinds of node that get a function of their own (the others are one expression). */
const isContainer = (s: ZodTypeAny) =>
  s instanceof z.ZodObject ||
  s instanceof z.ZodArray ||
  s instanceof z.ZodRecord ||
  s instanceof z.ZodUnion;

class Generator {
  /** Declarations in order: constants first use, functions once per schema node. */
  private readonly decls: string[] = [];
  private readonly names = new Map<ZodTypeAny, string>();
  /** Nodes left to zod, with where they were first met and why. */
  readonly slow: string[] = [];

  /** The name of a function that checks `schema`; generated once per node. */
  fn(schema: ZodTypeAny, path: string): string {
    let name = this.names.get(schema);
    if (name) return name;
    name = `c${this.names.size}`;
    this.names.set(schema, name);
    // Parenthesized, so V8 compiles it with the module rather than at its first call, and
    // Node's compile cache (which keeps only what was compiled with the module) keeps it.
    this.decls.push(`const ${name} = (function (v) {\n${this.body(schema, path)}\n});`);
    return name;
  }

  source(roots: Record<string, ZodTypeAny>): string {
    const entries = Object.entries(roots).map(
      ([key, s]) => `${JSON.stringify(key)}: ${this.fn(s, "")}`,
    );
    return `"use strict";\n${IS_OBJECT}\n${this.decls.join("\n")}\nreturn { ${entries.join(", ")} };`;
  }

  private constant(init: string): string {
    const name = `k${this.decls.length}`;
    this.decls.push(`const ${name} = ${init};`);
    return name;
  }

  private notProven(path: string, why: string): string {
    this.slow.push(`${path || "(item)"}: ${why}`);
    return "false";
  }

  /** The body of the function that checks `v` against a container node (or one expression). */
  private body(schema: ZodTypeAny, path: string): string {
    if (schema instanceof z.ZodObject) return this.object(schema, path);
    if (schema instanceof z.ZodArray) return this.array(schema, path);
    if (schema instanceof z.ZodRecord) return this.record(schema, path);
    if (schema instanceof z.ZodUnion) {
      const options = (schema._def.options as ZodTypeAny[]).map((o) => this.expr(o, "v", path));
      return `  return ${options.map((o) => `(${o})`).join(" || ")};`;
    }
    return `  return ${this.expr(schema, "v", path)};`;
  }

  private object(schema: z.AnyZodObject, path: string): string {
    const def = schema._def;
    if (def.unknownKeys === "strict" || !(def.catchall instanceof z.ZodNever))
      return `  return ${this.notProven(path, "object that is strict or has a catchall")};`;
    const lines = ["  if (!isObject(v)) return false;", "  let x;"];
    for (const [key, field] of Object.entries(schema.shape as Record<string, ZodTypeAny>)) {
      const at = path ? `${path}.${key}` : key;
      lines.push(
        `  x = v[${JSON.stringify(key)}];`,
        `  if (!(${this.expr(field, "x", at)})) return false;`,
      );
    }
    return [...lines, "  return true;"].join("\n");
  }

  private array(schema: z.ZodArray<ZodTypeAny>, path: string): string {
    const def = schema._def;
    if (def.minLength || def.maxLength || def.exactLength)
      return `  return ${this.notProven(path, "array with a length bound")};`;
    return [
      "  if (!Array.isArray(v)) return false;",
      "  for (let i = 0; i < v.length; i++) {",
      "    const x = v[i];",
      `    if (!(${this.expr(def.type, "x", `${path}[]`)})) return false;`,
      "  }",
      "  return true;",
    ].join("\n");
  }

  private record(schema: z.ZodRecord, path: string): string {
    const key = schema._def.keyType;
    if (!(key instanceof z.ZodString) || key._def.checks.length > 0)
      return `  return ${this.notProven(path, "record with checked keys")};`;
    return [
      "  if (!isObject(v)) return false;",
      "  for (const k in v) {",
      "    const x = v[k];",
      `    if (!(${this.expr(schema._def.valueType, "x", `${path}{}`)})) return false;`,
      "  }",
      "  return true;",
    ].join("\n");
  }

  /** An expression that is true only when `v` (a variable name) fits `schema`. */
  private expr(schema: ZodTypeAny, v: string, path: string): string {
    if (isContainer(schema)) return `${this.fn(schema, path)}(${v})`;
    if (schema instanceof z.ZodString) return this.string(schema, v, path);
    if (schema instanceof z.ZodNumber) return this.number(schema, v, path);
    if (schema instanceof z.ZodBoolean) return `typeof ${v} === "boolean"`;
    if (schema instanceof z.ZodOptional)
      return `${v} === undefined || ${this.group(schema._def.innerType, v, path)}`;
    if (schema instanceof z.ZodNullable)
      return `${v} === null || ${this.group(schema._def.innerType, v, path)}`;
    if (schema instanceof z.ZodLiteral) {
      const value: unknown = schema._def.value;
      if (value === null || ["string", "number", "boolean"].includes(typeof value))
        return `${v} === ${JSON.stringify(value)}`;
      return this.notProven(path, `literal ${typeof value}`);
    }
    if (schema instanceof z.ZodEnum)
      return `${this.constant(`new Set(${JSON.stringify(schema._def.values)})`)}.has(${v})`;
    if (schema instanceof z.ZodNull) return `${v} === null`;
    if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return "true";
    return this.notProven(
      path,
      (schema._def as { typeName?: string }).typeName ?? "unknown zod type",
    );
  }

  private group(schema: ZodTypeAny, v: string, path: string): string {
    return `(${this.expr(schema, v, path)})`;
  }

  private string(schema: z.ZodString, v: string, path: string): string {
    const tests = [`typeof ${v} === "string"`];
    for (const check of schema._def.checks) {
      if (check.kind !== "datetime") return this.notProven(path, `string with ${check.kind}`);
      // zod's own pattern for these options, so the two agree by construction.
      const re = datetimeRegex(check);
      const name = this.constant(
        `new RegExp(${JSON.stringify(re.source)}, ${JSON.stringify(re.flags)})`,
      );
      tests.push(`${name}.test(${v})`);
    }
    return tests.join(" && ");
  }

  private number(schema: z.ZodNumber, v: string, path: string): string {
    const kinds = schema._def.checks.map((c) => c.kind);
    if (kinds.some((k) => k !== "int"))
      return this.notProven(path, `number with ${kinds.join(", ")}`);
    // zod rejects NaN as a number, and .int() rejects what is not an integer.
    return kinds.length
      ? `typeof ${v} === "number" && Number.isInteger(${v})`
      : `typeof ${v} === "number" && !Number.isNaN(${v})`;
  }
}

/**
 * The source of a function body that returns `{ [name]: check }` for the named schemas; shared
 * parts are generated once. ./accept.ts writes it into the CLI's bundle.
 */
export function checksSource(roots: Record<string, ZodTypeAny>): string {
  return new Generator().source(roots);
}

/** The checks of `checksSource`, as functions. */
export function instantiate(source: string): Record<string, Check> {
  // The source is generated from our own schemas (keys are quoted with JSON.stringify).
  return new Function(source)() as Record<string, Check>;
}

const compiled = new WeakMap<ZodTypeAny, Check>();

/** The check of a schema: true only when zod accepts the value; built on first use and kept. */
export function compile(schema: ZodTypeAny): Check {
  let check = compiled.get(schema);
  if (!check) {
    check = instantiate(checksSource({ schema })).schema!;
    compiled.set(schema, check);
  }
  return check;
}

/**
 * The first problem of `value` against `schema`, as zod reports it, or undefined when it fits.
 * Only a value the check does not accept is given to zod.
 */
export function firstIssue(schema: ZodTypeAny, value: unknown): ZodIssue | undefined {
  if (compile(schema)(value)) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return result.error.issues[0] ?? { code: "custom", path: [], message: "invalid" };
}

/** The nodes of a schema its check leaves to zod (slowly), for the test that keeps them few. */
export function slowNodes(schema: ZodTypeAny): string[] {
  const generator = new Generator();
  generator.source({ schema });
  return generator.slow;
}
