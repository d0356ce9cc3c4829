/**
 * Reads a snapshot file in chunks and parses each item of its lists on its own.
 *
 * `JSON.parse(readFileSync(file, "utf8"))` holds the whole text and the whole object graph at
 * once: at 2,000 target groups that is ~280 MB of text beside ~400 MB of objects, and V8 cannot
 * hold a string above ~512 MB at all. Here the lists (`doc.<section>.<list>`, arrays two
 * objects deep) are cut at their top-level commas as the bytes stream by, and each item is
 * parsed from its own small text, so the peak is the objects plus a chunk. The rest of the
 * document (the envelope) is parsed whole with the lists left as placeholders.
 *
 * Every piece is parsed by JSON.parse, so nothing JSON.parse rejects is accepted; the caller
 * gets a JsonStreamError for anything malformed and re-parses the text whole for JSON.parse's
 * own message.
 */
import { closeSync, openSync, readSync } from "node:fs";

export class JsonStreamError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CHUNK = 1 << 20;
/** The depth of a list's brackets: document `{` 1, section `{` 2, list `[` 3. */
const LIST_DEPTH = 3;

const isBlank = (text: string) => text.trim() === "";

/** Text collected across chunks: byte ranges are copied out of a chunk before it is reused. */
class Pieces {
  private parts: Buffer[] = [];
  add(chunk: Buffer, from: number, to: number) {
    if (to > from) this.parts.push(Buffer.from(chunk.subarray(from, to)));
  }
  addText(text: string) {
    this.parts.push(Buffer.from(text));
  }
  /** The text collected so far plus `chunk[from, to)`; most items lie within one chunk. */
  take(chunk: Buffer, from: number, to: number): string {
    if (this.parts.length === 0) return chunk.toString("utf8", from, to);
    this.add(chunk, from, to);
    const text = Buffer.concat(this.parts).toString("utf8");
    this.parts = [];
    return text;
  }
}

const placeholder = (n: number) => `\u0000alb-audit-list-${n}`;

function parseItem(text: string, into: unknown[]): void {
  if (isBlank(text)) throw new JsonStreamError("empty list item");
  into.push(JSON.parse(text));
}

/** Parses the JSON file at `path`; throws JsonStreamError (or a read error) when it cannot. */
export function parseJsonFile(path: string, chunkSize = CHUNK): unknown {
  const fd = openSync(path, "r");
  try {
    return parseFd(fd, chunkSize);
  } catch (err) {
    if (err instanceof SyntaxError) throw new JsonStreamError(err.message);
    throw err;
  } finally {
    closeSync(fd);
  }
}

function parseFd(fd: number, chunkSize: number): unknown {
  const chunk = Buffer.allocUnsafe(chunkSize);
  const skeleton = new Pieces();
  const item = new Pieces();
  const lists: unknown[][] = [];
  // Container kinds from the document down: OPEN_BRACE or OPEN_BRACKET.
  const stack: number[] = [];
  let inString = false;
  let escaped = false;
  let inList = false;
  let current: unknown[] = [];
  let sawItem = false;

  for (;;) {
    const length = readSync(fd, chunk, 0, chunkSize, null);
    if (length === 0) break;
    const view = length === chunk.length ? chunk : chunk.subarray(0, length);
    // Where the text being collected (skeleton or item) starts in this chunk.
    let start = 0;
    // The next quote and backslash at or after the scan (-1: none left in this chunk).
    let quote = -2;
    let backslash = -2;
    for (let i = 0; i < length; i++) {
      if (inString) {
        // Most of a snapshot is string bytes: jump to the next quote or escape.
        if (escaped) {
          escaped = false;
          continue;
        }
        if (quote !== -1 && quote < i) quote = view.indexOf(QUOTE, i);
        if (backslash !== -1 && backslash < i) backslash = view.indexOf(BACKSLASH, i);
        const stop = Math.min(quote === -1 ? length : quote, backslash === -1 ? length : backslash);
        i = stop;
        if (stop === length) break;
        if (stop === backslash) escaped = true;
        else inString = false;
        continue;
      }
      const b = chunk[i]!;
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        stack.push(b);
        if (
          b === OPEN_BRACKET &&
          stack.length === LIST_DEPTH &&
          stack[0] === OPEN_BRACE &&
          stack[1] === OPEN_BRACE
        ) {
          skeleton.add(chunk, start, i);
          skeleton.addText(JSON.stringify(placeholder(lists.length)));
          current = [];
          lists.push(current);
          inList = true;
          sawItem = false;
          start = i + 1;
        }
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        const open = stack.pop();
        if (open !== (b === CLOSE_BRACE ? OPEN_BRACE : OPEN_BRACKET))
          throw new JsonStreamError("unbalanced brackets");
        if (inList && stack.length === LIST_DEPTH - 1) {
          const last = item.take(chunk, start, i);
          if (sawItem || !isBlank(last)) parseItem(last, current);
          inList = false;
          start = i + 1;
        }
      } else if (b === COMMA && inList && stack.length === LIST_DEPTH) {
        parseItem(item.take(chunk, start, i), current);
        sawItem = true;
        start = i + 1;
      }
    }
    (inList ? item : skeleton).add(chunk, start, length);
  }
  if (inString || stack.length > 0) throw new JsonStreamError("unexpected end of the document");
  const document: unknown = JSON.parse(skeleton.take(chunk, 0, 0));
  return lists.length ? fillLists(document, lists) : document;
}

/** Puts each list back where its placeholder stands (`doc.<section>.<list>`). */
function fillLists(document: unknown, lists: unknown[][]): unknown {
  const byPlaceholder = new Map(lists.map((list, n) => [placeholder(n), list]));
  for (const section of Object.values(document as Record<string, unknown>)) {
    if (!section || typeof section !== "object" || Array.isArray(section)) continue;
    const holder = section as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const value = holder[key];
      if (typeof value === "string" && byPlaceholder.has(value))
        holder[key] = byPlaceholder.get(value);
    }
  }
  return document;
}
