/**
 * The finding catalog (../shared/spec/findings.md) as data: one ordered entry per code. Codes
 * never change meaning and are never reused; a retired code stays here with `retired: true`.
 * docs/findings.md is generated from this list (`npm run docs`).
 */
import type { Severity } from "./finding";

export interface CatalogEntry {
  code: string;
  name: string;
  /** Severity as the catalog states it; rules pick among these. */
  severity: string;
  /** The severities this code can take. */
  levels: readonly Severity[];
  firesWhen: string;
  retired?: boolean;
  /**
   * Set while the spec defines the code but this release has no rule for it: says what is
   * missing. Findings with a pending code are never raised; whoever adds the rule removes this.
   */
  pending?: string;
}

/** A code is live when a rule of this release checks it: neither retired nor pending. */
export const isLive = (e: CatalogEntry): boolean => !e.retired && !e.pending;

const asHc001 = "critical if every target is failing, else warning";
const asNet001 = asHc001;

export const CATALOG: readonly CatalogEntry[] = [
  {
    code: "HC001",
    name: "HealthCheckPortNotHealthPort",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "No target is healthy, targets fail with Target.ResponseCodeMismatch, Target.Timeout or Target.FailedHealthChecks, the checked port is a traffic port of the Service (instance: a nodePort; ip: a container port) and the backing pods serve health on another port.",
  },
  {
    code: "HC002",
    name: "HealthCheckPathMismatch",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "No target is healthy, the checked port reaches the health endpoint, the protocol is HTTP/HTTPS and HealthCheckPath differs from the health endpoint's path.",
  },
  {
    code: "HC003",
    name: "HealthCheckProtocolMismatch",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "No target is healthy, the checked port reaches the health endpoint and HealthCheckProtocol differs from the endpoint's scheme (HTTPS vs HTTP; TCP never mismatches).",
  },
  {
    code: "HC004",
    name: "HealthCheckPortStale",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "HealthCheckPort is a number that is none of the Service's current nodePorts (instance mode), or, in ip mode, targets fail on it and it is none of the ports the backing pods declare or probe (a port some pod IP passes the check on is served, declared or not); typically a hard-coded NodePort that changed when the Service was re-created.",
  },
  {
    code: "HC005",
    name: "HealthCheckAnnotationNotApplied",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "A healthcheck-* or success-codes annotation on the Service behind the target group, or on the Ingress that created it, declares a value the target group does not have (the Service's annotation wins over the Ingress's); for an NLB built for a Service of type LoadBalancer, the same for its service.beta.kubernetes.io/aws-load-balancer-healthcheck-* annotations; for a target group the controller built for a Gateway, the healthCheckConfig of the TargetGroupConfiguration block in effect. A recent Warning of the controller (CTRL001) is named as the reason.",
  },
  {
    code: "HC006",
    name: "HealthCheckCodeMismatch",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "No target is healthy, targets fail with Target.ResponseCodeMismatch, port, path and protocol match the health endpoint, and the codes AWS reports are outside Matcher.HttpCode.",
  },
  {
    code: "HC007",
    name: "HealthCheckTimeoutShorterThanProbe",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "Targets fail with Target.Timeout, the checked port, path and protocol reach the health endpoint, no NET finding explains them (nor TP001 or TGT001: kube-proxy dropping the check on a node without a pod, a machine that left the cluster), and HealthCheckTimeoutSeconds is shorter than the health endpoint's readinessProbe.timeoutSeconds.",
  },
  {
    code: "TP001",
    name: "ExternalTrafficPolicyLocalNodesWithoutEndpoints",
    severity: "warning if some targets are healthy, critical if none is",
    levels: ["critical", "warning"],
    firesWhen:
      "Instance mode, the Service has externalTrafficPolicy: Local, and the failing targets are exactly (or mostly) nodes that run no ready endpoint of the Service.",
  },
  {
    code: "MESH001",
    name: "StrictMtlsBlocksAlbHealthCheck",
    severity: asHc001,
    levels: ["critical", "warning"],
    firesWhen:
      "IP mode, the backing pods carry an Istio sidecar, and the effective PeerAuthentication mode for the checked port is STRICT.",
  },
  {
    code: "MESH002",
    name: "HttpProbeBlockedByStrictMtls",
    severity: "critical if the pod is not ready, else warning",
    levels: ["critical", "warning"],
    firesWhen:
      "Anywhere in the cluster: a pod with an Istio sidecar, STRICT mode on the probe's port, and an httpGet liveness or readiness probe that was not rewritten to the agent.",
  },
  {
    code: "NET001",
    name: "SecurityGroupBlocksHealthCheck",
    severity: asNet001,
    levels: ["critical", "warning"],
    firesWhen:
      "Targets fail with Target.Timeout or Target.FailedHealthChecks and the security groups close the path from the load balancer to the target on the checked port (needs the optional EC2 lists).",
  },
  {
    code: "NET002",
    name: "NetworkAclBlocksHealthCheck",
    severity: asNet001,
    levels: ["critical", "warning"],
    firesWhen:
      "Targets fail with Target.Timeout or Target.FailedHealthChecks and a network ACL of the target's or the load balancer's subnet denies the check or its return traffic (needs the optional EC2 lists).",
  },
  {
    code: "NET003",
    name: "SecurityGroupBlocksTrafficPort",
    severity: "critical",
    levels: ["critical"],
    firesWhen:
      "An ALB target group checks a port other than its traffic port, the targets pass, but the security groups close the path from the load balancer to the traffic port: requests time out while the group looks healthy.",
  },
  {
    code: "TGT001",
    name: "StaleTarget",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "A registered target is not part of the cluster: instance mode, the instance is no node's providerID; ip mode, the address is in no EndpointSlice of the Service.",
  },
  {
    code: "TGT002",
    name: "MissingTarget",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "IP mode: a ready endpoint address of the Service is not registered in the target group.",
  },
  {
    code: "TGT003",
    name: "NoReadyEndpoints",
    severity: "critical",
    levels: ["critical"],
    firesWhen:
      "The Service behind the target group has no ready endpoint; the finding lists the backing pods and why each is not ready.",
  },
  {
    code: "TGT004",
    name: "TargetGroupNotInUse",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "The target group is attached to no load balancer, or targets report Target.NotInUse because their zone is not enabled on the load balancer.",
  },
  {
    code: "TGT005",
    name: "UnexplainedUnhealthyTargets",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "Failing targets that no other finding explains, with AWS's reason and description per target.",
  },
  {
    code: "TGT006",
    name: "NoRegisteredTargets",
    severity: "critical",
    levels: ["critical"],
    firesWhen:
      "A target group that a load balancer uses, whose target health was listed, has no registered target (requests get 503), unless TGT003 or BIND002 already explains it.",
  },
  {
    code: "BIND001",
    name: "UnboundTargetGroup",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "A target group tagged elbv2.k8s.aws/cluster = this cluster has no TargetGroupBinding.",
  },
  {
    code: "BIND002",
    name: "BindingBackendMissing",
    severity: "critical",
    levels: ["critical"],
    firesWhen: "A TargetGroupBinding names a Service or Service port that does not exist.",
  },
  {
    code: "BIND003",
    name: "BindingTargetGroupMissing",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "A TargetGroupBinding names (by ARN, or by name alone) a target group that AWS does not have, and no gap covers aws.targetGroups.",
  },
  {
    code: "CTRL001",
    name: "LoadBalancerControllerError",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "The AWS Load Balancer Controller recorded a Warning event within the hour before capturedAt on an object tied to an audited target group (its Ingress or IngressGroup, Service, TargetGroupBinding, Gateway or route).",
  },
  {
    code: "AUDIT001",
    name: "AuditIncomplete",
    severity: "warning",
    levels: ["warning"],
    firesWhen:
      "A source in gaps could not be read; the finding says which checks could not run because of it.",
  },
];

const byCode = new Map(CATALOG.map((e) => [e.code, e]));

export function catalogEntry(code: string): CatalogEntry {
  const entry = byCode.get(code);
  if (!entry) throw new Error(`unknown finding code ${code}`);
  return entry;
}
