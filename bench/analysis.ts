/**
 * The analysis half of `npm run bench`: for each size, generate a snapshot (seeded, with
 * faults), then measure loading and `analyze` in a fresh child process — wall time, time per
 * object, peak heap and RSS — and check the report found every injected fault.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PHASE, RESULT } from "./analysis-common";
import { median, table } from "./table";

export interface AnalysisSize {
  targetGroups: number;
  nodes: number;
  pods: number;
  /** Timed `analyze` runs in the one process; the median is reported. */
  runs: number;
}

export const ANALYSIS_SIZES: AnalysisSize[] = [
  { targetGroups: 10, nodes: 20, pods: 500, runs: 15 },
  { targetGroups: 200, nodes: 500, pods: 10_000, runs: 9 },
  { targetGroups: 1000, nodes: 2500, pods: 50_000, runs: 5 },
  { targetGroups: 2000, nodes: 5000, pods: 100_000, runs: 5 },
];

/** The bounds for the largest size on the reference machine. */
export const ANALYSIS_TARGETS = { maxAnalysisMs: 2000, maxPeakMB: 512 };

interface ChildResult {
  fileMB: number;
  objects: Record<string, number>;
  loadMs: { read: number; parse: number; validate: number };
  analysisMs: number[];
  memory: {
    residentHeapMB: number;
    residentRssMB: number;
    heapAtEndOfRunMB: number;
    peakRssMB: number;
  };
  reportKB: number;
  findings: { total: number; byCode: Record<string, number>; bySeverity: Record<string, number> };
  faults: {
    injected: number;
    found: number;
    missed: string[];
    unexpected: string[];
    unexpectedCount: number;
  };
}

export interface AnalysisRow {
  targetGroups: number;
  nodes: number;
  pods: number;
  objects: number;
  objectCounts: Record<string, number>;
  snapshotMB: number;
  analysisMs: { median: number; min: number; max: number; first: number; runs: number };
  usPerObject: number;
  memory: {
    /** The validated snapshot, live on the heap before analysis starts. */
    snapshotHeapMB: number;
    /** Highest heap use V8 saw during analysis (snapshot included; garbage not yet collected too). */
    analysisPeakHeapMB: number;
    /** What analysis adds above the snapshot: model, findings, garbage between collections. */
    analysisExtraHeapMB: number;
    /** Peak heap while reading, parsing and validating the file. */
    loadPeakHeapMB: number;
    /** The process's peak resident set: loading and analysis together. */
    peakRssMB: number;
  };
  loadMs: { read: number; parse: number; validate: number };
  /** Size of the JSON report. */
  reportKB: number;
  findings: ChildResult["findings"];
  faults: ChildResult["faults"];
}

const GC_LINE =
  /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)\D*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

/** Splits the child's stdout into per-phase peak heap (from --trace-gc) and its result line. */
export function parseChildOutput(stdout: string): {
  peaks: Record<string, number>;
  result: ChildResult;
} {
  const peaks: Record<string, number> = {};
  let phase = "start";
  let result: ChildResult | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith(PHASE)) phase = line.slice(PHASE.length).trim();
    else if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length)) as ChildResult;
    else {
      const m = GC_LINE.exec(line);
      if (m) peaks[phase] = Math.max(peaks[phase] ?? 0, Number(m[1]));
    }
  }
  if (!result) throw new Error(`the benchmark child printed no result:\n${stdout.slice(-2000)}`);
  return { peaks, result };
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function node(args: string[], what: string): string {
  const run = spawnSync(process.execPath, args, {
    // `--import tsx` resolves from the working directory: the repository root.
    cwd: here(".."),
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status ?? run.signal})`);
  return run.stdout;
}

export function measureSize(
  size: AnalysisSize,
  seed: number,
  faults: number,
  outDir: string,
): AnalysisRow {
  mkdirSync(outDir, { recursive: true });
  const file = join(
    resolve(outDir),
    `analysis-${size.targetGroups}-${size.nodes}-${size.pods}-s${seed}.json`,
  );
  node(
    [
      "--import",
      "tsx",
      here("./generate.ts"),
      ...["--target-groups", String(size.targetGroups), "--nodes", String(size.nodes)],
      ...[
        "--pods",
        String(size.pods),
        "--seed",
        String(seed),
        "--faults",
        String(faults),
        "--out",
        file,
      ],
    ],
    "bench:gen",
  );
  const stdout = node(
    [
      "--expose-gc",
      "--trace-gc",
      "--import",
      "tsx",
      here("./analysis-child.ts"),
      file,
      String(size.runs),
    ],
    `analysis of ${file}`,
  );
  const { peaks, result } = parseChildOutput(stdout);
  const times = result.analysisMs;
  const { endpoints: _inSlices, ...listed } = result.objects;
  const objects = Object.values(listed).reduce((a, b) => a + b, 0);
  const mid = median(times);
  const analysisPeak = Math.max(peaks.analysis ?? 0, result.memory.heapAtEndOfRunMB);
  return {
    targetGroups: size.targetGroups,
    nodes: size.nodes,
    pods: size.pods,
    objects,
    objectCounts: result.objects,
    snapshotMB: result.fileMB,
    analysisMs: {
      median: round(mid),
      min: round(Math.min(...times)),
      max: round(Math.max(...times)),
      first: round(times[0] ?? 0),
      runs: times.length,
    },
    usPerObject: round((mid * 1000) / objects, 2),
    memory: {
      snapshotHeapMB: result.memory.residentHeapMB,
      analysisPeakHeapMB: round(analysisPeak),
      analysisExtraHeapMB: round(analysisPeak - result.memory.residentHeapMB),
      loadPeakHeapMB: round(peaks.load ?? 0),
      peakRssMB: result.memory.peakRssMB,
    },
    loadMs: {
      read: round(result.loadMs.read),
      parse: round(result.loadMs.parse),
      validate: round(result.loadMs.validate),
    },
    reportKB: result.reportKB,
    findings: result.findings,
    faults: result.faults,
  };
}

const sizeLabel = (r: AnalysisRow) => `${r.targetGroups} / ${r.nodes} / ${r.pods}`;

/** Two tables: where the time goes, then memory and what the audit found. */
export function analysisTable(rows: AnalysisRow[]): string {
  const time = table(
    [
      "TG / nodes / pods",
      "objects",
      "file MB",
      "analyze ms (median)",
      "min–max",
      "1st run",
      "µs / object",
      "read + parse ms",
      "validate ms",
    ],
    rows.map((r) => [
      sizeLabel(r),
      String(r.objects),
      String(r.snapshotMB),
      String(r.analysisMs.median),
      `${r.analysisMs.min}–${r.analysisMs.max}`,
      String(r.analysisMs.first),
      String(r.usPerObject),
      String(Math.round(r.loadMs.read + r.loadMs.parse)),
      String(Math.round(r.loadMs.validate)),
    ]),
  );
  const memory = table(
    [
      "TG / nodes / pods",
      "snapshot heap MB",
      "analysis +heap MB",
      "analysis peak heap MB",
      "load peak heap MB",
      "peak RSS MB",
      "report KB",
      "findings",
      "faults found",
      "unexpected",
    ],
    rows.map((r) => [
      sizeLabel(r),
      String(r.memory.snapshotHeapMB),
      String(r.memory.analysisExtraHeapMB),
      String(r.memory.analysisPeakHeapMB),
      String(r.memory.loadPeakHeapMB),
      String(r.memory.peakRssMB),
      String(r.reportKB),
      String(r.findings.total),
      `${r.faults.found}/${r.faults.injected}`,
      String(r.faults.unexpectedCount),
    ]),
  );
  return `${time}\n\n${memory}`;
}

export interface AnalysisSection {
  seed: number;
  faults: number;
  targets: typeof ANALYSIS_TARGETS;
  rows: AnalysisRow[];
}

export function runAnalysisBench(options: {
  sizes?: AnalysisSize[];
  seed?: number;
  faults?: number;
  outDir?: string;
  log?: (line: string) => void;
}): AnalysisSection {
  const {
    sizes = ANALYSIS_SIZES,
    seed = 1,
    faults = 0.1,
    outDir = here("out"),
    log = () => {},
  } = options;
  const rows: AnalysisRow[] = [];
  for (const size of sizes) {
    log(`analysis: ${size.targetGroups} target groups / ${size.nodes} nodes / ${size.pods} pods …`);
    rows.push(measureSize(size, seed, faults, outDir));
  }
  return { seed, faults, targets: ANALYSIS_TARGETS, rows };
}
