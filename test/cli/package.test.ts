/**
 * The package as a user gets it: `npm pack`, install the tarball without dev dependencies in
 * an empty folder, and run the installed `alb-audit`. The globalSetup has built dist/ already,
 * so the pack skips prepack (a second build would replace dist/ under other running tests).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "alb-audit-pack-"));
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
  });

let files: string[] = [];
let bin = "";

beforeAll(() => {
  const [packed] = JSON.parse(
    npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], root),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed!.files.map((f) => f.path);
  const app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), '{ "name": "try-alb-audit", "private": true }\n');
  npm(
    ["install", "--omit=dev", "--offline", "--no-audit", "--no-fund", join(work, packed!.filename)],
    app,
  );
  bin = join(app, "node_modules", ".bin", "alb-audit");
}, 180_000);

// The installed bin's `#!/usr/bin/env node` finds the Node this suite runs on.
const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: work };

describe("the packed and installed CLI", () => {
  it("ships the bundle, the bin, README, LICENSE, docs and examples, and no sources", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "bin/alb-audit.mjs",
        "dist/alb-audit.mjs",
        "README.md",
        "LICENSE",
        "docs/findings.md",
        "examples/01-istio-gateway-traffic-port.json",
      ]),
    );
    expect(
      files.filter((f) => /^(lib|test|functions|bench)\//.test(f) || f.endsWith(".ts")),
    ).toEqual([]);
  });

  it("prints its version", () => {
    const run = spawnSync(bin, ["--version"], { encoding: "utf8", env });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${pkg.version}\n`);
    expect(run.status).toBe(0);
  });

  it("audits a bundled example", () => {
    const example = join(
      dirname(dirname(bin)),
      "alb-health-auditor",
      "examples",
      "01-istio-gateway-traffic-port.json",
    );
    const run = spawnSync(bin, [example, "--format", "json", "--fail-on", "critical"], {
      encoding: "utf8",
      env,
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout).findings.map((f: { code: string }) => f.code)).toEqual(["HC001"]);
    expect(run.status).toBe(1);
  });

  it("has no runtime dependency: the live collectors load from the bundle alone", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const run = spawnSync(bin, ["--cluster", "shop-prod", "--region", "eu-west-1"], {
      encoding: "utf8",
      env: { ...env, AWS_EC2_METADATA_DISABLED: "true" },
      timeout: 60_000,
    });
    expect(run.stderr).toMatch(/^alb-audit: live collection failed: .*credentials.*\n$/i);
    expect(run.status).toBe(3);
  });
});
