import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckPortStale: Rule = {
  code: "HC004",
  inputs: [],
  run: () => [],
};
