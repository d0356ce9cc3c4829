// HC001 detects a health check aimed at the gateway's traffic port instead of the port that serves its health endpoint.
// Every target fails at once while the pods are fine: the most common cause of an Istio or ingress gateway going dark.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import {
  checkedPortsOf,
  failingWith,
  groupDown,
  isGrpc,
  isInstance,
  isIp,
  liveCheck,
  HEALTH_CHECK_INPUTS,
  failingTargets,
} from "../health-check";
import {
  describeEndpoint,
  healthReach,
  istioAgentPorts,
  type HealthReach,
} from "../health-endpoint";
import {
  describeServicePort,
  portOrPorts,
  serviceLabel,
  servicePortForCheckedPort,
  trafficPorts,
} from "../service-ports";
import { keyOf } from "../k8s";
import type { Model, TargetGroupView } from "../model";
import { healthCheckFix } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

export const healthCheckPortNotHealthPort: Rule = {
  code: "HC001",
  inputs: HEALTH_CHECK_INPUTS,
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

const NODE_PORT_RANGE = [30000, 32767] as const;

/** A nodePort no Service of the snapshot uses, so the patch can pin it and the fix stays exact. */
function freeNodePort(model: Model): number | undefined {
  const used = new Set(
    model.snapshot.kubernetes.services.flatMap((s) =>
      (s.spec?.ports ?? []).flatMap((p) => (p.nodePort !== undefined ? [p.nodePort] : [])),
    ),
  );
  for (let p = NODE_PORT_RANGE[0]; p <= NODE_PORT_RANGE[1]; p += 1) if (!used.has(p)) return p;
  return undefined;
}

/** The Service port to add when none reaches the health container port (instance mode). */
function newHealthPort(tgv: TargetGroupView, model: Model, containerPort: number) {
  const ports = tgv.service?.spec?.ports ?? [];
  const names = new Set(ports.map((p) => p.name));
  const numbers = new Set(ports.map((p) => p.port));
  let port = containerPort;
  while (numbers.has(port)) port += 1;
  const name = names.has("health") ? `health-${containerPort}` : "health";
  return { name, port, targetPort: containerPort, nodePort: freeNodePort(model), protocol: "TCP" };
}

function addPortFix(tgv: TargetGroupView, added: ReturnType<typeof newHealthPort>): string {
  const svc = tgv.service!;
  const ns = svc.metadata.namespace ?? "default";
  const nodePortLine = added.nodePort !== undefined ? `\n    nodePort: ${added.nodePort}` : "";
  return (
    `${serviceLabel(tgv)} has no port that reaches container port ${added.targetPort}, where the pods serve health. Add one` +
    (added.nodePort !== undefined
      ? ` (nodePort ${added.nodePort} is free in this snapshot; pinning it keeps the health-check port stable):\n`
      : ":\n") +
    `spec:\n  ports:\n  - name: ${added.name}\n    port: ${added.port}\n    targetPort: ${added.targetPort}${nodePortLine}\n    protocol: TCP\n` +
    `Command: kubectl -n ${ns} patch service ${svc.metadata.name} --type=json -p '${JSON.stringify([
      { op: "add", path: "/spec/ports/-", value: added },
    ])}'\n` +
    `Then point the health check at it:\n`
  );
}

interface Plan {
  port: number | undefined;
  prefix: string;
  via: string;
}

/** The port to check and any Service change needed first. */
function plan(tgv: TargetGroupView, model: Model, reach: HealthReach): Plan {
  const he = reach.endpoint;
  if (isIp(tgv)) return { port: he.port, prefix: "", via: `container port ${he.port}` };
  const sp = reach.servicePorts.find((p) => p.nodePort !== undefined);
  if (sp) return { port: sp.nodePort, prefix: "", via: `Service port ${describeServicePort(sp)}` };
  const added = newHealthPort(tgv, model, he.port);
  return {
    port: added.nodePort,
    prefix: addPortFix(tgv, added),
    via: `no Service port (add a Service port for container port ${he.port})`,
  };
}

function check(tgv: TargetGroupView, model: Model): Finding | undefined {
  if (!tgv.service || !(isInstance(tgv) || isIp(tgv)) || !groupDown(tgv)) return undefined;
  // A gRPC group checks the gRPC server on its traffic port by design (a method, gRPC codes):
  // an HTTP readiness endpoint elsewhere is no port, path or protocol it could use instead.
  if (isGrpc(tgv)) return undefined;
  const reach = healthReach(tgv);
  if (!reach) return undefined;
  const considered = failingWith(tgv);
  const checked = checkedPortsOf(considered);
  const traffic = trafficPorts(tgv);
  const agent = istioAgentPorts(tgv);
  // Only a traffic port that is not the health port: a port that is neither is HC004's case.
  const wrong = (p: number) => traffic.has(p) && !reach.ports.includes(p) && !agent.has(p);
  if (checked.length === 0 || !checked.every(wrong)) return undefined;

  const he = reach.endpoint;
  const live = liveCheck(tgv);
  const { port, prefix, via } = plan(tgv, model, reach);
  const checkedSp = servicePortForCheckedPort(tgv, checked[0] as number);
  const checkedText = checkedSp
    ? `Service port ${describeServicePort(checkedSp)}`
    : `a traffic port of the backing pods`;
  const reasons = [...new Set(considered.map((t) => t.reason))].join(", ");
  const failing = failingTargets(tgv);
  const portText = portOrPorts(checked);
  const fix = healthCheckFix(tgv, {
    port: port ?? `<nodePort of the new port>`,
    path: he.path,
    protocol: he.scheme,
  });

  return makeFinding("HC001", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name} health-checks traffic port ${String(portText)}; the pods serve health on port ${he.port}${
      isInstance(tgv) && port !== undefined ? ` (nodePort ${port})` : ""
    }`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: {
        port: port ?? null,
        path: he.path,
        protocol: he.scheme,
        healthEndpoint: describeEndpoint(he),
        reachedThrough: via,
      },
      actual: {
        port: portText,
        healthCheckPort: live.port,
        path: live.path,
        protocol: live.protocol,
        checkedPortIs: checkedText,
        failingTargets: `${failing.length} of ${tgv.targets.length}`,
        reasons,
      },
    },
    rootCause:
      `Target group ${tgv.name} health-checks port ${String(portText)} (HealthCheckPort "${live.port}"), which is ${checkedText} of Service ${keyOf(tgv.service.metadata)}: it carries traffic, not health, so the checks fail (${reasons}). ` +
      `The backing pods serve health at ${describeEndpoint(he)}, reached through ${via}.`,
    remediation: prefix + fix,
  });
}
