/**
 * `npm run bench:outage`: how long after a server comes back is completion seen, and how
 * many connection attempts did the client make while it was gone? Each client waits on
 * an operation of an embedded server behind a proxy; the proxy drops every connection
 * for the outage (counting them), the operation finishes during it, then the proxy
 * forwards again. Every row runs at the same time, each with its own server and proxy.
 *
 *   npm run bench:outage                 outages of 30 s and 60 s (about 70 s)
 *   npm run bench:outage -- --outage 5   one outage of 5 s
 *
 * Rows: this SDK with its defaults; this SDK with grpc-js's own reconnect backoff
 * (1 s growing to 120 s), which isolates that change; google-gax's `Operation.promise()`.
 */
process.env.METADATA_SERVER_DETECTION = 'none';
const { installLoopbackGuard } = await import('../test/helpers/loopback-guard.js');
installLoopbackGuard();

const { startDroppingProxy } = await import('../test/helpers/network.js');
const { OperationsClient } = await import('../src/index.js');
const { InMemoryOperationsServer } = await import('../src/testing.js');
const { closeGax, createGaxOperationsClient, gaxOperation, toGaxOperation } = await import('./lib/gax.js');

type Client = 'ours' | 'ours, grpc-js reconnect defaults' | 'gax';

interface Row { client: Client; outageS: number; outcome: string; recoveryMs: number | undefined; attempts: number }

async function scenario(client: Client, outageMs: number): Promise<Row> {
  const server = await InMemoryOperationsServer.start();
  const proxy = await startDroppingProxy(server.port);
  const name = server.createOperation();
  const ours = client === 'gax' ? undefined : new OperationsClient({
    address: proxy.address,
    insecure: true,
    ...(client === 'ours' ? {} : {
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 1_000, 'grpc.max_reconnect_backoff_ms': 120_000 },
    }),
  });
  const gax = client === 'gax' ? createGaxOperationsClient(proxy.address) : undefined;
  let settledAt: number | undefined;
  let outcome = 'resolved';
  const waiting = (ours
    ? ours.operation(name).promise()
    : gaxOperation(toGaxOperation(server.get(name)!), gax!, (b) => b, (b) => b).promise()
  ).then(
    () => { settledAt = Date.now(); },
    (error: unknown) => {
      settledAt = Date.now();
      outcome = `failed: ${error instanceof Error ? error.message.slice(0, 60) : String(error)}`;
    },
  );
  // Let the client connect and start waiting, then cut it off.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  proxy.down();
  await new Promise((resolve) => setTimeout(resolve, outageMs));
  server.complete(name);
  const backAt = Date.now();
  proxy.up();
  const limit = new Promise<void>((resolve) => setTimeout(resolve, 120_000).unref());
  await Promise.race([waiting, limit]);
  if (settledAt === undefined) outcome = 'not settled within 120 s';
  const row: Row = {
    client, outageS: outageMs / 1000, outcome, attempts: proxy.attemptsWhileDown,
    recoveryMs: settledAt === undefined ? undefined : Math.max(0, settledAt - backAt),
  };
  await ours?.close();
  if (gax) await closeGax(gax);
  await proxy.close();
  await server.stop();
  return row;
}

const argIndex = process.argv.indexOf('--outage');
const outagesS = argIndex > 0 ? [Number(process.argv[argIndex + 1])] : [30, 60];
const clients: Client[] = ['ours', 'ours, grpc-js reconnect defaults', 'gax'];
console.error(`outage: ${outagesS.join(' s, ')} s; every row in parallel`);
const rows = await Promise.all(outagesS.flatMap((s) => clients.map((c) => scenario(c, s * 1000))));
console.log('\n**Recovery after an outage (completion happens during it)**\n');
console.log('| client | outage | outcome | completion seen after the server is back | connection attempts during the outage |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  const recovery = row.recoveryMs === undefined ? '-' : `${(row.recoveryMs / 1000).toFixed(2)} s`;
  console.log(`| ${row.client} | ${row.outageS} s | ${row.outcome} | ${recovery} | ${row.attempts} |`);
}
