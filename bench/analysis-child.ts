/**
 * One benchmark size in a fresh process (so memory peaks of sizes never mix):
 *   node --expose-gc --trace-gc --import tsx bench/analysis-child.ts SNAPSHOT.json RUNS
 * Loads the snapshot the way the CLI does (read and parse in one pass, validate), then times `analyze`
 * RUNS times. Phase markers on stdout let the parent attribute V8's --trace-gc lines (heap size
 * at each collection) to loading or to analysis; the last line is the result as JSON.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { analyze } from "../lib/analyze/index";
import type { AuditReport } from "../lib/analyze/finding";
import { parseSnapshot } from "../lib/snapshot/read";
import { parseJsonFile } from "../lib/snapshot/stream-parse";
import { mb, objectCount, PHASE, RESULT, scoreAgainstFaults } from "./analysis-common";
import type { InjectedFault } from "./generator";

/** Full collection between phases (the child runs with --expose-gc). */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

function main(): void {
  const [file, runsArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: analysis-child.ts SNAPSHOT.json [RUNS]");
  const runs = Math.max(1, Number(runsArg ?? 3));
  const faultsFile = file.replace(/\.json$/, ".faults.json");
  const faults: InjectedFault[] = existsSync(faultsFile)
    ? (JSON.parse(readFileSync(faultsFile, "utf8")) as { faults: InjectedFault[] }).faults
    : [];

  process.stdout.write(`${PHASE}load\n`);
  const fileMB = mb(statSync(file).size);
  // The file is read and parsed in one pass (lib/snapshot/stream-parse), so `read` stays 0.
  const readMs = 0;
  let t = performance.now();
  let document: unknown = parseJsonFile(file);
  const parseMs = performance.now() - t;
  t = performance.now();
  const snapshot = parseSnapshot(document);
  document = undefined;
  const validateMs = performance.now() - t;

  collect();
  const resident = process.memoryUsage();
  process.stdout.write(`${PHASE}analysis\n`);
  const times: number[] = [];
  let heapAtEnd = 0;
  let report: AuditReport | undefined;
  for (let r = 0; r < runs; r += 1) {
    if (r > 0) collect();
    t = performance.now();
    report = analyze(snapshot);
    times.push(performance.now() - t);
    heapAtEnd = Math.max(heapAtEnd, process.memoryUsage().heapUsed);
  }
  collect();
  process.stdout.write(`${PHASE}done\n`);
  if (!report) throw new Error("no run");

  const result = {
    file,
    fileMB,
    objects: objectCount(snapshot),
    loadMs: { read: readMs, parse: parseMs, validate: validateMs },
    analysisMs: times,
    memory: {
      residentHeapMB: mb(resident.heapUsed),
      residentRssMB: mb(resident.rss),
      heapAtEndOfRunMB: mb(heapAtEnd),
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
    },
    reportKB: Math.round(JSON.stringify(report).length / 1024),
    findings: {
      total: report.findings.length,
      byCode: report.summary.byCode,
      bySeverity: report.summary.bySeverity,
    },
    faults: scoreAgainstFaults(report, faults),
  };
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
}

main();
