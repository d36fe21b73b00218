// Getting started: wait for a long-running operation's result, follow its progress,
// list operations and close everything, against the embedded in-memory server.
// The code of docs/getting-started.md comes from this file.
import { OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

// A stand-in for your service: a real gRPC server on 127.0.0.1 with one operation that
// reports progress and finishes with a result about 150 ms from now.
const server = await InMemoryOperationsServer.start();
const types = TypeRegistry.empty();
const progress = (percent: number) => types.pack('google.protobuf.Struct', { percent });
const name = server.createOperation({ metadata: progress(0) });
server.script(name, [
  { afterMs: 50, metadata: progress(50) },
  { afterMs: 100, done: true, metadata: progress(100), response: types.pack('google.protobuf.Struct', { rows: 42 }) },
]);

// What the operation carries once unpacked (google.protobuf.Struct becomes a plain object).
interface Progress { percent: number }
interface Result { rows: number }

const client = new OperationsClient({ address: server.address, insecure: true });

const op = client.operation<Result, Progress>(name);
op.metadata$.subscribe((metadata) => console.log(`progress: ${metadata.percent}%`));

const result = await op.promise();
console.log(`result: ${result.rows} rows`);

for await (const operation of client.listOperationsAsync({ name: 'operations' })) {
  console.log(`listed: ${operation.name} done=${operation.done}`);
}

await client.close();
await server.stop();
