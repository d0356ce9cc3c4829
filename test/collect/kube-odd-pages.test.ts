/**
 * Answers a real API server should never give, but a proxy, an aggregated API or a bug can:
 * each must end as a gap for that kind, never a hang or a crash of the whole collection.
 */
import { createServer, type Server, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import type { KubeEndpoint } from "../../lib/collect/kube-page";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Plain HTTP on loopback (the page fetcher allows it); `answer` gets the path and continue. */
async function serve(
  answer: (path: string, token: string | null) => string,
): Promise<KubeEndpoint> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(answer(url.pathname, url.searchParams.get("continue")));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent();
  return { server: `http://127.0.0.1:${port}`, authorize: async () => ({ headers: {}, agent }) };
}

const empty = JSON.stringify({ metadata: {}, items: [] });
const fast = { retries: 0, retryDelayMs: 1, requestTimeoutMs: 2_000 };

describe("collectKubernetes with odd list answers", () => {
  it("stops a list whose continue token repeats and records a gap instead of looping", async () => {
    let podPages = 0;
    const endpoint = await serve((path) => {
      if (path !== "/api/v1/pods") return empty;
      podPages++;
      return JSON.stringify({
        metadata: { continue: "same" },
        items: [{ metadata: { name: "p" } }],
      });
    });
    const { lists, gaps } = await collectKubernetes(endpoint, fast);
    expect(podPages).toBeLessThanOrEqual(3);
    expect(lists.pods).toEqual([]);
    expect(gaps).toEqual([
      { source: "kubernetes.pods", message: expect.stringContaining("continue token repeated") },
    ]);
  }, 10_000);

  it("records a gap for a list whose items are not an array", async () => {
    const endpoint = await serve((path) =>
      path === "/api/v1/nodes" ? JSON.stringify({ metadata: {}, items: { a: 1 } }) : empty,
    );
    const { lists, gaps } = await collectKubernetes(endpoint, fast);
    expect(lists.nodes).toEqual([]);
    expect(gaps).toEqual([
      { source: "kubernetes.nodes", message: "the list response has no items array" },
    ]);
  });

  it("records a gap for malformed JSON and a non-object item, and lists the rest", async () => {
    const endpoint = await serve((path) =>
      path === "/api/v1/services"
        ? "{not json"
        : path === "/api/v1/pods"
          ? JSON.stringify({ metadata: {}, items: [null] })
          : empty,
    );
    const { gaps } = await collectKubernetes(endpoint, fast);
    expect(gaps.map((g) => g.source).sort()).toEqual(["kubernetes.pods", "kubernetes.services"]);
    expect(gaps.find((g) => g.source === "kubernetes.services")?.message).toBe(
      "the list response is not valid JSON",
    );
    expect(gaps.find((g) => g.source === "kubernetes.pods")?.message).toBe(
      "the list response has an item that is not an object",
    );
  });
});
