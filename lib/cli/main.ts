import { escapeTerminal } from "../report/escape";
import { runCli } from "./run";

// The SDK's notice that future SDK versions will need Node 22 is not actionable for an audit
// (the lockfile pins the SDK) and would break the one-line stderr contract of errors.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// A reader that goes away early (`| head -1`) closes the pipe: stop writing, quietly, like any
// Unix filter, and keep the audit's exit code so `--fail-on` still holds in a pipeline.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  });
}

// The process boundary: nothing below may print a stack trace at a user.
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `alb-audit: internal error: ${escapeTerminal(message, { oneLine: true })}\n`,
    );
    if (process.env.ALB_AUDIT_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ""}\n`);
    process.exitCode = 3;
  },
);
