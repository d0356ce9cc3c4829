/**
 * Debian's headless Chromium, opened on a report file with the network cut off: for the HTML
 * report's browser test and for `npm run docs:picture`, so that the README's picture is taken
 * the way the test looks at the page.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

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

export interface OpenReport {
  page: Page;
  context: BrowserContext;
  /** Every request other than the file itself, aborted: a self-contained report makes none. */
  requests: string[];
  /** Script errors and console errors (a Content-Security-Policy violation is one). */
  errors: string[];
  close(): Promise<void>;
}

/** The file in a fresh profile, offline, every non-file request aborted and recorded. */
export async function openReport(
  file: string,
  viewport: { width: number; height: number },
  deviceScaleFactor = 1,
): Promise<OpenReport> {
  const profile = mkdtempSync(join(tmpdir(), "alb-audit-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    offline: true,
    viewport,
    deviceScaleFactor,
  });
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await page.goto(pathToFileURL(file).href);
  return {
    page,
    context,
    requests,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
