import { readFile } from "node:fs/promises";
import type { ZodIssue } from "zod";
import { SOURCES, snapshotSchema, type Snapshot } from "./schema";

/** A snapshot that cannot be used; the message names the path of the first problem. */
export class SnapshotError extends Error {
  override name = "SnapshotError";
}

function formatPath(path: (string | number)[]): string {
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

/** Validates a parsed document against snapshot v1 and fills absent lists (with a gap each). */
export function parseSnapshot(document: unknown): Snapshot {
  const result = snapshotSchema.safeParse(document);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? formatPath(first.path) : "(document)";
    throw new SnapshotError(`${where}: ${first ? describe(first) : "invalid"}`);
  }
  const parsed = result.data;
  const gaps = [...(parsed.gaps ?? [])];
  const section = (name: string) =>
    (name.startsWith("aws.") ? parsed.aws : parsed.kubernetes) as Record<string, unknown>;
  for (const source of SOURCES) {
    const key = source.split(".")[1] as string;
    const holder = section(source);
    if (holder[key] === undefined) {
      holder[key] = [];
      if (!gaps.some((g) => g.source === source)) {
        gaps.push({ source, message: "absent from the snapshot" });
      }
    }
  }
  return { ...parsed, gaps } as Snapshot;
}

/** Reads and validates a snapshot file; every failure is a SnapshotError with a one-line message. */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code;
    throw new SnapshotError(`${path}: cannot read (${why ?? String(err)})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return parseSnapshot(document);
  } catch (err) {
    if (err instanceof SnapshotError) throw new SnapshotError(`${path}: ${err.message}`);
    throw err;
  }
}
