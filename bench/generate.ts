/**
 * npm run bench:gen -- --target-groups N --nodes M --pods P [--seed S] [--faults 0.1] [--out FILE]
 *
 * Writes a synthetic snapshot v1 (to FILE, or stdout) and the faults it injected (to
 * FILE with `.faults.json` in place of `.json`, or stderr), so `alb-audit FILE` can be
 * checked against what it should find.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_SEED, generateSnapshot } from "./generator";
import { writeJsonStreaming } from "./generator/write";

function count(raw: string | undefined, flag: string, fallback?: number): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 0) {
    throw new Error(`--${flag} needs a whole number, got ${raw ?? "nothing"}`);
  }
  return n;
}

const faultsPathFor = (out: string): string =>
  out.endsWith(".json") ? `${out.slice(0, -5)}.faults.json` : `${out}.faults.json`;

function main(): void {
  const { values } = parseArgs({
    options: {
      "target-groups": { type: "string" },
      nodes: { type: "string" },
      pods: { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      out: { type: "string" },
    },
  });
  const faults = values.faults === undefined ? 0.1 : Number(values.faults);
  if (!(faults >= 0 && faults <= 1))
    throw new Error(`--faults needs a share in 0..1, got ${values.faults}`);
  const options = {
    targetGroups: count(values["target-groups"], "target-groups"),
    nodes: count(values.nodes, "nodes"),
    pods: count(values.pods, "pods"),
    seed: count(values.seed, "seed", DEFAULT_SEED),
    faults,
  };
  const generated = generateSnapshot(options);
  const report = { options, counts: generated.counts, faults: generated.faults };
  if (values.out) {
    writeJsonStreaming(values.out, generated.snapshot as Record<string, unknown>);
    writeFileSync(faultsPathFor(values.out), `${JSON.stringify(report, null, 2)}\n`);
    const byKind = new Map<string, number>();
    for (const f of generated.faults) byKind.set(f.code, (byKind.get(f.code) ?? 0) + 1);
    const kinds = [...byKind].map(([code, n]) => `${code}×${n}`).join(" ") || "none";
    process.stderr.write(
      `wrote ${values.out}: ${Object.entries(generated.counts)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}; faults ${kinds} (${faultsPathFor(values.out)})\n`,
    );
  } else {
    writeJsonStreaming(1, generated.snapshot as Record<string, unknown>);
    process.stderr.write(`${JSON.stringify(report)}\n`);
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench:gen: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
