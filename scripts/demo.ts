/**
 * `npm run demo`: the SDK against the embedded in-memory server, on loopback only.
 * Starts four simulated jobs with advancing progress metadata (one completes fast, one
 * runs longer, one fails with details, one is cancelled), follows each through an
 * operation handle (metadata$ for progress, promise() for the outcome), lists them with
 * pagination, and prints a summary. Takes ~3 s.
 */
import {
  OperationFailedError, OperationsClient, RpcError, TypeRegistry, codeName,
} from '../src/index.js';
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

    const outcomes = await Promise.all(jobs.map(([name]) => follow(client, name)));

    console.log('\nAll operations, two per page:');
    let page = 0;
    for await (const list of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) {
      console.log(`  page ${++page}: ${list.operations.map((o) => o.name).join(', ')}`);
    }

    console.log('\nSummary:');
    jobs.forEach(([name], i) => console.log(`  ${name.padEnd(28)} ${outcomes[i]}`));
    console.log(`\n${jobs.length} operations finished with ${server.calls.length} RPCs in total.`);
  } finally {
    await client.close();
    await server.stop();
  }
}

interface Progress { progressPercent: number; state: string }

/** Follows one operation through a handle: progress lines from metadata$, then its outcome. */
async function follow(client: OperationsClient, name: string): Promise<string> {
  const op = client.operation<Record<string, unknown>, Progress>(name, { polling: { progressIntervalMs: 200 } });
  const subscription = op.metadata$.subscribe(({ progressPercent, state }) => {
    console.log(`  ${name.padEnd(28)} ${bar(progressPercent)} ${String(progressPercent).padStart(3)}% ${state}`);
  });
  try {
    const response = await op.promise();
    return response === undefined ? 'done without result' : `done: ${JSON.stringify(response)}`;
  } catch (error) {
    if (error instanceof OperationFailedError) return `${codeName(error.code)}: ${error.status.message}`;
    throw error;
  } finally {
    subscription.unsubscribe();
  }
}

function bar(percent: number): string {
  const filled = Math.round(percent / 5);
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}

main().catch((error: unknown) => {
  console.error(error instanceof RpcError ? `RPC failed: ${error.message}` : error);
  process.exitCode = 1;
});
