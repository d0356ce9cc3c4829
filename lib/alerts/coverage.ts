/**
 * What an audit could see in, read from its model: the rules that could not run, the target
 * groups whose health is unknown, and the findings an ignore annotation silenced. The alert
 * decision uses it to tell "fixed" from "not looked at".
 */
import type { Finding } from "../analyze/finding";
import { blockedRules } from "../analyze/index";
import { JOIN_SOURCES, type Model } from "../analyze/model";
import { RULES } from "../analyze/rules";
import type { Coverage } from "./decide";

/** `suppressed`: the findings the audit silenced (analyzeModel returns them). */
export function coverageOf(
  model: Model,
  suppressed: readonly Finding[],
  scope?: readonly string[],
): Coverage {
  // A group the health prefilter left unlisted (healthy per CloudWatch) was not looked at in
  // detail: its open findings wait for the next run that lists it, never "resolve" meanwhile.
  const unaudited = new Set(
    model.targetGroups.filter((t) => !t.healthKnown || t.healthyPerCloudWatch).map((t) => t.arn),
  );
  // A group named by a gap may be missing from the list altogether.
  for (const gap of model.snapshot.gaps) {
    if (typeof gap.targetGroupArn === "string") unaudited.add(gap.targetGroupArn);
  }
  return {
    joinUncertainTargetGroups: joinUncertain(model),
    blockedCodes: new Set(blockedRules(model, RULES).map((r) => r.code)),
    unauditedTargetGroups: unaudited,
    targetGroupsListed: !model.gapSources.has("aws.targetGroups"),
    ...(scope ? { scope: new Set(scope) } : {}),
    suppressed: new Set(suppressed.map((f) => f.fingerprint)),
  };
}

/**
 * The groups whose join to their Service a gap could have changed: every group when the
 * bindings (any group may be bound) or the Services could not be read; when only the Ingresses
 * could not be read, the groups without a binding, which the controller's tags tie to an
 * Ingress by its name.
 */
function joinUncertain(model: Model): Set<string> {
  const gaps = JOIN_SOURCES.filter((source) => model.gapSources.has(source));
  if (gaps.length === 0) return new Set();
  const all = gaps.some((source) => source !== "kubernetes.ingresses");
  return new Set(model.targetGroups.filter((t) => all || !t.binding).map((t) => t.arn));
}
