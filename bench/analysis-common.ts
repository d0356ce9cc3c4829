/** Pieces the analysis benchmark's parent and child processes share. */
import type { AuditReport } from "../lib/analyze/finding";
import type { Snapshot } from "../lib/snapshot/schema";
import type { InjectedFault } from "./generator";

const MB = 1024 * 1024;
export const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

export const PHASE = "@@phase ";
export const RESULT = "@@result ";

/** What the time per object is divided by: every listed API object plus every registered target. */
export function objectCount(s: Snapshot): Record<string, number> {
  const lists = { ...s.aws, ...s.kubernetes } as Record<string, unknown>;
  const counts: Record<string, number> = {};
  for (const [name, list] of Object.entries(lists))
    if (Array.isArray(list)) counts[name] = list.length;
  counts.targets = s.aws.targetGroups.reduce(
    (n, tg) => n + (tg.TargetHealthDescriptions?.length ?? 0),
    0,
  );
  counts.endpoints = s.kubernetes.endpointSlices.reduce(
    (n, sl) => n + (sl.endpoints?.length ?? 0),
    0,
  );
  return counts;
}

/** Injected faults the report found (same code on the same target group), and findings no fault explains. */
export function scoreAgainstFaults(report: AuditReport, faults: InjectedFault[]) {
  const found = faults.filter((f) =>
    report.findings.some((x) => x.code === f.code && x.targetGroupArn === f.targetGroupArn),
  );
  const faulty = new Set(faults.map((f) => f.targetGroupArn));
  const unexpected = report.findings.filter(
    (x) => x.severity !== "info" && (x.targetGroupArn === null || !faulty.has(x.targetGroupArn)),
  );
  return {
    injected: faults.length,
    found: found.length,
    missed: faults.filter((f) => !found.includes(f)).map((f) => `${f.code} ${f.targetGroupName}`),
    unexpected: unexpected.map((x) => `${x.code} ${x.title}`).slice(0, 20),
    unexpectedCount: unexpected.length,
  };
}
