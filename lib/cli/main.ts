import { runCli } from "./run";

// The process boundary: nothing below may print a stack trace at a user.
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`alb-audit: internal error: ${message}\n`);
    if (process.env.ALB_AUDIT_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ""}\n`);
    process.exitCode = 3;
  },
);
