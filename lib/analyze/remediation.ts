/**
 * Where a health-check fix must go, and how to say it exactly. The AWS Load Balancer Controller
 * owns target groups it created and reverts manual edits, so for those the fix is an annotation
 * on the object the controller reads (the Service: its annotations take precedence over the
 * Ingress's); a target group nobody reconciles is fixed with the AWS CLI.
 */
import { HEALTH_CHECK_ANNOTATIONS } from "../controller/conventions";
import { infrastructureAnnotationsFix } from "./gateway-api/istio-gateway";
import type { Json } from "./gateway-api/objects";
import { targetGroupConfigurationFix, targetGroupPropsFix } from "./gateway-api/tgc-fix";
import type { TargetGroupView } from "./model";

export interface HealthCheckSettings {
  port?: number | string;
  path?: string;
  protocol?: string;
  successCodes?: string;
  timeoutSeconds?: number;
  intervalSeconds?: number;
}

type Keys = Record<keyof HealthCheckSettings, string>;
const pick = (lb: "alb" | "nlb"): Keys => ({
  port: HEALTH_CHECK_ANNOTATIONS.port[lb],
  path: HEALTH_CHECK_ANNOTATIONS.path[lb],
  protocol: HEALTH_CHECK_ANNOTATIONS.protocol[lb],
  successCodes: HEALTH_CHECK_ANNOTATIONS.successCodes[lb],
  timeoutSeconds: HEALTH_CHECK_ANNOTATIONS.timeoutSeconds[lb],
  intervalSeconds: HEALTH_CHECK_ANNOTATIONS.intervalSeconds[lb],
});
const ALB_KEYS = pick("alb");
const NLB_KEYS = pick("nlb");

const CLI_FLAGS: Record<keyof HealthCheckSettings, string> = {
  port: "--health-check-port",
  path: "--health-check-path",
  protocol: "--health-check-protocol",
  successCodes: "--matcher",
  timeoutSeconds: "--health-check-timeout-seconds",
  intervalSeconds: "--health-check-interval-seconds",
};

const entries = (settings: HealthCheckSettings) =>
  (Object.keys(ALB_KEYS) as (keyof HealthCheckSettings)[])
    .filter((k) => settings[k] !== undefined)
    .map((k) => [k, String(settings[k])] as const);

/** The annotation keys for a setting on this target group's manager (null: not annotation-managed). */
export function annotationKeys(
  tgv: TargetGroupView,
): Record<keyof HealthCheckSettings, string> | null {
  if (tgv.manager === "ingress") return ALB_KEYS;
  if (tgv.manager === "service") return NLB_KEYS;
  return null;
}

const shellQuote = (v: string) => (/^[\w./:@,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/** The CLI's shorthand splits on commas, so a code list ("200,204") must go as JSON. */
const matcherFlag = (codes: string): string =>
  codes.includes(",")
    ? `--matcher ${shellQuote(JSON.stringify({ HttpCode: codes }))}`
    : `--matcher HttpCode=${codes}`;

/**
 * A group the controller built for a Gateway takes its health check from the Service's
 * TargetGroupConfiguration, never from annotations (catalog 1.1, "Gateway API").
 */
function gatewayFix(tgv: TargetGroupView, settings: HealthCheckSettings): string | undefined {
  const grpc = tgv.tg.Matcher?.GrpcCode !== undefined && tgv.tg.Matcher.HttpCode === undefined;
  return viaTgc(tgv, (service, declared) =>
    targetGroupConfigurationFix({
      service,
      declared,
      values: settings,
      grpc,
      apiVersion: tgcApiVersion(tgv),
    }),
  );
}

/** The Gateway-built group's Service and what its TargetGroupConfiguration declares, for a fix. */
function viaTgc(
  tgv: TargetGroupView,
  fix: (
    service: { namespace: string; name: string },
    declared: Parameters<typeof targetGroupPropsFix>[0]["declared"],
  ) => string,
): string | undefined {
  const svc = tgv.service;
  if (tgv.manager !== "gateway" || !svc) return undefined;
  const service = { namespace: svc.metadata.namespace ?? "default", name: svc.metadata.name };
  const declared = tgv.tgcHealthCheck;
  const known = declared && declared.status !== "unknown" ? declared : { status: "none" as const };
  const unseen =
    declared?.status === "unknown"
      ? `The snapshot cannot tell which TargetGroupConfiguration block applies (${declared.reason}); if the Service has one, set these fields in the block in effect instead.\n`
      : "";
  return unseen + fix(service, known);
}

/**
 * A change of a Gateway-built group's `targetGroupProps` (protocol, targetType, nodeSelector)
 * in the Service's TargetGroupConfiguration; undefined for any other group.
 */
export function targetGroupPropsFixFor(tgv: TargetGroupView, props: Json): string | undefined {
  return viaTgc(tgv, (service, declared) =>
    targetGroupPropsFix({ service, declared, props, apiVersion: tgcApiVersion(tgv) }),
  );
}

/**
 * Annotations for the group's Service: on the Service, or on the Gateway whose implementation
 * generated the Service and rewrites it. `why` says why the Service is the object to annotate.
 */
export function serviceAnnotationFix(
  tgv: TargetGroupView,
  annotations: Readonly<Record<string, string>>,
  why = "",
): string | undefined {
  const svc = tgv.service;
  if (!svc) return undefined;
  if (tgv.generatedService) {
    return infrastructureAnnotationsFix(tgv.generatedService, svc.metadata.name, annotations);
  }
  const ns = svc.metadata.namespace ?? "default";
  const pairs = Object.entries(annotations);
  const yaml = pairs.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join("\n");
  const args = pairs.map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ");
  return (
    `Annotate Service ${ns}/${svc.metadata.name}${why}:\n` +
    `metadata:\n  annotations:\n${yaml}\n` +
    `Command: kubectl -n ${ns} annotate service ${svc.metadata.name} --overwrite ${args}`
  );
}

const tgcApiVersion = (tgv: TargetGroupView): string | undefined => {
  const d = tgv.tgcHealthCheck;
  const own =
    d && d.status !== "unknown"
      ? d.status === "declared"
        ? d.block.tgc
        : d.serviceTgc
      : undefined;
  return own?.apiVersion;
};

/** Exact remediation text for a set of health-check settings on this target group. */
export function healthCheckFix(tgv: TargetGroupView, settings: HealthCheckSettings): string {
  const viaTgc = gatewayFix(tgv, settings);
  if (viaTgc !== undefined) return viaTgc;
  const pairs = entries(settings);
  const keys = annotationKeys(tgv);
  // Only an Ingress-made group has an Ingress whose annotations the Service's override.
  const why =
    tgv.manager === "ingress"
      ? " (the controller reads the Service's annotations before the Ingress's)"
      : " (the controller builds this load balancer from the Service's annotations)";
  const annotated =
    keys && serviceAnnotationFix(tgv, Object.fromEntries(pairs.map(([k, v]) => [keys[k], v])), why);
  if (annotated) return annotated;
  const flags = pairs
    .map(([k, v]) => (k === "successCodes" ? matcherFlag(v) : `${CLI_FLAGS[k]} ${shellQuote(v)}`))
    .join(" ");
  return (
    `This target group is not managed through annotations; change it directly:\n` +
    `aws elbv2 modify-target-group --target-group-arn ${tgv.arn} ${flags}`
  );
}
