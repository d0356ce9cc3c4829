/**
 * The network checks' share of an audit (`npm run bench -- --only network`, or on its own
 * `npx tsx bench/network.ts`):
 *
 * - collection: the real EC2 collector against the EC2 stand-in (bench/standins/ec2.ts) with
 *   latency, for generated clusters of 200 and 2,000 target groups: calls against the floor
 *   (bench/ec2-floor.ts) and wall time, unlimited and at the default client-side rate;
 * - analysis: the network verdict of every listed target (checked port, and traffic port where
 *   the check uses another) at the analysis sizes, which must grow linearly with the targets,
 *   and the whole audit (`analyze`, NET001–NET003 included) with and without the EC2 lists.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ec2Floor } from "./ec2-floor";
import { generateSnapshot } from "./generator";
import { startEc2StandIn, type Ec2World } from "./standins/ec2";
import { table } from "./table";
import { NetworkPaths, type TargetSpec } from "../lib/analyze/network";
import { POD_ENI_ANNOTATION } from "../lib/analyze/network/target-interface";
import { DEFAULT_EC2_CALLS_PER_SECOND, collectEc2, createEc2Client } from "../lib/collect/ec2";
import { analyze } from "../lib/analyze";
import { parseSnapshot } from "../lib/snapshot/read";
import type { SnapshotInput } from "../lib/snapshot/schema";

interface Size {
  targetGroups: number;
  nodes: number;
  pods: number;
}

export const NETWORK_COLLECTION_SIZES: Size[] = [
  { targetGroups: 200, nodes: 500, pods: 10_000 },
  { targetGroups: 2000, nodes: 5000, pods: 100_000 },
];
export const NETWORK_ANALYSIS_SIZES: Size[] = [
  { targetGroups: 10, nodes: 20, pods: 500 },
  { targetGroups: 200, nodes: 500, pods: 10_000 },
  { targetGroups: 1000, nodes: 2500, pods: 50_000 },
  { targetGroups: 2000, nodes: 5000, pods: 100_000 },
];

export interface NetworkCollectionRow {
  size: Size;
  objects: Record<string, number>;
  floor: number;
  runs: { rate: number | "unlimited"; calls: number; wallMs: number }[];
}

export interface NetworkAnalysisRow {
  size: Size;
  targets: number;
  verdicts: number;
  indexMs: number;
  evaluateMs: number;
  usPerVerdict: number;
  /** The whole audit (`analyze`, every rule) with the EC2 lists and without them. */
  auditWithMs: number;
  auditWithoutMs: number;
}

const CREDENTIALS = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" };

async function collectionRow(
  size: Size,
  latencyMs: [number, number],
  concurrency: number,
  seed: number,
  log: (line: string) => void,
): Promise<NetworkCollectionRow> {
  const { snapshot } = generateSnapshot({ ...size, seed, network: true });
  const world = snapshot.aws as unknown as Ec2World;
  const standIn = await startEc2StandIn(world, { latencyMs, seed });
  const inputs = {
    loadBalancers: snapshot.aws.loadBalancers ?? [],
    targetGroups: snapshot.aws.targetGroups ?? [],
    nodes: snapshot.kubernetes.nodes ?? [],
    pods: snapshot.kubernetes.pods ?? [],
  };
  const floor = Object.values(ec2Floor(snapshot)).reduce((a, b) => a + b, 0);
  const runs: NetworkCollectionRow["runs"] = [];
  try {
    for (const rate of [Infinity, DEFAULT_EC2_CALLS_PER_SECOND]) {
      standIn.faults.reset();
      const client = createEc2Client(snapshot.cluster.region, {
        endpoint: standIn.url,
        credentials: CREDENTIALS,
      });
      const started = performance.now();
      const out = await collectEc2(client, inputs, { ec2CallsPerSecond: rate, concurrency });
      const wallMs = performance.now() - started;
      if (out.gaps.length > 0) throw new Error(`gaps: ${JSON.stringify(out.gaps)}`);
      const calls = standIn.faults.total().requests;
      runs.push({ rate: Number.isFinite(rate) ? rate : "unlimited", calls, wallMs });
      log(
        `network collection ${size.targetGroups} TGs, rate ${rate}: ${calls} calls, ${Math.round(wallMs)} ms`,
      );
    }
  } finally {
    await standIn.close();
  }
  return {
    size,
    objects: Object.fromEntries(
      Object.entries(world).map(([list, items]) => [list, (items as unknown[]).length]),
    ),
    floor,
    runs,
  };
}

/** Every listed target's verdict on its checked port (and traffic port when the check uses another). */
export function evaluateAll(snapshot: SnapshotInput): { targets: number; verdicts: number } {
  const paths = new NetworkPaths(snapshot.aws);
  const lbs = new Map((snapshot.aws.loadBalancers ?? []).map((lb) => [lb.LoadBalancerArn, lb]));
  const podEni = new Map(
    (snapshot.kubernetes.pods ?? []).flatMap((p) => {
      const a = p.metadata.annotations?.[POD_ENI_ANNOTATION];
      return a && p.status?.podIP ? [[p.status.podIP, a] as const] : [];
    }),
  );
  let targets = 0;
  let verdicts = 0;
  for (const tg of snapshot.aws.targetGroups ?? []) {
    const lb = lbs.get(tg.LoadBalancerArns?.[0] ?? "");
    if (!lb) continue;
    for (const d of tg.TargetHealthDescriptions ?? []) {
      targets++;
      const id = d.Target.Id;
      const spec: TargetSpec =
        tg.TargetType === "instance"
          ? { type: "instance", instanceId: id }
          : { type: "ip", address: id, vpcId: tg.VpcId, podEni: podEni.get(id) };
      const traffic = d.Target.Port ?? 0;
      const checked = Number(d.HealthCheckPort ?? traffic) || traffic;
      paths.evaluate(lb, spec, checked);
      verdicts++;
      if (checked !== traffic) {
        paths.evaluate(lb, spec, traffic);
        verdicts++;
      }
    }
  }
  return { targets, verdicts };
}

function analysisRow(size: Size, seed: number, runs: number): NetworkAnalysisRow {
  const { snapshot } = generateSnapshot({ ...size, seed, network: true });
  let best = { indexMs: Infinity, evaluateMs: Infinity, targets: 0, verdicts: 0 };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    new NetworkPaths(snapshot.aws);
    const t1 = performance.now();
    const counted = evaluateAll(snapshot);
    const t2 = performance.now();
    // evaluateAll builds its own index: its time less the index's is the verdicts'.
    const indexMs = t1 - t0;
    const evaluateMs = Math.max(0, t2 - t1 - indexMs);
    if (indexMs + evaluateMs < best.indexMs + best.evaluateMs) {
      best = { indexMs, evaluateMs, ...counted };
    }
  }
  const withLists = parseSnapshot(structuredClone(snapshot));
  const without = structuredClone(snapshot);
  for (const list of EC2_LISTS) delete without.aws[list];
  const withoutLists = parseSnapshot(without);
  return {
    size,
    targets: best.targets,
    verdicts: best.verdicts,
    indexMs: best.indexMs,
    evaluateMs: best.evaluateMs,
    usPerVerdict: (best.evaluateMs * 1000) / Math.max(1, best.verdicts),
    auditWithMs: bestOf(Math.min(runs, 3), () => analyze(withLists)),
    auditWithoutMs: bestOf(Math.min(runs, 3), () => analyze(withoutLists)),
  };
}

const EC2_LISTS = [
  "instances",
  "networkInterfaces",
  "securityGroups",
  "subnets",
  "networkAcls",
] as const;

/** The fastest of `runs` calls, in ms (each audit builds its own model and verdicts). */
function bestOf(runs: number, f: () => unknown): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export interface NetworkSection {
  latencyMs: [number, number];
  concurrency: number;
  seed: number;
  collection: NetworkCollectionRow[];
  analysis: NetworkAnalysisRow[];
}

export async function runNetworkBench(
  options: {
    latencyMs?: [number, number];
    concurrency?: number;
    seed?: number;
    log?: (line: string) => void;
  } = {},
): Promise<NetworkSection> {
  const latencyMs = options.latencyMs ?? [20, 50];
  const concurrency = options.concurrency ?? 4;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const collection: NetworkCollectionRow[] = [];
  for (const size of NETWORK_COLLECTION_SIZES) {
    collection.push(await collectionRow(size, latencyMs, concurrency, seed, log));
  }
  const analysis = NETWORK_ANALYSIS_SIZES.map((size) => {
    const row = analysisRow(size, seed, 5);
    log(
      `network analysis ${size.targetGroups} TGs: ${row.verdicts} verdicts, ${row.evaluateMs.toFixed(1)} ms`,
    );
    return row;
  });
  return { latencyMs, concurrency, seed, collection, analysis };
}

const s1 = (ms: number) => (ms / 1000).toFixed(1);

export function networkTables(section: NetworkSection): string {
  const collection = table(
    [
      "target groups",
      "instances / interfaces / SGs / subnets / ACLs",
      "EC2 floor",
      "calls (unlimited)",
      "wall s (unlimited)",
      `calls at ${DEFAULT_EC2_CALLS_PER_SECOND}/s`,
      `wall s at ${DEFAULT_EC2_CALLS_PER_SECOND}/s`,
    ],
    section.collection.map((r) => {
      const [free, polite] = r.runs;
      const o = r.objects;
      return [
        String(r.size.targetGroups),
        `${o.instances} / ${o.networkInterfaces} / ${o.securityGroups} / ${o.subnets} / ${o.networkAcls}`,
        String(r.floor),
        String(free?.calls ?? "-"),
        free ? s1(free.wallMs) : "-",
        String(polite?.calls ?? "-"),
        polite ? s1(polite.wallMs) : "-",
      ];
    }),
  );
  const analysis = table(
    [
      "target groups",
      "targets",
      "verdicts",
      "index ms",
      "verdicts ms",
      "µs / verdict",
      "audit ms with EC2 lists",
      "audit ms without",
    ],
    section.analysis.map((r) => [
      String(r.size.targetGroups),
      String(r.targets),
      String(r.verdicts),
      r.indexMs.toFixed(1),
      r.evaluateMs.toFixed(1),
      r.usPerVerdict.toFixed(2),
      r.auditWithMs.toFixed(0),
      r.auditWithoutMs.toFixed(0),
    ]),
  );
  return `EC2 collection (latency ${section.latencyMs.join("-")} ms, concurrency ${section.concurrency})\n\n${collection}\n\nNetwork verdicts\n\n${analysis}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const { values } = parseArgs({ options: { seed: { type: "string" } } });
  runNetworkBench({
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  })
    .then((section) => console.log(networkTables(section)))
    .catch((error: unknown) => {
      process.stderr.write(`bench: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
}
