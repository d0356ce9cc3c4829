import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const targetGroupNotInUse: Rule = {
  code: "TGT004",
  inputs: [],
  run: () => [],
};
