/**
 * alb-audit: the CLI over the engine. Audits snapshot files (or directories of them), or a live
 * cluster; prints only the report on stdout (or to --output); messages go to stderr as one line
 * each.
 */
// Synchronous file calls: a CLI does one thing at a time, and none of them starts libuv's
// thread pool (four threads), which an audit of one small file would otherwise wait for.
import { accessSync, constants, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { analyzeModel, type AnalyzeOptions } from "../analyze";
import { buildModel } from "../analyze/model";
import { severityRank, type AuditReport, type Severity } from "../analyze/finding";
import { escapeTerminal } from "../report/escape";
import { topologiesOf } from "../report/topology";
import { readSnapshotFile, SnapshotError } from "../snapshot/load";
import type { Snapshot } from "../snapshot/schema";
import { InputError, parseCli, USAGE, UsageError, type CliArgs } from "./args";
import { explain } from "./explain";
import { filterReport } from "./filter";
import { RENDERERS, type Format, type NamedReport } from "./formats";
import { CollectionError, liveSnapshot, type Collect } from "./live";
import { VERSION } from "./version";

export { USAGE } from "./args";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 3;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  /** A person reads stderr: the text report of snapshots ends with a pointer to what is next. */
  stderrIsTTY?: boolean;
  collect?: Collect;
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Files named on the command line; a directory stands for its *.json files, in name order. */
function expandPaths(paths: string[]): { files: string[]; directory: boolean } {
  const files: string[] = [];
  let directory = false;
  for (const path of paths) {
    const info = statOf(path);
    if (!info) throw new SnapshotError(`${path}: cannot read (no such file)`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    directory = true;
    const names = readdirSync(path)
      .filter((n) => n.endsWith(".json") && n !== "expected.json")
      .sort();
    if (names.length === 0)
      throw new SnapshotError(`${path}: no snapshot (*.json) files in this directory`);
    files.push(...names.map((n) => join(path, n)));
  }
  return { files, directory };
}

function exitCodeFor(reports: AuditReport[], failOn: Severity | "never"): number {
  if (failOn === "never") return EXIT_OK;
  const limit = severityRank(failOn);
  return reports.some((r) => r.findings.some((f) => severityRank(f.severity) <= limit))
    ? EXIT_FINDINGS
    : EXIT_OK;
}

/** Options that only change a live collection: with snapshot files they would silently do nothing. */
const LIVE_ONLY: [string, (args: CliArgs) => boolean][] = [
  ["--target-group", (a) => a.targetGroups !== undefined],
  ["--kubeconfig", (a) => a.kubeconfig !== undefined],
  ["--context", (a) => a.context !== undefined],
  ["--no-network", (a) => a.noNetwork === true],
  ["--out", (a) => a.out !== undefined],
];

function checkCombination(args: CliArgs): boolean {
  const live =
    args.command === "collect" || args.cluster !== undefined || args.region !== undefined;
  if (live && args.paths.length > 0)
    throw new UsageError("give either snapshot files or --cluster/--region, not both");
  const liveOnly = LIVE_ONLY.find(([, given]) => given(args));
  if (!live && liveOnly && args.paths.length > 0)
    throw new UsageError(
      `${liveOnly[0]} is for live mode (--cluster NAME --region REGION); a snapshot is audited as it was collected`,
    );
  if (!live && args.paths.length === 0)
    throw new UsageError(
      "nothing to audit: give --snapshot FILE or --cluster NAME --region REGION",
    );
  if (args.command === "collect" && !args.out) throw new UsageError("collect needs --out FILE");
  if (args.output !== undefined && args.output === args.out)
    throw new UsageError("--output (the report) and --out (the snapshot) name the same file");
  return live;
}

function auditOne(source: string, snapshot: Snapshot, options: AnalyzeOptions = {}): NamedReport {
  const model = buildModel(snapshot);
  return { source, report: analyzeModel(model, options).report, topologies: topologiesOf(model) };
}

/** Where a file is written (--output, --out) must take it: checked before minutes of live
 * collection, not after them. */
function checkWritable(option: string, path: string | undefined): void {
  if (path === undefined) return;
  const info = statOf(path);
  try {
    if (info?.isDirectory()) throw Object.assign(new Error(), { code: "EISDIR" });
    accessSync(info ? path : dirname(resolve(path)), constants.W_OK);
  } catch (err) {
    throw new InputError(`${option} ${path}: cannot write (${cannot(err)})`);
  }
}

const cannot = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** The report never replaces a snapshot it was made from. */
function checkOutputIsNoInput(files: string[], output: string | undefined): void {
  if (output === undefined) return;
  const target = statOf(output);
  const same = files.find((file) => {
    if (resolve(file) === resolve(output)) return true;
    const info = statOf(file);
    return target && info && target.ino === info.ino && target.dev === info.dev;
  });
  if (same) throw new UsageError(`--output ${output} is the snapshot ${same}; name another file`);
}

/** The reports, and whether they are named per snapshot (several files, or a directory). */
async function audit(args: CliArgs, io: CliIO): Promise<{ reports: NamedReport[]; many: boolean }> {
  if (checkCombination(args)) {
    checkWritable("--output", args.output);
    checkWritable("--out", args.out);
    const snapshot = await liveSnapshot(args, (m) => io.stderr(`alb-audit: ${m}\n`), io.collect);
    if (args.out) {
      try {
        writeFileSync(args.out, `${JSON.stringify(snapshot, null, 2)}\n`);
      } catch (err) {
        throw new InputError(`--out ${args.out}: cannot write (${cannot(err)})`);
      }
      io.stderr(`alb-audit: snapshot written to ${args.out}\n`);
    }
    const source = `${args.cluster} (${args.region})`;
    const report = auditOne(source, snapshot, { auditedAt: new Date().toISOString() });
    return { reports: [report], many: false };
  }
  const { files, directory } = expandPaths(args.paths);
  checkOutputIsNoInput(files, args.output);
  const reports: NamedReport[] = [];
  for (const file of files) {
    reports.push(auditOne(file, await readSnapshotFile(file)));
  }
  // A directory keeps the per-file shape even when it holds one snapshot, so scripts can rely on it.
  return { reports, many: directory || files.length > 1 };
}

function emit(text: string, args: CliArgs, io: CliIO): void {
  if (args.output === undefined) return io.stdout(text);
  try {
    writeFileSync(args.output, text);
  } catch (err) {
    throw new InputError(`--output ${args.output}: cannot write (${cannot(err)})`);
  }
}

/** For someone at a terminal who has just read a report of snapshot files. */
function nextSteps(reports: AuditReport[]): string {
  const code = reports
    .flatMap((r) => r.findings)
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity))[0]?.code;
  const steps = [
    ...(code ? [`"alb-audit explain ${code}" explains a code and its fix`] : []),
    `"alb-audit --cluster NAME --region REGION" audits a live cluster`,
    `"alb-audit --help" lists the options`,
  ];
  return `alb-audit: next: ${steps.join("; ")}\n`;
}

async function run(args: CliArgs, io: CliIO): Promise<number> {
  if (args.help || args.version) {
    io.stdout(`${args.help ? USAGE : VERSION}\n`);
    return EXIT_OK;
  }
  if (args.command === "explain") {
    emit(explain(args.paths, args.format, { docsBaseUrl: args.docsUrl }), args, io);
    return EXIT_OK;
  }

  const { reports, many } = await audit(args, io);
  const shown = reports.map((r) => ({ ...r, report: filterReport(r.report, args) }));
  const color =
    args.output === undefined && io.stdoutIsTTY && !args.noColor && !process.env.NO_COLOR;
  const renderer = RENDERERS[args.format as Format];
  const options = { color, links: args.docsUrl ? { docsBaseUrl: args.docsUrl } : {} };
  emit(many ? renderer.multiple(shown, options) : renderer.single(shown[0]!, options), args, io);
  const atTerminal = args.output === undefined && io.stdoutIsTTY && io.stderrIsTTY === true;
  if (atTerminal && args.format === "text" && !args.cluster)
    io.stderr(nextSteps(shown.map((r) => r.report)));
  return exitCodeFor(
    shown.map((r) => r.report),
    args.failOn,
  );
}

export async function runCli(argv: string[], given: CliIO): Promise<number> {
  // Messages quote paths, file bytes and server answers: none may drive the terminal.
  const io: CliIO = { ...given, stderr: (text) => given.stderr(escapeTerminal(text)) };
  try {
    return await run(parseCli(argv), io);
  } catch (err) {
    if (err instanceof CollectionError) {
      io.stderr(`alb-audit: live collection failed: ${err.message}\n`);
      return EXIT_RUNTIME;
    }
    if (err instanceof UsageError) {
      io.stderr(`alb-audit: ${err.message}; see alb-audit --help\n`);
      return EXIT_USAGE;
    }
    if (err instanceof SnapshotError || err instanceof InputError) {
      io.stderr(`alb-audit: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
