import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckAnnotationNotApplied: Rule = {
  code: "HC005",
  inputs: [],
  run: () => [],
};
