/**
 * The live-collection half of `npm run bench` (also on its own: `npm run bench:collect`):
 * for each size, the real collectors against local stand-ins with latency and throttling, in a
 * fresh process per size (./collection-child.ts). Reports API calls against the floor
 * (./floor.ts), wall time against (calls ÷ concurrency) × latency, what the health prefilter
 * saves, and — for the smaller sizes, where it takes under a minute — the rate-limited audit
 * against an emulation of the account's ELB token bucket.
 *
 *   npm run bench:collect -- [--sizes 10/20/500,2000/5000/100000] [--concurrency 4,8,16]
 *     [--latency 20-50] [--throttle 0.01] [--rate 5] [--polite-max-tg 200] [--out FILE]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RESULT } from "./analysis-common";
import type { ChildResult, CollectionChildRequest, RunMeasure } from "./collection-child";
import { elbFloor, kubeFloor, prefilteredFloor } from "./floor";
import { table } from "./table";

export interface CollectionSize {
  targetGroups: number;
  nodes: number;
  pods: number;
}

export const COLLECTION_SIZES: CollectionSize[] = [
  { targetGroups: 10, nodes: 20, pods: 500 },
  { targetGroups: 200, nodes: 500, pods: 10_000 },
  { targetGroups: 1000, nodes: 2500, pods: 50_000 },
  { targetGroups: 2000, nodes: 5000, pods: 100_000 },
];

export interface CollectionOptions {
  sizes?: CollectionSize[];
  seed?: number;
  faults?: number;
  latencyMs?: [number, number];
  throttleRate?: number;
  concurrencies?: number[];
  /** Concurrency of the prefilter and rate-limited scenarios. Default 8 (the collector's). */
  concurrency?: number;
  /** Client-side ELB rate measured in the rate-limited scenarios. Default 5 per second. */
  rate?: number;
  /** Sizes up to this many target groups also run the rate-limited scenarios. Default 200. */
  politeMaxTargetGroups?: number;
  kubePageSize?: number;
  fullSweepEvery?: number;
  log?: (line: string) => void;
}

export interface CollectionRow {
  size: CollectionSize;
  world: ChildResult["world"];
  floor: { elb: ReturnType<typeof elbFloor>; kube: Record<string, number>; kubeTotal: number };
  prefilterFloor: ReturnType<typeof prefilteredFloor>;
  runs: (RunMeasure & { modelMs: number; phaseModelMs: number })[];
  prefilter: {
    missedFindings: Record<string, number>;
    extraFindings: Record<string, number>;
    findingsFull: number;
  };
}

export interface CollectionSection {
  latencyMs: [number, number];
  throttleRate: number;
  rate: number;
  kubePageSize: number;
  fullSweepEvery: number;
  seed: number;
  faults: number;
  rows: CollectionRow[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const s1 = (ms: number) => (ms / 1000).toFixed(1);
const s2 = (ms: number) => (ms / 1000).toFixed(2);
const pct = (a: number, b: number) => `${b === 0 ? 0 : Math.round(((a - b) / b) * 1000) / 10}%`;

function runChild(request: CollectionChildRequest): ChildResult {
  const run = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--max-old-space-size=8192",
      "--import",
      "tsx",
      here("./collection-child.ts"),
      JSON.stringify(request),
    ],
    {
      cwd: here(".."),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = run.stdout.split("\n").find((l) => l.startsWith(RESULT));
  if (run.status !== 0 || !line) {
    throw new Error(`collection benchmark child failed (exit ${run.status ?? run.signal})`);
  }
  return JSON.parse(line.slice(RESULT.length)) as ChildResult;
}

/**
 * Round trips the AWS side cannot overlap: DescribeCluster, then the paged lists (load
 * balancers and target groups side by side), then the tag batches, then GetMetricData, then
 * the health calls, each stage `concurrency` calls wide.
 */
export function phaseModel(r: RunMeasure): number {
  const wide = (n: number | undefined) => Math.ceil((n ?? 0) / r.concurrency);
  return (
    1 +
    Math.max(r.elb.DescribeLoadBalancers ?? 0, r.elb.DescribeTargetGroups ?? 0) +
    wide(r.elb.DescribeTags) +
    Math.ceil(r.getMetricData / 4) +
    wide(r.elb.DescribeTargetHealth)
  );
}

export function runCollectionBench(options: CollectionOptions = {}): CollectionSection {
  const latencyMs = options.latencyMs ?? [20, 50];
  const meanLatency = (latencyMs[0] + latencyMs[1]) / 2;
  const section: CollectionSection = {
    latencyMs,
    throttleRate: options.throttleRate ?? 0.01,
    rate: options.rate ?? 5,
    kubePageSize: options.kubePageSize ?? 500,
    fullSweepEvery: options.fullSweepEvery ?? 12,
    seed: options.seed ?? 1,
    faults: options.faults ?? 0.1,
    rows: [],
  };
  const log = options.log ?? (() => {});
  for (const size of options.sizes ?? COLLECTION_SIZES) {
    log(`collection: ${size.targetGroups} TG / ${size.nodes} nodes / ${size.pods} pods`);
    const result = runChild({
      size,
      seed: section.seed,
      faults: section.faults,
      latencyMs,
      throttleRate: section.throttleRate,
      concurrencies: options.concurrencies ?? [4, 8, 16],
      concurrency: options.concurrency ?? 8,
      polite: size.targetGroups <= (options.politeMaxTargetGroups ?? 200),
      rate: section.rate,
      kubePageSize: section.kubePageSize,
      fullSweepEvery: section.fullSweepEvery,
    });
    const w = result.world;
    const kube = kubeFloor(w.kubernetes, section.kubePageSize);
    section.rows.push({
      size,
      world: w,
      floor: {
        elb: elbFloor({ loadBalancers: w.loadBalancers, targetGroups: w.targetGroups }),
        kube,
        kubeTotal: Object.values(kube).reduce((a, b) => a + b, 0),
      },
      prefilterFloor: prefilteredFloor(w),
      runs: result.runs.map((r) => ({
        ...r,
        modelMs: (r.elbCalls / r.concurrency) * meanLatency,
        phaseModelMs: phaseModel(r) * meanLatency,
      })),
      prefilter: {
        missedFindings: result.prefilterMissed,
        extraFindings: result.prefilterExtra,
        findingsFull: result.findingsFull,
      },
    });
  }
  return section;
}

const label = (r: CollectionRow) => `${r.size.targetGroups} / ${r.size.nodes} / ${r.size.pods}`;
const find = (r: CollectionRow, scenario: string) => r.runs.find((x) => x.scenario === scenario);

/** Wall time of `calls` ELB calls at `rate` per second (the bucket starts with one second's worth). */
export const rateBoundMs = (calls: number, rate: number) =>
  (Math.max(0, calls - Math.floor(rate)) / rate) * 1000;

export function collectionTables(section: CollectionSection): string {
  const lat = `${section.latencyMs[0]}–${section.latencyMs[1]} ms`;
  const mean = (section.latencyMs[0] + section.latencyMs[1]) / 2;
  const floor = table(
    [
      "TG / nodes / pods",
      "conc.",
      "throttling",
      "ELB calls",
      "ELB floor",
      "over floor",
      "throttled+retried",
      "k8s pages",
      "k8s floor",
      "wall s",
      "AWS done s",
      `ELB calls ÷ conc. × ${mean} ms`,
      `stages × ${mean} ms`,
      "AWS / stages",
      "k8s done s",
      "snapshot heap MB",
    ],
    section.rows.flatMap((r) =>
      r.runs
        .filter((x) => x.scenario === "full" || x.scenario === "no-throttling")
        .map((x) => [
          label(r),
          String(x.concurrency),
          x.scenario === "full" ? `${section.throttleRate * 100}%` : "none",
          String(x.elbCalls),
          String(r.floor.elb.total),
          pct(x.elbCalls, r.floor.elb.total),
          String(x.elbThrottled + x.kubeThrottled),
          String(x.kubeCalls),
          String(r.floor.kubeTotal),
          s2(x.wallMs),
          s2(x.awsDoneMs),
          s2(x.modelMs),
          s2(x.phaseModelMs),
          (x.awsDoneMs / x.phaseModelMs).toFixed(2),
          s2(x.kubeDoneMs),
          String(x.heapMB),
        ]),
    ),
  );
  const prefilter = table(
    [
      "TG / nodes / pods",
      "ELB calls full",
      "prefiltered",
      "floor",
      "rolling 1/N",
      "GetMetricData",
      "ELB calls saved",
      "wall full s",
      "prefiltered s",
      `at ${section.rate}/s full s`,
      `at ${section.rate}/s prefiltered s`,
      "rolling s",
      "findings missed",
    ],
    section.rows.map((r) => {
      const full = find(r, "prefilter-first");
      const steady = find(r, "prefilter-steady");
      const rolling = find(r, "prefilter-rolling");
      if (!full || !steady || !rolling) return [label(r)];
      const bound = (x: RunMeasure) => Math.max(x.wallMs, rateBoundMs(x.elbCalls, section.rate));
      const missed = Object.entries(r.prefilter.missedFindings)
        .map(([code, n]) => `${code}×${n}`)
        .join(" ");
      return [
        label(r),
        String(full.elbCalls),
        String(steady.elbCalls),
        String(r.prefilterFloor.elb.total),
        String(rolling.elbCalls),
        String(steady.getMetricData),
        `${full.elbCalls - steady.elbCalls} (${Math.round((1 - steady.elbCalls / full.elbCalls) * 100)}%)`,
        s2(full.wallMs),
        s2(steady.wallMs),
        s1(bound(full)),
        s1(bound(steady)),
        s1(bound(rolling)),
        `${missed || "none"} of ${r.prefilter.findingsFull}`,
      ];
    }),
  );
  const politeRows = section.rows.flatMap((r) =>
    ["account-bucket", "polite", "polite-prefilter"].flatMap((name) => {
      const x = find(r, name);
      if (!x) return [];
      return [
        [
          label(r),
          name,
          x.rate === null ? "none" : `${x.rate}/s`,
          String(x.elbCalls),
          String(x.elbBucketEmpty),
          s2(x.wallMs),
          x.rate === null ? "—" : s2(rateBoundMs(x.elbCalls, x.rate)),
        ],
      ];
    }),
  );
  const polite = politeRows.length
    ? table(
        [
          "TG / nodes / pods",
          "scenario",
          "client limit",
          "ELB calls",
          "refused: account bucket empty",
          "wall s",
          "(calls − burst) ÷ rate s",
        ],
        politeRows,
      )
    : "";
  return [
    `Calls against the floor, wall time against the model (latency ${lat}, no client rate limit)`,
    floor,
    `Health prefilter, steady state (full sweep every ${section.fullSweepEvery} runs; "at ${section.rate}/s" = max(measured, (calls − burst) ÷ rate))`,
    prefilter,
    ...(polite ? ["Rate limit against an emulated account bucket (40 tokens, 10/s)", polite] : []),
  ].join("\n\n");
}

function parseList(spec: string, flag: string): number[] {
  const values = spec.split(",").map(Number);
  if (!values.every((n) => Number.isFinite(n) && n > 0)) throw new Error(`--${flag}: "${spec}"`);
  return values;
}

export function parseSizes(spec: string): CollectionSize[] {
  return spec.split(",").map((part) => {
    const [targetGroups, nodes, pods] = part.split("/").map(Number);
    if (![targetGroups, nodes, pods].every((n) => Number.isInteger(n) && (n as number) > 0)) {
      throw new Error(`--sizes: "${part}" is not TG/NODES/PODS`);
    }
    return { targetGroups, nodes, pods } as CollectionSize;
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string" },
      concurrency: { type: "string" },
      latency: { type: "string" },
      throttle: { type: "string" },
      rate: { type: "string" },
      "polite-max-tg": { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
    },
  });
  const latency = values.latency
    ? parseList(values.latency.replace("-", ","), "latency")
    : undefined;
  const section = runCollectionBench({
    sizes: values.sizes ? parseSizes(values.sizes) : undefined,
    concurrencies: values.concurrency ? parseList(values.concurrency, "concurrency") : undefined,
    latencyMs: latency ? [latency[0] as number, (latency[1] ?? latency[0]) as number] : undefined,
    throttleRate: values.throttle !== undefined ? Number(values.throttle) : undefined,
    rate: values.rate !== undefined ? Number(values.rate) : undefined,
    politeMaxTargetGroups:
      values["polite-max-tg"] !== undefined ? Number(values["polite-max-tg"]) : undefined,
    seed: values.seed !== undefined ? Number(values.seed) : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(collectionTables(section));
  const out = values.out ?? (values.sizes ? undefined : here("./results.json"));
  if (out) {
    const results = existsSync(out)
      ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>)
      : {};
    results.collection = {
      measuredAt: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      ...section,
    };
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`wrote ${out}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`bench:collect: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
