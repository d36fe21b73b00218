// Progress: follow a running operation with rxjs observables. `metadata$` emits each
// distinct metadata value and completes when the operation is done; `state$` emits every
// distinct state. Subscribing starts polling, and it stops when the last subscriber leaves.
import { OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const server = await InMemoryOperationsServer.start();
const types = TypeRegistry.empty();
const stage = (percent: number, step: string) => types.pack('google.protobuf.Struct', { percent, step });
const name = server.createOperation({ metadata: stage(0, 'queued') });
server.script(name, [
  { afterMs: 100, metadata: stage(30, 'copying') },
  { afterMs: 100, metadata: stage(80, 'indexing') },
  { afterMs: 100, done: true, metadata: stage(100, 'done'), response: types.pack('google.protobuf.Struct', { files: 12 }) },
]);

interface Progress { percent: number; step: string }
interface Result { files: number }

const client = new OperationsClient({
  address: server.address,
  insecure: true,
  // WaitOperation answers when the operation is done, not when its metadata changes,
  // so while someone watches progress each long-poll is cut to this length (default 2 s).
  polling: { progressIntervalMs: 50 },
});
const op = client.operation<Result, Progress>(name);

op.metadata$.subscribe({
  next: (progress) => console.log(`${String(progress.percent).padStart(3)}% ${progress.step}`),
  complete: () => console.log('metadata$ completed'),
});

const states = op.state$.subscribe((snapshot) => {
  if (snapshot.done) console.log(`state$: ${snapshot.name} is done`);
});

const result = await op.promise();
console.log(`result: ${result.files} files`);
states.unsubscribe(); // a no-op here (state$ has completed), but a view that goes away early must do it

await client.close();
await server.stop();
