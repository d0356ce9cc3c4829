// MESH002 detects kubelet HTTP probes that reach an Istio sidecar under STRICT mTLS without Istio's probe rewrite.
// The pods never turn ready (or keep restarting), so the Service has no endpoint and the load balancer no healthy target.
/**
 * MESH002: the kubelet probes a pod in plaintext and has no mesh certificate. When Istio does
 * not rewrite an httpGet probe to its agent (port 15020, /app-health/...), the probe reaches
 * the sidecar, which under STRICT mTLS refuses it: the pod never turns ready, or keeps being
 * restarted by its liveness probe.
 *
 * One finding per workload (the pod's controlling owner, a ReplicaSet mapped to its
 * Deployment), not per pod: pods of one template fail alike, and the owner outlives pod names,
 * which keeps the fingerprint stable across rollouts and restarts.
 */
import type { Finding, ResourceRef } from "../finding";
import {
  describeDecision,
  effectiveMtls,
  permissivePortsFix,
  policyRef,
  sidecarInterceptsInbound,
  workloadLabels,
  type EffectiveMtls,
} from "../istio";
import {
  ISTIO_PROXY,
  annotation,
  hasIstioSidecar,
  keyOf,
  resolveContainerPort,
  workloadOf,
  type Workload,
} from "../k8s";
import { isPodReady } from "../pod-readiness";
import type { Model } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import type { Pod } from "../../snapshot/schema";
import { ref } from "../finding-parts";

export const httpProbeBlockedByStrictMtls: Rule = {
  code: "MESH002",
  inputs: ["kubernetes.pods", "kubernetes.peerAuthentications"],
  check: check,
};

const REWRITE = "sidecar.istio.io/rewriteAppHTTPProbers";
/** Owners whose pod template a patch rolls out; others need their pods recreated. */
const PATCHABLE = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

interface BlockedProbe {
  container: string;
  probe: "readiness" | "liveness";
  port: number;
  path: string;
  scheme: string;
  decision: EffectiveMtls;
}

function blockedProbes(model: Model, pod: Pod): BlockedProbe[] {
  // A gateway is itself the istio-proxy and has no sidecar in front of its probes.
  if (!hasIstioSidecar(pod)) return [];
  const found: BlockedProbe[] = [];
  for (const container of pod.spec.containers) {
    if (container.name === ISTIO_PROXY) continue;
    const probes = [
      ["readiness", container.readinessProbe],
      ["liveness", container.livenessProbe],
    ] as const;
    for (const [kind, probe] of probes) {
      const http = probe?.httpGet;
      if (!http) continue;
      const path = http.path ?? "/";
      // Rewritten: the kubelet calls the agent, which probes the app from inside the pod.
      if (path.startsWith("/app-health/")) continue;
      const port = resolveContainerPort(container, http.port);
      if (port === undefined || !sidecarInterceptsInbound(pod, port)) continue;
      const decision = effectiveMtls(model, pod, port);
      if (decision.mode !== "STRICT") continue;
      found.push({
        container: container.name,
        probe: kind,
        port,
        path,
        scheme: (http.scheme ?? "HTTP").toUpperCase(),
        decision,
      });
    }
  }
  return found;
}

interface Group {
  workload: Workload;
  pods: Pod[];
  probes: Map<string, BlockedProbe>;
}

const probeText = (p: BlockedProbe) =>
  `${p.probe} probe ${p.scheme} GET :${p.port}${p.path} of container ${p.container}`;

function rewriteFix(w: Workload, current: string | undefined): string {
  const why =
    current === "false"
      ? `The pod template sets ${REWRITE}: "false"; set it to "true" (or remove it)`
      : `Set ${REWRITE}: "true" on the pod template`;
  if (PATCHABLE.has(w.kind)) {
    const patch = JSON.stringify({
      spec: { template: { metadata: { annotations: { [REWRITE]: "true" } } } },
    });
    return (
      `${why} so Istio rewrites the probes to its agent; the rollout re-injects the pods:\n` +
      `kubectl -n ${w.namespace} patch ${w.kind.toLowerCase()} ${w.name} --type merge -p '${patch}'`
    );
  }
  const target =
    w.kind === "Pod" ? `pod ${w.namespace}/${w.name}` : `${w.kind} ${w.namespace}/${w.name}`;
  return (
    `${why} so Istio rewrites the probes to its agent; in the template of ${target}:\n` +
    `metadata:\n  annotations:\n    ${REWRITE}: "true"\n` +
    `then recreate the pods (injection happens only at pod creation).`
  );
}

function findingFor(group: Group): Finding {
  const { workload: w, pods } = group;
  const probes = [...group.probes.values()];
  const first = probes[0]!;
  const current = annotation(pods[0]!.metadata, REWRITE);
  const notReady = pods.filter((p) => !isPodReady(p));
  const ports = [...new Set(probes.map((p) => p.port))].sort((a, b) => a - b);
  const policies = new Map(
    probes.flatMap((p) =>
      p.decision.policy ? [[keyOf(p.decision.policy.metadata), p.decision.policy] as const] : [],
    ),
  );
  const decidedBy = [...new Set(probes.map((p) => describeDecision(p.decision)))];
  const subject =
    w.kind === "Pod" ? `Pod ${w.namespace}/${w.name}` : `${w.kind} ${w.namespace}/${w.name}`;
  const resources: ResourceRef[] = [
    ref(w.kind, { name: w.name, namespace: w.namespace }),
    ...[...policies.values()].map(policyRef),
  ];
  const cause =
    current === "false"
      ? `the pods carry ${REWRITE}: "false"`
      : "the injector did not rewrite them (probe rewrite disabled in its config, or the probe was added after injection)";
  const effect = probes.some((p) => p.probe === "readiness")
    ? "the readiness probe fails and the pods never turn ready"
    : "the liveness probe fails and the kubelet keeps restarting the container";
  const separatePort = permissivePortsFix({
    decision: first.decision,
    namespace: w.namespace,
    workload: w.name,
    purpose: "probe-plaintext",
    labels: workloadLabels(pods[0]!),
    ports,
  });

  return makeFinding("MESH002", {
    severity: notReady.length > 0 ? "critical" : "warning",
    title: `${subject}: kubelet HTTP ${[...new Set(probes.map((p) => p.probe))].join("/")} probe on port ${ports.join(", ")} is refused by STRICT mTLS (${notReady.length}/${pods.length} pods not ready)`,
    targetGroupArn: null,
    resources,
    affectedTargets: [],
    evidence: {
      expected: {
        probes: `rewritten to the Istio agent (${REWRITE} not "false": port 15020, path /app-health/...)`,
        mtlsModeOnProbePort: "PERMISSIVE, if the probe stays on the app port",
      },
      actual: {
        probes: probes.map((p) => ({
          container: p.container,
          probe: p.probe,
          port: p.port,
          path: p.path,
          scheme: p.scheme,
          rewritten: false,
          mode: p.decision.mode,
          decidedBy: describeDecision(p.decision),
        })),
        [REWRITE]: current ?? null,
        pods: pods.map((p) => ({
          pod: keyOf(p.metadata),
          node: p.spec.nodeName ?? null,
          ready: isPodReady(p),
        })),
      },
    },
    rootCause:
      `${w.kind === "Pod" ? `${subject} runs` : `The pods of ${subject} run`} an Istio sidecar and ${decidedBy.join(", ")} makes port ${ports.join(", ")} STRICT. ` +
      `The ${probes.map(probeText).join("; ")} ${probes.length > 1 ? "were" : "was"} not rewritten to the Istio agent because ${cause}, ` +
      `so the kubelet probes the sidecar in plaintext without a mesh certificate and is refused: ${effect}.`,
    remediation:
      `${rewriteFix(w, current)}\n` +
      `Or keep the probe and exempt its port from mTLS. If port ${ports.join(", ")} also serves application traffic, ` +
      `first move health to a dedicated port and point the probe there, since PERMISSIVE accepts plaintext from anyone:\n` +
      separatePort,
  });
}

function check({ model }: RuleContext): Finding[] {
  const groups = new Map<string, Group>();
  for (const pod of model.snapshot.kubernetes.pods) {
    const probes = blockedProbes(model, pod);
    if (probes.length === 0) continue;
    const workload = workloadOf(pod);
    const key = `${workload.namespace}/${workload.kind}/${workload.name}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { workload, pods: [], probes: new Map() }));
    group.pods.push(pod);
    for (const p of probes) group.probes.set(`${p.container}/${p.probe}/${p.port}${p.path}`, p);
  }
  return [...groups.values()].map(findingFor);
}
