import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const externalTrafficPolicyLocalNodesWithoutEndpoints: Rule = {
  code: "TP001",
  inputs: [],
  run: () => [],
};
