import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs the real CLI and closes its stdout after the first chunk, as `| head -1` does. */
function closedEarly(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["bin/alb-audit.mjs", ...args], {
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

describe("the CLI process", () => {
  // The HTML page of every example is far larger than a pipe's buffer, so the CLI is still
  // writing when the reader goes away.
  it("stops quietly when stdout closes early, keeping the audit's exit code", async () => {
    const run = await closedEarly(["examples", "--format", "html"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const failing = await closedEarly(["examples", "--format", "html", "--fail-on", "critical"]);
    expect(failing.stderr).toBe("");
    expect(failing.status).toBe(1);
  });
});
