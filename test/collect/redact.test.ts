/**
 * Inline values of pods never reach a snapshot: env values (but the Istio probe list the
 * engine reads), command, args and the kubectl apply annotation are blanked by the collector.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eksKubeConfig } from "../../lib/collect/kubeconfig";
import { collectKubernetes } from "../../lib/collect/kubernetes";
import { REDACTED, redactAnnotations, redactPod, redactText } from "../../lib/collect/redact";
import { PATHS, TEST_CA_DATA, startFakeApiServer, type FakeApiServer } from "./fake-apiserver";
import { clusterCollections } from "./kube-objects";
import { ALB, NLB } from "../../lib/controller/conventions";

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

  it("blanks probe headers, exec and lifecycle commands, CSI attributes and annotations in every container list", () => {
    const handler = (secret: string) => ({
      exec: { command: ["sh", "-c", `curl -H 'X-Token: ${secret}' localhost`] },
    });
    const http = (secret: string) => ({
      httpGet: {
        path: "/healthz",
        port: 8080,
        scheme: "HTTP",
        httpHeaders: [{ name: "Authorization", value: `Bearer ${secret}` }],
      },
    });
    const container = (name: string, n: number) => ({
      name,
      readinessProbe: http(`probe-header-${n}`),
      livenessProbe: handler(`probe-exec-${n}`),
      startupProbe: http(`startup-header-${n}`),
      lifecycle: { postStart: handler(`post-start-${n}`), preStop: http(`pre-stop-${n}`) },
    });
    const probers = JSON.stringify({
      "/app-health/web/readyz": http("istio-copy-header"),
    });
    const pod = {
      metadata: {
        name: "p",
        annotations: {
          "example.com/db-url": "postgres://app:annotation-secret@db:5432/app",
          "alb.ingress.kubernetes.io/healthcheck-path": "/healthz",
          "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "8080",
          "sidecar.istio.io/rewriteAppHTTPProbers": "true",
          "traffic.sidecar.istio.io/excludeInboundPorts": "9090",
          "vpc.amazonaws.com/pod-eni": '[{"eniId":"eni-1"}]',
          "alb-health-auditor/ignore": "HC001",
          "kubectl.kubernetes.io/default-container": "web",
        },
      },
      spec: {
        containers: [
          container("web", 1),
          { name: "istio-proxy", env: [{ name: "ISTIO_KUBE_APP_PROBERS", value: probers }] },
        ],
        initContainers: [container("init", 2)],
        ephemeralContainers: [container("debug", 3)],
        volumes: [
          {
            name: "store",
            csi: { driver: "secrets-store", volumeAttributes: { token: "csi-secret" } },
          },
          { name: "flex", flexVolume: { driver: "x", options: { password: "flex-secret" } } },
        ],
      },
    };
    const out = redactPod(pod);
    const text = JSON.stringify(out);
    for (const secret of [
      "probe-header",
      "probe-exec",
      "startup-header",
      "post-start",
      "pre-stop",
      "istio-copy-header",
      "annotation-secret",
      "csi-secret",
      "flex-secret",
    ]) {
      expect(text).not.toContain(secret);
    }
    const web = (out.spec as typeof pod.spec).containers[0] as ReturnType<typeof container>;
    // What the engine checks is kept: probe path, port, scheme, header names, the annotations.
    expect(web.readinessProbe.httpGet).toEqual({
      path: "/healthz",
      port: 8080,
      scheme: "HTTP",
      httpHeaders: [{ name: "Authorization", value: REDACTED }],
    });
    const annotations = (out.metadata as typeof pod.metadata).annotations;
    expect(annotations).toEqual({ ...pod.metadata.annotations, "example.com/db-url": REDACTED });
    const proxy = (out.spec as typeof pod.spec).containers[1] as { env: { value: string }[] };
    expect(JSON.parse(proxy.env[0]!.value)["/app-health/web/readyz"].httpGet.path).toBe("/healthz");
    expect(pod.spec.volumes[0]!.csi!.volumeAttributes.token).toBe("csi-secret");
  });

  it("keeps the value of every annotation a rule reads", () => {
    // Every key-shaped literal in the engine, but labels, tags and API versions.
    const NOT_ANNOTATIONS = new Set([
      "topology.kubernetes.io/zone",
      "failure-domain.beta.kubernetes.io/zone",
      "kubernetes.io/service-name",
      "kubernetes.io/role/elb",
      "kubernetes.io/role/internal-elb",
      "statefulset.kubernetes.io/pod-name",
      "apps.kubernetes.io/pod-index",
      "elbv2.k8s.aws/cluster",
      "ingress.k8s.aws/stack",
      "ingress.k8s.aws/resource",
      "service.k8s.aws/stack",
      "service.k8s.aws/resource",
      "kubectl.kubernetes.io/last-applied-configuration",
      // Gateway API: GatewayClass controller names and the labels of generated Services.
      "gateway.k8s.aws/alb",
      "gateway.k8s.aws/nlb",
      "gateway.networking.k8s.io/gateway-name",
    ]);
    const dir = join(__dirname, "../../lib/analyze");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".ts"),
    );
    const keys = new Set<string>();
    for (const file of files) {
      const source = readFileSync(join(dir, file), "utf8");
      for (const m of source.matchAll(
        /"((?:[a-z0-9-]+\.)+[a-z]+\/[A-Za-z][\w.-]*|alb-health-auditor\/[a-z-]+)"/g,
      )) {
        if (!/\/v\d/.test(m[1]!) && !NOT_ANNOTATIONS.has(m[1]!)) keys.add(m[1]!);
      }
    }
    // The controller's annotations are spelled once, in its conventions module.
    for (const key of [...Object.values(ALB), ...Object.values(NLB)]) keys.add(key);
    expect(keys.size).toBeGreaterThan(10);
    const annotations = Object.fromEntries([...keys].map((k) => [k, "value"]));
    expect(redactAnnotations(annotations)).toEqual(annotations);
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
