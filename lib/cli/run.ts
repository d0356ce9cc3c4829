/**
 * alb-audit: the CLI over the engine. Audits snapshot files (or directories of them), or a live
 * cluster; prints only the report on stdout; messages go to stderr as one line each.
 */
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { analyzeModel, type AnalyzeOptions } from "../analyze";
import { buildModel } from "../analyze/model";
import { SEVERITIES, severityRank, type AuditReport, type Severity } from "../analyze/finding";
import { KubeconfigError, collectSnapshot, type CollectOptions } from "../collect";
import { escapeTerminal } from "../report/escape";
import { renderHtml } from "../report/html";
import { renderJson } from "../report/json";
import { renderMarkdown } from "../report/markdown";
import { renderText } from "../report/text";
import { topologiesOf, type GroupTopology } from "../report/topology";
import { readSnapshotFile, SnapshotError } from "../snapshot/read";
import { SOURCES, type Snapshot } from "../snapshot/schema";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 3;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  collect?: (options: CollectOptions) => Promise<Snapshot>;
}

export const USAGE = `Usage:
  alb-audit [PATH ...] [--snapshot FILE] [options]      audit snapshot files or directories of them
  alb-audit --cluster NAME --region REGION [options]    audit a live cluster (AWS credentials, EKS sign-in)
  alb-audit collect --cluster NAME --region REGION --out FILE   write the live snapshot, then audit it

Options:
  --format text|json|markdown|html
                                  report format (default: text); html is one self-contained page
  --fail-on critical|warning|info|never
                                  exit 1 when a finding at or above this severity exists (default: never)
  --target-group ARN              live mode: audit only this target group (repeatable)
  --kubeconfig FILE [--context C] live mode: use a kubeconfig instead of EKS sign-in with IAM
  --out FILE                      collect: where to write the snapshot
  --no-color                      never colour the text report
  -h, --help                      this help

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage or input error,
3 live collection failed.`;

class UsageError extends Error {}

const FORMATS = ["text", "json", "markdown", "html"] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = [...SEVERITIES, "never"] as const;

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      snapshot: { type: "string", multiple: true },
      format: { type: "string", default: "text" },
      "fail-on": { type: "string", default: "never" },
      cluster: { type: "string" },
      region: { type: "string" },
      "target-group": { type: "string", multiple: true },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      out: { type: "string" },
      "no-color": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const format = values.format as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}`);
  const failOn = values["fail-on"] as (typeof FAIL_ON)[number];
  if (!FAIL_ON.includes(failOn))
    throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(", ")}`);
  const collectCommand = positionals[0] === "collect";
  const paths = [...(values.snapshot ?? []), ...positionals.slice(collectCommand ? 1 : 0)];
  return { values, format, failOn, collectCommand, paths };
}

/** Files named on the command line; a directory stands for its *.json files, in name order. */
async function expandPaths(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new SnapshotError(`${path}: cannot read (no such file)`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path))
      .filter((n) => n.endsWith(".json") && n !== "expected.json")
      .sort();
    if (names.length === 0)
      throw new SnapshotError(`${path}: no snapshot (*.json) files in this directory`);
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

interface Audited {
  source: string;
  report: AuditReport;
  /** What the pictures draw; kept instead of the model so a directory run holds no snapshots. */
  topologies: GroupTopology[];
}

function audit(source: string, snapshot: Snapshot, options: AnalyzeOptions = {}): Audited {
  const model = buildModel(snapshot);
  return { source, report: analyzeModel(model, options).report, topologies: topologiesOf(model) };
}

function render(reports: Audited[], format: Format, color: boolean): string {
  // One page for every snapshot: a directory's audit is read in one browser tab.
  if (format === "html") return renderHtml(reports);
  if (format === "json") {
    return reports.length === 1
      ? renderJson(reports[0]!.report)
      : `${JSON.stringify(
          reports.map((r) => r.report),
          null,
          2,
        )}\n`;
  }
  const one = (r: Audited) =>
    format === "markdown"
      ? renderMarkdown(r.report, { topologies: r.topologies })
      : renderText(r.report, { color });
  if (reports.length === 1) return one(reports[0]!);
  const rule = "=".repeat(78);
  const body = reports
    .map((r) =>
      format === "markdown"
        ? `<!-- ${r.source} -->\n${one(r)}`
        : `${rule}\n${r.source}\n${rule}\n${one(r)}`,
    )
    .join("\n");
  return format === "markdown" ? body : `${body}\n${rule}\n${overview(reports)}`;
}

/** One line per audited snapshot, so a run over many files ends with what each one found. */
function overview(reports: { source: string; report: AuditReport }[]): string {
  const width = Math.max(...reports.map((r) => r.source.length));
  const lines = reports.map(({ source, report }) => {
    const loud = report.findings.filter((f) => f.severity !== "info");
    const found = loud.length
      ? loud.map((f) => `${f.code} ${f.severity}`).join(", ")
      : "no warning or critical finding";
    return `${source.padEnd(width)}  ${found}`;
  });
  return `${["Summary", ...lines].join("\n")}\n`;
}

function exitCodeFor(reports: AuditReport[], failOn: Severity | "never"): number {
  if (failOn === "never") return EXIT_OK;
  const limit = severityRank(failOn);
  return reports.some((r) => r.findings.some((f) => severityRank(f.severity) <= limit))
    ? EXIT_FINDINGS
    : EXIT_OK;
}

async function liveSnapshot(
  values: ReturnType<typeof parse>["values"],
  io: CliIO,
): Promise<Snapshot> {
  if (!values.cluster || !values.region)
    throw new UsageError("live mode needs both --cluster and --region");
  const collect = io.collect ?? collectSnapshot;
  let snapshot: Snapshot;
  try {
    snapshot = await collect({
      clusterName: values.cluster,
      region: values.region,
      kubeconfig: values.kubeconfig,
      context: values.context,
      targetGroupArns: values["target-group"],
      onProgress: (message) => io.stderr(`alb-audit: ${message}\n`),
    });
  } catch (err) {
    // A kubeconfig that cannot be used is input (exit 2); anything else failed the collection.
    if (err instanceof KubeconfigError) throw err;
    // One line on stderr, whatever the underlying error carried.
    throw new CollectionError(
      String((err as Error)?.message ?? err)
        .replace(/\s+/g, " ")
        .trim(),
    );
  }
  return checkCollected(snapshot);
}

/** A collection in which every list failed is a failed collection (exit 3), not a report of
 * nine AUDIT001 warnings. */
function checkCollected(snapshot: Snapshot): Snapshot {
  const wholeListGaps = snapshot.gaps.filter((g) => typeof g.targetGroupArn !== "string");
  if (SOURCES.every((source) => wholeListGaps.some((g) => g.source === source))) {
    const reasons = [...new Set(wholeListGaps.map((g) => g.message))].slice(0, 2).join("; ");
    throw new CollectionError(`nothing could be read (${reasons})`);
  }
  return snapshot;
}

class CollectionError extends Error {}

export async function runCli(argv: string[], given: CliIO): Promise<number> {
  // Messages quote paths, file bytes and server answers: none may drive the terminal.
  const io: CliIO = { ...given, stderr: (text) => given.stderr(escapeTerminal(text)) };
  try {
    const { values, format, failOn, collectCommand, paths } = parse(argv);
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    const color = io.stdoutIsTTY && !values["no-color"] && !process.env.NO_COLOR;
    const live = collectCommand || values.cluster !== undefined || values.region !== undefined;
    if (live && paths.length > 0)
      throw new UsageError("give either snapshot files or --cluster/--region, not both");
    if (!live && paths.length === 0)
      throw new UsageError(
        "nothing to audit: give --snapshot FILE or --cluster NAME --region REGION",
      );
    if (collectCommand && !values.out) throw new UsageError("collect needs --out FILE");

    const reports: Audited[] = [];
    if (live) {
      const snapshot = await liveSnapshot(values, io);
      if (values.out) {
        await writeFile(values.out, `${JSON.stringify(snapshot, null, 2)}\n`);
        io.stderr(`alb-audit: snapshot written to ${values.out}\n`);
      }
      reports.push(
        audit(`${values.cluster} (${values.region})`, snapshot, {
          auditedAt: new Date().toISOString(),
        }),
      );
    } else {
      for (const file of await expandPaths(paths)) {
        reports.push(audit(file, await readSnapshotFile(file)));
      }
    }
    io.stdout(render(reports, format, color));
    return exitCodeFor(
      reports.map((r) => r.report),
      failOn,
    );
  } catch (err) {
    if (err instanceof CollectionError) {
      io.stderr(`alb-audit: live collection failed: ${err.message}\n`);
      return EXIT_RUNTIME;
    }
    if (
      err instanceof UsageError ||
      err instanceof SnapshotError ||
      err instanceof KubeconfigError ||
      isParseArgsError(err)
    ) {
      io.stderr(`alb-audit: ${(err as Error).message}\n`);
      if (err instanceof UsageError || isParseArgsError(err))
        io.stderr("Run alb-audit --help for usage.\n");
      return EXIT_USAGE;
    }
    throw err;
  }
}

const isParseArgsError = (err: unknown): boolean =>
  typeof (err as { code?: unknown })?.code === "string" &&
  (err as { code: string }).code.startsWith("ERR_PARSE_ARGS");
