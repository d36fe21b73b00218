// Migrating from google-gax: how code written for gax's LRO `Operation` and
// `OperationsClient` maps to this SDK. Each step shows the gax code in a comment (not
// run) above the code that replaces it; only this SDK's side runs, against the embedded server.
import { fileURLToPath } from 'node:url';
import {
  OperationCancelledError, OperationsClient, TypeRegistry, type OperationInput, type PollingOptions,
} from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

interface ExportResponse { destination: string; totalBytes: string }
interface ExportMetadata { state: string; processedBytes: string }

const protoDir = fileURLToPath(new URL('../test/fixtures/protos', import.meta.url));
const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [protoDir] });
const server = await InMemoryOperationsServer.start();

/**
 * Stands in for the call that starts the operation, which you keep (a generated client,
 * or @grpc/grpc-js). It returns the raw google.longrunning.Operation in the shape
 * protobufjs gives it (`type_url`, Buffers), as gax's `operation.latestResponse` holds it.
 */
function startExport(destination: string, finishAfterMs?: number): OperationInput {
  const metadata = types.pack('example.v1.ExportMetadata', { state: 'RUNNING' });
  const name = server.createOperation({ metadata });
  if (finishAfterMs !== undefined) {
    server.script(name, [{
      afterMs: finishAfterMs,
      done: true,
      metadata: types.pack('example.v1.ExportMetadata', { state: 'FINISHING', processedBytes: 4096 }),
      response: types.pack('example.v1.ExportResponse', { destination, totalBytes: 4096 }),
    }]);
  }
  return { name, done: false, metadata: { type_url: metadata.typeUrl, value: Buffer.from(metadata.value) } };
}

const operations = new OperationsClient({ address: server.address, insecure: true, types });
const method = 'example.v1.ExportService.Export'; // its operation_info names the response and metadata types

// 1. Awaiting the result: a value, not a tuple.
/* google-gax:
const [operation] = await exportService.export(request);
const [response, metadata, rawOperation] = await operation.promise();
*/
const op = operations.operation<ExportResponse, ExportMetadata>(startExport('gs://exports/a', 50), { method });
const response = await op.promise();
const { metadata, raw } = op.latest ?? {};
console.log(`1. promise(): ${response.destination}, ${response.totalBytes} bytes (${metadata?.state}, done=${raw?.done})`);

// 2. Events become observables; subscribing starts polling, unsubscribing stops it.
/* google-gax:
operation.on('progress', (metadata) => render(metadata));
operation.on('complete', (response) => finish(response));
operation.on('error', (error) => report(error));
*/
const watched = operations.operation<ExportResponse, ExportMetadata>(startExport('gs://exports/b', 50), { method });
watched.metadata$.subscribe((progress) => console.log(`2. metadata$: ${progress.state}`));
watched.state$.subscribe({
  next: (snapshot) => {
    if (snapshot.done) console.log(`2. state$: done, ${snapshot.response?.destination}`);
  },
  error: (error: unknown) => console.error(error),
});
await watched.promise();

// 3. Positional backoff settings become named polling options.
/* google-gax:
const backoff = createBackoffSettings(500, 1.5, 30000, null, null, null, 600000);
const [operation] = await exportService.export(request, { longrunning: backoff });
*/
const polling: PollingOptions = { initialDelayMs: 500, multiplier: 1.5, maxDelayMs: 30_000, totalTimeoutMs: 600_000 };
const tuned = operations.operation<ExportResponse>(startExport('gs://exports/c', 50), { method, polling });
console.log(`3. polling options: ${(await tuned.promise()).destination}`);

// 4. Checking on an operation by name, e.g. in another process.
/* google-gax:
const operation = await exportService.checkExportProgress(name);
const [response] = await operation.promise();
*/
const byName = operations.operation<ExportResponse>(op.name, { method });
console.log(`4. by name: ${(await byName.promise()).destination}`);

// 5. Cancelling: the waiters learn it as a typed error.
/* google-gax:
await operation.cancel();
*/
const unwanted = operations.operation(startExport('gs://exports/d'), { method });
const outcome = unwanted.promise().catch((error: unknown) => error);
await unwanted.cancel();
console.log(`5. cancel(): OperationCancelledError=${(await outcome) instanceof OperationCancelledError}`);

// 6. The OperationsClient RPCs resolve values, not tuples.
/* google-gax:
const [rawOperation] = await operationsClient.getOperation({ name });
*/
const rawOperation = await operations.getOperation({ name: op.name });
console.log(`6. getOperation: ${rawOperation.name} done=${rawOperation.done}`);

await operations.close();
await server.stop();
