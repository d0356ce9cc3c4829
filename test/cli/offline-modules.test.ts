/**
 * The offline path (auditing a snapshot file) loads no AWS SDK, no Kubernetes client and no
 * Powertools: the built CLI runs under a hook that records every module it loads, and each
 * loaded chunk's inputs come from esbuild's metafile.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { describe, expect, inject, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const meta: Metafile = JSON.parse(readFileSync(inject("cliMetafile"), "utf8"));
const LIVE_ONLY =
  /node_modules\/(@aws-sdk|@smithy|@kubernetes\/client-node|@aws-lambda-powertools)\//;

/** Runs the built CLI; returns the exit status and the project inputs of every chunk it loaded. */
function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = join(mkdtempSync(join(tmpdir(), "alb-audit-modules-")), "loaded.txt");
  const result = spawnSync(
    process.execPath,
    ["--import", "./test/support/record-modules.mjs", "bin/alb-audit.mjs", ...args],
    {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: tmpdir(), ...env, ALB_AUDIT_MODULE_LOG: log },
      timeout: 60_000,
    },
  );
  const chunks = readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:"))
    .map((url) => relative(root, fileURLToPath(url)))
    .filter((path) => path.startsWith("dist/"));
  const inputs = chunks.flatMap((chunk) => Object.keys(meta.outputs[chunk]?.inputs ?? {}));
  return { status: result.status, stderr: result.stderr, chunks, inputs };
}

describe("the offline path of the built CLI", () => {
  it("audits a snapshot without loading the AWS SDK, the Kubernetes client or Powertools", () => {
    const offline = run(["examples/01-istio-gateway-traffic-port.json", "--format", "json"]);
    expect(offline.status).toBe(0);
    expect(offline.chunks).toContain("dist/alb-audit.mjs");
    expect(offline.inputs).toContain("lib/analyze/index.ts");
    expect(offline.inputs.filter((i) => LIVE_ONLY.test(i))).toEqual([]);
    expect(offline.inputs.filter((i) => i.startsWith("lib/collect/"))).toEqual([]);
    // A valid snapshot passes the checks generated at build time: no zod, no schemas.
    expect(offline.inputs.filter((i) => i.includes("node_modules/zod/"))).toEqual([]);
    expect(offline.inputs).not.toContain("lib/snapshot/schema.ts");
  });

  it("loads zod for a snapshot the generated checks reject, and names its first problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "alb-audit-invalid-"));
    const snapshot = JSON.parse(
      readFileSync("examples/01-istio-gateway-traffic-port.json", "utf8"),
    ) as { aws: { targetGroups: { Port?: unknown }[] } };
    snapshot.aws.targetGroups[0]!.Port = "80";
    writeFileSync(join(dir, "bad.json"), JSON.stringify(snapshot));
    const invalid = run([join(dir, "bad.json")]);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toBe(
      `alb-audit: ${join(dir, "bad.json")}: aws.targetGroups[0].Port: expected number, got string\n`,
    );
    expect(invalid.inputs.some((i) => i.includes("node_modules/zod/"))).toBe(true);
  });

  it("loads the collectors in live mode (so the check above can see them)", () => {
    const live = run(["--cluster", "shop-prod", "--region", "eu-west-1"], {
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(live.status).toBe(3);
    expect(live.inputs.some((i) => i.includes("node_modules/@aws-sdk/client-eks/"))).toBe(true);
    expect(live.inputs).toContain("lib/collect/collect.ts");
  });
});
