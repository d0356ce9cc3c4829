/**
 * npm run bench:cli -- [--scales 1,2,4,8] [--runs 31] [--large-runs 3] [--out FILE]
 *
 * The shipped CLI against the floor of reading its input: the package is packed and installed
 * (without dev dependencies) into bench/out/cli-install, and each run is a fresh process whose
 * wall time, CPU time (user + system) and peak RSS come from wait4(2), read through python3
 * (microseconds; /usr/bin/time rounds to 10 ms, a tenth of the tiny audit). The medians go to
 * bench/results.json ("cli") with the load average seen during each comparison:
 *   - the tiny snapshot (examples/01, one target group) through the installed bin, against a
 *     bare `node -e` that reads and JSON.parses the same file;
 *   - synthetic snapshots at 1×, 2×, 4× and 8× of 1,000 target groups / 2,500 nodes / 50,000
 *     pods, whole process (`--format json --output /dev/null`) against the same bare parse.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCli } from "../scripts/build.mjs";
import { median, table } from "./table";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(root, "bench", "out");
const TINY = join(root, "examples", "01-istio-gateway-traffic-port.json");
const BARE_PARSE = 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))';
const BASE = { targetGroups: 1000, nodes: 2500, pods: 50000 };

interface Run {
  ok: boolean;
  wallS: number;
  cpuS: number;
  rssMB: number;
}

/** Runs argv[1:] and prints its wall seconds, CPU seconds, peak RSS (KB) and exit status. */
const WAIT4 = `
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
`;

/** One fresh process, measured by wait4. */
function timed(command: string, args: string[]): Run {
  const result = spawnSync("python3", ["-c", WAIT4, command, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const last = result.stderr.trim().split("\n").pop() ?? "";
  const [wall, cpu, rss, status] = last.split(" ").map(Number);
  if (result.status !== 0 || status === undefined || Number.isNaN(status))
    throw new Error(`cannot time ${command}: ${result.stderr.slice(-500)}`);
  // The CLI's 1 means "findings", not failure.
  const ok = status === 0 || (command !== process.execPath && status === 1);
  return { ok, wallS: wall!, cpuS: cpu!, rssMB: rss! / 1024 };
}

function summary(runs: Run[]) {
  const good = runs.filter((r) => r.ok);
  if (good.length === 0) return undefined;
  return {
    wallS: median(good.map((r) => r.wallS)),
    cpuS: median(good.map((r) => r.cpuS)),
    rssMB: Math.max(...good.map((r) => r.rssMB)),
    runs: good.length,
  };
}
type Summary = NonNullable<ReturnType<typeof summary>>;

async function install(): Promise<string> {
  await buildCli();
  const dir = join(OUT, "cli-install");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "app"), { recursive: true });
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir, "--silent"], {
    cwd: root,
  });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(dir, "app", "package.json"), '{ "name": "bench-cli", "private": true }\n');
  execFileSync(
    "npm",
    [
      "install",
      "--omit=dev",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--silent",
      join(dir, tarball),
    ],
    { cwd: join(dir, "app") },
  );
  return join(dir, "app", "node_modules", ".bin", "alb-audit");
}

/** The generator's NodePort Services must fit the NodePort range (2,768 ports), which caps
 * target groups at 4,000; past that only nodes and pods grow. */
const MAX_TARGET_GROUPS = 4000;

function sizeAt(scale: number) {
  return {
    targetGroups: Math.min(BASE.targetGroups * scale, MAX_TARGET_GROUPS),
    nodes: BASE.nodes * scale,
    pods: BASE.pods * scale,
  };
}

function snapshotAt(scale: number): string {
  const size = sizeAt(scale);
  const file = join(OUT, `cli-${size.targetGroups}-${size.nodes}-${size.pods}-s1.json`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}\n`);
    execFileSync(
      process.execPath,
      [
        "--max-old-space-size=16000",
        "--import",
        "tsx",
        join(root, "bench", "generate.ts"),
        ...["--target-groups", String(size.targetGroups), "--nodes", String(size.nodes)],
        ...["--pods", String(size.pods), "--seed", "1", "--faults", "0.1", "--out", file],
      ],
      { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  return file;
}

/** Alternates the two commands, so both see the same machine load. */
function compare(bin: string, file: string, runs: number, cliArgs: string[]) {
  const cli: Run[] = [];
  const bare: Run[] = [];
  const load = [loadavg()[0]!];
  for (let i = 0; i < runs; i++) {
    cli.push(timed(bin, [file, ...cliArgs]));
    bare.push(timed(process.execPath, ["-e", BARE_PARSE, file]));
  }
  load.push(loadavg()[0]!);
  // The 1-minute load average before and after: the machine is shared, wall times move with it.
  return { cli: summary(cli), bare: summary(bare), loadAverage: load.map((l) => +l.toFixed(1)) };
}

const loadText = (load: number[]) => load.map((l) => l.toFixed(1)).join("–");

const ratio = (a?: Summary, b?: Summary, key: "wallS" | "cpuS" = "wallS") =>
  a && b ? `${(a[key] / b[key]).toFixed(2)}×` : "—";
const fmt = (s: Summary | undefined, key: keyof Summary, digits = 2) =>
  s ? s[key].toFixed(digits) : "bare parse fails";

export async function runCliBench(options: { scales: number[]; runs: number; largeRuns: number }) {
  const bin = await install();
  const tiny = compare(bin, TINY, options.runs, ["--format", "json", "--output", "/dev/null"]);
  const sizes = options.scales.map((scale) => {
    const file = snapshotAt(scale);
    const runs = scale === 1 ? options.largeRuns : 1;
    return {
      scale,
      ...sizeAt(scale),
      jsonMB: statSync(file).size / 1e6,
      ...compare(bin, file, runs, ["--format", "json", "--output", "/dev/null"]),
    };
  });
  return { tiny, sizes };
}

export function cliTables(section: Awaited<ReturnType<typeof runCliBench>>): string {
  const { tiny, sizes } = section;
  const first = table(
    [
      "snapshot",
      "installed bin wall s",
      "bare parse wall s",
      "wall ratio",
      "CPU s: bin / bare",
      "CPU ratio (the goal: ≤ 3×)",
      "peak RSS MB: bin / bare",
      "load average",
    ],
    [
      [
        "examples/01 (1 target group)",
        fmt(tiny.cli, "wallS", 3),
        fmt(tiny.bare, "wallS", 3),
        ratio(tiny.cli, tiny.bare),
        `${fmt(tiny.cli, "cpuS", 3)} / ${fmt(tiny.bare, "cpuS", 3)}`,
        ratio(tiny.cli, tiny.bare, "cpuS"),
        `${fmt(tiny.cli, "rssMB", 0)} / ${fmt(tiny.bare, "rssMB", 0)}`,
        loadText(tiny.loadAverage),
      ],
    ],
  );
  const second = table(
    [
      "scale",
      "TG / nodes / pods",
      "JSON MB",
      "whole process wall s",
      "bare parse wall s",
      "wall ratio",
      "CPU s: bin / bare",
      "CPU ratio (the goal: ≤ 2× at 1×)",
      "peak RSS MB: bin",
      "peak RSS MB: bare parse",
      "load average",
    ],
    sizes.map((s) => [
      `${s.scale}×`,
      `${s.targetGroups.toLocaleString("en")} / ${s.nodes.toLocaleString("en")} / ${s.pods.toLocaleString("en")}`,
      s.jsonMB.toFixed(0),
      fmt(s.cli, "wallS"),
      fmt(s.bare, "wallS"),
      ratio(s.cli, s.bare),
      `${fmt(s.cli, "cpuS")} / ${fmt(s.bare, "cpuS")}`,
      ratio(s.cli, s.bare, "cpuS"),
      fmt(s.cli, "rssMB", 0),
      fmt(s.bare, "rssMB", 0),
      loadText(s.loadAverage),
    ]),
  );
  return `${first}\n\n${second}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      scales: { type: "string", default: "1,2,4,8" },
      runs: { type: "string", default: "31" },
      "large-runs": { type: "string", default: "3" },
      out: { type: "string" },
    },
  });
  const section = await runCliBench({
    scales: values.scales.split(",").map(Number),
    runs: Number(values.runs),
    largeRuns: Number(values["large-runs"]),
  });
  console.log(cliTables(section));
  const out = values.out ?? join(root, "bench", "results.json");
  const results = existsSync(out)
    ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>)
    : {};
  results.cli = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    ...section,
  };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}
