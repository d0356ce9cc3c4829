import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckCodeMismatch: Rule = {
  code: "HC006",
  inputs: [],
  run: () => [],
};
