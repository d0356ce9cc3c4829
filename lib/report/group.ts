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

const isRecordList = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((item) => typeof item === "object" && item !== null && !Array.isArray(item));

const show = (v: unknown) =>
  v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);

/** `a=1, b=x`: one record of a list as a person scans it. */
const record = (item: Record<string, unknown>) =>
  Object.entries(item)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(", ");

/**
 * Evidence as `field: expected …, actual …` lines, the way a person compares them. A list of
 * records (per node, per target, per pod) gets one `  - ` line per record instead of one long
 * JSON line.
 */
export function evidenceLines(f: Finding): string[] {
  const { expected, actual } = f.evidence;
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  return keys.flatMap((k) => {
    if (k in expected && k in actual) {
      return [`${k}: expected ${show(expected[k])}, actual ${show(actual[k])}`];
    }
    const value = k in expected ? expected[k] : actual[k];
    if (isRecordList(value)) return [`${k}:`, ...value.map((item) => `  - ${record(item)}`)];
    return [`${k}: ${show(value)}`];
  });
}

export const resourceName = (r: { kind: string; namespace?: string; name: string }): string =>
  r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
