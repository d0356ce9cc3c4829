// TGT003 detects a Service behind a target group with no ready endpoint, and says pod by pod why.
// No health-check setting can help: nothing passes until a pod turns ready, so the fix is in the workload.
/**
 * TGT003: the Service behind a target group has no ready endpoint, so nothing can pass the
 * health check whatever its settings. The finding says, pod by pod, why none is ready.
 */
import type { Finding } from "../finding";
import { diagnosePod, pendingTargetHealthGate, type PodDiagnosis } from "../pod-readiness";
import { keyOf } from "../k8s";
import { JOIN_INPUTS, type Model, type TargetGroupView } from "../model";
import { makeFinding, type Rule, type RuleContext } from "../rule";
import type { Pod, Service } from "../../snapshot/schema";
import { affected, tgResources } from "../finding-parts";
import { failingTargets } from "../health-check";

export const noReadyEndpoints: Rule = {
  code: "TGT003",
  // Pods are read when present; without them the finding still stands and says so.
  inputs: ["aws.targetGroups", "kubernetes.endpointSlices", ...JOIN_INPUTS],
  alsoReads: ["kubernetes.ingresses", "kubernetes.pods"],
  check: checkAll,
};

const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

const matches = (selector: Record<string, string>, pod: Pod) =>
  Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v);

/** The fix depends on why the pods are down; one exact next step per distinct reason. */
function remediation(ns: string, svc: Service, pods: PodDiagnosis[], note: string | null): string {
  const steps = new Set<string>();
  if (note) steps.add(note);
  for (const p of pods) {
    const name = p.pod.split("/")[1];
    for (const c of p.containers) {
      if (c.ready || (c.init && c.reason === "Completed")) continue;
      if (c.reason === "CrashLoopBackOff" || (c.lastTermination && c.state !== "running")) {
        steps.add(
          c.lastTermination?.startsWith("OOMKilled")
            ? `Container ${c.name} is OOMKilled: raise its memory limit (resources.limits.memory) in the pod template.`
            : `Container ${c.name} keeps exiting: read why with kubectl -n ${ns} logs ${name} -c ${c.name} --previous, fix the crash, then the pods turn ready.`,
        );
      } else if (c.reason && /ImagePull|ErrImage|InvalidImageName/.test(c.reason)) {
        steps.add(
          `Container ${c.name} cannot pull its image: correct the image reference or the imagePullSecrets (kubectl -n ${ns} describe pod ${name} shows the registry error).`,
        );
      } else if (c.reason === "CreateContainerConfigError") {
        steps.add(
          `Container ${c.name} references a missing ConfigMap/Secret or key: create it or fix the reference (${c.message ?? `kubectl -n ${ns} describe pod ${name}`}).`,
        );
      }
    }
    if (p.conditions.PodScheduled?.status === "False") {
      steps.add(
        `Pod ${name} cannot be scheduled (${p.conditions.PodScheduled.message ?? "Unschedulable"}): add node capacity or relax its requests, nodeSelector, affinity or tolerations.`,
      );
    }
    for (const c of p.containers) {
      if (c.init || c.ready || c.state !== "running") continue;
      steps.add(
        `Container ${c.name} runs but is not ready (${c.readiness ?? "readiness probe fails"}): kubectl -n ${ns} describe pod ${name} shows the "Readiness probe failed" events; make that endpoint answer, or correct the probe.`,
      );
    }
  }
  if (steps.size === 0) {
    steps.add(
      `Inspect the pods: kubectl -n ${ns} get pods -l ${selectorText(svc.spec?.selector ?? {})} -o wide and kubectl -n ${ns} describe pod <pod>.`,
    );
  }
  return [...steps].join("\n");
}

function check(
  tgv: TargetGroupView,
  podsOf: (ns: string) => Pod[],
  podsKnown: boolean,
): Finding | undefined {
  const svc = tgv.service;
  if (!svc) return undefined;
  if (tgv.endpoints.some((e) => e.ready)) return undefined;
  // AWS saying every target passes contradicts "nothing is ready"; trust what serves traffic.
  if (tgv.targets.length > 0 && tgv.targets.every((t) => t.healthy)) return undefined;
  if (tgv.healthyPerCloudWatch) return undefined;

  const ns = svc.metadata.namespace ?? "default";
  const selector = svc.spec?.selector ?? {};
  const hasSelector = Object.keys(selector).length > 0;
  // Pods that never got an address (Pending) are in no EndpointSlice; the selector finds them.
  const selected = hasSelector ? podsOf(ns).filter((p) => matches(selector, p)) : [];
  const pods = [...new Set([...tgv.backingPods, ...selected])];
  const diagnoses = pods.map(diagnosePod);

  let note: string | null = null;
  if (!podsKnown) {
    note = `The pods list could not be read (see AUDIT001), so why the endpoints are not ready is unknown: kubectl -n ${ns} get pods -l ${selectorText(selector)}.`;
  } else if (!hasSelector && tgv.endpoints.length === 0) {
    note = `Service ${ns}/${svc.metadata.name} has no selector, so Kubernetes creates no endpoints for it; whoever maintains its EndpointSlices lists none. Add a selector or ready endpoints.`;
  } else if (pods.length === 0 && tgv.endpoints.length === 0) {
    note = `No pods at all: selector ${selectorText(selector)} matches nothing in namespace ${ns}. Scale the workload up (kubectl -n ${ns} get deploy,statefulset,daemonset) or correct the Service's selector to the pods' labels.`;
  }

  const failing = failingTargets(tgv);
  const readyPods = diagnoses.filter((d) => d.ready).length;
  // Pods held back only by the controller's readiness gate wait for the check to pass: the
  // failing check is the cause here, so it must not be called irrelevant.
  const gated = pods.flatMap((p) => {
    const gate = pendingTargetHealthGate(p);
    return gate ? [{ pod: keyOf(p.metadata), gate }] : [];
  });
  const allGated = pods.length > 0 && gated.length === pods.length;
  if (gated.length > 0) {
    const gates = [...new Set(gated.map((g) => g.gate))].join(", ");
    const step = `Pod(s) ${gated.map((g) => g.pod).join(", ")} have every container ready and wait only for readiness gate ${gates}, which the AWS Load Balancer Controller sets once the target passes the health check of ${tgv.name}: fix what fails that check (see this target group's other findings, and aws elbv2 describe-target-health --target-group-arn ${tgv.arn}).`;
    note = note ? `${note}\n${step}` : step;
  }
  return makeFinding("TGT003", {
    severity: "critical",
    title: `Target group ${tgv.name}: Service ${ns}/${svc.metadata.name} has no ready endpoint (${pods.length > 0 ? `${readyPods}/${pods.length} pods ready` : "no pods"})`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: { readyEndpoints: ">= 1" },
      actual: {
        readyEndpoints: 0,
        notReadyEndpoints: tgv.endpoints.map((e) => ({
          address: e.address,
          node: e.nodeName ?? null,
          pod: e.pod ? keyOf(e.pod.metadata) : null,
          terminating: e.terminating,
        })),
        selector: hasSelector ? selectorText(selector) : null,
        podsListRead: podsKnown,
        pods: diagnoses,
        ...(note ? { note } : {}),
      },
    },
    rootCause:
      `Service ${ns}/${svc.metadata.name} has no ready endpoint, ` +
      (pods.length > 0
        ? `because none of its ${pods.length} pod(s) is ready (${summarise(diagnoses)}). `
        : !podsKnown
          ? "and the pods behind it could not be read. "
          : hasSelector
            ? `because selector ${selectorText(selector)} matches no pod in ${ns}. `
            : "because it has no selector and no endpoints were provided. ") +
      (allGated
        ? `Their containers are ready: each pod waits for the controller's readiness gate, which turns true only when its target passes the health check of ${tgv.name}, so the failing check keeps the Service down.`
        : `With nothing ready behind it, every target of ${tgv.name} fails whatever the health-check settings.`),
    remediation: remediation(ns, svc, diagnoses, note),
  });
}

/** The first few pods' reasons: a root cause is read in a chat message, the evidence has all. */
function summarise(diagnoses: PodDiagnosis[]): string {
  const shown = diagnoses.slice(0, 3).map((d) => `${d.pod}: ${d.why}`);
  const rest = diagnoses.length - shown.length;
  return shown.join(" | ") + (rest > 0 ? ` | and ${rest} more` : "");
}

function podsByNamespace(model: Model): (ns: string) => Pod[] {
  const map = new Map<string, Pod[]>();
  for (const pod of model.snapshot.kubernetes.pods) {
    const ns = pod.metadata.namespace ?? "default";
    const bucket = map.get(ns);
    if (bucket) bucket.push(pod);
    else map.set(ns, [pod]);
  }
  return (ns) => map.get(ns) ?? [];
}

function checkAll({ model }: RuleContext): Finding[] {
  const podsOf = podsByNamespace(model);
  const podsKnown = !model.gapSources.has("kubernetes.pods");
  return model.targetGroups.flatMap((tgv) => check(tgv, podsOf, podsKnown) ?? []);
}
