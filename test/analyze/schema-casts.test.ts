/**
 * The engine reads the snapshot through the types the schema gives it: a field a rule reads is
 * declared in lib/snapshot/schema.ts (and so validated), never reached by asserting a shape
 * (`x as { field?: T }`). Shapes are asserted only on what the engine parses itself (JSON out of
 * an annotation); narrowing a declared value (`ports[0] as number`) claims no new field.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../../lib/analyze");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

const PARSED = /^parsed\b/;

/** Whether a type names fields of its own: an object type literal anywhere inside it. */
function claimsFields(type: ts.Node): boolean {
  return ts.isTypeLiteralNode(type) || (ts.forEachChild(type, claimsFields) ?? false);
}

function assertions(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const type = node.type.getText(source);
      const value = node.expression.getText(source);
      if (claimsFields(node.type) && !PARSED.test(value)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${relative(ROOT, file)}:${line + 1}: ${value} as ${type}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("lib/analyze reads the snapshot through its schema", () => {
  it("asserts no field the schema does not declare", () => {
    expect(sources(ROOT).flatMap(assertions)).toEqual([]);
  });
});
