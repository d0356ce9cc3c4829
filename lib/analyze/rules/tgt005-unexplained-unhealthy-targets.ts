import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const unexplainedUnhealthyTargets: Rule = {
  code: "TGT005",
  inputs: [],
  run: () => [],
};
