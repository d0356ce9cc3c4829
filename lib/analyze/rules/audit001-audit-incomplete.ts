// AUDIT001 detects an audit that could not read something it needs (a list forbidden, failed or cut short) and names the checks that could not run.
// On-call must know when "no finding" means "not looked at": the verdicts it holds back are exactly the ones it could not see.
import type { Finding } from "../finding";
import { istioProxy } from "../k8s";
import type { Model } from "../model";
import { AFTER_ALL, makeFinding, type Rule, type RuleContext } from "../rule";
import type { Gap } from "../../snapshot/schema";
import { tgResources } from "../finding-parts";
import { GATEWAY_API_GROUP, GATEWAY_KINDS, TGC_API_GROUP } from "../../controller/gateway-api";

export const auditIncomplete: Rule = {
  code: "AUDIT001",
  inputs: [],
  alsoReads: [
    "aws.targetGroups",
    "kubernetes.targetGroupBindings",
    "kubernetes.services",
    "kubernetes.ingresses",
    "kubernetes.pods",
  ],
  // Last, so that it can name every rule a gap kept from running.
  after: AFTER_ALL,
  check: check,
};

/** What each source is read with: the Kubernetes resource (for RBAC) or the AWS calls (for IAM). */
const KUBE_RESOURCES: Record<string, { resource: string; group: string }> = {
  "kubernetes.nodes": { resource: "nodes", group: "" },
  "kubernetes.services": { resource: "services", group: "" },
  "kubernetes.endpointSlices": { resource: "endpointslices", group: "discovery.k8s.io" },
  "kubernetes.pods": { resource: "pods", group: "" },
  "kubernetes.ingresses": { resource: "ingresses", group: "networking.k8s.io" },
  "kubernetes.targetGroupBindings": { resource: "targetgroupbindings", group: "elbv2.k8s.aws" },
  "kubernetes.peerAuthentications": {
    resource: "peerauthentications",
    group: "security.istio.io",
  },
  ...Object.fromEntries(
    GATEWAY_KINDS.map((k) => [`kubernetes.${k.list}`, { resource: k.resource, group: k.group }]),
  ),
};

const AWS_ACTIONS: Record<string, string[]> = {
  "aws.loadBalancers": ["elasticloadbalancing:DescribeLoadBalancers"],
  "aws.targetGroups": [
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetHealth",
  ],
};

const CRD_OWNERS: Record<string, string> = {
  "elbv2.k8s.aws": "the AWS Load Balancer Controller",
  "security.istio.io": "Istio",
  [GATEWAY_API_GROUP]: "the Gateway API",
  [TGC_API_GROUP]: "the AWS Load Balancer Controller's Gateway API support",
};

const forbidden = (m: string) => /\b403\b|forbidden/i.test(m);
const awsDenied = (m: string) => /AccessDenied|not authorized|UnauthorizedOperation/i.test(m);
const notFound = (m: string) =>
  /\b404\b|could not find the requested resource|no matches for kind/i.test(m);
const absent = (m: string) => /absent from the snapshot/i.test(m);

/** A target group the controller built for a Gateway, if any: then the Gateway kinds are needed. */
const gatewayGroup = (model: Model): string | undefined =>
  model.targetGroups.find((t) => t.manager === "gateway")?.name;

function fixFor(gap: Gap, model: Model): string {
  const kube = KUBE_RESOURCES[gap.source];
  const actions = AWS_ACTIONS[gap.source];
  const qualified = kube && (kube.group ? `${kube.resource}.${kube.group}` : kube.resource);
  if (absent(gap.message)) {
    return kube
      ? `The snapshot was written without this list; add it (items of kubectl get ${qualified} --all-namespaces -o json) or collect live.`
      : `The snapshot was written without this list; add it from the AWS CLI or collect live.`;
  }
  if (kube && forbidden(gap.message)) {
    return (
      `The auditor's Kubernetes identity may not list ${qualified}. Check it:\n` +
      `kubectl auth can-i list ${qualified} --all-namespaces --as <auditor-user>\n` +
      `and grant it in the auditor's ClusterRole (infra/):\n` +
      `- apiGroups: ["${kube.group}"]\n  resources: ["${kube.resource}"]\n  verbs: ["get", "list"]`
    );
  }
  const builtForGateway = GATEWAY_KINDS.some((k) => gap.source === `kubernetes.${k.list}`)
    ? gatewayGroup(model)
    : undefined;
  if (kube && notFound(gap.message) && builtForGateway) {
    return (
      `The ${qualified} API is not served, yet target group ${builtForGateway} was built by the controller for a Gateway: ` +
      `the CRDs of ${CRD_OWNERS[kube.group] ?? "its API"} were removed (or never installed in this cluster) while its load balancers remain, ` +
      `so the Gateway's declared health checks cannot be read. Check with kubectl get crd ${qualified}; reinstall the CRDs, or delete the Gateway's load balancer if it is left over.`
    );
  }
  if (kube && notFound(gap.message)) {
    const owner = CRD_OWNERS[kube.group];
    return (
      `The ${qualified} API is not served: ${owner ?? "its CRD"} is not installed in this cluster, ` +
      `so the checks that read it do not apply. Nothing to fix unless you expected ${owner ?? "it"} here ` +
      `(kubectl get crd ${qualified}).`
    );
  }
  if (actions && (awsDenied(gap.message) || forbidden(gap.message))) {
    return `Allow the auditor's IAM role ${actions.join(", ")} (its policy in infra/).`;
  }
  return `A transient or unexpected error; run the audit again. If it persists, the message above says what failed.`;
}

function gapFinding(model: Model, gap: Gap, rules: readonly Rule[]): Finding {
  const arn = typeof gap.targetGroupArn === "string" ? gap.targetGroupArn : null;
  if (arn) {
    const tgv = model.targetGroups.find((t) => t.arn === arn);
    const label = tgv ? tgv.name : arn;
    return makeFinding("AUDIT001", {
      severity: "warning",
      title: `${label}: target health could not be read; the group is not audited`,
      targetGroupArn: arn,
      resources: tgv ? tgResources(tgv) : [],
      affectedTargets: [],
      evidence: {
        expected: { targetHealth: "read" },
        actual: { targetHealth: "unreadable", source: gap.source, message: gap.message },
      },
      rootCause:
        `DescribeTargetHealth for target group ${label} failed (${gap.message}), so the target ` +
        `health of this group could not be read; the group is not audited and its targets may be ` +
        `failing unreported.`,
      remediation: fixFor({ ...gap, source: "aws.targetGroups" }, model),
      discriminator: gap.source,
    });
  }
  const blocked = rules
    .filter((r) => r.code !== "AUDIT001" && r.inputs.some((s) => s === gap.source))
    .map((r) => r.code);
  const checks = blocked.length > 0 ? blocked.join(", ") : "none";
  return makeFinding("AUDIT001", {
    severity: "warning",
    title: `${gap.source} could not be read; checks not run: ${checks}`,
    targetGroupArn: null,
    resources: [],
    affectedTargets: [],
    evidence: {
      expected: { [gap.source]: "read" },
      actual: { [gap.source]: gap.message, checksNotRun: blocked },
    },
    rootCause:
      `The auditor could not read ${gap.source} (${gap.message}). ` +
      (blocked.length > 0
        ? `The checks that need it did not run (${checks}), so a problem they detect would go unreported.`
        : `No check depends on it alone, but findings that use it have less context.`),
    remediation: fixFor(gap, model),
    discriminator: gap.source,
  });
}

/**
 * A cluster without Istio serves no PeerAuthentication API (404), and with no sidecar anywhere
 * the mesh checks have nothing to look at: reporting that gap would alarm every non-Istio
 * cluster on every run, so it stays quiet (the gap still counts in the summary).
 */
const meshAbsent = (model: Model, gap: Gap): boolean =>
  gap.source === "kubernetes.peerAuthentications" &&
  notFound(gap.message) &&
  !model.gapSources.has("kubernetes.pods") &&
  !model.snapshot.kubernetes.pods.some((pod) => istioProxy(pod) !== undefined);

/** AUDIT001: one finding per list that could not be read, naming the checks it kept from running. */

function check({ model, rules }: RuleContext): Finding[] {
  // One finding per source (and group): repeated gaps of one list merge their messages.
  const merged = new Map<string, Gap>();
  for (const gap of model.snapshot.gaps) {
    const key = `${gap.source}|${typeof gap.targetGroupArn === "string" ? gap.targetGroupArn : ""}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, message: `${seen.message}; ${gap.message}` } : gap);
  }
  return [...merged.values()]
    .filter((gap) => !meshAbsent(model, gap))
    .map((gap) => gapFinding(model, gap, rules));
}
