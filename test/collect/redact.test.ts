/**
 * Inline values of pods never reach a snapshot: env values (but the Istio probe list the
 * engine reads), command, args and the kubectl apply annotation are blanked by the collector.
 */
import { afterEach, describe, expect, it } from "vitest";
import { eksKubeConfig } from "../../lib/collect/eks-cluster";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import { REDACTED, redactPod, redactText } from "../../lib/collect/redact";
import { PATHS, TEST_CA_DATA, startFakeApiServer, type FakeApiServer } from "./fake-apiserver";
import { clusterCollections } from "./kube-objects";

const PROBERS = JSON.stringify({
  "/app-health/web/readyz": { httpGet: { path: "/ready", port: 8080, scheme: "HTTP" } },
});

function podWithSecrets() {
  return {
    metadata: {
      name: "web-1",
      namespace: "shop",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": '{"env":[{"value":"hunter2"}]}',
        "sidecar.istio.io/status": '{"containers":["istio-proxy"]}',
      },
    },
    spec: {
      containers: [
        {
          name: "web",
          command: ["/app", "--db-password=hunter2"],
          args: ["--token", "tok-123"],
          env: [
            { name: "DB_PASSWORD", value: "hunter2" },
            { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
            { name: "EMPTY" },
          ],
          ports: [{ containerPort: 8080 }],
          readinessProbe: { httpGet: { path: "/app-health/web/readyz", port: 15020 } },
        },
        { name: "istio-proxy", env: [{ name: "ISTIO_KUBE_APP_PROBERS", value: PROBERS }] },
      ],
      initContainers: [{ name: "migrate", env: [{ name: "API_KEY", value: "ak-456" }] }],
    },
    status: { phase: "Running" },
  };
}

describe("redactPod", () => {
  it("blanks inline values and keeps references, probes and ISTIO_KUBE_APP_PROBERS", () => {
    const pod = podWithSecrets();
    const out = redactPod(pod) as ReturnType<typeof podWithSecrets>;
    const [web, proxy] = out.spec.containers;
    expect(web!.env).toEqual([
      { name: "DB_PASSWORD", value: REDACTED },
      { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
      { name: "EMPTY" },
    ]);
    expect(web!.command).toEqual([REDACTED, REDACTED]);
    expect(web!.args).toEqual([REDACTED, REDACTED]);
    expect(web!.readinessProbe).toEqual(pod.spec.containers[0]!.readinessProbe);
    expect(proxy!.env).toEqual([{ name: "ISTIO_KUBE_APP_PROBERS", value: PROBERS }]);
    expect(out.spec.initContainers[0]!.env).toEqual([{ name: "API_KEY", value: REDACTED }]);
    expect(out.metadata.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": REDACTED,
      "sidecar.istio.io/status": '{"containers":["istio-proxy"]}',
    });
    expect(out.status).toEqual(pod.status);
    // The input is left as it was.
    expect(pod.spec.containers[0]!.env[0]!.value).toBe("hunter2");
  });

  it("leaves a pod without those fields as it is", () => {
    const plain = { metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } };
    expect(redactPod(plain)).toEqual(plain);
  });
});

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

it("collectKubernetes blanks them in the pods it lists", async () => {
  const collections = clusterCollections([]);
  collections[PATHS.pods]!.items = [podWithSecrets()];
  api = await startFakeApiServer({ authorize: () => true, collections });
  const kc = eksKubeConfig(
    { name: "prod", endpoint: api.url, caData: TEST_CA_DATA },
    async () => "k8s-aws-v1.t",
  );
  const { lists } = await collectKubernetes(kc, { retries: 0 });
  const text = JSON.stringify(lists);
  for (const secret of ["hunter2", "tok-123", "ak-456"]) expect(text).not.toContain(secret);
  expect(text).toContain(JSON.stringify(PROBERS).slice(1, -1));
  expect(lists.pods).toHaveLength(1);
});

describe("redactText (event messages)", () => {
  it("keeps the controller's words, names and annotation keys", () => {
    const messages = [
      "Failed build model due to failed to parse int32 annotation, alb.ingress.kubernetes.io/healthcheck-interval-seconds: abc",
      'auth-idp-oidc: {"issuer":"https://idp.example","secretName":"oidc-client"}',
      "expected exactly one securityGroup tagged with kubernetes.io/cluster/prod for eni eni-0abc",
      "couldn't find targetGroup with ARN arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef",
    ];
    for (const m of messages) expect(redactText(m)).toBe(m);
  });

  it("blanks the value of key=value credentials however they are quoted", () => {
    expect(redactText("password=hunter2 token: abc123 'apiKey': 'k-1'")).toBe(
      `password=${REDACTED} token: ${REDACTED} 'apiKey': '${REDACTED}'`,
    );
  });
});
