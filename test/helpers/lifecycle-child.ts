/**
 * Child process of test/integration/lifecycle.test.ts: runs one life-cycle event in
 * each loop phase (test/helpers/lifecycle.ts) with a client per phase that it never
 * closes (unless the event is `close` itself), stops its server, and prints the
 * reports with `cleanedUpAt`. The process must then exit on its own: nothing the SDK
 * started may keep Node alive once the caller stopped waiting.
 */
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { EVENTS, PHASES, lifecycleClient, runLifecycle, type LifecycleEvent, type LifecycleReport } from './lifecycle.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const event = process.argv[2] as LifecycleEvent;
if (!EVENTS.includes(event)) throw new Error(`unknown event ${String(event)}`);

const server = await InMemoryOperationsServer.start();
const reports: LifecycleReport[] = [];
for (const phase of PHASES) {
  reports.push(await runLifecycle(server, lifecycleClient(server), event, phase));
}
await server.stop();
console.log(JSON.stringify({ event, reports, cleanedUpAt: Date.now() }));
