/**
 * analyze: snapshot → report. Pure: reads nothing but the snapshot, so every audit can be
 * replayed from a file.
 */
import type { Snapshot } from "../snapshot/schema";
import {
  SEVERITIES,
  severityRank,
  type AuditReport,
  type Finding,
  type NotRun,
  type ResourceRef,
  type Severity,
} from "./finding";
import { ignoredCodes, workloadOf } from "./k8s";
import { buildModel, type Model } from "./model";
import type { Rule } from "./rule";
import { dependenciesOf, orderRules } from "./rule-order";
import { RULES } from "./rules";

export interface AnalyzeOptions {
  /** Report time; defaults to the snapshot's capture time so a replay gives the same report. */
  auditedAt?: string;
  rules?: readonly Rule[];
}

/**
 * Rules that cannot run: a list they need is a gap, or an optional list they need was not
 * collected. Either way their open findings were not looked at, which the alert decision honours.
 */
export function blockedRules(model: Model, rules: readonly Rule[]): Rule[] {
  return rules.filter((r) =>
    r.inputs.some((source) => model.gapSources.has(source) || model.notCollected.has(source)),
  );
}

/** The rules kept from running only because optional lists were not collected (`summary.notRun`). */
export function notRunOf(model: Model, rules: readonly Rule[]): NotRun[] {
  return rules.flatMap((r) => {
    const missing = r.inputs.filter((source) => model.notCollected.has(source));
    return missing.length > 0 ? [{ code: r.code, missing }] : [];
  });
}

type Meta = Parameters<typeof ignoredCodes>[0];

/**
 * Finds the object a finding names, to read its ignore annotation. A workload (Deployment, ...)
 * is not in the snapshot; its pods carry the annotation from the pod template.
 */
function suppressionLookup(model: Model): (r: ResourceRef) => Meta[] {
  // Indexed on first use: a list scan per finding would make suppression quadratic.
  let podsByWorkload: Map<string, Meta[]> | undefined;
  let bindingsByKey: Map<string, Meta> | undefined;
  const workloadKey = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
  return (r) => {
    const ns = r.namespace ?? "default";
    const key = `${ns}/${r.name}`;
    switch (r.kind) {
      case "Service":
        return [model.servicesByKey.get(key)?.metadata];
      case "Ingress":
        return [model.ingressesByKey.get(key)?.metadata];
      case "TargetGroupBinding":
        if (!bindingsByKey) {
          bindingsByKey = new Map();
          for (const b of model.snapshot.kubernetes.targetGroupBindings) {
            const k = `${b.metadata.namespace ?? "default"}/${b.metadata.name}`;
            if (!bindingsByKey.has(k)) bindingsByKey.set(k, b.metadata);
          }
        }
        return [bindingsByKey.get(key)];
      case "Pod":
        return [model.podsByKey.get(key)?.metadata];
      default: {
        if (!podsByWorkload) {
          podsByWorkload = new Map();
          for (const pod of model.snapshot.kubernetes.pods) {
            const w = workloadOf(pod);
            const k = workloadKey(w.kind, w.namespace, w.name);
            const bucket = podsByWorkload.get(k);
            if (bucket) bucket.push(pod.metadata);
            else podsByWorkload.set(k, [pod.metadata]);
          }
        }
        return podsByWorkload.get(workloadKey(r.kind, ns, r.name)) ?? [];
      }
    }
  };
}

export function isSuppressed(model: Model, f: Finding, lookup = suppressionLookup(model)): boolean {
  return f.resources.some((r) => lookup(r).some((meta) => ignoredCodes(meta).has(f.code)));
}

/** Report order: severity, then code, then target group. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
    (a.targetGroupArn ?? "").localeCompare(b.targetGroupArn ?? "") ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/** Runs the rules in the order their declarations give; each sees the findings it runs after. */
export function runRules(model: Model, rules: readonly Rule[] = RULES): Finding[] {
  const blocked = new Set(blockedRules(model, rules));
  const raised: { code: string; findings: Finding[] }[] = [];
  for (const rule of orderRules(rules)) {
    if (blocked.has(rule)) continue;
    const deps = dependenciesOf(rule, rules);
    const prior = raised.filter((r) => deps.has(r.code)).flatMap((r) => r.findings);
    raised.push({ code: rule.code, findings: rule.check({ model, prior, rules }) });
  }
  return raised.flatMap((r) => r.findings);
}

export interface Analysis {
  report: AuditReport;
  /** Findings an ignore annotation silenced: left out of the report, still facts of the run. */
  suppressed: Finding[];
}

/** The audit of an already built model, for callers that use the model again (the Lambda). */
export function analyzeModel(model: Model, options: AnalyzeOptions = {}): Analysis {
  const snapshot = model.snapshot;
  const all = runRules(model, options.rules);
  const suppressed: Finding[] = [];
  const kept: Finding[] = [];
  const suppressedByCode: Record<string, number> = {};
  const lookup = suppressionLookup(model);
  for (const f of all) {
    if (isSuppressed(model, f, lookup)) {
      suppressedByCode[f.code] = (suppressedByCode[f.code] ?? 0) + 1;
      suppressed.push(f);
    } else kept.push(f);
  }
  kept.sort(compareFindings);

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCode: Record<string, number> = {};
  for (const f of kept) {
    bySeverity[f.severity] += 1;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  const targets = model.targetGroups.flatMap((t) => t.targets);
  const notRun = notRunOf(model, options.rules ?? RULES);
  const report: AuditReport = {
    version: 1,
    cluster: model.cluster,
    auditedAt: options.auditedAt ?? snapshot.capturedAt,
    summary: {
      targetGroups: model.targetGroups.length,
      targetGroupsAudited: model.targetGroups.filter((t) => t.healthKnown).length,
      targets: targets.length,
      unhealthyTargets: targets.filter((t) => t.failing).length,
      findings: kept.length,
      bySeverity,
      byCode,
      suppressed: all.length - kept.length,
      suppressedByCode,
      gaps: snapshot.gaps.length,
      ...(notRun.length > 0 ? { notRun } : {}),
    },
    findings: kept,
  };
  return { report, suppressed };
}

export function analyze(snapshot: Snapshot, options: AnalyzeOptions = {}): AuditReport {
  return analyzeModel(buildModel(snapshot), options).report;
}
