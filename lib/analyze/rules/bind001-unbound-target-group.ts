import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const unboundTargetGroup: Rule = {
  code: "BIND001",
  inputs: [],
  run: () => [],
};
