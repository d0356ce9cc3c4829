import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckPathMismatch: Rule = {
  code: "HC002",
  inputs: [],
  run: () => [],
};
