/**
 * A group's path as a Mermaid flowchart, which GitHub and GitLab draw in issues and pull
 * requests. Every label is text from the cluster (names, annotation values) and passes
 * through `mermaidText`, so nothing in it can end a label, add a statement or become HTML.
 */
import type { GroupPath, PathEdge, PathNode } from "./path";
import { markLines } from "./path";
import { escapeTerminal } from "./escape";
import { PALETTE, withIcon } from "./palette";

/**
 * Mermaid's entity codes (`#35;` is `#`) for every character that means something to the
 * flowchart grammar, to Markdown around it or to the HTML it renders into: `#` itself, so a
 * `#lt;` typed by a user stays those four characters, and `%`, so that no `%%{…}%%` directive
 * (Mermaid reads one anywhere in the text) can reconfigure the diagram.
 */
export function mermaidText(raw: string): string {
  // Control characters (a newline too, which would end the statement) and bidirectional
  // overrides shown as visible escapes, as everywhere else in the reports.
  return escapeTerminal(raw, { oneLine: true }).replace(
    /[#"<>&`|;%]/g,
    (c) => `#${c.codePointAt(0)};`,
  );
}

const nodeLabel = (n: PathNode) =>
  [withIcon(n.health, mermaidText(n.title)), ...n.lines.map(mermaidText)].join("<br/>");

function edgeLine(e: PathEdge): string {
  const dashed = e.kind === "service-tg";
  if (e.marks.length === 0) return `  ${e.from} ${dashed ? "-.->" : "-->"} ${e.to}`;
  const label = markLines(e)
    .map((l) => `⚠ ${mermaidText(l)}`)
    .join("<br/>");
  // Thick (or dotted for the controller's link) and labelled: a second cue besides the colour.
  return `  ${e.from} ${dashed ? "-.->" : "==>"}|"${label}"| ${e.to}`;
}

export function renderMermaid(path: GroupPath): string {
  const lines = ["flowchart LR"];
  for (const n of path.nodes) lines.push(`  ${n.id}["${nodeLabel(n)}"]`);
  for (const e of path.edges) lines.push(edgeLine(e));
  for (const health of ["failing", "healthy", "pending"] as const) {
    const ids = path.nodes.filter((n) => n.health === health).map((n) => n.id);
    if (ids.length === 0) continue;
    const c = PALETTE[health];
    const dash = c.dash ? `,stroke-dasharray:${c.dash}` : "";
    lines.push(
      `  classDef ${health} fill:${c.fill},stroke:${c.stroke},stroke-width:2px,color:#000${dash}`,
    );
    lines.push(`  class ${ids.join(",")} ${health}`);
  }
  const blamed = path.edges.flatMap((e, i) => (e.marks.length > 0 ? [i] : []));
  if (blamed.length > 0)
    lines.push(`  linkStyle ${blamed.join(",")} stroke:${PALETTE.failing.stroke},stroke-width:3px`);
  return lines.join("\n");
}
