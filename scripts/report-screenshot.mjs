#!/usr/bin/env node
// Renders an HTML scenario report in headless Chromium and saves a PNG of the
// whole page (the README's screenshot of the timeline):
//
//   node scripts/report-screenshot.mjs REPORT.html OUT.png [--width 1200] [--run N]
//
// --run N shows run N of a campaign (its #run-N address). The browser is
// Debian's chromium (or $CHROMIUM), driven by puppeteer-core, which downloads
// none; the page is opened from file:// and may fetch nothing.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

function usage(message) {
  process.stderr.write(`report-screenshot: ${message}\nusage: node scripts/report-screenshot.mjs REPORT.html OUT.png [--width 1200] [--run N]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const positional = [];
let width = 1200;
let run;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--width' || a === '--run') {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 0 || (a === '--width' && (n < 320 || n > 4000))) usage(`${a} needs a whole number${a === '--width' ? ' from 320 to 4000' : ''}`);
    if (a === '--width') width = n;
    else run = n;
  } else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else positional.push(a);
}
if (positional.length !== 2) usage('give the report and the PNG to write');
const [input, output] = positional;
if (!fs.existsSync(input)) usage(`no such file: ${input}`);

function chromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not this one
    }
  }
  usage('no chromium on PATH (Debian: apt-get install chromium), or set CHROMIUM');
}

const browser = await puppeteer.launch({
  executablePath: chromium(),
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 800, deviceScaleFactor: 1 });
  const url = pathToFileURL(path.resolve(input)).href;
  await page.goto(run === undefined ? url : `${url}#run-${run}`, { waitUntil: 'load' });
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  await page.screenshot({ path: output, fullPage: true, type: 'png' });
  process.stdout.write(`${output}: ${fs.statSync(output).size} bytes\n`);
} finally {
  await browser.close();
}
