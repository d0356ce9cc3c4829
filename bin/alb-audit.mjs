#!/usr/bin/env node
// Runs the bundled CLI when built (npm run build), else the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const bundled = new URL("../dist/alb-audit.mjs", import.meta.url);
if (existsSync(bundled)) {
  await import(bundled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../lib/cli/main.ts");
}
