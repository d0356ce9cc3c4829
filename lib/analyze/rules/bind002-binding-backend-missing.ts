import type { Rule } from "../rule";

// PLACEHOLDER: implementation pending.
export const bindingBackendMissing: Rule = {
  code: "BIND002",
  inputs: [],
  run: () => [],
};
