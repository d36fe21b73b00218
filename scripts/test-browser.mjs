#!/usr/bin/env node
/* global document, getComputedStyle -- in the functions that playwright runs in the page */
/**
 * `npm run test:browser`: the browser entry in a real headless Chromium.
 *
 * 1. Bundles `dist/browser.js` (`longrunning-client/browser`; run `npm run build` first)
 *    with esbuild for the browser, as a web app would.
 * 2. Starts the embedded server with HTTP/JSON on 127.0.0.1:0 (origin A), and a static
 *    server on another 127.0.0.1 port (origin B) serving a blank page, the bundle
 *    (`/client.js`) and the scenarios (`test/browser/page.mjs`).
 * 3. Launches the system Chromium (`CHROMIUM_PATH`, default `/usr/bin/chromium`) through
 *    playwright-core, which never downloads a browser, with a fresh profile, everything
 *    that phones home turned off, and every host name but loopback unresolvable. The page
 *    imports the scenarios and runs them across origins (CORS), asserting in the page;
 *    the server is driven from here through functions exposed to the page
 *    (the launch is `scripts/chromium.mjs`).
 * 4. The web demo (`scripts/web-demo/`, `npm run demo -- --web`) in a second tab: waits
 *    in the page for its bars to progress, clicks one Cancel button and asserts that bar
 *    shows CANCELLED and the others their outcomes, then takes a screenshot. The
 *    screenshot goes to the temp dir (`longrunning-web-demo.png`), so a CI run dirties
 *    nothing; with `--update-screenshot` (`npm run docs:screenshot`) it replaces
 *    docs/web-demo.png, the README's picture.
 *
 * Prints one line per scenario; exits 1 when one fails, Chromium is missing or anything
 * else goes wrong. Loopback only: METADATA_SERVER_DETECTION=none and no other host.
 */
import { existsSync } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { launchChromium } from './chromium.mjs';
import { startWebDemo } from './web-demo/server.mjs';

process.env.METADATA_SERVER_DETECTION = 'none';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'dist', 'browser.js');
/** A hang guard far above the need (the scenarios take about a second, the web demo about ten). */
const DEADLINE_MS = 60_000;
/** Where the web demo's screenshot goes: docs/ only when asked, so that a CI run leaves the tree clean. */
const SCREENSHOT = process.argv.includes('--update-screenshot')
  ? path.join(ROOT, 'docs', 'web-demo.png')
  : path.join(os.tmpdir(), 'longrunning-web-demo.png');

const PAGE = '<!doctype html><meta charset="utf-8"><title>longrunning-client/browser test</title><p>running</p>';

/** Serves the page, the bundle and the scenarios on 127.0.0.1:0. */
async function startStaticServer(bundle, scenarios) {
  const files = {
    '/': ['text/html', PAGE],
    '/client.js': ['text/javascript', bundle],
    '/page.mjs': ['text/javascript', scenarios],
    '/favicon.ico': ['image/x-icon', ''],
  };
  const server = http.createServer((request, response) => {
    const file = files[new URL(request.url, 'http://127.0.0.1').pathname];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Collects the page's uncaught errors and console errors: a run expects none. */
function watchErrors(page, pageErrors) {
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
}

/**
 * The web demo (scripts/web-demo/) in the browser: its bars progress, Cancel ends one in
 * CANCELLED, the others reach their outcomes; then the screenshot. Waits on the page's
 * DOM (`data-state`, `data-percent`), never on time.
 */
async function webDemo(context, pageErrors) {
  const results = [];
  const demo = await startWebDemo();
  const page = await context.newPage();
  try {
    watchErrors(page, pageErrors);
    const row = (job) => `section.op[data-name$="/${job}"]`;
    const scenario = async (name, body) => {
      try {
        await body();
        results.push({ name, ok: true });
      } catch (error) {
        results.push({ name, ok: false, error: String(error?.stack ?? error) });
      }
    };
    await page.goto(demo.url, { timeout: DEADLINE_MS });
    await scenario('web demo: Cancel calls handle.cancel() and the bar shows CANCELLED', async () => {
      await page.waitForFunction((selector) => Number(document.querySelector(selector)?.dataset.percent) >= 30,
        row('scan-archive'), { timeout: DEADLINE_MS });
      await page.click(`${row('scan-archive')} button`, { timeout: DEADLINE_MS });
      await page.waitForFunction((selector) => document.querySelector(selector)?.dataset.state === 'CANCELLED',
        row('scan-archive'), { timeout: DEADLINE_MS });
      const shown = await page.$eval(row('scan-archive'), (op) => ({
        badge: op.querySelector('.state').textContent,
        fill: getComputedStyle(op.querySelector('.fill')).backgroundImage,
        button: op.querySelector('button').disabled,
      }));
      if (shown.badge !== 'CANCELLED' || !shown.fill.includes('repeating-linear-gradient') || !shown.button) {
        throw new Error(`the cancelled row shows ${JSON.stringify(shown)}`);
      }
    });
    await scenario('web demo: one bar per operation, each with its outcome', async () => {
      await page.waitForFunction((rows) => {
        const data = (selector) => document.querySelector(selector)?.dataset ?? {};
        return data(rows.orders).state === 'SUCCEEDED' && data(rows.customers).state === 'SUCCEEDED' &&
          data(rows.reindex).state === 'FAILED' && Number(data(rows.backup).percent) >= 10;
      }, { orders: row('export-orders'), customers: row('export-customers'), reindex: row('reindex-search'), backup: row('backup-warehouse') },
      { timeout: DEADLINE_MS });
      const shown = await page.$$eval('section.op', (ops) => ops.map((op) => ({
        name: op.dataset.name.split('/').pop(), state: op.dataset.state, percent: op.dataset.percent,
        detail: op.querySelector('.detail').textContent,
      })));
      const by = Object.fromEntries(shown.map((op) => [op.name, op]));
      const problems = [];
      if (shown.length !== 5) problems.push(`${shown.length} rows, expected 5`);
      if (!by['export-orders']?.detail.includes('"rows":12000') || by['export-orders'].percent !== '100') problems.push('export-orders: no result at 100%');
      if (!/^RESOURCE_EXHAUSTED: disk quota .*google\.rpc\.ErrorInfo DISK_QUOTA_EXCEEDED/.test(by['reindex-search']?.detail ?? '')) {
        problems.push('reindex-search: no code, message and details');
      }
      if (problems.length > 0) throw new Error(`${problems.join('; ')}: ${JSON.stringify(shown)}`);
    });
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`  web demo ${demo.url} -> server ${demo.serverUrl}; screenshot: ${SCREENSHOT}`);
    return results;
  } finally {
    await page.close();
    await demo.stop();
  }
}

async function main() {
  if (!existsSync(ENTRY)) throw new Error(`${path.relative(ROOT, ENTRY)} is missing; run \`npm run build\` first.`);
  const built = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, minify: true, platform: 'browser', format: 'esm', target: 'es2022',
    write: false, logLevel: 'silent',
  });
  const bundle = built.outputFiles[0].text;
  const scenarios = await readFile(path.join(ROOT, 'test', 'browser', 'page.mjs'), 'utf8');

  const { InMemoryOperationsServer } = await import(pathToFileURL(path.join(ROOT, 'dist', 'testing.js')).href);
  const { TypeRegistry } = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
  const types = TypeRegistry.empty();
  const struct = (value) => types.pack('google.protobuf.Struct', value);

  const cleanups = [];
  try {
    const operations = await InMemoryOperationsServer.start({ http: true });
    cleanups.push(() => operations.stop());
    const site = await startStaticServer(bundle, scenarios);
    cleanups.push(() => new Promise((resolve) => site.server.close(resolve)));

    // The viewport is the screenshot's width.
    const browser = await launchChromium({ timeoutMs: DEADLINE_MS, viewport: { width: 900, height: 600 } });
    cleanups.push(() => browser.close());
    const { context, page } = browser;
    const pageErrors = [];
    watchErrors(page, pageErrors);

    // The server, driven by the page's scenarios.
    await page.exposeFunction('serverCreate', (metadata) => operations.createOperation(metadata ? { metadata: struct(metadata) } : {}));
    await page.exposeFunction('serverSetMetadata', (name, metadata) => operations.setMetadata(name, struct(metadata)));
    await page.exposeFunction('serverComplete', (name, response) => operations.complete(name, struct(response)));
    await page.exposeFunction('serverPendingWaits', () => operations.pendingWaits);
    await page.exposeFunction('serverCallsFor', (name) => operations.calls.filter((call) => call.name === name).length);

    await page.goto(`${site.origin}/`, { timeout: DEADLINE_MS });
    const results = await page.evaluate(
      async (baseUrl) => (await import('/page.mjs')).run(baseUrl),
      operations.httpUrl,
      { timeout: DEADLINE_MS },
    );
    const version = await page.evaluate('navigator.userAgent');
    console.log(`${version}\n  page ${site.origin} -> server ${operations.httpUrl}`);
    const httpCalls = operations.calls.filter((call) => call.transport === 'http').length;
    console.log(`  ${httpCalls} HTTP/JSON calls reached the server`);
    results.push(...await webDemo(context, pageErrors));
    for (const result of results) console.log(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name}${result.ok ? '' : `\n${result.error}`}`);
    const failed = results.filter((result) => !result.ok).length;
    if (pageErrors.length > 0) console.log(`  page errors:\n    ${pageErrors.join('\n    ')}`);
    // An uncaught error or a failed request in the page fails the run too: the scenarios expect none.
    const ok = failed === 0 && results.length > 0 && httpCalls > 0 && pageErrors.length === 0;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    return ok ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(`cleanup: ${error}`));
  }
}

const guard = setTimeout(() => {
  console.error(`test:browser: still running after ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}, DEADLINE_MS * 2);
guard.unref();
try {
  process.exitCode = await main();
} catch (error) {
  console.error(`test:browser: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
