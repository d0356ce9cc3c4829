import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const auditIncomplete: Rule = {
  code: "AUDIT001",
  inputs: [],
  run: () => [],
};
