/**
 * Child process: an operation handle with a long poll delay (strategy 'poll', 60 s
 * between GetOperations) on a running operation, then one of two endings. The process
 * must then exit on its own; the parent measures how long that takes after the JSON
 * line with `cleanedUpAt`.
 *
 * - `abort`: `promise({ signal })` and a state$ subscription, then abort, unsubscribe,
 *   close the client and stop the server.
 * - `waits`: `promise()` on an operation that completes while the loop sleeps between
 *   polls (right after the server answered the first poll, so exactly two polls on
 *   any machine, however loaded), the client NOT closed: the SDK's timer keeps the process alive while it
 *   waits (a script must not exit mid-wait), and once the promise settles and the server
 *   stops nothing keeps it alive (printing `settled: true`).
 *
 * The second argument is the client's transport, `grpc` (the default) or `http`.
 */
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { connectionTo } from './server-and-client.js';

const scenario = process.argv[2];
if (scenario !== 'abort' && scenario !== 'waits') throw new Error(`unknown scenario ${String(scenario)}`);
const transport = process.argv[3] ?? 'grpc';
if (transport !== 'grpc' && transport !== 'http') throw new Error(`unknown transport ${transport}`);

/** Waits until `predicate` holds, polling with a short (cleared) timer. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) {
    await new Promise((resolve) => {
      setTimeout(resolve, 5);
    });
  }
}

const server = await InMemoryOperationsServer.start({ http: transport === 'http' });
const client = new OperationsClient(connectionTo(server, transport));
const name = server.createOperation();
const op = client.operation(name, { polling: { strategy: 'poll', initialDelayMs: 60_000, maxDelayMs: 60_000 } });
void op; // used by the abort scenario
const getOperations = () => server.calls.filter((call) => call.method === 'GetOperation').length;

if (scenario === 'abort') {
  const controller = new AbortController();
  const reason = new Error('child aborts');
  const outcome = op.promise({ signal: controller.signal }).then(
    () => 'resolved',
    (error: unknown) => (error === reason ? 'aborted' : `rejected: ${String(error)}`),
  );
  let states = 0;
  const subscription = op.state$.subscribe({ next: () => states++ });
  // The initial GetOperation answered: the loop now sleeps its 60 s delay.
  await until(() => op.latest !== undefined);
  controller.abort(reason);
  subscription.unsubscribe();
  const promise = await outcome;
  await client.close();
  await server.stop();
  console.log(JSON.stringify({ scenario, promise, states, getOperations: getOperations(), cleanedUpAt: Date.now() }));
} else {
  const waiter = client.operation(name, { polling: { strategy: 'poll', initialDelayMs: 300, maxDelayMs: 300 } });
  let settled = false;
  // Completes once the first poll has its (running) answer: the loop then sleeps its
  // 300 ms with only the SDK's own timer pending, and the next poll sees it done.
  server.override('GetOperation', async (_request, context) => {
    const running = await context.next();
    server.override('GetOperation', undefined);
    server.complete(name);
    return running;
  });
  const result = await waiter.promise().then(() => 'resolved', (error: unknown) => `rejected: ${String(error)}`);
  settled = true;
  await server.stop();
  process.on('exit', () => {
    console.log(JSON.stringify({ event: 'exit', settled }));
  });
  console.log(JSON.stringify({ scenario, result, getOperations: getOperations(), cleanedUpAt: Date.now() }));
}
