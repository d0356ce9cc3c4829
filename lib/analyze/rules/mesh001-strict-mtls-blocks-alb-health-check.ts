import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const strictMtlsBlocksAlbHealthCheck: Rule = {
  code: "MESH001",
  inputs: [],
  run: () => [],
};
