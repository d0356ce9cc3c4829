/**
 * Kubernetes objects of a planned cluster, shaped as `kubectl get -o json` serves them (minus
 * managedFields), with the fields real objects carry around the ones the engine reads.
 */
import type { SnapshotInput } from "../../lib/snapshot/schema";
import type { ClusterPlan, NodePlan, PodPlan, WorkloadPlan } from "./plan";

type K = Required<SnapshotInput["kubernetes"]>;
export type NodeJson = K["nodes"][number];
export type PodJson = K["pods"][number];
export type ServiceJson = K["services"][number];
export type SliceJson = K["endpointSlices"][number];
export type IngressJson = K["ingresses"][number];
export type BindingJson = K["targetGroupBindings"][number];
export type PeerAuthJson = K["peerAuthentications"][number];

export const CREATED = "2026-11-20T08:00:00Z";
const ENDPOINTS_PER_SLICE = 100;
const APP_PORT = 8080;
export const ADMIN_PORT = 9090;
const STATUS_PORT = 15021;
const NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup";
const ALB = "alb.ingress.kubernetes.io";

export function nodeObject(plan: ClusterPlan, n: NodePlan): NodeJson {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      uid: `node-${n.instanceId}`,
      creationTimestamp: CREATED,
      labels: {
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.2xlarge",
        "topology.kubernetes.io/region": plan.region,
        "topology.kubernetes.io/zone": n.zone,
        [NODEGROUP_LABEL]: n.group,
      },
    },
    spec: { providerID: `aws:///${n.zone}/${n.instanceId}` },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" },
        { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure" },
        { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID" },
        { type: "Ready", status: "True", reason: "KubeletReady" },
      ],
      addresses: [
        { type: "InternalIP", address: n.ip },
        { type: "Hostname", address: n.name },
      ],
      nodeInfo: {
        kubeletVersion: "v1.30.4-eks-a737599",
        containerRuntimeVersion: "containerd://1.7.22",
      },
    },
  };
}

interface HttpProbe {
  path: string;
  port: number | string;
}

const probe = (p: HttpProbe, period = 10) => ({
  httpGet: { path: p.path, port: p.port, scheme: "HTTP" },
  periodSeconds: period,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
});

/** The application container's ports and its original (un-rewritten) probes. */
function appSpec(w: WorkloadPlan) {
  const ports = [{ name: "http", containerPort: APP_PORT, protocol: "TCP" }];
  if (w.flavour === "app-admin") {
    ports.push({ name: "admin", containerPort: ADMIN_PORT, protocol: "TCP" });
    return {
      ports,
      readiness: { path: "/healthz", port: "admin" },
      liveness: { path: "/live", port: "admin" },
    };
  }
  const readyPath = w.flavour === "nodeport-app" ? "/healthz" : "/ready";
  return {
    ports,
    readiness: { path: readyPath, port: "http" },
    liveness: { path: "/live", port: "http" },
  };
}

const numericPort = (ports: { name: string; containerPort: number }[], port: number | string) =>
  typeof port === "number" ? port : (ports.find((p) => p.name === port)?.containerPort ?? port);

/** Istio's injector rewrites httpGet probes to its agent and records the originals in an env var. */
function injectedContainers(container: string, app: ReturnType<typeof appSpec>) {
  const rewritten = (kind: string) => ({ path: `/app-health/${container}/${kind}`, port: 15020 });
  const probers = {
    [`/app-health/${container}/readyz`]: {
      httpGet: {
        path: app.readiness.path,
        port: numericPort(app.ports, app.readiness.port),
        scheme: "HTTP",
      },
      timeoutSeconds: 1,
    },
    [`/app-health/${container}/livez`]: {
      httpGet: {
        path: app.liveness.path,
        port: numericPort(app.ports, app.liveness.port),
        scheme: "HTTP",
      },
      timeoutSeconds: 1,
    },
  };
  return {
    readiness: rewritten("readyz"),
    liveness: rewritten("livez"),
    sidecar: {
      name: "istio-proxy",
      image: "docker.io/istio/proxyv2:1.22.3",
      args: ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
      ports: [{ name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" }],
      env: [
        { name: "ISTIO_META_APP_CONTAINERS", value: container },
        { name: "ISTIO_KUBE_APP_PROBERS", value: JSON.stringify(probers) },
      ],
      readinessProbe: probe({ path: "/healthz/ready", port: STATUS_PORT }, 15),
      resources: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "2", memory: "1Gi" },
      },
    },
  };
}

function containersOf(w: WorkloadPlan) {
  if (w.flavour === "gateway") {
    return {
      containers: [
        {
          name: "istio-proxy",
          image: "docker.io/istio/proxyv2:1.22.3",
          args: ["proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
          ports: [
            { name: "status-port", containerPort: STATUS_PORT, protocol: "TCP" },
            { containerPort: APP_PORT, protocol: "TCP" },
            { containerPort: 8443, protocol: "TCP" },
            { name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" },
          ],
          readinessProbe: probe({ path: "/healthz/ready", port: STATUS_PORT }, 2),
          resources: { requests: { cpu: "500m", memory: "256Mi" } },
        },
      ],
      initContainers: undefined,
    };
  }
  const container = w.name.replace(/-\d+(-internal)?$/, "");
  const app = appSpec(w);
  const base = {
    name: container,
    image: `registry.example.internal/${w.ns.name}/${container}:1.14.2`,
    ports: app.ports,
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  };
  if (!w.ns.istio) {
    return {
      containers: [
        { ...base, readinessProbe: probe(app.readiness), livenessProbe: probe(app.liveness) },
      ],
      initContainers: undefined,
    };
  }
  const inj = injectedContainers(container, app);
  return {
    containers: [
      { ...base, readinessProbe: probe(inj.readiness), livenessProbe: probe(inj.liveness) },
      inj.sidecar,
    ],
    initContainers: [
      {
        name: "istio-init",
        image: "docker.io/istio/proxyv2:1.22.3",
        args: ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337"],
      },
    ],
  };
}

function containerStatus(name: string, image: string | undefined, ready: boolean, pod: PodPlan) {
  if (ready) {
    return {
      name,
      image,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: CREATED } },
    };
  }
  return {
    name,
    image,
    ready: false,
    started: false,
    restartCount: 7,
    state: {
      waiting: {
        reason: "CrashLoopBackOff",
        message: `back-off 5m0s restarting failed container=${name} pod=${pod.name}`,
      },
    },
    lastState: { terminated: { reason: "Error", exitCode: 1, finishedAt: CREATED } },
  };
}

export function podObject(w: WorkloadPlan, p: PodPlan): PodJson {
  const { containers, initContainers } = containersOf(w);
  const sidecar = w.ns.istio && w.flavour !== "gateway";
  const labels: Record<string, string> = { app: w.name, "pod-template-hash": w.templateHash };
  if (w.flavour === "gateway") labels.istio = "ingressgateway";
  if (sidecar) labels["security.istio.io/tlsMode"] = "istio";
  const appName = containers[0]?.name ?? "";
  const statuses = containers.map((c) =>
    containerStatus(c.name, c.image, p.ready || c.name !== appName, p),
  );
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: w.ns.name,
      uid: p.uid,
      creationTimestamp: CREATED,
      labels,
      ...(sidecar
        ? {
            annotations: {
              "sidecar.istio.io/status": JSON.stringify({
                initContainers: ["istio-init"],
                containers: ["istio-proxy"],
                volumes: ["istio-envoy", "istio-data", "istio-podinfo", "istio-token"],
                revision: "default",
              }),
            },
          }
        : {}),
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${w.name}-${w.templateHash}`,
          controller: true,
        },
      ],
    },
    spec: {
      nodeName: p.node.name,
      serviceAccountName: w.name,
      restartPolicy: "Always",
      ...(initContainers ? { initContainers } : {}),
      containers,
    },
    status: {
      phase: "Running",
      hostIP: p.node.ip,
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: CREATED,
      qosClass: "Burstable",
      conditions: [
        { type: "Initialized", status: "True" },
        p.ready
          ? { type: "Ready", status: "True" }
          : {
              type: "Ready",
              status: "False",
              reason: "ContainersNotReady",
              message: `containers with unready status: [${appName}]`,
            },
        { type: "ContainersReady", status: p.ready ? "True" : "False" },
        { type: "PodScheduled", status: "True" },
      ],
      containerStatuses: statuses,
    },
  };
}

/** The Service ports of a workload; NodePorts come from the target group's plan. */
function servicePorts(w: WorkloadPlan) {
  const np = w.tg?.nodePorts;
  if (w.flavour === "gateway") {
    return [
      {
        name: "status-port",
        port: STATUS_PORT,
        targetPort: STATUS_PORT,
        nodePort: np?.status,
        protocol: "TCP",
      },
      { name: "http2", port: 80, targetPort: APP_PORT, nodePort: np?.traffic, protocol: "TCP" },
      { name: "https", port: 443, targetPort: 8443, nodePort: np?.https, protocol: "TCP" },
    ];
  }
  return [{ name: "http", port: 80, targetPort: "http", nodePort: np?.traffic, protocol: "TCP" }];
}

/** Health-check annotations as the team set them; they agree with what the controller applied. */
function healthAnnotations(w: WorkloadPlan): Record<string, string> {
  const tg = w.tg;
  if (!tg || tg.manager !== "ingress") return {};
  const out: Record<string, string> = {};
  if (tg.targetType === "instance") {
    out[`${ALB}/target-node-labels`] = `${NODEGROUP_LABEL}=${tg.registered[0]?.group ?? ""}`;
  }
  const wrongPort = tg.fault === "wrong-health-check-port";
  if (w.flavour === "gateway" && !wrongPort) {
    out[`${ALB}/healthcheck-port`] = String(tg.staleNodePort ?? tg.nodePorts?.status);
    out[`${ALB}/healthcheck-path`] = "/healthz/ready";
  } else if (w.flavour === "app-admin") {
    if (!wrongPort) out[`${ALB}/healthcheck-port`] = String(ADMIN_PORT);
    out[`${ALB}/healthcheck-path`] = "/healthz";
  } else if (tg.staleNodePort !== undefined) {
    // A NodePort hard-coded into the annotation, then the Service was re-created.
    out[`${ALB}/healthcheck-port`] = String(tg.staleNodePort);
  }
  return out;
}

export function serviceObject(w: WorkloadPlan): ServiceJson {
  const nodePort = w.tg?.targetType === "instance";
  const annotations = healthAnnotations(w);
  const selector: Record<string, string> = { app: w.name };
  if (w.flavour === "gateway") selector.istio = "ingressgateway";
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: w.name,
      namespace: w.ns.name,
      uid: w.serviceUid,
      creationTimestamp: CREATED,
      labels: { app: w.name },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      type: nodePort ? "NodePort" : "ClusterIP",
      selector,
      clusterIP: w.clusterIP,
      clusterIPs: [w.clusterIP],
      ports: servicePorts(w).map(({ nodePort: np, ...rest }) =>
        nodePort && np ? { ...rest, nodePort: np } : rest,
      ),
      ...(nodePort
        ? { externalTrafficPolicy: w.externalTrafficPolicyLocal ? "Local" : "Cluster" }
        : {}),
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
    },
  };
}

/** The Service's EndpointSlices, at most 100 endpoints each as the controller cuts them. */
export function sliceObjects(plan: ClusterPlan, w: WorkloadPlan): SliceJson[] {
  const ports = servicePorts(w).map((sp) => ({
    name: sp.name,
    port: typeof sp.targetPort === "number" ? sp.targetPort : APP_PORT,
    protocol: "TCP",
  }));
  const slices: SliceJson[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(w.pods.length / ENDPOINTS_PER_SLICE)); i += 1) {
    const chunk = w.pods.slice(i * ENDPOINTS_PER_SLICE, (i + 1) * ENDPOINTS_PER_SLICE);
    slices.push({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      addressType: "IPv4",
      metadata: {
        name: `${w.name}-${plan.prng.suffix(5)}`,
        namespace: w.ns.name,
        creationTimestamp: CREATED,
        labels: {
          "kubernetes.io/service-name": w.name,
          "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
        ownerReferences: [
          { apiVersion: "v1", kind: "Service", name: w.name, uid: w.serviceUid, controller: true },
        ],
      },
      endpoints: chunk.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: p.ready, serving: p.ready, terminating: false },
        nodeName: p.node.name,
        zone: p.node.zone,
        targetRef: { kind: "Pod", name: p.name, namespace: w.ns.name, uid: p.uid },
      })),
      ports,
    });
  }
  return slices;
}

export function ingressObject(w: WorkloadPlan, lbHostname: string): IngressJson | undefined {
  const tg = w.tg;
  if (!tg || tg.manager !== "ingress") return undefined;
  const annotations: Record<string, string> = {
    [`${ALB}/scheme`]: "internal",
    [`${ALB}/target-type`]: tg.targetType,
  };
  if (tg.ingressGroup) annotations[`${ALB}/group.name`] = tg.ingressGroup;
  if (w.flavour === "app" || w.flavour === "nodeport-app") {
    annotations[`${ALB}/healthcheck-path`] = w.flavour === "app" ? "/ready" : "/healthz";
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: w.name, namespace: w.ns.name, creationTimestamp: CREATED, annotations },
    spec: {
      ingressClassName: "alb",
      rules: [
        {
          host: `${w.name}.${w.ns.name}.example.internal`,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: w.name, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ hostname: lbHostname }] } },
  };
}

export const stackOf = (w: WorkloadPlan): string | undefined =>
  w.tg?.manager === "ingress" ? (w.tg.ingressGroup ?? `${w.ns.name}/${w.name}`) : undefined;

export function bindingObject(w: WorkloadPlan): BindingJson | undefined {
  const tg = w.tg;
  if (!tg) return undefined;
  const stack = stackOf(w);
  return {
    apiVersion: "elbv2.k8s.aws/v1beta1",
    kind: "TargetGroupBinding",
    metadata: {
      name: tg.name,
      namespace: w.ns.name,
      creationTimestamp: CREATED,
      ...(stack ? { labels: { "ingress.k8s.aws/stack": stack } } : {}),
    },
    spec: {
      targetGroupARN: tg.arn,
      targetType: tg.targetType,
      serviceRef: { name: w.name, port: 80 },
      ipAddressType: "ipv4",
      ...(tg.targetType === "instance"
        ? { nodeSelector: { matchLabels: { [NODEGROUP_LABEL]: tg.registered[0]?.group ?? "" } } }
        : {}),
    },
  };
}

/**
 * Mesh-wide PERMISSIVE; STRICT namespaces open, per workload behind a load balancer, the ports
 * the ALB reaches (traffic and health), as teams do so the ALB's plaintext check can pass.
 */
export function peerAuthentications(plan: ClusterPlan): PeerAuthJson[] {
  const out: PeerAuthJson[] = [
    {
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: "default", namespace: "istio-system", creationTimestamp: CREATED },
      spec: { mtls: { mode: "PERMISSIVE" } },
    },
  ];
  for (const ns of plan.namespaces) {
    if (!ns.strict) continue;
    out.push({
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: "default", namespace: ns.name, creationTimestamp: CREATED },
      spec: { mtls: { mode: "STRICT" } },
    });
  }
  for (const w of plan.workloads) {
    if (!w.ns.strict || !w.tg || w.flavour === "gateway") continue;
    const open = w.flavour === "app-admin" ? [APP_PORT, ADMIN_PORT] : [APP_PORT];
    out.push({
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: `${w.name}-alb`, namespace: w.ns.name, creationTimestamp: CREATED },
      spec: {
        selector: { matchLabels: { app: w.name } },
        mtls: { mode: "STRICT" },
        portLevelMtls: Object.fromEntries(open.map((p) => [String(p), { mode: "PERMISSIVE" }])),
      },
    });
  }
  return out;
}

export { NODEGROUP_LABEL, APP_PORT, STATUS_PORT };
