// TP001 detects externalTrafficPolicy Local with registered nodes that run no ready endpoint.
// Checks on those nodes time out by design of the policy, so targets flap or all fail while the pods are healthy.
/**
 * TP001: with `externalTrafficPolicy: Local` kube-proxy only forwards external traffic to
 * endpoints on the node that received it and silently drops it elsewhere, so in instance mode
 * every registered node without a ready endpoint times out the ALB's health check.
 */
import type { Finding } from "../finding";
import { drainedByLocalPolicy, healthCheckNodePort } from "../traffic-policy";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { JOIN_INPUTS, type Model, type TargetGroupView, type TargetView } from "../model";
import { affected, tgResources } from "../finding-parts";
import { anyHealthy } from "../health-check";
import { nodeChoicesOf, nodeSelectionFixes } from "../node-selection";
import { ALB, DEFAULTS, NLB } from "../../controller/conventions";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { generatedServiceSpecFix } from "../gateway-api/istio-gateway";
import { healthCheckFix, serviceAnnotationFix, targetGroupPropsFixFor } from "../remediation";

export const externalTrafficPolicyLocalNodesWithoutEndpoints: Rule = {
  code: "TP001",
  inputs: ["aws.targetGroups", "kubernetes.endpointSlices", "kubernetes.nodes", ...JOIN_INPUTS],
  alsoReads: [
    "aws.loadBalancers",
    "kubernetes.ingresses",
    "kubernetes.pods",
    // A Gateway's group is changed in its TargetGroupConfiguration, a generated Service on its Gateway.
    ...GATEWAY_SOURCES,
  ],
  check: eachTargetGroup(check),
};

/**
 * Share of the unhealthy targets that must be nodes without a local ready endpoint. Not 100%:
 * endpoints and target health are read moments apart, so a pod that just became ready (or a
 * node whose pod just left) can blur one or two targets without changing the cause.
 */
export const TP001_THRESHOLD = 0.8;

function readyEndpointsByNode(tgv: TargetGroupView): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of tgv.endpoints) {
    if (e.ready && e.nodeName) counts.set(e.nodeName, (counts.get(e.nodeName) ?? 0) + 1);
  }
  return counts;
}

const nodeFacts = (t: TargetView, counts: Map<string, number>) => ({
  instanceId: t.id,
  node: t.node?.metadata.name ?? null,
  localReadyEndpoints: t.node ? (counts.get(t.node.metadata.name) ?? 0) : null,
  state: t.state,
  reason: t.reason,
});

/** A fix that ends in a command block takes no full stop after it. */
const end = (text: string): string => (text.endsWith("\n") ? text.trimEnd() : `${text}.`);

function remediation(tgv: TargetGroupView, ns: string, name: string): string {
  const patch = tgv.generatedService
    ? generatedServiceSpecFix(tgv.generatedService, name, { externalTrafficPolicy: "Cluster" })
    : `kubectl -n ${ns} patch service ${name} -p '{"spec":{"externalTrafficPolicy":"Cluster"}}'`;
  const label = `alb-target=${name}`;
  let ipTargets: string;
  let onlyGatewayNodes: string;
  const tgcIp = targetGroupPropsFixFor(tgv, { targetType: "ip" });
  const lbKeys = tgv.manager === "service" ? NLB : ALB;
  if (tgcIp) {
    ipTargets = `set targetType ip in the Service's TargetGroupConfiguration; the controller then registers pod IPs in a new target group:\n${tgcIp}\n`;
    onlyGatewayNodes = `the TargetGroupConfiguration's nodeSelector (the controller copies it to the binding):\n${targetGroupPropsFixFor(
      tgv,
      { nodeSelector: { matchLabels: { "alb-target": name } } },
    )}\n`;
  } else if (tgv.generatedService && tgv.manager !== "user") {
    ipTargets = `${serviceAnnotationFix(tgv, { [lbKeys.targetType]: "ip" })}\n`;
    onlyGatewayNodes = `${lbKeys.targetNodeLabels}: "${label}" the same way`;
  } else if (tgv.manager === "ingress") {
    ipTargets = `annotate Service ${ns}/${name} with ${ALB.targetType}: "ip" (kubectl -n ${ns} annotate service ${name} --overwrite ${ALB.targetType}=ip); the controller then registers pod IPs in a new target group`;
    onlyGatewayNodes = `${ALB.targetNodeLabels}: "${label}" on Service ${ns}/${name}`;
  } else if (tgv.manager === "service") {
    ipTargets = `${serviceAnnotationFix(tgv, { [NLB.targetType]: "ip" })}\n`;
    onlyGatewayNodes = `${NLB.targetNodeLabels}: "${label}" on Service ${ns}/${name}`;
  } else {
    const tgb = tgv.binding?.metadata.name ?? "<binding>";
    ipTargets = `create a target group of type ip and a TargetGroupBinding with spec.targetType: ip for Service ${ns}/${name}`;
    onlyGatewayNodes = `kubectl -n ${ns} patch targetgroupbinding ${tgb} --type merge -p '{"spec":{"nodeSelector":{"matchLabels":{"alb-target":"${name}"}}}}'`;
  }
  // kube-proxy's health port answers 200 only where a ready pod runs: checking it keeps Local and
  // takes the other nodes out by design, with no new target group (the controller's NLB default).
  const healthPort = healthCheckNodePort(tgv);
  const viaHealthPort =
    healthPort !== undefined
      ? `check kube-proxy's healthCheckNodePort ${healthPort} (HTTP ${DEFAULTS.nlbLocalInstance.healthCheckPath}), which fails the nodes without a ready pod by design so they get no traffic, and keeps Local and the client address:\n${healthCheckFix(
          tgv,
          {
            port: healthPort,
            protocol: DEFAULTS.nlbLocalInstance.healthCheckProtocol,
            path: DEFAULTS.nlbLocalInstance.healthCheckPath,
          },
        )}\n`
      : undefined;
  // An NLB forwards no X-Forwarded-For: in instance mode only Local keeps the client address.
  if (tgv.manager === "service" || tgv.loadBalancers.some((lb) => lb.Type === "network")) {
    return (
      (viaHealthPort ? `Preferred: ${end(viaHealthPort)}\nOr ` : "Preferred: ") +
      `register pods instead of nodes, which keeps the client address: ${end(ipTargets)}\n` +
      `Or, if the pods need not see the client address: ${patch}\n` +
      `Or register only nodes that run the pods: label them (kubectl label node <node> ${label}), ` +
      `pin the pods there with nodeSelector ${label}, and set ${end(onlyGatewayNodes)}`
    );
  }
  return (
    `Preferred: ${patch}\n` +
    `The ALB already passes the client address in X-Forwarded-For, so Local buys nothing behind it.\n` +
    `Or register pods instead of nodes: ${end(ipTargets)}\n` +
    (viaHealthPort ? `Or ${end(viaHealthPort)}\n` : "") +
    `Or register only nodes that run the pods: label them (kubectl label node <node> ${label}), ` +
    `pin the pods there with nodeSelector ${label}, and set ${end(onlyGatewayNodes)}`
  );
}

/**
 * The nodes that run a ready endpoint but are no target because the controller's node selection
 * leaves them out: with Local, those are exactly the nodes that would pass.
 */
function endpointNodesLeftOut(tgv: TargetGroupView, model: Model, counts: Map<string, number>) {
  const registered = new Set(tgv.targets.flatMap((t) => (t.node ? [t.node.metadata.name] : [])));
  const unregistered = [...counts.keys()].filter((node) => !registered.has(node));
  return nodeChoicesOf(tgv, model, unregistered).filter((c) => !c.registered);
}

function check(tgv: TargetGroupView, model: Model): Finding | undefined {
  const svc = tgv.service;
  if (tgv.targetType !== "instance" || !svc || !tgv.healthKnown) return undefined;
  if (svc.spec?.externalTrafficPolicy !== "Local") return undefined;

  // Targets `unused` because their zone is disabled are TGT004's; only unhealthy ones count.
  const unhealthy = tgv.targets.filter((t) => t.state === "unhealthy");
  if (unhealthy.length === 0) return undefined;

  // Local only governs this Service's nodePorts: a check on some other port fails for other reasons.
  // kube-proxy's healthCheckNodePort (what an NLB checks) fails the same nodes by the same rule.
  const nodePorts = new Set((svc.spec?.ports ?? []).flatMap((p) => p.nodePort ?? []));
  const healthPort = healthCheckNodePort(tgv);
  if (healthPort !== undefined) nodePorts.add(healthPort);
  const counts = readyEndpointsByNode(tgv);
  // No ready endpoint anywhere is TGT003's: Cluster would not help either.
  if (counts.size === 0) return undefined;
  const explained = unhealthy.filter(
    (t) =>
      t.node !== undefined &&
      (counts.get(t.node.metadata.name) ?? 0) === 0 &&
      (t.checkedPort === null || nodePorts.has(t.checkedPort)),
  );
  if (explained.length === 0 || explained.length / unhealthy.length < TP001_THRESHOLD) {
    return undefined;
  }
  const byDesign = drainedByLocalPolicy(tgv);
  if (explained.every((t) => byDesign.has(t.id))) return undefined;

  const ns = svc.metadata.namespace ?? "default";
  const name = svc.metadata.name;
  const healthyWithEndpoints = tgv.targets
    .filter((t) => t.healthy && t.node && (counts.get(t.node.metadata.name) ?? 0) > 0)
    .map((t) => nodeFacts(t, counts));
  const nodeNames = explained.map((t) => t.node?.metadata.name ?? t.id);
  const leftOut = endpointNodesLeftOut(tgv, model, counts);
  const some = anyHealthy(tgv);

  return makeFinding("TP001", {
    severity: some ? "warning" : "critical",
    title: `Target group ${tgv.name}: ${explained.length}/${tgv.targets.length} nodes run no pod of ${ns}/${name} (externalTrafficPolicy: Local) and fail`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(explained),
    evidence: {
      expected: {
        externalTrafficPolicy: "Cluster",
        localReadyEndpointsOnEveryRegisteredNode: ">= 1",
      },
      actual: {
        externalTrafficPolicy: "Local",
        failingNodesWithoutEndpoints: explained.map((t) => nodeFacts(t, counts)),
        healthyNodesWithEndpoints: healthyWithEndpoints,
        unhealthyTargets: unhealthy.length,
        explainedShare: Number((explained.length / unhealthy.length).toFixed(2)),
        threshold: TP001_THRESHOLD,
        ...(leftOut.length > 0
          ? {
              nodesWithEndpointsLeftOut: leftOut.map((c) => ({
                node: c.node.metadata.name,
                localReadyEndpoints: counts.get(c.node.metadata.name) ?? 0,
                leftOutBy: c.leftOutBy,
                detail: c.detail,
              })),
            }
          : {}),
      },
    },
    rootCause:
      `Service ${ns}/${name} sets externalTrafficPolicy: Local, so kube-proxy on a node forwards ` +
      `external traffic only to a ready pod on that same node and drops it otherwise. ` +
      `Node(s) ${nodeNames.join(", ")} run no ready endpoint of the Service, so the load balancer's ` +
      `health checks to target group ${tgv.name} fail there` +
      (some ? " while nodes that run a pod pass." : ".") +
      (leftOut.length > 0
        ? ` The nodes that do run one are left out by the controller's node selection: ${leftOut
            .map((c) => `${c.node.metadata.name} (${c.detail})`)
            .join(", ")}.`
        : ""),
    remediation:
      (leftOut.length > 0
        ? `First bring the nodes that run the pods back into the target group:\n${nodeSelectionFixes(
            tgv,
            leftOut,
          ).join("\n")}\nThen, or instead:\n`
        : "") + remediation(tgv, ns, name),
  });
}
