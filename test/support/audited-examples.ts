/** The bundled examples, each audited with the topology the pictures draw. */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeModel } from "../../lib/analyze";
import type { AuditReport } from "../../lib/analyze/finding";
import { buildModel } from "../../lib/analyze/model";
import { topologiesOf, type GroupTopology } from "../../lib/report/topology";
import { readSnapshotFile } from "../../lib/snapshot/read";

// A string URL, not `new URL`: under the jsdom environment URL is jsdom's, which node:url refuses.
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../examples");

/** Every snapshot in examples/, read from the directory so new examples are covered. */
export const exampleFiles = (): string[] =>
  readdirSync(EXAMPLES_DIR)
    .filter((name) => name.endsWith(".json") && name !== "expected.json")
    .sort();

export async function auditExample(
  name: string,
): Promise<{ report: AuditReport; topologies: GroupTopology[] }> {
  const model = buildModel(await readSnapshotFile(join(EXAMPLES_DIR, name)));
  return { report: analyzeModel(model).report, topologies: topologiesOf(model) };
}
