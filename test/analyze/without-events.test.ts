/**
 * `kubernetes.events` is optional (snapshot.md): a snapshot written before it existed, or put
 * together by hand, must get the findings it got before CTRL001 — no more, no fewer — and say
 * that CTRL001 did not run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze";
import type { AuditReport } from "../../lib/analyze/finding";
import { parseSnapshot } from "../../lib/snapshot/read";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const files = readdirSync(EXAMPLES).filter((n) => n.endsWith(".json") && n !== "expected.json");

function variants(file: string) {
  const doc = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as {
    kubernetes: Record<string, unknown>;
  };
  const { events, ...rest } = doc.kubernetes;
  const without = analyze(parseSnapshot({ ...doc, kubernetes: rest }));
  const quiet = analyze(parseSnapshot({ ...doc, kubernetes: { ...rest, events: [] } }));
  const withEvents = analyze(parseSnapshot(doc));
  return { hadEvents: Array.isArray(events) && events.length > 0, without, quiet, withEvents };
}

const codes = (r: AuditReport) => r.findings.map((f) => `${f.code} ${f.targetGroupArn ?? ""}`);

describe.each(files)("%s without kubernetes.events", (file) => {
  const { hadEvents, without, quiet, withEvents } = variants(file);

  it("gets the findings of a cluster whose controller said nothing, and CTRL001 not run", () => {
    expect(without.findings).toEqual(quiet.findings);
    expect(without.summary.notRun?.map((n) => n.code)).toContain("CTRL001");
    expect(quiet.summary.notRun?.map((n) => n.code) ?? []).not.toContain("CTRL001");
  });

  it("loses only CTRL001 findings to the missing events", () => {
    const kept = codes(withEvents).filter((c) => !c.startsWith("CTRL001"));
    expect(codes(without)).toEqual(kept);
    if (!hadEvents) expect(codes(withEvents)).toEqual(codes(without));
  });
});
