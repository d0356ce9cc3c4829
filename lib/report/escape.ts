/**
 * Text from the cluster (annotations, names, file bytes) is shown to people: on a terminal,
 * where ESC, BEL or a C1 control is a command to the terminal, and in Markdown, where brackets
 * and bare URLs become live links. These helpers show such text as text.
 */

// C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the Unicode
// bidirectional overrides that make a line read differently from what it holds.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** Control characters as visible `\x1b`-style escapes; line breaks kept unless `oneLine`. */
export function escapeTerminal(text: string, options: { oneLine?: boolean } = {}): string {
  const escaped = text.replace(CONTROL, escapeOne);
  return options.oneLine ? escaped.replace(/\n/g, "\\n") : escaped;
}

// A bare URL or e-mail address, which GitHub and most renderers link on their own.
const AUTOLINK = /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s`]+|[\w.+-]+@[\w-]+\.[\w.-]+/gi;
// What starts a link, an image, raw HTML or emphasis.
const MARKUP = /[\\`*_[\]<>!|~]/g;

/** Inline code that no backtick in `text` can close early. */
export function mdCode(text: string): string {
  const oneLine = escapeTerminal(text, { oneLine: true });
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** Prose as plain Markdown text: markup escaped, URLs and addresses shown as code, never links. */
export function mdText(text: string): string {
  const safe = escapeTerminal(text);
  let out = "";
  let last = 0;
  for (const m of safe.matchAll(AUTOLINK)) {
    out += safe.slice(last, m.index).replace(MARKUP, "\\$&") + mdCode(m[0]);
    last = m.index + m[0].length;
  }
  return out + safe.slice(last).replace(MARKUP, "\\$&");
}

/** A fenced code block that no line of `text` can close early. */
export function mdFence(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return [fence, escapeTerminal(text), fence];
}
