import { afterEach, describe, expect, it } from "vitest";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import { startKubeStandIn, type KubeStandIn } from "../../bench/standins/kube";
import { generateSnapshot } from "../../bench/generator";

let server: KubeStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("collectKubernetes connections", () => {
  it("reads every page over at most one kept-alive connection per kind in flight", async () => {
    const { snapshot } = generateSnapshot({ targetGroups: 20, nodes: 30, pods: 1200, faults: 0 });
    server = await startKubeStandIn(snapshot.kubernetes);
    const { lists, gaps } = await collectKubernetes(server.kubeConfig(), {
      pageSize: 100,
      concurrency: 2,
    });
    expect(gaps).toEqual([]);
    expect(lists.pods).toHaveLength(1200);
    expect(lists.pods.map((p) => p.metadata)).toEqual(
      snapshot.kubernetes.pods?.map((p) => p.metadata),
    );
    const pages = server.faults.total().requests;
    expect(pages).toBeGreaterThanOrEqual(12 + 6);
    expect(server.connections()).toBeLessThanOrEqual(2);
  });
});
