/**
 * The HTML report as a person sees it: Debian's headless Chromium opens the report of every
 * bundled example from disk, with the network cut off, and the test reads what is drawn (the
 * pictures, the colours the browser paints, the labels on the blamed arrows, the filter). A
 * screenshot lands in test-output/ for a person to look at.
 *
 * Skipped, with a test whose name says why, only where no Chromium is installed (.ci/run
 * installs it).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run";
import { PALETTE } from "../../lib/report/palette";
import { CHROMIUM, chromiumAvailable, openReport, type OpenReport } from "../../scripts/chromium";
import { auditExample, EXAMPLES_DIR, exampleFiles } from "../support/audited-examples";

const available = chromiumAvailable();
const OUTPUT = join(process.cwd(), "test-output");

// What the browser paints; the test's own TypeScript has no DOM library.
declare function getComputedStyle(el: unknown): Record<string, string>;
declare const document: { activeElement: unknown };
const painted = (locator: Locator, property: "stroke" | "strokeDasharray") =>
  locator.evaluate((el, p) => getComputedStyle(el)[p], property);

const visible = async (locator: Locator) =>
  (await locator.count()) > 0 && (await locator.first().isVisible());

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

/** The first group drawn for one example's section. */
const groupOf = (page: Page, example: string) =>
  page.locator("section.audit", { hasText: example }).locator("details.group").first();

/** A blamed arrow's callout as a person reads it: its wrapped lines joined again. */
const calloutText = async (edge: Locator) =>
  (await edge.locator("text").allTextContents()).reduce((text, line) =>
    // A name broken after a separator continues on the next line without a space.
    /[-./:]$/.test(text) ? text + line : `${text} ${line}`,
  );

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
  let report: OpenReport;
  let page: Page;
  let failingGroups: number;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    // The command the README gives: the whole examples/ directory, written with --output.
    const file = join(OUTPUT, "report.html");
    const code = await runCli([EXAMPLES_DIR, "--format", "html", "--output", file], {
      stdout: () => {},
      stderr: () => {},
      stdoutIsTTY: false,
    });
    expect(code).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^<!doctype html>/);

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
    report = await openReport(file, { width: 1280, height: 900 });
    page = report.page;
  }, 120_000);

  afterAll(async () => {
    await report?.close();
  });

  it("opens offline: nothing fetched, no script or policy error", async () => {
    expect(await page.locator("h1").textContent()).toBe(
      `ALB health audit: ${exampleFiles().length} snapshots`,
    );
    expect(report.requests).toEqual([]);
    expect(report.errors).toEqual([]);
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
    const group = groupOf(page, "01-istio-gateway-traffic-port.json");
    const edge = group.locator("g.edge.blamed");
    expect(await edge.count()).toBe(1);
    expect(await edge.getAttribute("data-from")).toBe("tg");
    expect(await edge.getAttribute("data-to")).toBe("t0");
    expect(await visible(edge.locator("text").first())).toBe(true);
    expect(await calloutText(edge)).toBe("⚠ HC001: checks 30486, health is on 31127");
    const stroke = await painted(edge.locator("path"), "stroke");
    expect(stroke).toBe(rgb(PALETTE.failing.stroke));
    expect(await group.locator(".finding .blame").textContent()).toContain(
      "checks 30486, health is on 31127",
    );
  });

  it("NET001 (example 31): the one failing node in the failing colour, its arrow labelled with the security groups", async () => {
    const group = groupOf(page, "31-new-node-group-without-cluster-security-group.json");
    const failing = group.locator('g.node[data-column="targets"][data-health="failing"]');
    expect(await failing.count()).toBe(1);
    expect(await visible(failing)).toBe(true);
    expect(await painted(failing.locator("rect"), "stroke")).toBe(rgb(PALETTE.failing.stroke));
    expect(await painted(failing.locator("rect"), "strokeDasharray")).not.toBe("none");
    expect(await failing.locator("text").allTextContents()).toContain("✖ 1 target unhealthy");

    const edge = group.locator("g.edge.blamed");
    expect(await edge.count()).toBe(1);
    expect(await edge.getAttribute("data-codes")).toBe("NET001");
    expect(await edge.getAttribute("data-to")).toBe(await failing.getAttribute("data-id"));
    expect(await painted(edge.locator("path"), "stroke")).toBe(rgb(PALETTE.failing.stroke));
    expect(await visible(edge.locator("text").first())).toBe(true);
    expect(await calloutText(edge)).toBe(
      "⚠ NET001: security groups sg-07e2b9c4d1a6f5038, sg-0b5f3a8e6c2d19747 close 31127",
    );
    // The three passing nodes: healthy colour, no arrow of theirs blamed.
    const healthy = group.locator('g.node[data-column="targets"][data-health="healthy"]');
    expect(await painted(healthy.locator("rect"), "stroke")).toBe(rgb(PALETTE.healthy.stroke));
    const healthyId = await healthy.getAttribute("data-id");
    expect(await group.locator(`g.edge.blamed[data-to="${healthyId}"]`).count()).toBe(0);
  });

  it("TGT006 (example 08): the empty group's box fails, the controller's dashed link says which nodes are left out", async () => {
    const group = groupOf(page, "08-exclusion-label-empties-target-group.json");
    const empty = group.locator('g.node[data-column="targets"]');
    expect(await empty.getAttribute("data-health")).toBe("failing");
    const edge = group.locator("g.edge.blamed.controller");
    expect(await edge.getAttribute("data-codes")).toBe("TGT006");
    expect(await painted(edge.locator("path"), "strokeDasharray")).not.toBe("none");
    expect(await calloutText(edge)).toBe(
      "⚠ TGT006: registers 0 of 3 nodes: label exclude-from-external-load-balancers on all 3",
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
    // The label changes when the clipboard's promise settles, not at the click itself.
    await expect.poll(() => button.textContent(), { timeout: 5000 }).not.toBe("Copy");
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

  it("works from the keyboard: the filters are labelled checkboxes with a visible focus ring, the groups open and close", async () => {
    await page.reload();
    const total = await page.locator(".finding").count();
    // The first Tab stop is the first filter, named by its label.
    await page.keyboard.press("Tab");
    const focused = page.locator(":focus");
    expect(await focused.getAttribute("name")).toBe("severity");
    expect(await focused.getAttribute("value")).toBe("critical");
    expect(await focused.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
    expect(await focused.evaluate((el) => getComputedStyle(el).outlineWidth)).toBe("3px");
    await page.keyboard.press("Space");
    expect(await visible(page.locator('.finding[data-severity="critical"]'))).toBe(false);
    expect(await page.locator(".shown").textContent()).not.toBe(
      `showing ${total} of ${total} findings`,
    );
    await page.keyboard.press("Space");
    expect(await page.locator(".shown").textContent()).toBe(
      `showing ${total} of ${total} findings`,
    );
    // Tab on to the first group's summary; Enter closes it and opens it again.
    const summary = page.locator("details.group > summary").first();
    for (let i = 0; i < 40 && !(await summary.evaluate((el) => el === document.activeElement)); i++)
      await page.keyboard.press("Tab");
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);
    const details = page.locator("details.group").first();
    await page.keyboard.press("Enter");
    expect(await details.getAttribute("open")).toBeNull();
    await page.keyboard.press("Enter");
    expect(await details.getAttribute("open")).not.toBeNull();
  });

  it("scrolls what Tab reaches out from under the sticky header", async () => {
    // The control before a group's summary has focus; the summary sits just under the header.
    const summary = page.locator("details.group > summary").nth(6);
    await page.evaluate(`(() => {
      const target = document.querySelectorAll("details.group > summary")[6];
      const stops = [...document.querySelectorAll("input, button, summary")].filter(
        (el) => el.getClientRects().length > 0,
      );
      stops[stops.indexOf(target) - 1].focus({ preventScroll: true });
      window.scrollBy(0, target.getBoundingClientRect().top - 4);
    })()`);
    await page.keyboard.press("Tab");
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);
    const [header, box] = await Promise.all([
      page.locator("header").boundingBox(),
      summary.boundingBox(),
    ]);
    expect(box!.y).toBeGreaterThanOrEqual(header!.y + header!.height);
  });

  it("saves screenshots for a person to look at", async () => {
    await page.screenshot({ path: join(OUTPUT, "html-report.png") });
    const shots = {
      "html-report-tp001.png": "04-nginx-external-traffic-policy-local.json",
      "html-report-net001.png": "31-new-node-group-without-cluster-security-group.json",
      "html-report-tgt006.png": "08-exclusion-label-empties-target-group.json",
      "html-report-gateway-api.png": "20-gateway-api-tgc-not-applied.json",
    };
    for (const [png, example] of Object.entries(shots)) {
      const figure = groupOf(page, example).locator("figure");
      await figure.scrollIntoViewIfNeeded();
      await figure.screenshot({ path: join(OUTPUT, png) });
    }
    for (const png of ["html-report.png", ...Object.keys(shots)])
      expect(existsSync(join(OUTPUT, png))).toBe(true);
  });
});
