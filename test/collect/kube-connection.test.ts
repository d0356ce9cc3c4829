import { afterEach, describe, expect, it } from "vitest";
import { eksEndpoint } from "../../lib/collect/eks-cluster";
import { collectKubernetes, listedResources } from "../../lib/collect/kubernetes";
import { CA_DATA, KUBE_TOKEN, startKubeStandIn, type KubeStandIn } from "../../bench/standins/kube";
import { OTHER_CA_DATA } from "./fake-apiserver";
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

  it("lists the TargetGroupBindings first and reports each kind as it is done", async () => {
    const { snapshot } = generateSnapshot({ targetGroups: 12, nodes: 10, pods: 300, faults: 0 });
    server = await startKubeStandIn(snapshot.kubernetes);
    const listed: [string, number][] = [];
    const { lists } = await collectKubernetes(server.kubeConfig(), {
      concurrency: 1,
      pageSize: 50,
      onListed: (list, items) => listed.push([list, items.length]),
    });
    expect(listed[0]).toEqual(["targetGroupBindings", 12]);
    expect(Object.fromEntries(listed)).toEqual(
      Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.length])),
    );
    // The snapshot keeps its usual order of lists whatever the order of listing.
    expect(Object.keys(lists)[0]).toBe("nodes");
  });

  it("reaches EKS without a kubeconfig: the cluster CA, a token asked per request, one connection", async () => {
    const { snapshot } = generateSnapshot({ targetGroups: 10, nodes: 10, pods: 400, faults: 0 });
    server = await startKubeStandIn(snapshot.kubernetes);
    let asked = 0;
    const endpoint = eksEndpoint({ endpoint: server.url, caData: CA_DATA }, async () => {
      asked++;
      return KUBE_TOKEN;
    });
    const { lists, gaps } = await collectKubernetes(endpoint, { pageSize: 100, concurrency: 1 });
    endpoint.close?.();
    expect(gaps).toEqual([]);
    expect(lists.pods).toHaveLength(400);
    expect(asked).toBe(server.faults.total().requests);
    expect(server.connections()).toBe(1);
  });

  it("refuses an EKS endpoint whose certificate the cluster CA did not sign", async () => {
    const { snapshot } = generateSnapshot({ targetGroups: 2, nodes: 2, pods: 4, faults: 0 });
    server = await startKubeStandIn(snapshot.kubernetes);
    const endpoint = eksEndpoint(
      { endpoint: server.url, caData: OTHER_CA_DATA },
      async () => KUBE_TOKEN,
    );
    const { lists, gaps } = await collectKubernetes(endpoint, { retries: 0 });
    endpoint.close?.();
    expect(lists.pods).toEqual([]);
    expect(gaps).toHaveLength(listedResources().length);
    expect(gaps[0]?.message).toMatch(/certificate/i);
    expect(server.faults.total().requests).toBe(0);
  });
});
