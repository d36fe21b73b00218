/**
 * `npm run demo`: the SDK against the embedded in-memory server, on loopback only.
 * Starts four simulated jobs with advancing progress metadata (one completes fast, one
 * runs longer, one fails with details, one is cancelled), follows them with
 * WaitOperation, lists them with pagination, and prints a summary. Takes ~3 s.
 */
import { OperationsClient, RpcError, TypeRegistry, codeName, type Operation } from '../src/index.js';
import { InMemoryOperationsServer, type TimelineStep } from '../src/testing.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const types = TypeRegistry.empty();
const progress = (percent: number, state: string) => ({
  afterMs: 250,
  metadata: types.pack('google.protobuf.Struct', { progressPercent: percent, state }),
});

async function main(): Promise<void> {
  const server = await InMemoryOperationsServer.start();
  const client = new OperationsClient({ address: server.address, insecure: true });
  try {
    console.log(`Embedded Operations server on ${server.address}\n`);
    const jobs: Array<[string, TimelineStep[]]> = [
      ['operations/fast-export', [progress(50, 'EXPORTING'), { afterMs: 250, done: true, response: types.pack('google.protobuf.Struct', { rows: 1200 }) }]],
      ['operations/long-import', [progress(20, 'READING'), progress(40, 'READING'), progress(60, 'WRITING'), progress(80, 'WRITING'), { afterMs: 250, done: true, response: types.pack('google.protobuf.Struct', { rows: 98000 }) }]],
      ['operations/failing-train', [progress(30, 'TRAINING'), {
        afterMs: 400,
        error: { code: 8, message: 'GPU quota exhausted', details: [types.pack('google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'demo.example.com' })] },
      }]],
      ['operations/cancelled-scan', [progress(10, 'SCANNING'), progress(20, 'SCANNING'), progress(30, 'SCANNING'), progress(40, 'SCANNING'), progress(50, 'SCANNING')]],
    ];
    for (const [name, steps] of jobs) {
      server.createOperation({ name });
      server.script(name, steps);
    }
    setTimeout(() => void client.cancelOperation({ name: 'operations/cancelled-scan' }), 700).unref();

    const finished = await Promise.all(jobs.map(([name]) => follow(client, name)));

    console.log('\nAll operations, two per page:');
    let page = 0;
    for await (const list of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) {
      console.log(`  page ${++page}: ${list.operations.map((o) => o.name).join(', ')}`);
    }

    console.log('\nSummary:');
    for (const op of finished) console.log(`  ${op.name.padEnd(28)} ${outcome(op)}`);
    const rpcs = server.calls.length;
    console.log(`\n${finished.length} operations finished with ${rpcs} RPCs in total.`);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Long-polls one operation with WaitOperation, printing each new progress value. */
async function follow(client: OperationsClient, name: string): Promise<Operation> {
  let lastPercent = -1;
  for (;;) {
    const op = await client.waitOperation({ name, timeoutMs: 200 });
    if (op.metadata) {
      const { progressPercent, state } = types.unpack<{ progressPercent: number; state: string }>(op.metadata);
      if (progressPercent !== lastPercent) {
        lastPercent = progressPercent;
        console.log(`  ${name.padEnd(28)} ${bar(progressPercent)} ${String(progressPercent).padStart(3)}% ${state}`);
      }
    }
    if (op.done) return op;
  }
}

function bar(percent: number): string {
  const filled = Math.round(percent / 5);
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}

function outcome(op: Operation): string {
  if (op.error) return `${codeName(op.error.code)}: ${op.error.message}`;
  if (op.response) return `done: ${JSON.stringify(types.unpack(op.response))}`;
  return 'done without result';
}

main().catch((error: unknown) => {
  console.error(error instanceof RpcError ? `RPC failed: ${error.message}` : error);
  process.exitCode = 1;
});
