/**
 * A group's path as inline SVG for the HTML report: boxes in five columns (load balancer,
 * target group, targets, Service, pods), curved arrows between them, and a labelled callout on
 * each arrow a finding blames. The layout is computed here (fixed-width text estimate, word
 * wrap), so the picture needs no script and no font from anywhere.
 */
import { escapeHtml } from "./html-escape";
import { PALETTE, withIcon } from "./palette";
import { COLUMNS, markLines, type GroupPath, type PathEdge, type PathNode } from "./path";

// Advance of an 11 px character in a wide sans-serif (DejaVu Sans, the usual Linux fallback),
// bold a tenth wider: generous, so text stays inside its box in any common font. The browser
// test checks every text's real extent against its box.
const CHAR = 6.9;
const BOLD = 1.1;
const LINE = 15;
const PAD = 9;
const NODE_CHARS = 24;
const LABEL_CHARS = 24;
const NODE_GAP = 16;
const PLAIN_GAP = 44;
const LABEL_GAP = LABEL_CHARS * CHAR * BOLD + 40;

/** Where a long name breaks best: after the last `-`, `.`, `/` or `:` that fits. */
function cut(word: string, width: number): number {
  const head = word.slice(0, width);
  const at = Math.max(...["-", ".", "/", ":"].map((c) => head.lastIndexOf(c)));
  return at >= 4 ? at + 1 : width;
}

/** Greedy word wrap; a word longer than a line breaks after a separator, or where it must. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = "";
    }
    // A word that does not fit has a line to itself; past that it breaks.
    while (word.length > width) {
      const at = cut(word, width);
      lines.push(word.slice(0, at));
      word = word.slice(at);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [""];
}

interface Box {
  node: PathNode;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string[];
  body: string[];
}

function measure(node: PathNode): Omit<Box, "x" | "y"> {
  const title = wrap(withIcon(node.health, node.title), NODE_CHARS);
  const body = node.lines.flatMap((l) => wrap(l, NODE_CHARS));
  const chars = Math.max(...title.map((l) => l.length + 1), ...body.map((l) => l.length), 12);
  return {
    node,
    w: Math.ceil(chars * CHAR + 2 * PAD),
    h: (title.length + body.length) * LINE + 2 * PAD,
    title,
    body,
  };
}

const text = (x: number, y: number, line: string, cls: string) =>
  `<text x="${x}" y="${y}" class="${cls}">${escapeHtml(line)}</text>`;

function boxSvg(b: Box): string {
  const c = PALETTE[b.node.health];
  const dash = c.dash ? ` stroke-dasharray="${c.dash}"` : "";
  const lines = [
    ...b.title.map((l, i) => text(b.x + PAD, b.y + PAD + 11 + i * LINE, l, "t")),
    ...b.body.map((l, i) => text(b.x + PAD, b.y + PAD + 11 + (b.title.length + i) * LINE, l, "l")),
  ];
  const tip = [b.node.title, ...b.node.lines].join("\n");
  return (
    `<g class="node" data-id="${b.node.id}" data-column="${b.node.column}" data-health="${b.node.health}">` +
    `<title>${escapeHtml(tip)}</title>` +
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="6" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${b.node.health === "failing" ? 3 : 1.5}"${dash}/>` +
    lines.join("") +
    `</g>`
  );
}

interface Callout {
  lines: string[];
  w: number;
  h: number;
}

function callout(edge: PathEdge): Callout {
  const lines = markLines(edge).flatMap((l) => wrap(`⚠ ${l}`, LABEL_CHARS));
  const chars = Math.max(...lines.map((l) => l.length * BOLD));
  return { lines, w: Math.ceil(chars * CHAR + 16), h: lines.length * LINE + 10 };
}

function calloutSvg(c: Callout, cx: number, cy: number): string {
  const x = cx - c.w / 2;
  const y = cy - c.h / 2;
  return (
    `<rect x="${x}" y="${y}" width="${c.w}" height="${c.h}" rx="4" class="callout"/>` +
    c.lines.map((l, i) => text(x + 8, y + 16 + i * LINE, l, "m")).join("")
  );
}

function edgeSvg(e: PathEdge, d: string, label: string, id: string): string {
  const blamed = e.marks.length > 0;
  const codes = [...new Set(e.marks.map((m) => m.code))].join(" ");
  const cls = `edge${blamed ? " blamed" : ""}${e.kind === "service-tg" ? " controller" : ""}`;
  return (
    `<g class="${cls}" data-from="${e.from}" data-to="${e.to}" data-kind="${e.kind}"${blamed ? ` data-codes="${codes}"` : ""}>` +
    `<path d="${d}" marker-end="url(#${id}-${blamed ? "arrow-blamed" : "arrow"})"/>${label}</g>`
  );
}

/** The SVG document fragment for one group; `id` keeps marker ids unique within a page. */
export function renderSvg(path: GroupPath, id: string): string {
  const measured = new Map(path.nodes.map((n) => [n.id, measure(n)]));
  const columns = COLUMNS.map((col) => path.nodes.filter((n) => n.column === col));
  const widths = columns.map((nodes) => Math.max(0, ...nodes.map((n) => measured.get(n.id)!.w)));
  const heights = columns.map(
    (nodes) =>
      nodes.reduce((sum, n) => sum + measured.get(n.id)!.h, 0) +
      NODE_GAP * Math.max(0, nodes.length - 1),
  );
  const inner = Math.max(...heights);
  const columnOf = new Map(path.nodes.map((n) => [n.id, COLUMNS.indexOf(n.column)]));
  const forward = path.edges.filter((e) => e.kind !== "service-tg");
  const gaps = COLUMNS.slice(1).map((_, i) =>
    forward.some((e) => e.marks.length > 0 && columnOf.get(e.from) === i) ? LABEL_GAP : PLAIN_GAP,
  );

  const boxes = new Map<string, Box>();
  let x = 12;
  columns.forEach((nodes, i) => {
    let y = 12 + (inner - (heights[i] ?? 0)) / 2;
    for (const n of nodes) {
      const m = measured.get(n.id)!;
      // Boxes of one column share its width, so the arrows leave from one edge.
      boxes.set(n.id, { ...m, x, y, w: widths[i] ?? m.w });
      y += m.h + NODE_GAP;
    }
    if (nodes.length > 0) x += (widths[i] ?? 0) + (gaps[i] ?? 0);
  });

  const parts: string[] = [];
  const labels: string[] = [];
  let bottom = 12 + inner;
  for (const e of forward) {
    const a = boxes.get(e.from)!;
    const b = boxes.get(e.to)!;
    const [x1, y1, x2, y2] = [a.x + a.w, a.y + a.h / 2, b.x - 2, b.y + b.h / 2];
    const dx = (x2 - x1) / 2;
    const d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
    const label = e.marks.length > 0 ? calloutSvg(callout(e), (x1 + x2) / 2, (y1 + y2) / 2) : "";
    (e.marks.length > 0 ? labels : parts).push(edgeSvg(e, d, label, id));
  }
  const back = path.edges.find((e) => e.kind === "service-tg");
  if (back) {
    const s = boxes.get(back.from)!;
    const t = boxes.get(back.to)!;
    const c = callout(back);
    const low = bottom + 24 + c.h / 2;
    const d = `M${s.x + s.w / 2},${s.y + s.h} V${low} H${t.x + t.w / 2} V${t.y + t.h + 2}`;
    labels.push(edgeSvg(back, d, calloutSvg(c, (s.x + s.w / 2 + t.x + t.w / 2) / 2, low), id));
    bottom = low + c.h / 2;
  }
  const width = Math.ceil(x + 12);
  const height = Math.ceil(bottom + 14);
  const failing = path.nodes.filter((n) => n.health === "failing").map((n) => n.title);
  const summary = `Path of target group ${path.name}${failing.length > 0 ? `; failing: ${failing.join(", ")}` : "; nothing failing"}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="path-svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="${id}-title">` +
    `<title id="${id}-title">${escapeHtml(summary)}</title>` +
    `<defs>` +
    `<marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>` +
    `<marker id="${id}-arrow-blamed" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${PALETTE.failing.stroke}"/></marker>` +
    `</defs>` +
    parts.join("") +
    [...boxes.values()].map(boxSvg).join("") +
    labels.join("") +
    `</svg>`
  );
}
