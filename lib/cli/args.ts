/**
 * The command line: the options, their checks, and the usage text. Every mistake becomes a
 * UsageError whose message fits the one-line error contract (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SEVERITIES, type Severity } from "../analyze/finding";
import { CATALOG } from "../analyze/catalog";
import { DOCS_BASE_URL } from "../report/links";
import { FORMAT_NAMES } from "./formats";

/** The command line is wrong (exit 2, with a pointer to --help). */
export class UsageError extends Error {}
/** Input named on the command line cannot be used: a kubeconfig, an --output path (exit 2). */
export class InputError extends Error {}

export const OPTIONS = {
  snapshot: { type: "string", multiple: true },
  format: { type: "string" },
  output: { type: "string" },
  only: { type: "string", multiple: true },
  "min-severity": { type: "string" },
  "fail-on": { type: "string" },
  cluster: { type: "string" },
  region: { type: "string" },
  "target-group": { type: "string", multiple: true },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  out: { type: "string" },
  "no-color": { type: "boolean" },
  "docs-url": { type: "string" },
  "no-network": { type: "boolean" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export const USAGE = `Usage:
  alb-audit [PATH ...] [--snapshot FILE] [options]      audit snapshot files or directories of them
  alb-audit --cluster NAME --region REGION [options]    audit a live cluster (AWS credentials, EKS sign-in)
  alb-audit collect --cluster NAME --region REGION --out FILE   write the live snapshot, then audit it
  alb-audit explain [CODE ...] [--format text|json]     what a finding code means, why, how to fix it

Options:
  --snapshot FILE                 a snapshot file or directory of *.json snapshots (repeatable;
                                  same as a positional PATH)
  --format ${FORMAT_NAMES.join("|").padEnd(22)} report format (default: text)
  --output FILE                   write the report to FILE instead of stdout (never an input snapshot)
  --only CODE[,CODE...]           report only these finding codes (repeatable)
  --min-severity critical|warning|info
                                  report only findings at or above this severity
  --fail-on critical|warning|info|never
                                  exit 1 when a reported finding at or above this severity exists
                                  (default: never)
  --no-color                      never colour the text report (also NO_COLOR=1)
  --docs-url URL                  https:// folder holding findings.md: each finding links its code
                                  there (default: $DOCS_BASE_URL, else docs/findings.md is named)
  -V, --version                   print the version
  -h, --help                      this help

Live mode only:
  --cluster NAME --region REGION  the EKS cluster to collect from, with your AWS credentials
  --target-group ARN              audit only this target group (repeatable)
  --kubeconfig FILE               use a kubeconfig instead of EKS sign-in with IAM
  --context C                     the kubeconfig's context (default: its current-context; without
                                  --kubeconfig, from $KUBECONFIG or ~/.kube/config)
  --out FILE                      also write the collected snapshot to FILE (collect needs it)
  --no-network                    skip the network checks (no EC2 reads; NET001-NET003 do not run)
  ELB_CALLS_PER_SECOND, EC2_CALLS_PER_SECOND   API call budgets (default 5 and 10 a second)
  Progress goes to stderr; stdout carries only the report.

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage or input error,
3 live collection failed. A reader that closes stdout early (| head) stops the output, not the code.`;

export type Command = "audit" | "collect" | "explain";

export interface CliArgs {
  command: Command;
  /** Snapshot files and directories (audit), or the codes to explain. */
  paths: string[];
  format: string;
  output?: string;
  only?: Set<string>;
  minSeverity?: Severity;
  failOn: Severity | "never";
  cluster?: string;
  region?: string;
  targetGroups?: string[];
  kubeconfig?: string;
  context?: string;
  out?: string;
  noColor: boolean;
  /** The https folder of findings.md, for the reports' links (--docs-url or DOCS_BASE_URL). */
  docsUrl?: string;
  /** Live mode: leave the EC2 lists (network checks) out. */
  noNetwork?: boolean;
  version: boolean;
  help: boolean;
}

const FAIL_ON = [...SEVERITIES, "never"] as const;

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]) {
  if (value === undefined || (allowed as readonly string[]).includes(value))
    return value as T | undefined;
  throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
}

export function parseCli(argv: string[]): CliArgs {
  checkTokens(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: OPTIONS,
  });
  const command: Command =
    positionals[0] === "collect" || positionals[0] === "explain" ? positionals[0] : "audit";
  const rest = positionals.slice(command === "audit" ? 0 : 1);
  return {
    command,
    paths: command === "explain" ? rest : [...(values.snapshot ?? []), ...rest],
    format: oneOf("format", values.format, FORMAT_NAMES) ?? "text",
    output: values.output,
    only: values.only ? onlyCodes(values.only) : undefined,
    minSeverity: oneOf("min-severity", values["min-severity"], SEVERITIES),
    failOn: oneOf("fail-on", values["fail-on"], FAIL_ON) ?? "never",
    cluster: values.cluster,
    region: values.region,
    targetGroups: values["target-group"],
    kubeconfig: values.kubeconfig,
    context: values.context,
    out: values.out,
    noColor: values["no-color"] ?? false,
    ...docsUrl(values["docs-url"]),
    ...(values["no-network"] ? { noNetwork: true } : {}),
    version: values.version ?? false,
    help: values.help ?? false,
  };
}

/** --docs-url, else DOCS_BASE_URL (the Lambda's variable of the same meaning). */
function docsUrl(flag: string | undefined): { docsUrl?: string } {
  const value = flag ?? (process.env.DOCS_BASE_URL || undefined);
  if (value === undefined) return {};
  if (!DOCS_BASE_URL.test(value)) {
    const from = flag === undefined ? "DOCS_BASE_URL" : "--docs-url";
    throw new UsageError(
      `${from} must be an https:// URL without spaces, quotes, parentheses or angle brackets (the folder holding findings.md)`,
    );
  }
  return { docsUrl: value };
}

/** `--only HC001,tgt003 --only BIND001`: codes are checked against the catalog, so a typo is an
 * error rather than a report that silently shows nothing. */
function onlyCodes(given: string[]): Set<string> {
  const known = new Set(CATALOG.map((e) => e.code));
  const codes = given.flatMap((g) => g.split(",")).map((c) => c.trim().toUpperCase());
  for (const code of codes) {
    if (!known.has(code))
      throw new UsageError(`--only: unknown finding code "${code}" (alb-audit explain lists them)`);
  }
  return new Set(codes);
}

/**
 * Checks what parseArgs would reject, in our own words: its messages span several sentences
 * and change between Node versions.
 */
function checkTokens(argv: string[]): void {
  const { tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: OPTIONS,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const spec = (OPTIONS as Record<string, { type: "string" | "boolean" }>)[token.name];
    if (!spec) {
      const hint = closestOption(token.name);
      throw new UsageError(
        `unknown option ${token.rawName}${hint ? ` (did you mean --${hint}?)` : ""}`,
      );
    }
    if (spec.type === "boolean" && token.inlineValue)
      throw new UsageError(`${token.rawName} takes no value`);
    if (
      spec.type === "string" &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))
    )
      throw new UsageError(`${token.rawName} needs a value`);
  }
}

function closestOption(name: string): string | undefined {
  let best: { option: string; distance: number } | undefined;
  for (const option of Object.keys(OPTIONS)) {
    const distance = editDistance(name, option);
    if (distance <= 2 && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost));
    }
    row = next;
  }
  return row[b.length]!;
}
