// Listing: iterate operations one by one with `for await` (pages are fetched lazily),
// stop early with `break`, go page by page with `byPage()`, and resume a listing later
// from a saved `nextPageToken`.
import { OperationsClient } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

// Seven operations, operations/op-000001 to op-000007; two of them are finished.
const server = await InMemoryOperationsServer.start();
for (let i = 0; i < 7; i++) server.createOperation();
server.complete('operations/op-000002');
server.complete('operations/op-000005');

const client = new OperationsClient({ address: server.address, insecure: true });

const running: string[] = [];
for await (const op of client.listOperationsAsync({ name: 'operations', filter: 'done = false' })) {
  running.push(op.name);
}
console.log(`running: ${running.join(', ')}`);

server.clearCalls();
for await (const op of client.listOperationsAsync({ name: 'operations', pageSize: 2 })) {
  console.log(`first: ${op.name}`);
  break; // no further page is fetched
}
console.log(`ListOperations calls for the first item: ${server.calls.length}`);

for await (const page of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 3 })) {
  const names = page.operations.map((op) => op.name.slice('operations/'.length));
  console.log(`page: ${names.join(' ')} | next token: ${page.nextPageToken ? 'yes' : 'none'}`);
}

const firstPage = await client.listOperations({ name: 'operations', pageSize: 3 });
const saved = firstPage.nextPageToken; // store it (a string) wherever the listing should resume

let rest = 0;
for await (const op of client.listOperationsAsync({ name: 'operations', pageToken: saved })) {
  if (!op.done) rest++;
}
console.log(`resumed after ${firstPage.operations.length} operations: ${rest} more running`);

await client.close();
await server.stop();
