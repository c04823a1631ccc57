/**
 * Pages in a real browser: Debian's chromium (or $CHROMIUM), driven headless by
 * puppeteer-core, which downloads no browser of its own. A page is opened from
 * a file, and everything it does that a self-contained page must not is
 * recorded: console errors, uncaught exceptions, dialogs (an `alert` that got
 * through), and every request but the file itself (which is aborted).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The arguments every launch gets: headless, no sandbox (CI runs as root), nothing in the background. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'];

/** The chromium to test with: $CHROMIUM, else `chromium` on PATH. Skips the test without one (fails it where CI requires one: MIGVISOR_REQUIRE_CHROMIUM=1). */
export function debianChromium(ctx: Mocha.Context): string {
  const fromEnv = process.env.CHROMIUM;
  let found: string | undefined;
  if (fromEnv) found = fs.existsSync(fromEnv) ? fromEnv : undefined;
  else {
    try {
      found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      found = undefined;
    }
  }
  if (found) return found;
  if (process.env.MIGVISOR_REQUIRE_CHROMIUM === '1') {
    throw new Error(`no chromium${fromEnv ? ` at CHROMIUM=${fromEnv}` : ' on PATH'} (Debian: apt-get install chromium), and MIGVISOR_REQUIRE_CHROMIUM=1 requires one`);
  }
  ctx.skip();
  throw new Error('unreachable');
}

/** A headless browser at `executablePath`; close it in an `after` hook. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** What a page did that it should not have. */
export interface PageTrouble {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly dialogs: string[];
  /** Requests other than for the page's own file (each was aborted). */
  readonly requests: string[];
}

/** A page of `browser` showing `file` (with `hash`, e.g. `#run-2`), JavaScript on or off, loaded; and what went wrong there. */
export async function openFile(browser: Browser, file: string, options: { hash?: string; javaScript?: boolean; width?: number } = {}): Promise<{ page: Page; trouble: PageTrouble }> {
  const page = await browser.newPage();
  const trouble: PageTrouble = { consoleErrors: [], pageErrors: [], dialogs: [], requests: [] };
  const own = pathToFileURL(file).href;
  await page.setJavaScriptEnabled(options.javaScript ?? true);
  await page.setViewport({ width: options.width ?? 1280, height: 900 });
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url().split('#')[0]!;
    if (url === own) void request.continue();
    else {
      trouble.requests.push(request.url());
      void request.abort();
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') trouble.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => void trouble.pageErrors.push(String(error)));
  page.on('dialog', (dialog) => {
    trouble.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${own}${options.hash ?? ''}`, { waitUntil: 'load' });
  return { page, trouble };
}
