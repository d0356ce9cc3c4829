/**
 * vitest globalSetup: builds the CLI bundle once before the tests, so every test that runs
 * bin/alb-audit.mjs runs the current sources, and hands the tests esbuild's metafile (which
 * input went into which chunk).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildCli } from "../../scripts/build.mjs";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "alb-audit-build-"));
  const metafile = join(dir, "meta.json");
  writeFileSync(metafile, JSON.stringify(await buildCli()));
  project.provide("cliMetafile", metafile);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    cliMetafile: string;
  }
}
