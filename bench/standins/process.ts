/**
 * The AWS and Kubernetes stand-ins in a process of their own, so the CPU they spend serialising
 * pages shares neither the event loop nor the core of the collector being measured.
 *
 *   node --import tsx bench/standins/process.ts '{"targetGroups":200,"nodes":500,"pods":10000}'
 *
 * Generates the snapshot (bench/generator, same seed, same cluster), prints one JSON line
 * `{ aws, kube, control, world }` and serves until killed. POST to `control` with
 * `{ "aws"?: FaultOptions, "kube"?: FaultOptions }` to change latency or throttling (the counts
 * start over); any POST answers with the requests counted since.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSnapshot } from "../generator";
import { startAwsStandIn } from "./aws";
import type { FaultOptions } from "./faults";
import { CA_DATA, startKubeStandIn } from "./kube";

export interface StandInRequest {
  targetGroups: number;
  nodes: number;
  pods: number;
  seed?: number;
  faults?: number;
  aws?: FaultOptions;
  kube?: FaultOptions;
}

/** Sizes the call floor is computed from. */
export interface WorldCounts {
  clusterName: string;
  region: string;
  loadBalancers: number;
  targetGroups: number;
  /** (target group, load balancer) pairs: what the prefilter queries, two metrics each. */
  pairs: number;
  /** Groups a steady-state prefiltered run must still list: failing, empty, or detached. */
  flagged: number;
  kubernetes: Record<string, number>;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? "{}") as StandInRequest;
  const { snapshot } = generateSnapshot({
    targetGroups: request.targetGroups,
    nodes: request.nodes,
    pods: request.pods,
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.faults !== undefined ? { faults: request.faults } : {}),
  });
  const groups = snapshot.aws.targetGroups ?? [];
  const kube = await startKubeStandIn(snapshot.kubernetes, request.kube);
  const aws = await startAwsStandIn(
    {
      loadBalancers: snapshot.aws.loadBalancers ?? [],
      targetGroups: groups,
      cluster: {
        name: snapshot.cluster.name,
        vpcId: groups[0]?.VpcId ?? "vpc-unknown",
        endpoint: kube.url,
        caData: CA_DATA,
      },
    },
    request.aws,
  );

  const states = (tg: (typeof groups)[number], state: string) =>
    (tg.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === state).length;
  const world: WorldCounts = {
    clusterName: snapshot.cluster.name,
    region: snapshot.cluster.region,
    loadBalancers: snapshot.aws.loadBalancers?.length ?? 0,
    targetGroups: groups.length,
    pairs: groups.reduce((n, tg) => n + (tg.LoadBalancerArns ?? []).length, 0),
    flagged: groups.filter(
      (tg) =>
        (tg.LoadBalancerArns ?? []).length === 0 ||
        states(tg, "unhealthy") > 0 ||
        states(tg, "healthy") === 0,
    ).length,
    kubernetes: Object.fromEntries(
      Object.entries(snapshot.kubernetes).map(([k, v]) => [k, Array.isArray(v) ? v.length : 0]),
    ),
  };

  const control = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body: Pick<StandInRequest, "aws" | "kube"> = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as StandInRequest)
        : {};
      const counts = { aws: aws.faults.snapshot(), kube: kube.faults.snapshot() };
      if (body.aws) aws.faults.configure(body.aws);
      if (body.kube) kube.faults.configure(body.kube);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(counts));
    });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const port = (control.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ aws: aws.url, kube: kube.url, control: `http://127.0.0.1:${port}`, world })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`stand-ins: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
