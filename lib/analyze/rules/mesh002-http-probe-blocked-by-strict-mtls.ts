import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const httpProbeBlockedByStrictMtls: Rule = {
  code: "MESH002",
  inputs: [],
  run: () => [],
};
