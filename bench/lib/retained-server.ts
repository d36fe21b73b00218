/**
 * The server side of `npm run bench:retained`, in a process of its own so that its
 * objects stay out of the client's heap snapshots: creates the running operations,
 * prints `{ address, names }` as one JSON line, and stops when its stdin closes.
 */
process.env.METADATA_SERVER_DETECTION = 'none';
const { installLoopbackGuard } = await import('../../test/helpers/loopback-guard.js');
installLoopbackGuard();
const { InMemoryOperationsServer } = await import('../../src/testing.js');
const { smallProgress } = await import('./payloads.js');

const count = Number(process.argv[2]);
const server = await InMemoryOperationsServer.start();
const names = Array.from({ length: count }, (_, i) => server.createOperation({ metadata: smallProgress(i % 100) }));
process.stdout.write(`${JSON.stringify({ address: server.address, names })}\n`);
process.stdin.once('end', () => void server.stop());
process.stdin.resume();
