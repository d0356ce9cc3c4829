/**
 * One size of the live-collection benchmark, in a fresh process:
 *   node --import tsx bench/collection-child.ts '<CollectionChildRequest as JSON>'
 * Starts the stand-ins in a process of their own (./standins/process.ts), runs the real
 * collectSnapshot against them — the real AWS SDK clients over HTTP, the real Kubernetes client
 * over HTTPS — in each scenario, and prints one `@@result ` line of JSON.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EKSClient } from "@aws-sdk/client-eks";
import { KubeConfig } from "@kubernetes/client-node";
import { analyze } from "../lib/analyze/index";
import { collectSnapshot, createElbv2Client, type CollectOptions } from "../lib/collect/index";
import type { PrefilterOptions, PrefilterState } from "../lib/collect/prefilter";
import type { Snapshot } from "../lib/snapshot/schema";
import { RESULT } from "./analysis-common";
import type { FaultOptions, RequestCount } from "./standins/faults";
import { epochMs } from "./standins/faults";
import { CA_DATA, KUBE_TOKEN } from "./standins/kube";
import type { StandInRequest, WorldCounts } from "./standins/process";

export interface CollectionChildRequest {
  size: { targetGroups: number; nodes: number; pods: number };
  seed: number;
  faults: number;
  latencyMs: [number, number];
  throttleRate: number;
  concurrencies: number[];
  /** Concurrency of the prefilter and polite scenarios. */
  concurrency: number;
  /** Measure the rate-limited scenarios (slow: calls ÷ 5 seconds). */
  polite: boolean;
  rate: number;
  kubePageSize: number;
  fullSweepEvery: number;
  /** Overrides the production client's retry mode (to compare "adaptive"). */
  retryMode?: "standard" | "adaptive";
}

export interface RunMeasure {
  scenario: string;
  concurrency: number;
  rate: number | null;
  wallMs: number;
  awsDoneMs: number;
  kubeDoneMs: number;
  elb: Record<string, number>;
  elbCalls: number;
  elbThrottled: number;
  /** Refused by the emulated account bucket (the load balancer controller would be too). */
  elbBucketEmpty: number;
  getMetricData: number;
  kube: Record<string, number>;
  kubeCalls: number;
  kubeThrottled: number;
  targetGroups: number;
  unlisted: number;
  gaps: number;
  /** Heap the collection added and kept: mostly the snapshot it returned (after a full GC). */
  heapMB: number;
}

export interface ChildResult {
  world: WorldCounts;
  runs: RunMeasure[];
  /** Findings of a full run that the steady-state prefiltered run did not produce, by code. */
  prefilterMissed: Record<string, number>;
  prefilterExtra: Record<string, number>;
  findingsFull: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const CREDENTIALS = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" };
const ACCOUNT_BUCKET = { capacity: 40, refillPerSecond: 10 };

interface StandIns {
  child: ChildProcess;
  aws: string;
  kube: string;
  control: string;
  world: WorldCounts;
}

async function startStandIns(request: StandInRequest): Promise<StandIns> {
  const child = spawn(
    process.execPath,
    [
      "--max-old-space-size=6144",
      "--import",
      "tsx",
      here("./standins/process.ts"),
      JSON.stringify(request),
    ],
    { cwd: here(".."), stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`stand-ins exited (${code})`)));
  });
  return { child, ...(JSON.parse(first) as Omit<StandIns, "child">) };
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "bench", server, caData: CA_DATA, skipTLSVerify: false }],
    users: [{ name: "bench", token: KUBE_TOKEN }],
    contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
    currentContext: "bench",
  });
  return kc;
}

interface Counts {
  aws: { counts: Record<string, RequestCount>; lastAt?: number };
  kube: { counts: Record<string, RequestCount>; lastAt?: number };
}

async function control(
  url: string,
  body: { aws?: FaultOptions; kube?: FaultOptions },
): Promise<Counts> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return (await res.json()) as Counts;
}

const byPrefix = (counts: Record<string, RequestCount>, prefix: string) =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );

const sum = (counts: Record<string, RequestCount>, key: keyof RequestCount) =>
  Object.values(counts).reduce((n, c) => n + c[key], 0);

interface Scenario {
  name: string;
  concurrency: number;
  rate: number;
  aws: FaultOptions;
  kube: FaultOptions;
  prefilter?: PrefilterOptions;
}

async function measure(
  s: StandIns,
  req: CollectionChildRequest,
  scenario: Scenario,
): Promise<{ measure: RunMeasure; snapshot: Snapshot; state?: PrefilterState }> {
  await control(s.control, { aws: scenario.aws, kube: scenario.kube });
  const client = { region: s.world.region, endpoint: s.aws, credentials: CREDENTIALS };
  let state: PrefilterState | undefined;
  const options: CollectOptions = {
    clusterName: s.world.clusterName,
    region: s.world.region,
    eks: new EKSClient(client),
    // The production configuration, pointed at the stand-in.
    elbv2: createElbv2Client(s.world.region, {
      endpoint: s.aws,
      credentials: CREDENTIALS,
      ...(req.retryMode ? { retryMode: req.retryMode } : {}),
    }),
    cloudwatch: new CloudWatchClient(client),
    kubeConfig: kubeConfigFor(s.kube),
    concurrency: scenario.concurrency,
    elbCallsPerSecond: scenario.rate,
    kubernetes: { pageSize: req.kubePageSize },
    ...(scenario.prefilter
      ? { prefilter: { ...scenario.prefilter, onState: (next) => (state = next) } }
      : {}),
  };
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = epochMs();
  const snapshot = await collectSnapshot(options);
  const wallMs = epochMs() - t0;
  const counts = await control(s.control, {});
  gc();
  const heapMB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024);
  const elb = byPrefix(counts.aws.counts, "elbv2:");
  const kube = byPrefix(counts.kube.counts, "kube:");
  const measure: RunMeasure = {
    scenario: scenario.name,
    concurrency: scenario.concurrency,
    rate: Number.isFinite(scenario.rate) ? scenario.rate : null,
    wallMs,
    awsDoneMs: (counts.aws.lastAt ?? t0) - t0,
    kubeDoneMs: (counts.kube.lastAt ?? t0) - t0,
    elb: Object.fromEntries(Object.entries(elb).map(([k, v]) => [k, v.requests])),
    elbCalls: sum(elb, "requests"),
    elbThrottled: sum(elb, "throttled"),
    elbBucketEmpty: sum(elb, "bucketEmpty"),
    getMetricData: counts.aws.counts["cloudwatch:GetMetricData"]?.requests ?? 0,
    kube: Object.fromEntries(Object.entries(kube).map(([k, v]) => [k, v.requests])),
    kubeCalls: sum(kube, "requests"),
    kubeThrottled: sum(kube, "throttled"),
    targetGroups: snapshot.aws.targetGroups.length,
    unlisted: snapshot.aws.targetGroups.filter((tg) => tg.HealthSource !== undefined).length,
    gaps: snapshot.gaps.length,
    heapMB,
  };
  process.stderr.write(
    `  ${scenario.name} c=${scenario.concurrency} rate=${measure.rate ?? "∞"}: ${Math.round(wallMs)} ms (AWS ${Math.round(measure.awsDoneMs)}, k8s ${Math.round(measure.kubeDoneMs)}), ELB ${measure.elbCalls} (${measure.elbThrottled} throttled), k8s ${measure.kubeCalls}, unlisted ${measure.unlisted}\n`,
  );
  return { measure, snapshot, state };
}

/** Findings keyed by code and target group, to compare two audits of the same cluster. */
function findingKeys(snapshot: Snapshot): Map<string, string> {
  return new Map(
    analyze(snapshot).findings.map((f) => [
      `${f.code} ${f.targetGroupArn ?? ""} ${f.title}`,
      f.code,
    ]),
  );
}

function difference(a: Map<string, string>, b: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, code] of a) if (!b.has(key)) out[code] = (out[code] ?? 0) + 1;
  return out;
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? "{}") as CollectionChildRequest;
  const unreliable = { latencyMs: req.latencyMs, throttleRate: req.throttleRate, seed: req.seed };
  const s = await startStandIns({ ...req.size, seed: req.seed, faults: req.faults });
  const runs: RunMeasure[] = [];
  try {
    // Not recorded: fills the stand-ins' page caches and warms up the JIT.
    await measure(s, req, {
      name: "warm-up",
      concurrency: req.concurrency,
      rate: Infinity,
      aws: {},
      kube: {},
    });
    const steadyNetwork = { latencyMs: req.latencyMs, seed: req.seed };
    const clean = await measure(s, req, {
      name: "no-throttling",
      concurrency: req.concurrency,
      rate: Infinity,
      aws: steadyNetwork,
      kube: steadyNetwork,
    });
    runs.push(clean.measure);
    for (const c of req.concurrencies) {
      const r = await measure(s, req, {
        name: "full",
        concurrency: c,
        rate: Infinity,
        aws: unreliable,
        kube: unreliable,
      });
      runs.push(r.measure);
    }
    const base = {
      concurrency: req.concurrency,
      rate: Infinity,
      aws: unreliable,
      kube: unreliable,
    };
    const first = await measure(s, req, {
      ...base,
      name: "prefilter-first",
      prefilter: { enabled: true, fullSweepEvery: req.fullSweepEvery },
    });
    runs.push(first.measure);
    const steady = await measure(s, req, {
      ...base,
      name: "prefilter-steady",
      prefilter: { enabled: true, fullSweepEvery: req.fullSweepEvery, previous: first.state },
    });
    runs.push(steady.measure);
    const rolling = await measure(s, req, {
      ...base,
      name: "prefilter-rolling",
      prefilter: {
        enabled: true,
        sweep: "rolling",
        fullSweepEvery: req.fullSweepEvery,
        previous: first.state,
      },
    });
    runs.push(rolling.measure);
    const full = findingKeys(first.snapshot);
    const filtered = findingKeys(steady.snapshot);

    if (req.polite) {
      const bucketed = { ...unreliable, accountBucket: ACCOUNT_BUCKET };
      const polite = { concurrency: req.concurrency, aws: bucketed, kube: unreliable };
      runs.push(
        (await measure(s, req, { ...polite, name: "account-bucket", rate: Infinity })).measure,
      );
      runs.push((await measure(s, req, { ...polite, name: "polite", rate: req.rate })).measure);
      runs.push(
        (
          await measure(s, req, {
            ...polite,
            name: "polite-prefilter",
            rate: req.rate,
            prefilter: { enabled: true, fullSweepEvery: req.fullSweepEvery, previous: first.state },
          })
        ).measure,
      );
    }
    const result: ChildResult = {
      world: s.world,
      runs,
      prefilterMissed: difference(full, filtered),
      prefilterExtra: difference(filtered, full),
      findingsFull: full.size,
    };
    process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
  } finally {
    s.child.kill();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`collection bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
