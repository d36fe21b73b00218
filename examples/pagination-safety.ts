// Pagination safety: a server that repeats a page token ends the listing with a
// PaginationError instead of an endless loop, and an AbortSignal bounds a whole listing
// (it stops between pages and cancels the page in flight).
import { OperationsClient, PaginationError } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const server = await InMemoryOperationsServer.start();
for (let i = 0; i < 20; i++) server.createOperation();
const client = new OperationsClient({ address: server.address, insecure: true });

// A broken server that hands out the same page token forever.
server.override('ListOperations', () => ({ operations: [], nextPageToken: 'again', unreachable: [] }));

try {
  for await (const op of client.listOperationsAsync({ name: 'operations' })) console.log(op.name);
} catch (error) {
  if (!(error instanceof PaginationError)) throw error;
  console.log(`PaginationError: ${error.reason} (token ${JSON.stringify(error.pageToken)} after ${error.pagesReceived} pages)`);
}

// Back to normal, but slow: every ListOperations call now takes 50 ms.
server.override('ListOperations', undefined);
server.setFaults({ latencyMs: 50, methods: ['ListOperations'] });

const listed: string[] = [];
try {
  const signal = AbortSignal.timeout(180); // for the whole listing, all pages included
  for await (const op of client.listOperationsAsync({ name: 'operations', pageSize: 2 }, { signal })) {
    listed.push(op.name);
  }
} catch (error) {
  if (!(error instanceof DOMException && error.name === 'TimeoutError')) throw error;
  console.log(`stopped by the signal (${error.name}) after ${listed.length} of 20 operations`);
}

await client.close();
await server.stop();
