/**
 * What an audit could see in, read from its snapshot: the rules that could not run, the target
 * groups whose health is unknown, and the findings an ignore annotation silenced. The alert
 * decision uses it to tell "fixed" from "not looked at".
 */
import type { AuditReport } from "../analyze/finding";
import { blockedRules, runRules } from "../analyze/index";
import { buildModel } from "../analyze/model";
import { RULES } from "../analyze/rules";
import type { Snapshot } from "../snapshot/schema";
import type { Coverage } from "./decide";

export function coverageOf(
  snapshot: Snapshot,
  report: AuditReport,
  scope?: readonly string[],
): Coverage {
  const model = buildModel(snapshot);
  // A group the health prefilter left unlisted (healthy per CloudWatch) was not looked at in
  // detail: its open findings wait for the next run that lists it, never "resolve" meanwhile.
  const unaudited = new Set(
    model.targetGroups.filter((t) => !t.healthKnown || t.healthyPerCloudWatch).map((t) => t.arn),
  );
  // A group named by a gap may be missing from the list altogether.
  for (const gap of snapshot.gaps) {
    if (typeof gap.targetGroupArn === "string") unaudited.add(gap.targetGroupArn);
  }
  // The report keeps only the unsuppressed findings; running the rules again finds the rest.
  // Only worth it when something was suppressed.
  let suppressed = new Set<string>();
  if (report.summary.suppressed > 0) {
    const kept = new Set(report.findings.map((f) => f.fingerprint));
    suppressed = new Set(
      runRules(model)
        .map((f) => f.fingerprint)
        .filter((fp) => !kept.has(fp)),
    );
  }
  return {
    blockedCodes: new Set(blockedRules(model, RULES).map((r) => r.code)),
    unauditedTargetGroups: unaudited,
    targetGroupsListed: !model.gapSources.has("aws.targetGroups"),
    ...(scope ? { scope: new Set(scope) } : {}),
    suppressed,
  };
}
