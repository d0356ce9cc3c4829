import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckPortNotHealthPort: Rule = {
  code: "HC001",
  inputs: [],
  run: () => [],
};
