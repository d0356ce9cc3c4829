/**
 * Reads a snapshot file for the CLI. A valid snapshot passes the checks of ./accept (generated
 * from the schemas) and is used as it is; only a file they do not accept goes to zod
 * (./read's parseSnapshot, loaded then), which names the path of the first problem. So an
 * audit of a valid snapshot loads neither zod nor the schemas.
 */
import { readFileSync } from "node:fs";
import { ACCEPT } from "./accept";
import { OPTIONAL_SOURCES, SOURCES, type Source } from "./sources";
import { JsonStreamError, parseJsonFile } from "./stream-parse";
import type { Snapshot } from "./schema";

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

type Lists = Record<"aws" | "kubernetes", Record<string, unknown[] | undefined>>;

const split = (source: Source) => source.split(".") as ["aws" | "kubernetes", string];

/**
 * The document as a Snapshot: an absent required list becomes empty with a gap (unless one
 * names it already); an absent optional list stays absent (not collected), and is no gap.
 * Call only on a valid document.
 */
export function completeSnapshot(document: unknown): Snapshot {
  const doc = document as Snapshot;
  const gaps = [...(doc.gaps ?? [])];
  for (const source of SOURCES) {
    const [section, key] = split(source);
    const holder = (doc as unknown as Lists)[section];
    if (holder[key] !== undefined) continue;
    holder[key] = [];
    if (!gaps.some((g) => g.source === source))
      gaps.push({ source, message: "absent from the snapshot" });
  }
  return { ...doc, gaps };
}

/** Whether the checks accept the envelope and every item of every list that is present. */
function accepted(document: unknown): boolean {
  if (!ACCEPT.envelope(document)) return false;
  const doc = document as Lists;
  for (const source of [...SOURCES, ...OPTIONAL_SOURCES]) {
    const [section, key] = split(source);
    const items = doc[section][key];
    if (items === undefined) continue;
    const check = ACCEPT[source];
    for (let i = 0; i < items.length; i++) if (!check(items[i])) return false;
  }
  return true;
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

/** The format version this reader knows (snapshot.md); a later one is named as such, not as a
 * broken file, so the fix (a newer alb-audit) is plain. */
const FORMAT_VERSION = 1;

/** Files people pass by mistake, named for what they are rather than for their first odd field. */
function checkKind(path: string, document: unknown): void {
  const doc = (Array.isArray(document) ? document[0] : document) as Record<string, unknown> | null;
  if (typeof doc !== "object" || doc === null) return;
  const version = doc.version;
  let what: string | undefined;
  if (Array.isArray(doc.findings) || (Array.isArray(document) && "report" in doc))
    what = "an alb-audit report, not a snapshot (audit the snapshot it was made from)";
  else if (!Array.isArray(document) && typeof doc.kind === "string" && "apiVersion" in doc)
    what = `a Kubernetes ${doc.kind}, not a snapshot (README, "Snapshots", says what one holds)`;
  else if (!Array.isArray(document) && typeof version === "number" && version > FORMAT_VERSION)
    what = `snapshot format version ${version} is newer than this alb-audit reads (${FORMAT_VERSION}); upgrade alb-audit`;
  if (what) throw new SnapshotError(`${path}: ${what}`);
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
  if (accepted(document)) return completeSnapshot(document);
  checkKind(path, document);
  const { parseSnapshot } = await import("./read");
  try {
    return parseSnapshot(document);
  } catch (err) {
    if (err instanceof SnapshotError) throw new SnapshotError(`${path}: ${err.message}`);
    throw err;
  }
}
