/**
 * The collection deadline: Kubernetes lists and AWS calls still unanswered when it fires end
 * at once and become gaps naming the deadline, while everything answered in time is kept.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, describe, expect, it } from "vitest";
import { readTargetHealth } from "../../lib/collect/aws";
import { collectionDeadline, stopAtDeadline } from "../../lib/collect/deadline";
import { eksKubeConfig } from "../../lib/collect/kubeconfig";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import { PATHS, TEST_CA_DATA, startFakeApiServer, type FakeApiServer } from "./fake-apiserver";
import { binding, clusterCollections } from "./kube-objects";

const TOKEN = "k8s-aws-v1.test-token";
const TG_OK = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ok/0123456789abcdef";
const TG_SLOW =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/slow/0123456789abcdef";

let api: FakeApiServer | undefined;
let elb: Server | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  if (elb) {
    elb.closeAllConnections();
    await new Promise((resolve) => elb!.close(resolve));
    elb = undefined;
  }
});

const connect = (url: string) =>
  eksKubeConfig({ name: "prod", endpoint: url, caData: TEST_CA_DATA }, async () => TOKEN);

describe("collectKubernetes with a deadline", () => {
  it("ends a list the server never answers at the deadline, not at the request timeout", async () => {
    api = await startFakeApiServer({
      authorize: (h) => h === `Bearer ${TOKEN}`,
      collections: clusterCollections([binding("shop", "web", TG_OK)]),
      answers: { [PATHS.pods]: { status: 0, reason: "", message: "", hang: true, times: 99 } },
    });
    // Long enough for the other sixteen kinds (and the 404s of the Gateway API versions) on a
    // busy machine; far below the request timeout the hung list would otherwise wait out.
    const deadline = collectionDeadline(2_000);
    const started = Date.now();
    const { lists, gaps } = await collectKubernetes(connect(api.url), {
      retries: 2,
      requestTimeoutMs: 30_000,
      signal: deadline.signal,
    });
    deadline.clear();
    expect(Date.now() - started).toBeLessThan(5_000);
    // No Istio API in this cluster: that 404 came back in time and is its own gap.
    expect(gaps.filter((g) => g.source !== "kubernetes.peerAuthentications")).toEqual([
      {
        source: "kubernetes.pods",
        message: "not answered within the collection deadline (2s)",
      },
    ]);
    expect(lists.pods).toEqual([]);
    expect(lists.targetGroupBindings).toHaveLength(1);
    expect(lists.nodes.length).toBeGreaterThan(0);
  });

  it("does not wait out a retry backoff past the deadline", async () => {
    api = await startFakeApiServer({
      authorize: (h) => h === `Bearer ${TOKEN}`,
      collections: clusterCollections([]),
      answers: {
        [PATHS.services]: { status: 503, reason: "ServiceUnavailable", message: "busy", times: 99 },
      },
    });
    const deadline = collectionDeadline(300);
    const started = Date.now();
    const { gaps } = await collectKubernetes(connect(api.url), {
      retries: 3,
      retryDelayMs: 20_000,
      signal: deadline.signal,
    });
    deadline.clear();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gaps).toContainEqual({
      source: "kubernetes.services",
      message: "not answered within the collection deadline (0.3s)",
    });
  });
});

/** ELB's query protocol: answers DescribeTargetHealth for TG_OK, never for anything else. */
async function startElb(): Promise<string> {
  elb = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const arn = new URLSearchParams(body).get("TargetGroupArn");
      if (arn !== TG_OK) return; // hang
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">` +
          `<DescribeTargetHealthResult><TargetHealthDescriptions><member>` +
          `<Target><Id>i-0abc</Id><Port>31246</Port></Target>` +
          `<TargetHealth><State>healthy</State></TargetHealth>` +
          `</member></TargetHealthDescriptions></DescribeTargetHealthResult>` +
          `<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>` +
          `</DescribeTargetHealthResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => elb!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(elb!.address() as AddressInfo).port}`;
}

const elbClient = (endpoint: string) =>
  new ElasticLoadBalancingV2Client({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" },
    maxAttempts: 3,
  });

describe("AWS calls with a deadline", () => {
  it("reads the groups that answer and records the one that did not as a gap", async () => {
    const client = elbClient(await startElb());
    const deadline = collectionDeadline(500);
    stopAtDeadline(client, deadline.signal);
    const started = Date.now();
    const { byArn, gaps } = await readTargetHealth(client, [TG_OK, TG_SLOW], 2);
    deadline.clear();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(byArn.get(TG_OK)).toEqual([
      expect.objectContaining({ Target: { Id: "i-0abc", Port: 31246 } }),
    ]);
    expect(gaps).toEqual([
      {
        source: "aws.targetGroups",
        targetGroupArn: TG_SLOW,
        message:
          "DescribeTargetHealth failed: DeadlineExceeded: not answered within the collection deadline (0.5s)",
      },
    ]);
  });

  it("fails calls made after the deadline at once, and stops doing so once the signal is swapped", async () => {
    const client = elbClient(await startElb());
    const deadline = collectionDeadline(0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    stopAtDeadline(client, deadline.signal);
    await expect(
      client.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG_OK })),
    ).rejects.toMatchObject({ name: "DeadlineExceeded" });

    stopAtDeadline(client, undefined);
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG_OK }));
    expect(out.TargetHealthDescriptions).toHaveLength(1);
    // One step on the stack, however often it is attached.
    const names = client.middlewareStack.identify().filter((n) => n.includes("Deadline"));
    expect(names).toHaveLength(1);
  });
});
