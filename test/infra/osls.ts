/**
 * Runs `osls package` on a copy of the service in a temporary directory (node_modules linked),
 * so test files that package with different parameters can run side by side without sharing
 * .serverless/ or .esbuild/. No AWS account: fake credentials, no profile.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
/** What packaging reads: the service, the sources it bundles, the plugin. */
const SERVICE_FILES = [
  "serverless.yml",
  "package.json",
  "tsconfig.json",
  "functions",
  "lib",
  "infra",
];

export interface Packaged {
  /** The service copy; `.serverless/` in it holds what was written. */
  dir: string;
  code: number;
  stdout: string;
  stderr: string;
  /** The CloudFormation template, when packaging succeeded. */
  template?: Template;
  templatePath: string;
  zipPath: string;
}

export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

export interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}

/** `osls package --stage prod --region eu-west-1` with these `--param`s. */
export async function packageService(
  params: Record<string, string>,
  { stage = "prod", region = "eu-west-1" } = {},
): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), "osls-service-"));
  for (const file of SERVICE_FILES) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    AWS_REGION: region,
    SLS_TELEMETRY_DISABLED: "1",
    SLS_NOTIFICATIONS_MODE: "off",
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const args = ["package", "--stage", stage, "--region", region];
  for (const [name, value] of Object.entries(params)) args.push("--param", `${name}=${value}`);
  const templatePath = join(dir, ".serverless/cloudformation-template-update-stack.json");
  const zipPath = join(dir, ".serverless/alb-health-auditor.zip");
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(join(dir, "node_modules/.bin/osls"), args, {
      cwd: dir,
      env,
      timeout: 240_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    result = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    result = {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
  const template = existsSync(templatePath)
    ? (JSON.parse(readFileSync(templatePath, "utf8")) as Template)
    : undefined;
  return { dir, ...result, ...(template ? { template } : {}), templatePath, zipPath };
}

/** cfn-lint's findings on these templates (one run), as its one-line-per-finding output. */
export async function cfnLint(paths: string[]): Promise<string> {
  try {
    await run("cfn-lint", ["--format", "parseable", "--", ...paths], { timeout: 240_000 });
    return "";
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || e.message;
  }
}
