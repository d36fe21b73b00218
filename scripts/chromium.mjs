/**
 * The system Chromium, quiet and offline, for `npm run test:browser` and the web demo's
 * screenshot: one launch, one set of flags.
 *
 * playwright-core drives Debian's `chromium` (`CHROMIUM_PATH`, default
 * `/usr/bin/chromium`) and never downloads a browser. The profile is a fresh temp dir,
 * everything that phones home is off, and every host name but loopback is unresolvable.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright-core';

/** The browser binary: Debian's package unless `CHROMIUM_PATH` says otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags of a quiet, offline, throwaway Chromium. */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check', '--no-pings',
  '--metrics-recording-only', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
  // Only loopback resolves: a request to any other host fails instead of leaving the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--proxy-server=direct://', '--proxy-bypass-list=*',
]);

/**
 * Launches the system Chromium with a fresh profile.
 *
 * @param {{ timeoutMs: number, viewport?: { width: number, height: number } }} options
 * @returns {Promise<{ context: import('playwright-core').BrowserContext,
 *   page: import('playwright-core').Page, close: () => Promise<void> }>}
 *   `close()` closes the browser and removes the profile.
 */
export async function launchChromium({ timeoutMs, viewport }) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (\`apt-get install -y chromium\`) or set CHROMIUM_PATH.`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'longrunning-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: timeoutMs,
      ...(viewport === undefined ? {} : { viewport }),
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}
