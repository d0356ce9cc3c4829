import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const healthCheckProtocolMismatch: Rule = {
  code: "HC003",
  inputs: [],
  run: () => [],
};
