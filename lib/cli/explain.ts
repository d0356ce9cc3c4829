/**
 * `alb-audit explain [CODE]`: what a finding code means (the catalog), why it happens and how
 * it is fixed, for the engineer who sees the code in an alert and not yet the report.
 */
import { CATALOG, type CatalogEntry } from "../analyze/catalog";
import { docsLink, type LinkOptions } from "../report/links";
import { UsageError } from "./args";

interface Guide {
  why: string;
  fix: string;
}

/** Where a health-check fix goes when annotations are not what the controller reads. */
const GATEWAY_API =
  " A target group the controller built for a Gateway (Gateway API) takes these settings from the Service's TargetGroupConfiguration (healthCheckConfig of the block in effect), never from annotations; a Service that Istio generates for a Gateway takes its annotations from the Gateway's spec.infrastructure.annotations.";

// Keyed by code. A code added to the catalog without a guide still explains what it means.
const GUIDES: Record<string, Guide> = {
  HC001: {
    why: "The ALB health check hits a port that serves traffic, not health: the gateway or app answers / there with a 404 or a redirect, or not at all, so every target fails although the pods are ready. Typical after healthcheck-port was left at traffic-port for an Istio gateway (health on 15021) or an app with a separate admin port.",
    fix:
      "Set alb.ingress.kubernetes.io/healthcheck-port, -path and -protocol to the pods' health endpoint (instance mode: the nodePort of the Service port that reaches it) on the object the controller reads: the Service's annotations win over the Ingress's; for a TargetGroupBinding-only group, modify-target-group." +
      GATEWAY_API,
  },
  HC002: {
    why: "The check reaches the health port, but asks for a path the health endpoint does not serve, so it gets 404.",
    fix:
      "Set alb.ingress.kubernetes.io/healthcheck-path to the readiness probe's path (for Istio-rewritten probes, the original path in ISTIO_KUBE_APP_PROBERS)." +
      GATEWAY_API,
  },
  HC003: {
    why: "The check speaks HTTP to an HTTPS endpoint, or HTTPS to a plain HTTP one; the handshake or the request fails on every target.",
    fix:
      "Set alb.ingress.kubernetes.io/healthcheck-protocol to the probe's scheme; when the check runs on the traffic port, set backend-protocol to match too." +
      GATEWAY_API,
  },
  HC004: {
    why: "HealthCheckPort is a fixed number that no longer belongs to the Service: usually a nodePort that changed when the Service was re-created, or a container port the pods stopped serving.",
    fix:
      "Point healthcheck-port at the current port, and pin the nodePort in the Service spec so it survives the next re-creation." +
      GATEWAY_API,
  },
  HC005: {
    why: "An annotation, or for a Gateway's target group its TargetGroupConfiguration, declares a health-check value the target group does not have: it is on an object the controller does not read for this group, its value is invalid, or the controller has not reconciled since.",
    fix: "Move the annotation to the object the controller reads (the Service's annotations win over the Ingress's), correct the value, and check the controller's events and logs for the object. For a Gateway's target group: the block in effect is the Service's TargetGroupConfiguration's most specific routeConfigurations entry, else its defaultConfiguration; kubectl describe the Gateway and its route for why the controller does not reconcile.",
  },
  HC006: {
    why: "Port, path and protocol are right, the pods pass their own probe, but the endpoint answers a code outside the target group's success codes (a 301 to HTTPS, a 401, a 204).",
    fix:
      "Widen alb.ingress.kubernetes.io/success-codes to the code the endpoint answers, or make the endpoint answer 200." +
      GATEWAY_API,
  },
  HC007: {
    why: "Port, path and protocol are right, but the load balancer waits less for an answer than the pods are given for their own readiness probe; a slow health endpoint passes the kubelet and times out at the ALB.",
    fix: "Raise alb.ingress.kubernetes.io/healthcheck-timeout-seconds to the probe's timeoutSeconds (2–120 s) and keep healthcheck-interval-seconds longer than it, on the object the controller reads: annotations, or for a Gateway's target group its TargetGroupConfiguration's healthCheckTimeout and healthCheckInterval.",
  },
  TP001: {
    why: "With externalTrafficPolicy: Local, kube-proxy drops traffic on nodes that run no ready pod of the Service, so the ALB's checks time out on those nodes while it sends them requests.",
    fix: "Use externalTrafficPolicy: Cluster (the ALB already passes the client address in X-Forwarded-For), switch to ip targets, or register only the nodes that run the pods. Behind an NLB, when the Service has a healthCheckNodePort, check it (HTTP /healthz, the controller's default for Local): nodes without a pod then drain by design. For a Gateway's target group, targetType and nodeSelector are set in the Service's TargetGroupConfiguration; for a Service Istio generates, through its Gateway.",
  },
  MESH001: {
    why: "The pods' Istio sidecar requires mutual TLS (STRICT) on the checked port; the ALB has no mesh certificate, so its check fails the handshake.",
    fix: "Add a port-level PERMISSIVE PeerAuthentication for the checked port, or check the agent's plaintext health port (15021 /healthz/ready on gateways, 15020 /app-health/... for apps).",
  },
  MESH002: {
    why: "The kubelet's HTTP probe goes to the application port, which STRICT mTLS protects; the kubelet has no mesh certificate, so the probe fails and the pod never becomes ready.",
    fix: 'Let the injector rewrite probes to the agent (remove sidecar.istio.io/rewriteAppHTTPProbers: "false" from the pod template), or serve the probe on a port excluded by port-level mTLS.',
  },
  NET001: {
    why: "The security groups do not let the load balancer reach the target on the checked port, so the check times out. Common causes: several security groups on the node's network interface with not exactly one tagged kubernetes.io/cluster/<cluster>, custom load balancer security groups without managed backend rules, or a TargetGroupBinding without spec.networking.",
    fix: "Tag exactly one security group of the target's interface kubernetes.io/cluster/<cluster>; or add manage-backend-security-group-rules: \"true\" beside the security-groups annotation; or add spec.networking.ingress to the binding; otherwise aws ec2 authorize-security-group-ingress from the load balancer's security group on the checked port.",
  },
  NET002: {
    why: "A network ACL of the target's or the load balancer's subnet denies the check or its return traffic (ACLs are stateless: the ephemeral ports back must be allowed too).",
    fix: "Add an allow entry (aws ec2 create-network-acl-entry) with a free rule number below the denying entry, for the checked port inbound and the ephemeral ports on the way back.",
  },
  NET003: {
    why: "The group checks a separate health port that the security groups allow, but the traffic port is closed to the load balancer: the targets look healthy while requests time out with 504.",
    fix: "Open the traffic port from the load balancer's security group the same way as for NET001 (cluster tag, managed backend rules, binding networking, or authorize-security-group-ingress).",
  },
  TGT001: {
    why: "The target group still holds a target that is not part of the cluster: a terminated node or a deleted pod's address that was never deregistered.",
    fix: "Deregister the target (aws elbv2 deregister-targets); if they keep coming back, check that the controller is running and that no other tool registers targets.",
  },
  TGT002: {
    why: "A ready pod address is not registered in the ip-mode target group, so it gets no traffic: the controller has not reconciled, or its readiness gate or permissions hold registration back.",
    fix: "Check the controller's logs and the TargetGroupBinding's events; register-targets brings the address in by hand until the controller does.",
  },
  TGT003: {
    why: "The Service has no ready endpoint: the pods behind it are crash-looping, failing their readiness probe, pending, or the selector matches none. The target group cannot pass what the cluster itself does not serve.",
    fix: "Fix the pods first (kubectl describe pod and logs for the reasons listed); the health check passes once they are ready.",
  },
  TGT004: {
    why: "The target group receives no traffic: no load balancer uses it, or its targets sit in an Availability Zone the load balancer does not serve (Target.NotInUse).",
    fix: "Attach it with a listener rule (or let the controller reconcile its Ingress or Service), or enable the targets' zone on the load balancer through its subnets.",
  },
  TGT005: {
    why: "Targets fail for a reason none of the other rules explains from the snapshot; AWS's own reason and description per target are the lead.",
    fix: "Follow AWS's reason per target (Target.Timeout: network path and security groups; Target.ResponseCodeMismatch: the endpoint's answer; Target.FailedHealthChecks: the application).",
  },
  TGT006: {
    why: "A load balancer sends requests to a target group that has no registered target, so they get 503: the controller's node selection admits no node, or the Service has no endpoints to register.",
    fix: "Instance mode: fix the node selection the finding names (exclusion label, target-node-labels, the binding's nodeSelector, taints); ip mode: give the Service endpoints; check the controller's events for the binding.",
  },
  BIND001: {
    why: "A target group carries this cluster's controller tags but no TargetGroupBinding: its Ingress, Service or Gateway was deleted and the group left behind, the controller failed to write the binding, or the group was made by hand with copied tags.",
    fix: "Delete the group when nothing uses it; otherwise create the TargetGroupBinding that should own it, or remove the cluster tag.",
  },
  BIND002: {
    why: "A TargetGroupBinding names a Service or Service port that does not exist, so the controller registers no target and the group stays empty or stale.",
    fix: "Correct spec.serviceRef (name and port) or create the Service; kubectl describe targetgroupbinding shows the controller's error.",
  },
  BIND003: {
    why: "A TargetGroupBinding names a target group that AWS does not have, typically one deleted and re-created outside the cluster under a new ARN; the controller cannot register anything.",
    fix: "Point spec.targetGroupARN at the group's current ARN (the finding names a group of the same name when the snapshot has one), or re-create the group, or delete the binding.",
  },
  CTRL001: {
    why: "The AWS Load Balancer Controller reported a Warning event on an object behind an audited target group: it could not build or apply the declared state, so the load balancer keeps an older one.",
    fix: "Act on the event's message (an IngressGroup member's FailedBuildModel blocks the whole group: fix the annotation or field it names); kubectl describe the object shows the event.",
  },
  AUDIT001: {
    why: "Part of the snapshot could not be read (permissions, throttling, a timeout), so the checks that need it did not run; their silence is not a clean bill.",
    fix: "Grant the read permission named in the gap (infra/README.md lists them), or run the audit again; the finding names the checks that were held.",
  },
};

export const guideFor = (code: string): Guide | undefined => GUIDES[code];
export const GUIDED_CODES = Object.keys(GUIDES);

function entry(code: string): CatalogEntry {
  const found = CATALOG.find((e) => e.code === code.toUpperCase());
  if (!found)
    throw new UsageError(
      `unknown finding code "${code}" (known: ${CATALOG.map((e) => e.code).join(", ")})`,
    );
  return found;
}

function wrap(text: string, indent: string, width = 78): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + word.length + 1 > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join("\n");
}

function explainOne(e: CatalogEntry, links: LinkOptions): string {
  const guide = guideFor(e.code);
  const docs = docsLink(e.code, links);
  const parts = [
    `${e.code} ${e.name}${e.retired ? " (retired)" : ""}`,
    `  severity: ${e.severity}`,
    "  what:",
    wrap(e.firesWhen, "    "),
  ];
  if (guide) parts.push("  why:", wrap(guide.why, "    "), "  fix:", wrap(guide.fix, "    "));
  parts.push(`  docs: ${docs.url ?? docs.label}`);
  return `${parts.join("\n")}\n`;
}

/** `explain` alone lists the codes; `explain CODE ...` explains each; json gives the data. */
export function explain(codes: string[], format: string, links: LinkOptions = {}): string {
  if (format !== "text" && format !== "json")
    throw new UsageError(`explain prints text or json, not ${format}`);
  const entries = codes.length ? codes.map(entry) : CATALOG;
  if (format === "json") {
    const data = entries.map((e) => ({ ...e, ...guideFor(e.code) }));
    return `${JSON.stringify(codes.length === 1 ? data[0] : data, null, 2)}\n`;
  }
  if (!codes.length) {
    const width = Math.max(...CATALOG.map((e) => e.code.length));
    return `${CATALOG.map((e) => `${e.code.padEnd(width)}  ${e.name}  (${e.severity})`).join("\n")}\n`;
  }
  return entries.map((e) => explainOne(e, links)).join("\n");
}
