/** Writes docs/findings.md from the catalog data (`npm run docs`); a test keeps it current. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CATALOG } from "../lib/analyze/catalog";
import { codeHeading, githubAnchor } from "../lib/report/links";

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
  const sections = CATALOG.flatMap((e) => [
    `### ${codeHeading(e.code)}`,
    "",
    `**${e.name}**${status(e)} · ${e.severity}`,
    "",
    firesWhen(e),
    "",
  ]);
  return [
    "<!-- Generated from lib/analyze/catalog.ts by `npm run docs`. Do not edit by hand. -->",
    "# Finding codes",
    "",
    "Codes are stable: they never change meaning and are never reused, so alerts, dashboards and",
    "`alb-health-auditor/ignore` annotations can rely on them. The contract is",
    "`../shared/spec/findings.md`; this list is generated from the engine's catalog. A code marked",
    "*not checked yet* is part of the catalog, but this release has no rule for it and never raises it.",
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
