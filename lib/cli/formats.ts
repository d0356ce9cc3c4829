/**
 * The report formats: the one table that maps a `--format` name to its renderer. A new format
 * is one entry here; the option check and the usage text read the names from this table.
 */
import type { AuditReport } from "../analyze/finding";
import { renderHtml } from "../report/html";
import { renderJson } from "../report/json";
import type { LinkOptions } from "../report/links";
import { renderMarkdown } from "../report/markdown";
import { renderText } from "../report/text";
import type { GroupTopology } from "../report/topology";

/** A report with the snapshot (file path, or cluster and region) it came from. */
export interface NamedReport {
  source: string;
  report: AuditReport;
  /** What the pictures draw; kept instead of the model so a directory run holds no snapshots. */
  topologies: GroupTopology[];
}

export interface RenderOptions {
  color: boolean;
  /** Where the text and Markdown reports link each code's documentation. */
  links: LinkOptions;
}

export interface Renderer {
  /** One snapshot: the report alone, exactly as the format defines it. */
  single: (audit: NamedReport, options: RenderOptions) => string;
  /** Several snapshots (a directory, or more than one path): each report named by its source. */
  multiple: (reports: NamedReport[], options: RenderOptions) => string;
}

const RULE = "=".repeat(78);

export const RENDERERS = {
  text: {
    single: ({ report }, options) => renderText(report, options),
    multiple: (reports, options) =>
      `${reports
        .map(({ source, report }) => `${RULE}\n${source}\n${RULE}\n${renderText(report, options)}`)
        .join("\n")}\n${RULE}\n${overview(reports)}`,
  },
  json: {
    single: ({ report }) => renderJson(report),
    // One object per snapshot, the report unchanged inside it.
    multiple: (reports) =>
      `${JSON.stringify(
        reports.map(({ source, report }) => ({ path: source, report })),
        null,
        2,
      )}\n`,
  },
  markdown: {
    single: ({ report, topologies }, { links }) => renderMarkdown(report, { topologies, links }),
    // A top-level heading per snapshot; each report's own headings sit below it.
    multiple: (reports, { links }) =>
      reports
        .map(
          ({ source, report, topologies }) =>
            `# ${source}\n\n${renderMarkdown(report, { topologies, links })}`,
        )
        .join("\n"),
  },
  html: {
    // One page for every snapshot: a directory's audit is read in one browser tab.
    single: (audit) => renderHtml([audit]),
    multiple: (reports) => renderHtml(reports),
  },
} satisfies Record<string, Renderer>;

export type Format = keyof typeof RENDERERS;
export const FORMAT_NAMES = Object.keys(RENDERERS) as Format[];

/** One line per audited snapshot, so a run over many files ends with what each one found. */
function overview(reports: NamedReport[]): string {
  const width = Math.max(...reports.map((r) => r.source.length));
  let loudOnes = 0;
  const lines = reports.map(({ source, report }) => {
    const loud = report.findings.filter((f) => f.severity !== "info");
    if (loud.length) loudOnes++;
    const found = loud.length
      ? loud.map((f) => `${f.code} ${f.severity}`).join(", ")
      : "no warning or critical finding";
    return `${source.padEnd(width)}  ${found}`;
  });
  const total = `Summary: ${reports.length} snapshots audited, ${loudOnes} with a warning or critical finding`;
  return `${[total, ...lines].join("\n")}\n`;
}
