import { readFileSync } from "node:fs";
import type { z, ZodIssue } from "zod";
import { firstIssue } from "./compiled";
import { JsonStreamError, parseJsonFile } from "./stream-parse";
import {
  envelopeSchema,
  LIST_SCHEMAS,
  OPTIONAL_LIST_SCHEMAS,
  OPTIONAL_SOURCES,
  SOURCES,
  type Snapshot,
} from "./schema";

/** A snapshot that cannot be used; the message names the path of the first problem. */
export class SnapshotError extends Error {
  override name = "SnapshotError";
}

export function formatPath(path: (string | number)[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : part;
  }
  return out || "(document)";
}

function describe(issue: ZodIssue): string {
  if (issue.code === "invalid_type" && issue.received === "undefined") return "required";
  if (issue.code === "invalid_type") return `expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === "invalid_literal") return `must be ${JSON.stringify(issue.expected)}`;
  return issue.message;
}

const fail = (prefix: (string | number)[], issue: ZodIssue | undefined): never => {
  const where = formatPath([...prefix, ...(issue?.path ?? [])]);
  throw new SnapshotError(`${where}: ${issue ? describe(issue) : "invalid"}`);
};

function checkItems(section: string, key: string, items: unknown[], schema: z.ZodTypeAny): void {
  for (let i = 0; i < items.length; i++) {
    const issue = firstIssue(schema, items[i]);
    if (issue) fail([section, key, i], issue);
  }
}

/**
 * Validates a parsed document against snapshot v1 and fills absent required lists (with a gap
 * each); absent optional lists stay absent (not collected).
 * Items are checked one at a time and kept as given (every schema passes unknown fields
 * through and transforms nothing), so the document is never copied; the checks are compiled
 * from the schemas (./compiled), and zod names the problem of an item they reject.
 */
export function parseSnapshot(document: unknown): Snapshot {
  const problem = firstIssue(envelopeSchema, document);
  if (problem) fail([], problem);
  const doc = document as Snapshot;
  const gaps = [...(doc.gaps ?? [])];
  for (const source of SOURCES) {
    const [section, key] = source.split(".") as ["aws" | "kubernetes", string];
    const holder = doc[section] as Record<string, unknown[] | undefined>;
    const items = holder[key];
    if (items === undefined) {
      holder[key] = [];
      if (!gaps.some((g) => g.source === source)) {
        gaps.push({ source, message: "absent from the snapshot" });
      }
      continue;
    }
    checkItems(section, key, items, (LIST_SCHEMAS[section] as Record<string, z.ZodTypeAny>)[key]!);
  }
  // An optional list that is absent was not collected: it stays absent, and is no gap.
  for (const source of OPTIONAL_SOURCES) {
    const [section, key] = source.split(".") as ["aws" | "kubernetes", string];
    const items = (doc[section] as Record<string, unknown[] | undefined>)[key];
    if (items === undefined) continue;
    const schemas = OPTIONAL_LIST_SCHEMAS[section] as Record<string, z.ZodTypeAny>;
    checkItems(section, key, items, schemas[key]!);
  }
  return { ...doc, gaps };
}

/** The document in the file: parsed in pieces (./stream-parse), or whole when that fails. */
function parseFile(path: string): unknown {
  try {
    return parseJsonFile(path);
  } catch (err) {
    if (!(err instanceof JsonStreamError)) throw err;
  }
  // Malformed: JSON.parse of the whole text names the problem (and, should the pieces ever
  // disagree with it, has the last word).
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new SnapshotError(`${path}: not valid JSON (${err.message})`);
    throw err;
  }
}

/** Reads and validates a snapshot file; every failure is a SnapshotError with a one-line message. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let document: unknown;
  try {
    document = parseFile(path);
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code;
    throw new SnapshotError(`${path}: cannot read (${why ?? String(err)})`);
  }
  try {
    return parseSnapshot(document);
  } catch (err) {
    if (err instanceof SnapshotError) throw new SnapshotError(`${path}: ${err.message}`);
    throw err;
  }
}
