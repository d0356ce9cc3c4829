/**
 * `npm run docs:picture`: the README's picture (docs/html-report.png), taken again from the
 * HTML report of a bundled example in the same offline Chromium the browser test uses. Run it
 * after changing how the report looks, and look at the result before committing it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../lib/cli/run";
import { CHROMIUM, chromiumAvailable, openReport } from "./chromium";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// Relative, as a person would type it: the page shows the path it was given.
const EXAMPLE = "examples/04-nginx-external-traffic-policy-local.json";
const PICTURE = join(ROOT, "docs", "html-report.png");
const VIEWPORT = { width: 1280, height: 900 };
// Twice the pixels: the README's column shrinks the picture, and it should stay sharp there.
const SCALE = 2;

async function main(): Promise<number> {
  if (!chromiumAvailable()) {
    console.error(
      `docs:picture: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
    );
    return 2;
  }
  process.chdir(ROOT);
  const dir = mkdtempSync(join(tmpdir(), "alb-audit-picture-"));
  try {
    const file = join(dir, "report.html");
    const code = await runCli([EXAMPLE, "--format", "html", "--output", file], {
      stdout: () => {},
      stderr: (text) => process.stderr.write(text),
      stdoutIsTTY: false,
    });
    // Exit 1 only says the example has findings, which is what the picture shows.
    if (code > 1) return code;
    const report = await openReport(file, VIEWPORT, SCALE);
    try {
      if (report.requests.length > 0 || report.errors.length > 0) {
        console.error(
          `docs:picture: the report fetched or failed: ${[...report.requests, ...report.errors].join("; ")}`,
        );
        return 1;
      }
      // From the header down to the first finding's "Where the path breaks": the page's story.
      const blame = await report.page.locator(".finding .blame").first().boundingBox();
      if (!blame) throw new Error("the report has no finding to show");
      const height = Math.min(VIEWPORT.height, Math.ceil(blame.y + blame.height + 3));
      await report.page.screenshot({
        path: PICTURE,
        clip: { x: 0, y: 0, width: VIEWPORT.width, height },
      });
    } finally {
      await report.close();
    }
    console.error(`docs:picture: wrote ${PICTURE}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
