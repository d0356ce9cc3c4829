/**
 * Where analysis time goes, phase by phase:
 *   node --expose-gc --import tsx bench/analysis-phases.ts SNAPSHOT.json [RUNS]
 * Times building the topology model, each rule on that model, and the whole of `analyze`, as
 * medians over RUNS after one warm-up run.
 */
import { analyze } from "../lib/analyze/index";
import { buildModel } from "../lib/analyze/model";
import type { Finding } from "../lib/analyze/finding";
import { RULES } from "../lib/analyze/rules";
import { parseSnapshot } from "../lib/snapshot/read";
import { parseJsonFile } from "../lib/snapshot/stream-parse";
import { median, table } from "./table";

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

function main(): void {
  const [file, runsArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: analysis-phases.ts SNAPSHOT.json [RUNS]");
  const runs = Math.max(1, Number(runsArg ?? 5));
  const snapshot = parseSnapshot(parseJsonFile(file));
  analyze(snapshot);

  const samples = new Map<string, number[]>();
  const record = (phase: string, ms: number) =>
    samples.set(phase, [...(samples.get(phase) ?? []), ms]);
  const time = <T>(phase: string, fn: () => T): T => {
    const t = performance.now();
    const out = fn();
    record(phase, performance.now() - t);
    return out;
  };
  for (let r = 0; r < runs; r += 1) {
    collect();
    const model = time("model", () => buildModel(snapshot));
    const prior: Finding[] = [];
    for (const rule of RULES) {
      prior.push(...time(rule.code, () => rule.check({ model, prior, rules: RULES })));
    }
    // Timed on its own: the gap to model + rules is suppression, sorting and the summary,
    // within the noise of separate runs.
    collect();
    time("analyze (all)", () => analyze(snapshot));
  }
  const whole = median(samples.get("analyze (all)") ?? []);
  const rows = [...samples]
    .map(([phase, ms]) => [phase, median(ms)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([phase, ms]) => [phase, ms.toFixed(1), `${((100 * ms) / whole).toFixed(0)}%`]);
  console.log(table(["phase", "median ms", "share"], rows));
}

main();
