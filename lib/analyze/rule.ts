import type { Source } from "../snapshot/schema";
import { catalogEntry } from "./catalog";
import { fingerprintOf, type Finding } from "./finding";
import type { Model, TargetGroupView } from "./model";

export interface RuleContext {
  model: Model;
  /** Findings of the rules this one runs `after` (TGT005 reads them to know what is explained). */
  prior: readonly Finding[];
  /** Every rule of the run, so AUDIT001 can say which could not run. */
  rules: readonly Rule[];
}

/** Runs after every rule that is not itself declared `after: AFTER_ALL`. */
export const AFTER_ALL = "all";

/**
 * One rule of the catalog, declared first in its file: the code it raises, the snapshot lists
 * it reads, the codes whose findings it reads, and its check (a pure function of the model).
 */
export interface Rule {
  code: string;
  /**
   * The lists it cannot judge without: a gap in any of them (or an optional list that was not
   * collected) keeps the rule from running, and AUDIT001 / `summary.notRun` name it.
   */
  inputs: readonly Source[];
  /** Lists it also reads when they are there, whose gaps it weighs itself (via `gapSources`). */
  alsoReads?: readonly Source[];
  /** The codes whose findings it reads in `prior`; `AFTER_ALL` for every other rule's. */
  after?: readonly string[] | typeof AFTER_ALL;
  check(ctx: RuleContext): Finding[];
}

/** Every list a rule may touch: the ones it needs and the ones it weighs itself. */
export const readsOf = (rule: Rule): readonly Source[] => [
  ...rule.inputs,
  ...(rule.alsoReads ?? []),
];

export type FindingDraft = Omit<Finding, "code" | "name" | "fingerprint"> & {
  /** Extra identity when one rule can raise several findings on the same objects. */
  discriminator?: string;
};

/** Completes a draft with the catalog name and a stable fingerprint. */
export function makeFinding(code: string, draft: FindingDraft): Finding {
  const { discriminator, ...rest } = draft;
  return {
    code,
    name: catalogEntry(code).name,
    ...rest,
    fingerprint: fingerprintOf(code, rest.targetGroupArn, rest.resources, discriminator),
  };
}

/** A check that judges each target group on its own and raises at most one finding for it. */
export function eachTargetGroup(
  check: (tgv: TargetGroupView, model: Model) => Finding | undefined,
): Rule["check"] {
  return ({ model }) =>
    model.targetGroups.flatMap((tgv) => {
      const finding = check(tgv, model);
      return finding ? [finding] : [];
    });
}
