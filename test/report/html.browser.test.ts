/**
 * The HTML report as a person sees it: Debian's headless Chromium opens the report of every
 * bundled example from disk, with the network cut off, and the test reads what is drawn (the
 * pictures, the colours the browser paints, the labels on the blamed arrows, the filter). A
 * screenshot lands in test-output/ for a person to look at.
 *
 * Skipped, with a test whose name says why, only where no Chromium is installed (.ci/run
 * installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run";
import { PALETTE } from "../../lib/report/palette";
import { auditExample, EXAMPLES_DIR, exampleFiles } from "../support/audited-examples";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const OUTPUT = join(process.cwd(), "test-output");

// The flags keep a headless run from reaching out (updates, sync, field trials) or needing a GPU.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// What the browser paints; the test's own TypeScript has no DOM library.
declare function getComputedStyle(el: unknown): Record<string, string>;
const painted = (locator: Locator, property: "stroke" | "strokeDasharray") =>
  locator.evaluate((el, p) => getComputedStyle(el)[p], property);

const visible = async (locator: Locator) =>
  (await locator.count()) > 0 && (await locator.first().isVisible());

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

if (!available) {
  console.warn(
    `html.browser.test: SKIPPED, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

if (!available)
  describe("HTML report in a real browser", () => {
    it.skip(`SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`, () => {});
  });

describe.runIf(available)("HTML report in a real browser", { timeout: 120_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const requests: string[] = [];
  const errors: string[] = [];
  let failingGroups: number;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    let html = "";
    const code = await runCli([EXAMPLES_DIR, "--format", "html"], {
      stdout: (text) => (html += text),
      stderr: () => {},
      stdoutIsTTY: false,
    });
    expect(code).toBe(0);
    const file = join(OUTPUT, "report.html");
    writeFileSync(file, html);

    const loud = await Promise.all(
      exampleFiles().map(async (name) => {
        const { report } = await auditExample(name);
        return new Set(
          report.findings
            .filter((f) => f.severity !== "info" && f.targetGroupArn)
            .map((f) => f.targetGroupArn),
        ).size;
      }),
    );
    failingGroups = loud.reduce((a, b) => a + b, 0);

    profile = mkdtempSync(join(tmpdir(), "alb-audit-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      offline: true,
      viewport: { width: 1280, height: 900 },
    });
    // Only the report file itself may load; anything else would need the network.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    await page.goto(pathToFileURL(file).href);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("opens offline: nothing fetched, no script or policy error", async () => {
    expect(await page.locator("h1").textContent()).toBe(
      `ALB health audit: ${exampleFiles().length} snapshots`,
    );
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("draws one picture per failing group, visible without a click", async () => {
    expect(failingGroups).toBeGreaterThanOrEqual(4);
    const pictures = page.locator(
      'details.group:is([data-severity="critical"], [data-severity="warning"]) figure svg',
    );
    expect(await pictures.count()).toBe(failingGroups);
    for (const svg of await pictures.all()) expect(await visible(svg)).toBe(true);
  });

  it("paints the failing targets in the failing colour, the healthy ones in the healthy colour", async () => {
    const failing = page
      .locator('g.node[data-column="targets"][data-health="failing"] rect')
      .first();
    expect(await visible(failing)).toBe(true);
    expect(await painted(failing, "stroke")).toBe(rgb(PALETTE.failing.stroke));
    expect(await painted(failing, "strokeDasharray")).not.toBe("none");
    const healthy = page
      .locator('g.node[data-column="targets"][data-health="healthy"] rect')
      .first();
    expect(await visible(healthy)).toBe(true);
    expect(await painted(healthy, "stroke")).toBe(rgb(PALETTE.healthy.stroke));
  });

  it("labels the blamed edge: example 01's check arrow says which ports", async () => {
    const group = page
      .locator("section.audit", { hasText: "01-istio-gateway-traffic-port.json" })
      .locator("details.group")
      .first();
    const edge = group.locator("g.edge.blamed");
    expect(await edge.count()).toBe(1);
    expect(await edge.getAttribute("data-from")).toBe("tg");
    expect(await edge.getAttribute("data-to")).toBe("t0");
    expect(await visible(edge.locator("text").first())).toBe(true);
    const label = (await edge.locator("text").allTextContents()).join(" ");
    expect(label).toBe("⚠ HC001: checks 30486, health is on 31127");
    const stroke = await painted(edge.locator("path"), "stroke");
    expect(stroke).toBe(rgb(PALETTE.failing.stroke));
    expect(await group.locator(".finding .blame").textContent()).toContain(
      "checks 30486, health is on 31127",
    );
  });

  it("keeps every line of text inside its box or callout, in the browser's real font", async () => {
    const overflow = await page.evaluate(`(() => {
      const out = [];
      document.querySelectorAll("details[open] g.node, details[open] g.edge.blamed").forEach((node) => {
        const box = node.querySelector("rect").getBBox();
        node.querySelectorAll("text").forEach((t) => {
          const b = t.getBBox();
          if (b.x < box.x || b.x + b.width > box.x + box.width + 0.5) out.push(t.textContent);
        });
      });
      return out;
    })()`);
    expect(overflow).toEqual([]);
  });

  it("collapses the groups without findings", async () => {
    const quiet = page.locator('details.group[data-severity="none"]');
    expect(await quiet.count()).toBeGreaterThan(0);
    for (const g of await quiet.all()) {
      expect(await g.getAttribute("open")).toBeNull();
      expect(await visible(g.locator("figure"))).toBe(false);
    }
  });

  it("gives each fix a copy button next to the exact remediation", async () => {
    const { report } = await auditExample("01-istio-gateway-traffic-port.json");
    const fix = page.locator('.finding[data-code="HC001"] .fix').first();
    expect(await fix.locator("pre").textContent()).toBe(report.findings[0]!.remediation);
    const button = fix.locator("button.copy");
    await button.click();
    expect(await button.textContent()).not.toBe("Copy");
  });

  it("filters by severity and by code", async () => {
    const total = await page.locator(".finding").count();
    await page.getByLabel("critical").uncheck();
    expect(await visible(page.locator('.finding[data-severity="critical"]').first())).toBe(false);
    expect(await visible(page.locator('.finding[data-code="TP001"]'))).toBe(true);
    await page.getByLabel("critical").check();
    await page.locator('input[name="code"][value="TP001"]').check();
    expect(await page.locator(".shown").textContent()).toBe(`showing 1 of ${total} findings`);
    expect(await visible(page.locator('.finding[data-code="HC001"]').first())).toBe(false);
    expect(await visible(page.locator('details.group[data-severity="none"]').first())).toBe(false);
    await page.locator('input[name="code"][value="TP001"]').uncheck();
    expect(await page.locator(".shown").textContent()).toBe(
      `showing ${total} of ${total} findings`,
    );
  });

  it("saves screenshots for a person to look at", async () => {
    await page.screenshot({ path: join(OUTPUT, "html-report.png") });
    const figure = page.locator("section.audit", { hasText: "04-nginx" }).locator("figure").first();
    await figure.scrollIntoViewIfNeeded();
    await figure.screenshot({ path: join(OUTPUT, "html-report-tp001.png") });
    expect(existsSync(join(OUTPUT, "html-report.png"))).toBe(true);
  });
});
