#!/usr/bin/env node
// The package's command: runs the bundle that `npm run build` (and `npm pack`) writes to dist/.
// No fallback to the TypeScript sources: that would need dev dependencies, and a stale dist/
// beside newer sources would go unnoticed.
import { existsSync } from "node:fs";
import module from "node:module";

// Node 22 keeps the bundle's compiled code on disk between runs (in the OS temp folder), which
// makes the start of an offline audit several times cheaper; older Nodes do without.
module.enableCompileCache?.();

const bundled = new URL("../dist/alb-audit.mjs", import.meta.url);
if (existsSync(bundled)) {
  await import(bundled.href);
} else {
  process.stderr.write("alb-audit: not built (run `npm run build` in the project first)\n");
  process.exitCode = 3;
}
