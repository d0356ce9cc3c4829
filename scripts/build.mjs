// npm run build: bundles the CLI into dist/ for the package's bin. Every dependency is bundled,
// so an installed package needs nothing else; the live collectors (AWS SDK, Kubernetes client)
// land in chunks that only live mode's import() reaches, so an offline audit never loads them.
// `--if-stale` builds only when a source is newer than the bundle (npm start, npm run audit).
import { readdirSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const DIST = `${root}dist`;
const ENTRY = `${DIST}/alb-audit.mjs`;

const ACCEPT_MODULE = /[\\/]lib[\\/]snapshot[\\/]accept\.ts$/;

/**
 * The snapshot checks generated from the schemas now, at build time, in place of
 * lib/snapshot/accept.ts (which generates them when it loads): the bundle of a valid
 * snapshot's audit then carries neither zod nor the schemas.
 */
async function generatedChecks(build) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["lib/snapshot/accept.ts"],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const code = Buffer.from(result.outputFiles[0].contents).toString("base64");
  const { acceptModuleSource } = await import(`data:text/javascript;base64,${code}`);
  const contents = acceptModuleSource();
  return {
    name: "generated-snapshot-checks",
    setup(plugin) {
      plugin.onLoad({ filter: ACCEPT_MODULE }, () => ({ contents, loader: "js" }));
    },
  };
}

export async function buildCli({ outdir = DIST } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  // Imported here, so that --if-stale with a current bundle costs no esbuild start.
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: root,
    entryPoints: { "alb-audit": "lib/cli/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    mainFields: ["module", "main"],
    // node-fetch (under the Kubernetes client) requires Node's deprecated built-in punycode,
    // which warns on stderr from bundled code; the package of the same API does not.
    alias: { punycode: "punycode/" },
    minify: true,
    keepNames: true,
    legalComments: "linked",
    metafile: true,
    plugins: [await generatedChecks(build)],
    logLevel: "warning",
    // Some bundled CommonJS dependencies call require() for Node built-ins, which ESM lacks.
    banner: {
      js: "import { createRequire as __alb_createRequire } from 'node:module'; const require = __alb_createRequire(import.meta.url);",
    },
  });
  return result.metafile;
}

function newestSource() {
  let newest = Math.max(
    statSync(`${root}package.json`).mtimeMs,
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
  );
  for (const entry of readdirSync(`${root}lib`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

function isStale() {
  try {
    return statSync(ENTRY).mtimeMs < newestSource();
  } catch {
    return true;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes("--if-stale") || isStale()) await buildCli();
}
