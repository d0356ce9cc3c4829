import type { Finding } from "../finding";
import { healthPod, isIp, matcherCodes, parseMatcher } from "../health-check";
import { keyOf, targetContainer } from "../k8s";
import type { TargetGroupView } from "../model";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import type { ObjectMeta, TargetGroup } from "../../snapshot/schema";
import { tgResources } from "../views";
import { ALB, INGRESS_PREFIX } from "../../controller/conventions";

export const healthCheckAnnotationNotApplied: Rule = {
  code: "HC005",
  inputs: [
    "aws.targetGroups",
    "kubernetes.services",
    "kubernetes.ingresses",
    "kubernetes.targetGroupBindings",
  ],
  alsoReads: ["kubernetes.endpointSlices", "kubernetes.pods"],
  check: eachTargetGroup(check),
};

/** A declared value made comparable; `invalid` says why the controller cannot apply it. */
interface Resolved {
  value: string | number;
  invalid?: string;
}

interface KeySpec {
  key: string;
  /** The target group field the annotation sets, for the evidence. */
  field: string;
  live(tg: TargetGroup): string | number | undefined;
  /** undefined: the snapshot cannot tell what the declared value means here. */
  resolve(declared: string, tgv: TargetGroupView): Resolved | undefined;
  equal(resolved: string | number, live: string | number): boolean;
}

const same = (a: string | number, b: string | number) => String(a) === String(b);

function integer(min: number, max: number) {
  return (declared: string): Resolved => {
    if (!/^\d+$/.test(declared)) return { value: declared, invalid: "not an integer" };
    const n = Number(declared);
    return n < min || n > max ? { value: n, invalid: `outside ${min}–${max}` } : { value: n };
  };
}

/** healthcheck-port: `traffic-port`, a number, or a Service port name the controller resolves. */
function resolvePort(declared: string, tgv: TargetGroupView): Resolved | undefined {
  if (declared === "traffic-port") return { value: declared };
  if (/^\d+$/.test(declared)) {
    const n = Number(declared);
    return n >= 1 && n <= 65535 ? { value: n } : { value: n, invalid: "not a port number" };
  }
  const svc = tgv.service;
  const sp = svc?.spec?.ports?.find((p) => p.name === declared);
  if (!svc || !sp) {
    const names = (svc?.spec?.ports ?? []).flatMap((p) => (p.name ? [p.name] : []));
    const known = names.length > 0 ? `; its ports are ${names.join(", ")}` : "";
    return { value: declared, invalid: `no port named "${declared}" in the Service${known}` };
  }
  if (!isIp(tgv)) {
    return sp.nodePort !== undefined
      ? { value: sp.nodePort }
      : { value: declared, invalid: `Service port "${declared}" has no nodePort` };
  }
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number" || /^\d+$/.test(target)) return { value: Number(target) };
  const pod = healthPod(tgv);
  const landed = pod && targetContainer(pod, sp)?.port;
  if (landed === undefined) return undefined;
  return {
    value: landed,
    invalid: `in ip mode the controller cannot use a port name whose Service port has a named targetPort ("${target}")`,
  };
}

const KEYS: readonly KeySpec[] = [
  {
    key: ALB.healthCheckPort,
    field: "HealthCheckPort",
    live: (tg) => tg.HealthCheckPort,
    resolve: resolvePort,
    equal: same,
  },
  {
    key: ALB.healthCheckPath,
    field: "HealthCheckPath",
    live: (tg) => tg.HealthCheckPath,
    resolve: (d) => (d.startsWith("/") ? { value: d } : { value: d, invalid: "must start with /" }),
    equal: same,
  },
  {
    key: ALB.healthCheckProtocol,
    field: "HealthCheckProtocol",
    live: (tg) => tg.HealthCheckProtocol,
    // The controller matches HTTP and HTTPS exactly, capitals included.
    resolve: (d) => {
      if (d === "HTTP" || d === "HTTPS") return { value: d };
      const upper = d.toUpperCase();
      const hint = upper === "HTTP" || upper === "HTTPS" ? `; use "${upper}"` : "";
      return { value: d, invalid: `must be HTTP or HTTPS${hint}` };
    },
    equal: same,
  },
  {
    key: ALB.healthCheckInterval,
    field: "HealthCheckIntervalSeconds",
    live: (tg) => tg.HealthCheckIntervalSeconds,
    resolve: integer(5, 300),
    equal: same,
  },
  {
    key: ALB.healthCheckTimeout,
    field: "HealthCheckTimeoutSeconds",
    live: (tg) => tg.HealthCheckTimeoutSeconds,
    resolve: integer(2, 120),
    equal: same,
  },
  {
    key: ALB.healthyThreshold,
    field: "HealthyThresholdCount",
    live: (tg) => tg.HealthyThresholdCount,
    resolve: integer(2, 10),
    equal: same,
  },
  {
    key: ALB.unhealthyThreshold,
    field: "UnhealthyThresholdCount",
    live: (tg) => tg.UnhealthyThresholdCount,
    resolve: integer(2, 10),
    equal: same,
  },
  {
    key: ALB.successCodes,
    field: "Matcher",
    // gRPC groups carry the annotation's value in GrpcCode instead.
    live: (tg) => tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode,
    resolve: (d) =>
      parseMatcher(d) ? { value: d } : { value: d, invalid: "not a code, list or range" },
    equal: (a, b) => {
      const [x, y] = [matcherCodes(String(a)), matcherCodes(String(b))];
      if (!x || !y) return same(String(a).replace(/\s/g, ""), String(b).replace(/\s/g, ""));
      return x.size === y.size && [...x].every((c) => y.has(c));
    },
  },
];

interface Declaration {
  object: string;
  declared: string;
}

/** Who declares a key: the Service if it does (its annotation wins), else the creating Ingresses. */
function declarations(tgv: TargetGroupView, key: string): Declaration[] {
  const of = (kind: string, meta: ObjectMeta): Declaration[] => {
    const value = meta.annotations?.[key];
    return value === undefined
      ? []
      : [{ object: `${kind} ${keyOf(meta)}`, declared: value.trim() }];
  };
  const fromService = tgv.service ? of("Service", tgv.service.metadata) : [];
  return fromService.length > 0
    ? fromService
    : tgv.ingresses.flatMap((i) => of("Ingress", i.metadata));
}

interface Mismatch {
  key: string;
  field: string;
  object: string;
  declared: string;
  resolved: string | number;
  live: string | number;
  invalid?: string;
}

function mismatchOf(tgv: TargetGroupView, spec: KeySpec): Mismatch | undefined {
  const key = spec.key;
  const live = spec.live(tgv.tg);
  if (live === undefined) return undefined;
  const evaluated = declarations(tgv, key).flatMap((d) => {
    const resolved = spec.resolve(d.declared, tgv);
    return resolved ? [{ ...d, ...resolved }] : [];
  });
  // Each Ingress of a group makes its own target group: one matching declaration is this one's.
  if (evaluated.length === 0 || evaluated.some((e) => spec.equal(e.value, live))) return undefined;
  const first = evaluated[0]!;
  return {
    key,
    field: spec.field,
    object: first.object,
    declared: first.declared,
    resolved: first.value,
    live,
    ...(first.invalid ? { invalid: first.invalid } : {}),
  };
}

/** AWS requires the timeout to be shorter than the interval; judged on the values that would apply. */
function timeoutNotBelowInterval(found: Mismatch[], tg: TargetGroup): void {
  const value = (key: string, live: number | undefined) => {
    const m = found.find((f) => f.key === key);
    return m && typeof m.resolved === "number" ? m.resolved : live;
  };
  const interval = value(ALB.healthCheckInterval, tg.HealthCheckIntervalSeconds);
  const timeout = value(ALB.healthCheckTimeout, tg.HealthCheckTimeoutSeconds);
  const m = found.find((f) => f.key === ALB.healthCheckTimeout);
  if (m && !m.invalid && interval !== undefined && timeout !== undefined && timeout >= interval) {
    m.invalid = `must be shorter than the interval (${interval}s)`;
  }
}

const declaredText = (m: Mismatch): string =>
  `${m.key.slice(INGRESS_PREFIX.length)} "${m.declared}"` +
  (String(m.resolved) !== m.declared ? ` (= ${String(m.resolved)})` : "");

function check(tgv: TargetGroupView): Finding | undefined {
  if (tgv.manager !== "ingress" || !tgv.service) return undefined;
  const found = KEYS.flatMap((spec) => {
    const m = mismatchOf(tgv, spec);
    return m ? [m] : [];
  });
  if (found.length === 0) return undefined;
  timeoutNotBelowInterval(found, tgv.tg);

  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const m of found) {
    expected[m.key] = {
      object: m.object,
      declared: m.declared,
      ...(String(m.resolved) !== m.declared ? { resolved: m.resolved } : {}),
      ...(m.invalid ? { invalid: m.invalid } : {}),
    };
    actual[m.key] = { field: m.field, live: m.live };
  }
  const invalid = found.filter((m) => m.invalid);
  const objects = [...new Set(found.map((m) => m.object))].join(", ");
  const keys = found.map((m) => m.key.slice(INGRESS_PREFIX.length)).join(", ");
  const ingresses = tgv.ingresses.map((i) => keyOf(i.metadata));
  const ingressText = ingresses.length > 0 ? `Ingress ${ingresses.join(", ")}` : "the Ingress";
  const ns = tgv.ingresses[0]?.metadata.namespace ?? tgv.service.metadata.namespace ?? "default";
  const firstIngress = tgv.ingresses[0]?.metadata.name ?? "<ingress>";

  const why =
    invalid.length > 0
      ? `The controller cannot apply ${invalid.map((m) => `${m.key} "${m.declared}" on ${m.object} (${m.invalid})`).join("; ")}: building the model for ${ingressText} fails, so the target group keeps its previous settings.`
      : `The declared values are valid, so the controller has not reconciled ${ingressText} since they were set: it is not running, does not handle this Ingress (ingress class, annotation prefix), or reconciling it or another Ingress of its group fails.`;

  return makeFinding("HC005", {
    severity: "warning",
    title: `Target group ${tgv.name} does not have the health-check settings annotated on ${objects}: ${keys}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: [],
    evidence: { expected, actual },
    rootCause: `Annotations on ${objects} declare ${found.map(declaredText).join(", ")}, but target group ${tgv.name} has ${found
      .map((m) => `${m.field} ${String(m.live)}`)
      .join(", ")}. ${why}`,
    remediation:
      (invalid.length > 0
        ? `Correct the values the controller rejects: ${invalid.map((m) => `${m.key} on ${m.object} (${m.invalid})`).join("; ")}.\n`
        : "") +
      `Find why ${ingressText} is not reconciled: kubectl -n ${ns} describe ingress ${firstIngress} (events FailedBuildModel / FailedDeployModel) and ` +
      `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${ns}/${firstIngress}. ` +
      `Once it reconciles, the target group takes the declared values.`,
  });
}
