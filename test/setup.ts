/**
 * Mocha root hooks for every test file:
 * - the network rule: google-auth-library must not probe the metadata server, and any
 *   socket connection to a host other than loopback throws (and is recorded);
 * - a test during which an unhandled rejection happened fails (a lost result);
 * - the run fails if, after the last test, anything still keeps Node alive (a socket,
 *   a server, a ref'd timer): every test must clean up what it starts.
 */
import { installLoopbackGuard } from './helpers/loopback-guard.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const blockedConnections: string[] = [];
installLoopbackGuard('a test', (host) => blockedConnections.push(host));

function liveResources(): string[] {
  return process.getActiveResourcesInfo().filter((resource) => !PROCESS_RESOURCES.has(resource));
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

/** Resources that belong to the test process itself, not to the code under test. */
const PROCESS_RESOURCES = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'SignalWrap']);

/** What was alive in the root `before all` hook: mocha's own hook timer and the like. */
let baseline: string[] = [];

/** Resources alive now beyond the baseline, as a list of names (with repeats). */
function leakedResources(): string[] {
  const remaining = [...baseline];
  return liveResources().filter((resource) => {
    const i = remaining.indexOf(resource);
    if (i < 0) return true;
    remaining.splice(i, 1);
    return false;
  });
}

export const mochaHooks = {
  beforeAll() {
    baseline = liveResources();
  },
  afterAll: [
    // First let closes that are already under way finish (socket close callbacks,
    // setImmediate; up to 5 s, which a loaded machine may need); then check
    // synchronously, since mocha times an async hook with a timer of its own that would
    // count as a leak.
    async function settleCloses(this: Mocha.Context) {
      this.timeout(15_000);
      for (let i = 0; i < 100 && leakedResources().some((r) => r !== 'Timeout'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50).unref());
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
    () => {
      const leaked = leakedResources();
      if (leaked.length > 0) throw new Error(`Still alive after the last test (something was not closed): ${leaked.join(', ')}`);
    },
  ],
  afterEach(this: Mocha.Context) {
    const problems: string[] = [];
    if (unhandled.length > 0) {
      problems.push(`unhandled rejection(s): ${unhandled.splice(0).map(String).join('; ')}`);
    }
    if (blockedConnections.length > 0) {
      problems.push(`non-loopback connection attempt(s): ${blockedConnections.splice(0).join(', ')}`);
    }
    if (problems.length > 0) {
      (this.test as Mocha.Hook | undefined)?.error(new Error(`During this test: ${problems.join('; ')}`));
    }
  },
};
