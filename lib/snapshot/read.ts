import type { z, ZodIssue } from "zod";
import { firstIssue } from "./compiled";
import { completeSnapshot, formatPath, SnapshotError } from "./load";
import {
  envelopeSchema,
  LIST_SCHEMAS,
  OPTIONAL_LIST_SCHEMAS,
  OPTIONAL_SOURCES,
  SOURCES,
  type Snapshot,
} from "./schema";

export { formatPath, readSnapshotFile, SnapshotError } from "./load";

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
  for (const [sources, schemas] of [
    [SOURCES, LIST_SCHEMAS],
    [OPTIONAL_SOURCES, OPTIONAL_LIST_SCHEMAS],
  ] as const) {
    for (const source of sources) {
      const [section, key] = source.split(".") as ["aws" | "kubernetes", string];
      const items = (doc[section] as Record<string, unknown[] | undefined>)[key];
      if (items === undefined) continue;
      checkItems(section, key, items, (schemas[section] as Record<string, z.ZodTypeAny>)[key]!);
    }
  }
  return completeSnapshot(doc);
}
