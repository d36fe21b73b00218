/**
 * `longrunning demo --web` (and `npm run demo -- --web`): serves a page on loopback that
 * follows scripted operations live with `longrunning-client/browser`, until Ctrl-C.
 *
 * The demo itself lives in the repository (`scripts/web-demo/`), not in the package: it
 * bundles the browser entry at start with esbuild, a devDependency. From an installed
 * package the command says so instead of failing on a missing module.
 *
 * @internal
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, UsageError } from './exit-codes.js';
import type { Session } from './session.js';

/** What `scripts/web-demo/server.mjs` exports. */
interface WebDemoModule {
  readonly startWebDemo: () => Promise<{ url: string; serverUrl: string; stop: () => Promise<void> }>;
}

/**
 * The web demo, relative to this file: `src/cli/` under tsx and `dist/cli/` once built
 * are both two levels below the repository root.
 */
const WEB_DEMO = new URL('../../scripts/web-demo/server.mjs', import.meta.url);

/**
 * Runs the web demo until the session's signal aborts (Ctrl-C); resolves with the exit
 * code, 0: stopping is how this command ends.
 *
 * @throws {@link UsageError} outside a clone of the repository, or without an interrupt
 *   signal (nothing could stop it).
 * @internal
 */
export async function webDemoCommand(session: Session): Promise<number> {
  const signal = session.io.signal;
  if (signal === undefined) throw new UsageError('demo --web runs until interrupted and needs an interrupt signal');
  if (!existsSync(fileURLToPath(WEB_DEMO))) {
    throw new UsageError('demo --web is a repository demo (it bundles the browser entry with esbuild, a devDependency): ' +
      'in a clone of the repository, run `npm ci && npm run demo -- --web`');
  }
  const { startWebDemo } = await import(WEB_DEMO.href) as WebDemoModule;
  const demo = await startWebDemo();
  try {
    if (session.json) session.printJson({ url: demo.url, server: demo.serverUrl });
    else {
      session.print(`longrunning demo --web: scripted operations on an embedded Operations server at ${demo.serverUrl} ` +
        '(HTTP/JSON, loopback only),\nfollowed live in the browser with longrunning-client/browser.\n');
      session.print(`  Open ${demo.url}\n`);
      session.print('Each page load starts a fresh set of operations. Ctrl-C stops.');
    }
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    if (!session.json) session.print('Stopped.');
    return ExitCode.success;
  } finally {
    await demo.stop();
  }
}
