/** Hand-made findings and reports for the pure message builders. */
import {
  SEVERITIES,
  fingerprintOf,
  type AuditReport,
  type Finding,
  type Severity,
} from "../../lib/analyze/finding";

export const TG =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-cart/bbbbbbbbbbbbbbbb";

let serial = 0;

export function finding(overrides: Partial<Finding> = {}): Finding {
  serial += 1;
  const code = overrides.code ?? "TGT005";
  return {
    code,
    name: "UnexplainedUnhealthyTargets",
    severity: "warning",
    title: `Target ${serial} is unhealthy`,
    targetGroupArn: TG,
    resources: [{ kind: "Service", namespace: "shop", name: "cart" }],
    affectedTargets: [
      { id: "10.0.1.60", port: 8080, state: "unhealthy", reason: "Target.Timeout" },
    ],
    evidence: { expected: { state: "healthy" }, actual: { state: "unhealthy" } },
    rootCause: "The target does not answer the health check in time.",
    remediation: "Check the pod's readiness endpoint.",
    fingerprint: fingerprintOf(code, TG, [], String(serial)),
    ...overrides,
  };
}

export function reportOf(findings: Finding[], cluster = "shop-prod"): AuditReport {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCode: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  return {
    version: 1,
    cluster: { name: cluster, region: "eu-west-1" },
    auditedAt: "2026-11-24T10:00:00Z",
    summary: {
      targetGroups: 2,
      targetGroupsAudited: 2,
      targets: 5,
      unhealthyTargets: 3,
      findings: findings.length,
      bySeverity,
      byCode,
      suppressed: 0,
      suppressedByCode: {},
      gaps: 0,
    },
    findings,
  };
}
