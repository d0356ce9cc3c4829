import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const staleTarget: Rule = {
  code: "TGT001",
  inputs: [],
  run: () => [],
};
