import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const noReadyEndpoints: Rule = {
  code: "TGT003",
  inputs: [],
  run: () => [],
};
