/**
 * Writes a snapshot document item by item: the largest sizes run to hundreds of megabytes,
 * more than one JSON.stringify string should hold.
 */
import { closeSync, openSync, writeSync } from "node:fs";

const FLUSH_AT = 1 << 20;

export function writeJsonStreaming(path: string | number, document: Record<string, unknown>): void {
  const fd = typeof path === "number" ? path : openSync(path, "w");
  let buffer = "";
  const put = (text: string) => {
    buffer += text;
    if (buffer.length >= FLUSH_AT) {
      writeSync(fd, buffer);
      buffer = "";
    }
  };
  const value = (v: unknown, depth: number) => {
    // Lists of objects at the first two levels (aws.*, kubernetes.*) are written one item at a time.
    if (Array.isArray(v) && depth <= 2) {
      put("[");
      v.forEach((item, i) => put((i > 0 ? ",\n" : "\n") + JSON.stringify(item)));
      put(v.length > 0 ? "\n]" : "]");
    } else if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < 2) {
      put("{");
      Object.entries(v).forEach(([key, inner], i) => {
        put(`${i > 0 ? "," : ""}\n${JSON.stringify(key)}: `);
        value(inner, depth + 1);
      });
      put("\n}");
    } else {
      put(JSON.stringify(v));
    }
  };
  value(document, 0);
  put("\n");
  writeSync(fd, buffer);
  if (typeof path !== "number") closeSync(fd);
}
