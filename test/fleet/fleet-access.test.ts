import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const script = (args: string[]) =>
  run("node_modules/.bin/tsx", ["infra/fleet-access.ts", ...args], { timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }),
  );

describe("infra/fleet-access.ts", () => {
  it("prints, for each cluster of one account, the access entry for its member role and the RBAC", async () => {
    const { code, stdout } = await script([
      "--fleet",
      "infra/fleet.example.yml",
      "--account",
      "111111111111",
      "--dry-run",
    ]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(
      "aws eks create-access-entry --cluster-name shop-prod --region eu-west-1 --principal-arn arn:aws:iam::111111111111:role/alb-health-auditor-member --type STANDARD --kubernetes-groups alb-health-auditor-readers",
    );
    expect(lines[1]).toBe(
      "aws eks update-kubeconfig --name shop-prod --region eu-west-1 --kubeconfig '$KUBECONFIG_DIR/111111111111-eu-west-1-shop-prod'",
    );
    expect(lines[2]).toMatch(/^kubectl --kubeconfig .* apply -f \S+\/infra\/rbac\.yaml$/);
    expect(lines[3]).toContain("--cluster-name shop-prod --region us-east-1");
    expect(stdout).not.toContain("payments");
  });

  it.each([
    [["--dry-run"], "fleet-access: --fleet FILE is required"],
    [
      ["--fleet", "infra/fleet.example.yml", "--account", "999999999999"],
      "fleet-access: no cluster of account 999999999999 in infra/fleet.example.yml",
    ],
    [["--fleet", "nope.yml"], "fleet-access: nope.yml: cannot be read"],
    [["--fleet", "infra/fleet.example.yml", "--bogus"], "fleet-access: Unknown option '--bogus'"],
  ])("%j exits 2 with one line", async (args, line) => {
    const { code, stderr, stdout } = await script(args);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(stdout).toBe("");
  });
});
