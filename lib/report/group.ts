import type { AuditReport, Finding } from "../analyze/finding";

export interface FindingGroup {
  /** Target group ARN, or null for cluster-wide findings. */
  targetGroupArn: string | null;
  /** Short name from the ARN (`targetgroup/<name>/<id>`). */
  label: string;
  findings: Finding[];
}

export const targetGroupName = (arn: string): string =>
  arn.split(":targetgroup/")[1]?.split("/")[0] ?? arn;

/** Findings grouped by target group, groups in order of their most severe finding. */
export function groupByTargetGroup(report: AuditReport): FindingGroup[] {
  const groups = new Map<string | null, FindingGroup>();
  for (const f of report.findings) {
    let group = groups.get(f.targetGroupArn);
    if (!group) {
      group = {
        targetGroupArn: f.targetGroupArn,
        label: f.targetGroupArn ? targetGroupName(f.targetGroupArn) : "cluster-wide",
        findings: [],
      };
      groups.set(f.targetGroupArn, group);
    }
    group.findings.push(f);
  }
  return [...groups.values()];
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function summaryLine(report: AuditReport): string {
  const s = report.summary;
  const sev = `${s.bySeverity.critical} critical, ${s.bySeverity.warning} warning, ${s.bySeverity.info} info`;
  const suppressed = s.suppressed > 0 ? `, ${s.suppressed} suppressed` : "";
  return (
    `${count(s.targetGroups, "target group")} (${s.targetGroupsAudited} audited), ` +
    `${s.unhealthyTargets}/${s.targets} targets failing; ${count(s.findings, "finding")}: ${sev}${suppressed}`
  );
}

/** Evidence as `field: expected → actual` lines, the way a person compares them. */
export function evidenceLines(f: Finding): string[] {
  const keys = [
    ...new Set([...Object.keys(f.evidence.expected), ...Object.keys(f.evidence.actual)]),
  ];
  const show = (v: unknown) =>
    v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
  return keys.map((k) => {
    const inExpected = k in f.evidence.expected;
    const inActual = k in f.evidence.actual;
    if (inExpected && inActual)
      return `${k}: expected ${show(f.evidence.expected[k])}, actual ${show(f.evidence.actual[k])}`;
    return `${k}: ${show(inExpected ? f.evidence.expected[k] : f.evidence.actual[k])}`;
  });
}

export const resourceName = (r: { kind: string; namespace?: string; name: string }): string =>
  r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
