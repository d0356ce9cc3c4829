// HC005 detects health-check annotations whose values the live target group does not have.
// Someone fixed the health check in YAML and it did not take (wrong object, bad value, blocked reconcile): the outage continues behind a config that looks right.
import type { Finding } from "../finding";
import { healthPod } from "../health-endpoint";
import { isIp } from "../health-check";
import { matcherCodes, parseMatcher } from "../matchers";
import { keyOf, targetContainer } from "../k8s";
import {
  blockingIngress,
  describeWarning,
  shortMessage,
  warningsFor,
  type ControllerWarning,
} from "../controller-events";
import type { Model, TargetGroupView } from "../model";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import type { ObjectMeta, Service, TargetGroup } from "../../snapshot/schema";
import { ref, tgResources } from "../finding-parts";
import { ALB, INGRESS_PREFIX, NLB } from "../../controller/conventions";
import type { DeclaredSetting, HealthCheckSetting } from "../gateway-api/declared-health-check";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import {
  LBC_RESOURCE,
  LOAD_BALANCER_CONFIGURATION,
  TGC_PROTOCOLS,
  TGC_RESOURCE,
} from "../../controller/gateway-api";
import { healthCheckFix } from "../remediation";

export const healthCheckAnnotationNotApplied: Rule = {
  code: "HC005",
  inputs: [
    "aws.targetGroups",
    "kubernetes.services",
    "kubernetes.ingresses",
    "kubernetes.targetGroupBindings",
  ],
  alsoReads: [
    "kubernetes.endpointSlices",
    "kubernetes.pods",
    "kubernetes.events",
    ...GATEWAY_SOURCES,
  ],
  check: eachTargetGroup(check),
};

/** A declared value made comparable; `invalid` says why the controller cannot apply it. */
interface Resolved {
  value: string | number;
  invalid?: string;
}

interface KeySpec {
  /** The ALB key without its prefix: what the setting is called here. */
  suffix: string;
  /** The key on an Ingress or its backend Service (conventions' ALB). */
  alb: string;
  /** The key on an NLB's Service (`service.beta…/aws-load-balancer-healthcheck-…`). */
  nlb: string;
  /** The NLB key's parsing where it differs from the ALB's. */
  nlbResolve?: KeySpec["resolve"];
  /** An NLB applies it only to HTTP and HTTPS checks (the controller drops it for TCP). */
  httpOnly?: boolean;
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

const NLB_PROTOCOLS = new Set(["TCP", "HTTP", "HTTPS"]);

/** A setting's keys, each as conventions spell it. */
const keys = (alb: string, nlb: string) => ({ suffix: alb.slice(INGRESS_PREFIX.length), alb, nlb });

const KEYS: readonly KeySpec[] = [
  {
    ...keys(ALB.healthCheckPort, NLB.healthCheckPort),
    field: "HealthCheckPort",
    live: (tg) => tg.HealthCheckPort,
    resolve: resolvePort,
    equal: same,
  },
  {
    ...keys(ALB.healthCheckPath, NLB.healthCheckPath),
    httpOnly: true,
    field: "HealthCheckPath",
    live: (tg) => tg.HealthCheckPath,
    resolve: (d) => (d.startsWith("/") ? { value: d } : { value: d, invalid: "must start with /" }),
    equal: same,
  },
  {
    ...keys(ALB.healthCheckProtocol, NLB.healthCheckProtocol),
    field: "HealthCheckProtocol",
    live: (tg) => tg.HealthCheckProtocol,
    // The controller matches HTTP and HTTPS exactly, capitals included.
    resolve: (d) => {
      if (d === "HTTP" || d === "HTTPS") return { value: d };
      const upper = d.toUpperCase();
      const hint = upper === "HTTP" || upper === "HTTPS" ? `; use "${upper}"` : "";
      return { value: d, invalid: `must be HTTP or HTTPS${hint}` };
    },
    // For a Service the controller upper-cases the value and also takes TCP.
    nlbResolve: (d) => {
      const upper = d.toUpperCase();
      return NLB_PROTOCOLS.has(upper)
        ? { value: upper }
        : { value: d, invalid: "must be TCP, HTTP or HTTPS" };
    },
    equal: same,
  },
  {
    ...keys(ALB.healthCheckInterval, NLB.healthCheckInterval),
    field: "HealthCheckIntervalSeconds",
    live: (tg) => tg.HealthCheckIntervalSeconds,
    resolve: integer(5, 300),
    equal: same,
  },
  {
    ...keys(ALB.healthCheckTimeout, NLB.healthCheckTimeout),
    field: "HealthCheckTimeoutSeconds",
    live: (tg) => tg.HealthCheckTimeoutSeconds,
    resolve: integer(2, 120),
    equal: same,
  },
  {
    ...keys(ALB.healthyThreshold, NLB.healthyThreshold),
    field: "HealthyThresholdCount",
    live: (tg) => tg.HealthyThresholdCount,
    resolve: integer(2, 10),
    equal: same,
  },
  {
    ...keys(ALB.unhealthyThreshold, NLB.unhealthyThreshold),
    field: "UnhealthyThresholdCount",
    live: (tg) => tg.UnhealthyThresholdCount,
    resolve: integer(2, 10),
    equal: same,
  },
  {
    ...keys(ALB.successCodes, NLB.successCodes),
    httpOnly: true,
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

/**
 * Who declares a key: the Service if it does (its annotation wins), else the creating Ingresses;
 * a group built for a Service of type LoadBalancer (an NLB) reads its Service alone.
 */
function declarations(tgv: TargetGroupView, key: string): Declaration[] {
  const of = (kind: string, meta: ObjectMeta): Declaration[] => {
    const value = meta.annotations?.[key];
    return value === undefined
      ? []
      : [{ object: `${kind} ${keyOf(meta)}`, declared: value.trim() }];
  };
  const fromService = tgv.service ? of("Service", tgv.service.metadata) : [];
  return fromService.length > 0 || isNlb(tgv)
    ? fromService
    : tgv.ingresses.flatMap((i) => of("Ingress", i.metadata));
}

const isNlb = (tgv: TargetGroupView): boolean => tgv.manager === "service";

/** The annotation key of a setting for this group. */
const keyFor = (tgv: TargetGroupView, spec: KeySpec): string => (isNlb(tgv) ? spec.nlb : spec.alb);

/** An NLB's check protocol as it would apply: the declared one when valid, else the live one. */
function nlbProtocol(tgv: TargetGroupView): string | undefined {
  const declared = tgv.service?.metadata.annotations?.[NLB.healthCheckProtocol]
    ?.trim()
    .toUpperCase();
  return declared && NLB_PROTOCOLS.has(declared)
    ? declared
    : tgv.tg.HealthCheckProtocol?.toUpperCase();
}

interface Mismatch {
  key: string;
  /** The key without its prefix, for titles. */
  short: string;
  suffix: string;
  field: string;
  object: string;
  declared: string;
  resolved: string | number;
  live: string | number;
  invalid?: string;
}

function mismatchOf(tgv: TargetGroupView, spec: KeySpec): Mismatch | undefined {
  const key = keyFor(tgv, spec);
  if (isNlb(tgv) && spec.httpOnly && nlbProtocol(tgv) === "TCP") return undefined;
  const live = spec.live(tgv.tg);
  if (live === undefined) return undefined;
  const resolve = (isNlb(tgv) && spec.nlbResolve) || spec.resolve;
  const evaluated = declarations(tgv, key).flatMap((d) => {
    const resolved = resolve(d.declared, tgv);
    return resolved ? [{ ...d, ...resolved }] : [];
  });
  // Each Ingress of a group makes its own target group: one matching declaration is this one's.
  if (evaluated.length === 0 || evaluated.some((e) => spec.equal(e.value, live))) return undefined;
  const first = evaluated[0]!;
  return {
    key,
    short: key.slice(key.indexOf("/") + 1),
    suffix: spec.suffix,
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
  const value = (suffix: string, live: number | undefined) => {
    const m = found.find((f) => f.suffix === suffix);
    return m && typeof m.resolved === "number" ? m.resolved : live;
  };
  const interval = value("healthcheck-interval-seconds", tg.HealthCheckIntervalSeconds);
  const timeout = value("healthcheck-timeout-seconds", tg.HealthCheckTimeoutSeconds);
  const m = found.find((f) => f.suffix === "healthcheck-timeout-seconds");
  if (m && !m.invalid && interval !== undefined && timeout !== undefined && timeout >= interval) {
    m.invalid = `must be shorter than the interval (${interval}s)`;
  }
}

const declaredText = (m: Mismatch): string =>
  `${m.short} "${m.declared}"` +
  (String(m.resolved) !== m.declared ? ` (= ${String(m.resolved)})` : "");

/** The object whose reconcile should have applied the values, and how to look at it. */
function reconciled(
  tgv: TargetGroupView,
  service: Service,
): { text: string; ns: string; kind: string; name: string } {
  if (isNlb(tgv) || tgv.ingresses.length === 0) {
    const ns = service.metadata.namespace ?? "default";
    return {
      text: `Service ${keyOf(service.metadata)}`,
      ns,
      kind: "service",
      name: service.metadata.name,
    };
  }
  const first = tgv.ingresses[0]!.metadata;
  return {
    text: `Ingress ${tgv.ingresses.map((i) => keyOf(i.metadata)).join(", ")}`,
    ns: first.namespace ?? "default",
    kind: "ingress",
    name: first.name,
  };
}

const eventEvidence = (warning: ControllerWarning) => ({
  object: `${warning.object.kind} ${warning.object.namespace}/${warning.object.name}`,
  reason: warning.reason,
  message: shortMessage(warning.message),
  lastSeen: warning.lastSeen,
});

/** The controller's own latest word on why it does not apply them (CTRL001 reports it too). */
function latestWarning(tgv: TargetGroupView, model: Model): ControllerWarning | undefined {
  return warningsFor(tgv, model)
    .sort((a, b) => a.lastSeen.localeCompare(b.lastSeen))
    .at(-1);
}

/** Per key (annotation or TargetGroupConfiguration path): what is declared, and what the group has. */
function mismatchEvidence(found: readonly Mismatch[], warning: ControllerWarning | undefined) {
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
  if (warning) actual["controllerEvent"] = eventEvidence(warning);
  return { expected, actual };
}

// ---------------------------------------------------------------- Gateway API groups

/** The annotation key whose value rules each TargetGroupConfiguration setting follows. */
const TGC_SUFFIX: Record<HealthCheckSetting, string> = {
  port: "healthcheck-port",
  path: "healthcheck-path",
  protocol: "healthcheck-protocol",
  intervalSeconds: "healthcheck-interval-seconds",
  timeoutSeconds: "healthcheck-timeout-seconds",
  healthyThresholdCount: "healthy-threshold-count",
  unhealthyThresholdCount: "unhealthy-threshold-count",
  successCodes: "success-codes",
};

/** The CRD admits TCP checks too (an NLB's); its other values follow the annotations' rules. */
function resolveTgc(spec: KeySpec, declared: string, tgv: TargetGroupView) {
  if (spec.suffix === "healthcheck-protocol" && TGC_PROTOCOLS.has(declared))
    return { value: declared };
  return spec.resolve(declared, tgv);
}

function tgcMismatches(tgv: TargetGroupView, settings: readonly DeclaredSetting[]) {
  return settings.flatMap((d) => {
    const spec = KEYS.find((k) => k.suffix === TGC_SUFFIX[d.setting]);
    const live = spec?.live(tgv.tg);
    const resolved = spec && resolveTgc(spec, String(d.value), tgv);
    if (!spec || live === undefined || !resolved || spec.equal(resolved.value, live)) return [];
    const m: Mismatch = {
      key: d.at,
      short: d.at,
      suffix: spec.suffix,
      field: spec.field,
      object: d.object,
      declared: String(d.value),
      resolved: resolved.value,
      live,
      ...(resolved.invalid ? { invalid: resolved.invalid } : {}),
    };
    return [m];
  });
}

/** HC005 for a group built for a Gateway: its TargetGroupConfiguration against the live group. */
function checkTgc(tgv: TargetGroupView, model: Model): Finding | undefined {
  const declared = tgv.tgcHealthCheck;
  const svc = tgv.service;
  if (!svc || declared?.status !== "declared" || !tgv.gateway) return undefined;
  const found = tgcMismatches(tgv, declared.settings);
  if (found.length === 0) return undefined;
  timeoutNotBelowInterval(found, tgv.tg);
  const { block } = declared;
  const tgcNs = block.tgc.metadata.namespace ?? "default";
  const tgcName = block.tgc.metadata.name;
  const gw = tgv.gateway.gatewayRef;
  const route = tgv.gateway.route;
  const invalid = found.filter((m) => m.invalid);
  const warning = latestWarning(tgv, model);
  const { expected, actual } = mismatchEvidence(found, warning);
  const lbc = block.via?.lbc;
  const lbcKey = lbc ? `${lbc.metadata.namespace ?? "default"}/${lbc.metadata.name}` : "";
  const gatewayLevel =
    block.level === "gateway"
      ? ` That block is the Gateway-level one: the controller applies a TargetGroupConfiguration that targets a Gateway to a Service's target group only when a LoadBalancerConfiguration names it (defaultTargetGroupConfiguration); the Service's own configuration always applies.`
      : block.via
        ? ` That block is the Gateway-wide default that ${LOAD_BALANCER_CONFIGURATION} ${lbcKey} of ${block.via.namedBy} names (spec.defaultTargetGroupConfiguration); the Service has no block of its own.`
        : "";
  const why = warning
    ? `The controller says why it does not apply them: ${describeWarning(warning)} (CTRL001), so the target group keeps its previous settings.`
    : invalid.length > 0
      ? `The controller cannot apply ${invalid.map((m) => `${m.key} "${m.declared}" (${m.invalid})`).join("; ")}, so building Gateway ${gw.namespace}/${gw.name} fails and the target group keeps its previous settings.`
      : `The declared values are valid, so the controller has not reconciled Gateway ${gw.namespace}/${gw.name} since they were set: it is not running, the Gateway's class is not its own, or building the Gateway or one of its routes fails.${gatewayLevel}`;
  const routeText = route
    ? ` and kubectl -n ${route.namespace} describe ${route.kind.toLowerCase()} ${route.name}`
    : "";
  const fields = found.map((m) => m.key.slice(block.path.length + 1)).join(", ");
  return makeFinding("HC005", {
    severity: "warning",
    title: `Target group ${tgv.name} does not have the health-check settings of TargetGroupConfiguration ${tgcNs}/${tgcName}: ${fields}`,
    targetGroupArn: tgv.arn,
    resources: [
      ...tgResources(tgv),
      ref("TargetGroupConfiguration", block.tgc.metadata),
      ...(lbc ? [ref(LOAD_BALANCER_CONFIGURATION, lbc.metadata)] : []),
      ref("Gateway", gw),
    ],
    affectedTargets: [],
    evidence: { expected, actual },
    rootCause: `TargetGroupConfiguration ${tgcNs}/${tgcName} declares in ${block.path} ${found
      .map(
        (m) =>
          `${m.key.slice(block.path.length + 1)} "${m.declared}"${String(m.resolved) !== m.declared ? ` (= ${String(m.resolved)})` : ""}`,
      )
      .join(
        ", ",
      )} for the target group of Service ${keyOf(svc.metadata)}, but target group ${tgv.name} has ${found
      .map((m) => `${m.field} ${String(m.live)}`)
      .join(", ")}. ${why}`,
    remediation:
      (invalid.length > 0
        ? `Correct the values the controller rejects: ${invalid.map((m) => `${m.key} (${m.invalid})`).join("; ")}.\n`
        : "") +
      (block.level === "gateway"
        ? `${healthCheckFix(tgv, Object.fromEntries(declared.settings.map((d) => [d.setting, d.value])))}\n`
        : "") +
      `Find why Gateway ${gw.namespace}/${gw.name} is not reconciled: kubectl -n ${gw.namespace} describe gateway ${gw.name} (its Programmed and Accepted conditions)${routeText}, ` +
      `kubectl -n ${tgcNs} describe ${TGC_RESOURCE} ${tgcName}, ` +
      (lbc
        ? `kubectl -n ${lbc.metadata.namespace ?? "default"} describe ${LBC_RESOURCE} ${lbc.metadata.name}, `
        : "") +
      `and ` +
      `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${gw.namespace}/${gw.name}. ` +
      `Once it reconciles, the target group takes the declared values.`,
  });
}

function check(tgv: TargetGroupView, model: Model): Finding | undefined {
  if (tgv.manager === "gateway") return checkTgc(tgv, model);
  if ((tgv.manager !== "ingress" && tgv.manager !== "service") || !tgv.service) return undefined;
  const found = KEYS.flatMap((spec) => {
    const m = mismatchOf(tgv, spec);
    return m ? [m] : [];
  });
  if (found.length === 0) return undefined;
  timeoutNotBelowInterval(found, tgv.tg);

  const warning = latestWarning(tgv, model);
  const { expected, actual } = mismatchEvidence(found, warning);
  const invalid = found.filter((m) => m.invalid);
  const objects = [...new Set(found.map((m) => m.object))].join(", ");
  const keys = found.map((m) => m.short).join(", ");
  const owner = reconciled(tgv, tgv.service);

  const why = warning
    ? `The controller says why it does not apply them: ${describeWarning(warning)} (CTRL001), so the target group keeps its previous settings.`
    : invalid.length > 0
      ? `The controller cannot apply ${invalid.map((m) => `${m.key} "${m.declared}" on ${m.object} (${m.invalid})`).join("; ")}: building the model for ${owner.text} fails, so the target group keeps its previous settings.`
      : isNlb(tgv)
        ? `The declared values are valid, so the controller has not reconciled ${owner.text} since they were set: it is not running, does not handle this Service (spec.loadBalancerClass, or the aws-load-balancer-type annotation), or reconciling it fails.`
        : `The declared values are valid, so the controller has not reconciled ${owner.text} since they were set: it is not running, does not handle this Ingress (ingress class, annotation prefix), or reconciling it or another Ingress of its group fails.`;

  const culprit = warning && blockingIngress(warning.message);
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
      (culprit
        ? `Fix what the controller's error names on Ingress ${culprit.namespace}/${culprit.name} (see CTRL001): until it builds, nothing of its IngressGroup is applied. `
        : "") +
      `Find why ${owner.text} is not reconciled: kubectl -n ${owner.ns} describe ${owner.kind} ${owner.name} (events FailedBuildModel / FailedDeployModel) and ` +
      `kubectl -n kube-system logs deployment/aws-load-balancer-controller | grep ${owner.ns}/${owner.name}. ` +
      `Once it reconciles, the target group takes the declared values.`,
  });
}
