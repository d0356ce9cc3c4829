/**
 * npm run bench [-- --only analysis,network] [--sizes 10/20/500,200/500/10000] [--seed S] [--faults F] [--out FILE]
 *
 * Runs each benchmark section, prints its table, and stores the figures in bench/results.json
 * under the section's name (other sections already in the file are kept). A run with custom
 * sizes only prints, unless --out names a file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem, platform, release } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ANALYSIS_SIZES, analysisTable, runAnalysisBench, type AnalysisSize } from "./analysis";
import { coldStartTable, runColdStartBench } from "./cold-start";
import { collectionTables, runCollectionBench } from "./collection";
import { networkTables, runNetworkBench } from "./network";

const RESULTS = fileURLToPath(new URL("./results.json", import.meta.url));

function parseSizes(spec: string): AnalysisSize[] {
  return spec.split(",").map((part) => {
    const [tg, nodes, pods] = part.split("/").map(Number);
    if (![tg, nodes, pods].every((n) => Number.isInteger(n) && (n as number) > 0)) {
      throw new Error(`--sizes: "${part}" is not TG/NODES/PODS`);
    }
    return { targetGroups: tg as number, nodes: nodes as number, pods: pods as number, runs: 5 };
  });
}

const machine = () => ({
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryMB: Math.round(totalmem() / 1024 / 1024),
  node: process.version,
  os: `${platform()} ${release()}`,
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      sizes: { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      out: { type: "string" },
    },
  });
  const sections = values.only
    ? values.only.split(",")
    : ["analysis", "collection", "network", "cold-start"];
  const out = values.out ?? (values.sizes ? undefined : RESULTS);
  const results: Record<string, unknown> =
    out && existsSync(out)
      ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>)
      : {};
  const log = (line: string) => process.stderr.write(`${line}\n`);

  if (sections.includes("analysis")) {
    const section = runAnalysisBench({
      sizes: values.sizes ? parseSizes(values.sizes) : ANALYSIS_SIZES,
      seed: values.seed !== undefined ? Number(values.seed) : undefined,
      faults: values.faults !== undefined ? Number(values.faults) : undefined,
      log,
    });
    console.log(`\nAnalysis (seed ${section.seed}, faults ${section.faults})\n`);
    console.log(analysisTable(section.rows));
    results.analysis = { measuredAt: new Date().toISOString(), machine: machine(), ...section };
  }
  if (sections.includes("collection")) {
    const section = runCollectionBench({
      ...(values.sizes ? { sizes: parseSizes(values.sizes) } : {}),
      ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
      ...(values.faults !== undefined ? { faults: Number(values.faults) } : {}),
      log,
    });
    console.log(`\nLive collection (bench/collection.ts; more options: npm run bench:collect)\n`);
    console.log(collectionTables(section));
    results.collection = { measuredAt: new Date().toISOString(), machine: machine(), ...section };
  }
  if (sections.includes("network")) {
    const section = await runNetworkBench({
      ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
      log,
    });
    console.log(`\nNetwork checks (bench/network.ts)\n`);
    console.log(networkTables(section));
    results.network = { measuredAt: new Date().toISOString(), machine: machine(), ...section };
  }
  if (sections.includes("cold-start")) {
    const section = runColdStartBench();
    console.log(`\nLambda cold start (bench/cold-start.ts)\n`);
    console.log(coldStartTable(section));
    results.coldStart = { measuredAt: new Date().toISOString(), machine: machine(), ...section };
  }

  if (out) {
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${out}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
