import type { Source } from "../snapshot/schema";
import { catalogEntry } from "./catalog";
import { fingerprintOf, type Finding } from "./finding";
import type { Model, TargetGroupView } from "./model";

export interface RuleContext {
  model: Model;
  /** Findings of the rules that ran before this one (TGT005 reads them). */
  prior: readonly Finding[];
  /** Every rule of the run, so AUDIT001 can say which could not run. */
  rules: readonly Rule[];
}

/** One rule of the catalog: one code, the snapshot lists it reads, a pure function of the model. */
export interface Rule {
  code: string;
  inputs: readonly Source[];
  run(ctx: RuleContext): Finding[];
}

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

/** A rule that judges each target group on its own and raises at most one finding for it. */
export function perTargetGroup(
  code: string,
  inputs: readonly Source[],
  check: (tgv: TargetGroupView, model: Model) => Finding | undefined,
): Rule {
  return {
    code,
    inputs,
    run: ({ model }) =>
      model.targetGroups.flatMap((tgv) => {
        const finding = check(tgv, model);
        return finding ? [finding] : [];
      }),
  };
}
