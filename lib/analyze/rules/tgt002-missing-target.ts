import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const missingTarget: Rule = {
  code: "TGT002",
  inputs: [],
  run: () => [],
};
