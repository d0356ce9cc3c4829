/**
 * Cold start of the audit Lambda: the size of the bundle `osls package` builds (the same esbuild
 * settings as serverless.yml's custom.esbuild), what takes the room, and the time to import
 * the handler module in a fresh Node process (median of several), with and without
 * --enable-source-maps, which serverless.yml sets through NODE_OPTIONS.
 *
 *   npm run bench:cold-start -- [--runs 15] [--out FILE]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { deflateRawSync } from "node:zlib";
import { buildSync, type Metafile } from "esbuild";
import { median, table } from "./table";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const OUT = here("./out/cold-start");

/** serverless.yml custom.esbuild, as serverless-esbuild hands it to esbuild. */
const LAMBDA_BUILD = {
  bundle: true,
  minify: true,
  sourcemap: true,
  keepNames: true,
  platform: "node",
  target: "node22",
  format: "esm",
  outExtension: { ".js": ".mjs" },
  mainFields: ["module", "main"] as string[],
  banner: {
    js: "import { createRequire as __alb_createRequire } from 'node:module'; const require = __alb_createRequire(import.meta.url);",
  },
} as const;

export interface ColdStartBuild {
  bundleKB: number;
  sourceMapKB: number;
  /** Deflated as in the deployment zip: code alone, and code with its source map. */
  zippedKB: number;
  zippedWithMapKB: number;
  /** Bytes of the bundle by package, largest first. */
  byPackageKB: Record<string, number>;
  importMs: { median: number; min: number; max: number; runs: number };
  importWithSourceMapsMs: { median: number; min: number; max: number; runs: number };
}

export interface ColdStartSection {
  handler: string;
  /** functions/audit.ts as it is. */
  asIs: ColdStartBuild;
  /**
   * The same handler importing the collectors from lib/collect/collect (the one-line change
   * that keeps @kubernetes/client-node out); absent once the handler does so itself.
   */
  slimCollectImport?: ColdStartBuild;
  targets: { maxBundleKB: number; maxImportMs: number };
}

const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;

function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m?.[1] ?? "(project)";
}

function byPackage(metafile: Metafile): Record<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return Object.fromEntries(
    [...sizes].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => [name, kb(bytes)]),
  );
}

/** Milliseconds to import `file` in a fresh process, measured inside it. */
function importOnce(file: string, nodeOptions: string[]): number {
  const script =
    "const t = performance.now();" +
    `await import(${JSON.stringify(pathToFileURL(file).href)});` +
    "process.stdout.write(String(performance.now() - t));";
  const run = spawnSync(
    process.execPath,
    [...nodeOptions, "--input-type=module", "--eval", script],
    {
      encoding: "utf8",
      // What the handler module reads at import time: region and Powertools settings only.
      env: {
        PATH: process.env.PATH,
        AWS_REGION: "eu-west-1",
        POWERTOOLS_SERVICE_NAME: "alb-health-auditor",
        POWERTOOLS_LOG_LEVEL: "INFO",
      },
    },
  );
  if (run.status !== 0) throw new Error(`importing the bundle failed: ${run.stderr.slice(-2000)}`);
  return Number(run.stdout);
}

function timings(file: string, runs: number, nodeOptions: string[]) {
  importOnce(file, nodeOptions); // the first read of the file from disk is not a cold start of Lambda's
  const times = Array.from({ length: runs }, () => importOnce(file, nodeOptions));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    median: round(median(times)),
    min: round(Math.min(...times)),
    max: round(Math.max(...times)),
    runs,
  };
}

const COLLECT_INDEX = 'from "../lib/collect/index"';
const COLLECT_SLIM = 'from "../lib/collect/collect"';

/** Bundles the handler (or `source`, the handler's text with a change) as osls would. */
function measureBuild(
  handler: string,
  outdir: string,
  runs: number,
  source?: string,
): ColdStartBuild {
  mkdirSync(outdir, { recursive: true });
  const bundle = join(outdir, "audit.mjs");
  const result = buildSync({
    ...LAMBDA_BUILD,
    ...(source === undefined
      ? { entryPoints: [handler] }
      : {
          stdin: {
            contents: source,
            resolveDir: dirname(handler),
            sourcefile: handler,
            loader: "ts",
          },
        }),
    outfile: bundle,
    metafile: true,
    logLevel: "error",
  });
  const code = readFileSync(bundle);
  const map = readFileSync(`${bundle}.map`);
  const zipped = deflateRawSync(code, { level: 9 }).length;
  return {
    bundleKB: kb(statSync(bundle).size),
    sourceMapKB: kb(map.length),
    zippedKB: kb(zipped),
    zippedWithMapKB: kb(zipped + deflateRawSync(map, { level: 9 }).length),
    byPackageKB: result.metafile ? byPackage(result.metafile) : {},
    importMs: timings(bundle, runs, []),
    importWithSourceMapsMs: timings(bundle, runs, ["--enable-source-maps"]),
  };
}

export function runColdStartBench(runs = 15): ColdStartSection {
  const handler = here("../functions/audit.ts");
  if (!existsSync(handler)) throw new Error("functions/audit.ts does not exist");
  const text = readFileSync(handler, "utf8");
  return {
    handler: "functions/audit.ts",
    asIs: measureBuild(handler, join(OUT, "as-is"), runs),
    ...(text.includes(COLLECT_INDEX)
      ? {
          slimCollectImport: measureBuild(
            handler,
            join(OUT, "slim"),
            runs,
            text.replace(COLLECT_INDEX, COLLECT_SLIM),
          ),
        }
      : {}),
    targets: { maxBundleKB: 2048, maxImportMs: 300 },
  };
}

export function coldStartTable(s: ColdStartSection): string {
  const builds: [string, ColdStartBuild][] = [["as is", s.asIs]];
  if (s.slimCollectImport) builds.push(["importing lib/collect/collect", s.slimCollectImport]);
  const sizes = table(
    [
      "handler",
      "bundle KB",
      "source map KB",
      "zip KB (code)",
      "zip KB (code + map)",
      "import ms (median)",
      "min–max",
      "with --enable-source-maps ms",
    ],
    builds.map(([name, b]) => [
      name,
      String(b.bundleKB),
      String(b.sourceMapKB),
      String(b.zippedKB),
      String(b.zippedWithMapKB),
      String(b.importMs.median),
      `${b.importMs.min}–${b.importMs.max}`,
      String(b.importWithSourceMapsMs.median),
    ]),
  );
  const names = [...new Set(builds.flatMap(([, b]) => Object.keys(b.byPackageKB).slice(0, 12)))];
  const packages = table(
    ["package", ...builds.map(([name]) => `KB (${name})`)],
    names.map((name) => [name, ...builds.map(([, b]) => String(b.byPackageKB[name] ?? "—"))]),
  );
  return `${sizes}\n\n${packages}`;
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: "string" }, out: { type: "string" } } });
  const before = loadavg()[0]!;
  const section = runColdStartBench(values.runs ? Number(values.runs) : undefined);
  // The 1-minute load average before and after: the machine may be shared.
  const loadAverage = [before, loadavg()[0]!].map((l) => +l.toFixed(1));
  console.log(coldStartTable(section));
  const out = values.out ?? here("./results.json");
  const results = existsSync(out)
    ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>)
    : {};
  results.coldStart = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    loadAverage,
    ...section,
  };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`bench:cold-start: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
