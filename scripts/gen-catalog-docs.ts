/** Writes docs/findings.md from the catalog data (`npm run docs`); a test keeps it current. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CATALOG } from "../lib/analyze/catalog";
import { guideFor } from "../lib/cli/explain";
import { codeHeading, githubAnchor } from "../lib/report/links";

/** Prose as Markdown text: a placeholder such as <cluster> would otherwise be read as HTML. */
export const markdownText = (text: string): string => text.replace(/</g, "\\<");

export function catalogMarkdown(): string {
  const status = (e: (typeof CATALOG)[number]) =>
    e.retired ? " (retired)" : e.pending ? " (not checked yet)" : "";
  const firesWhen = (e: (typeof CATALOG)[number]) =>
    e.pending ? `${e.firesWhen} Not checked yet: ${e.pending}.` : e.firesWhen;
  // Messages link to docs/findings.md#<code>: each code has a heading of its own.
  const rows = CATALOG.map(
    (e) =>
      `| [${e.code}](#${githubAnchor(codeHeading(e.code))})${status(e)} | ${e.name} | ${e.severity} | ${firesWhen(e).replace(/\|/g, "\\|")} |`,
  );
  // The reports' docs: line sends readers here: the section says why and how to fix, as explain does.
  const sections = CATALOG.flatMap((e) => {
    const guide = guideFor(e.code);
    return [
      `### ${codeHeading(e.code)}`,
      "",
      `**${e.name}**${status(e)} · ${e.severity}`,
      "",
      firesWhen(e),
      "",
      ...(guide
        ? [`**Why.** ${markdownText(guide.why)}`, "", `**Fix.** ${markdownText(guide.fix)}`, ""]
        : []),
    ];
  });
  return [
    "<!-- Generated from lib/analyze/catalog.ts by `npm run docs`. Do not edit by hand. -->",
    "# Finding codes",
    "",
    "Codes are stable: they never change meaning and are never reused, so alerts, dashboards and",
    "`alb-health-auditor/ignore` annotations can rely on them. The contract is",
    "`../shared/spec/findings.md`; this list is generated from the engine's catalog. A code marked",
    "*not checked yet* is part of the catalog, but this release has no rule for it and never raises it.",
    "Each code's section says when it fires, why it happens and how it is fixed, as",
    "`alb-audit explain CODE` does.",
    "",
    "| code | name | severity | fires when |",
    "|---|---|---|---|",
    ...rows,
    "",
    "## Codes",
    "",
    ...sections,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = new URL("../docs/findings.md", import.meta.url);
  writeFileSync(out, catalogMarkdown());
  process.stdout.write(`wrote ${fileURLToPath(out)}\n`);
}
