// HC006 detects a success-code matcher that rejects what the health endpoint answers.
// The pods answer, the load balancer calls it a failure: every target is taken out over a status code.
import type { Finding } from "../finding";
import { GATEWAY_SOURCES } from "../gateway-api/view";
import { checksReachingHealth, describeEndpoint } from "../health-endpoint";
import { isHttpCheck, liveCheck, HEALTH_CHECK_INPUTS, failingTargets } from "../health-check";
import { parseMatcher } from "../matchers";
import { portOrPorts, serviceLabel } from "../service-ports";
import { pendingTargetHealthGate } from "../pod-readiness";
import type { TargetGroupView, TargetView } from "../model";
import { healthCheckFix } from "../remediation";
import { eachTargetGroup, makeFinding, type Rule } from "../rule";
import { affected, severityByFailing, tgResources } from "../finding-parts";

export const healthCheckCodeMismatch: Rule = {
  code: "HC006",
  inputs: HEALTH_CHECK_INPUTS,
  alsoReads: ["kubernetes.ingresses", ...GATEWAY_SOURCES],
  check: eachTargetGroup(check),
};

const CODE_MISMATCH: ReadonlySet<string> = new Set(["Target.ResponseCodeMismatch"]);

/** ALB success codes may only range over 200–499. */
const ALB_CODES = [200, 499] as const;

/** "Health checks failed with these codes: [404]" → [404]. */
export function reportedCodes(description: string | null): number[] {
  const list = /codes:\s*\[([^\]]*)\]/i.exec(description ?? "")?.[1];
  if (!list) return [];
  return list
    .split(/[\s,]+/)
    .filter((c) => /^\d{3}$/.test(c))
    .map(Number);
}

function codesOf(targets: readonly TargetView[]): number[] {
  const codes = new Set(targets.flatMap((t) => reportedCodes(t.description)));
  return [...codes].sort((a, b) => a - b);
}

/**
 * A matcher for a set of codes. AWS documents a list or one range, not both mixed, so a
 * scattered set that a short list cannot spell becomes the smallest range covering it.
 */
export function matcherFor(codes: ReadonlySet<number>): string {
  const sorted = [...codes].sort((a, b) => a - b);
  const low = sorted[0]!;
  const high = sorted[sorted.length - 1]!;
  if (sorted.length === 1) return String(low);
  if (high - low + 1 === sorted.length) return `${low}-${high}`;
  return sorted.length <= 10 ? sorted.join(",") : `${low}-${high}`;
}

function remediation(tgv: TargetGroupView, matcher: string, outside: number[], path: string) {
  const accepts = parseMatcher(matcher)!;
  const union = new Set(outside);
  for (let c = ALB_CODES[0]; c <= ALB_CODES[1]; c += 1) if (accepts(c)) union.add(c);
  const acceptable = outside.every((c) => c >= ALB_CODES[0] && c <= ALB_CODES[1]);
  const fix = acceptable ? healthCheckFix(tgv, { successCodes: matcherFor(union) }) : "";
  // The kubelet's probe counts 200–399 as success, so such an answer is the endpoint's normal one.
  if (outside.every((c) => c >= 200 && c < 400)) {
    return `The endpoint answers ${outside.join(", ")}, which the kubelet's readiness probe accepts; accept it in the health check too:\n${fix}`;
  }
  const fallback = acceptable
    ? `\nOnly if ${outside.join(", ")} truly means healthy for this service, accept it instead:\n${fix}`
    : "";
  return (
    `Make ${path} answer 200 to the load balancer's check: it answers ${outside.join(", ")} to the ALB while the kubelet's probe on the same port and path passes, so look for what differs ` +
    `(Host header checks, source-address allow-lists, redirects to HTTPS) and exempt the health path from it.` +
    fallback
  );
}

function check(tgv: TargetGroupView): Finding | undefined {
  const gate = checksReachingHealth(tgv, CODE_MISMATCH);
  if (!gate) return undefined;
  const live = liveCheck(tgv);
  const he = gate.reach.endpoint;
  if (!isHttpCheck(live.protocol) || live.protocol !== he.scheme || live.path !== he.path) {
    return undefined;
  }
  // Without a ready endpoint the kubelet fails the probe too: the service is down (TGT003).
  // A pod held back only by the controller's readiness gate passes the kubelet's probe.
  const probePasses = (e: (typeof tgv.endpoints)[number]) =>
    e.ready || (e.pod !== undefined && pendingTargetHealthGate(e.pod) !== undefined);
  if (!tgv.endpoints.some(probePasses)) return undefined;
  // gRPC groups match gRPC status codes, which the description does not report.
  if (tgv.tg.Matcher?.GrpcCode !== undefined && tgv.tg.Matcher.HttpCode === undefined) {
    return undefined;
  }
  const matcher = tgv.tg.Matcher?.HttpCode ?? "200";
  const accepts = parseMatcher(matcher);
  if (!accepts) return undefined;
  const outside = codesOf(gate.considered).filter((c) => !accepts(c));
  if (outside.length === 0) return undefined;

  const port = portOrPorts(gate.checked);
  const failing = failingTargets(tgv);
  const descriptions = [...new Set(gate.considered.map((t) => t.description).filter(Boolean))];
  return makeFinding("HC006", {
    severity: severityByFailing(tgv),
    title: `Target group ${tgv.name}: the health endpoint answers ${outside.join(", ")}, outside success codes ${matcher}`,
    targetGroupArn: tgv.arn,
    resources: tgResources(tgv),
    affectedTargets: affected(failing),
    evidence: {
      expected: { successCodes: matcher, port, path: he.path, protocol: he.scheme },
      actual: {
        reportedCodes: outside,
        port,
        path: live.path,
        protocol: live.protocol,
        descriptions,
        failingTargets: `${failing.length} of ${tgv.targets.length}`,
      },
    },
    rootCause:
      `Target group ${tgv.name} checks the right port, path and protocol of the pods behind ${serviceLabel(tgv)} (${describeEndpoint(he)}), but they answer ${outside.join(", ")} while the group accepts only ${matcher}. ` +
      `AWS reports Target.ResponseCodeMismatch for every such answer, so the targets stay unhealthy although the pods are ready.`,
    remediation: remediation(tgv, matcher, outside, he.path),
  });
}
