/**
 * Text from the cluster (names, annotation values, AWS descriptions) made inert for HTML and
 * SVG: control characters and bidirectional overrides shown as visible escapes (as in every
 * report), then markup characters as entities.
 */
import { escapeTerminal } from "./escape";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export const escapeHtml = (raw: string): string =>
  escapeTerminal(raw).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
