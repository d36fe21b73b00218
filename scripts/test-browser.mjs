#!/usr/bin/env node
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
 *    the server is driven from here through functions exposed to the page.
 *
 * Prints one line per scenario; exits 1 when one fails, Chromium is missing or anything
 * else goes wrong. Loopback only: METADATA_SERVER_DETECTION=none and no other host.
 */
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

process.env.METADATA_SERVER_DETECTION = 'none';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'dist', 'browser.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A hang guard far above the need (the scenarios take about a second). */
const DEADLINE_MS = 60_000;

/** The flags of a quiet, offline, throwaway Chromium. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check', '--no-pings',
  '--metrics-recording-only', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
  // Only loopback resolves: a request to any other host fails instead of leaving the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--proxy-server=direct://', '--proxy-bypass-list=*',
];

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

async function main() {
  if (!existsSync(ENTRY)) throw new Error(`${path.relative(ROOT, ENTRY)} is missing; run \`npm run build\` first.`);
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (\`apt-get install -y chromium\`) or set CHROMIUM_PATH.`);
  }
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
    const profile = await mkdtemp(path.join(os.tmpdir(), 'longrunning-chromium-'));
    cleanups.push(() => rm(profile, { recursive: true, force: true }));

    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: DEADLINE_MS,
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

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
    for (const result of results) console.log(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name}${result.ok ? '' : `\n${result.error}`}`);
    const httpCalls = operations.calls.filter((call) => call.transport === 'http').length;
    console.log(`  ${httpCalls} HTTP/JSON calls reached the server`);
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
