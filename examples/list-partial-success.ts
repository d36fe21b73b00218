// Partial success: when part of a collection cannot be reached, a listing fails unless
// the request sets `returnPartialSuccess`; then it lists what it can and names the rest
// in `unreachable`, which only page-level iteration (`byPage()`) shows.
import { OperationsClient, RpcError, codeName } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

// Operations in two regions; the server pretends it cannot reach the European one.
const server = await InMemoryOperationsServer.start({ unreachable: ['operations/europe'] });
server.createOperation({ name: 'operations/us/export-1' });
server.createOperation({ name: 'operations/us/export-2' });
server.createOperation({ name: 'operations/europe/export-3' });

const client = new OperationsClient({ address: server.address, insecure: true });

try {
  // retry: false, because the server answers UNAVAILABLE, which is otherwise retried.
  for await (const op of client.listOperationsAsync({ name: 'operations' }, { retry: false })) console.log(op.name);
} catch (error) {
  if (!(error instanceof RpcError)) throw error;
  console.log(`without returnPartialSuccess: ${error.method} failed with ${codeName(error.code)}`);
}

const request = { name: 'operations', returnPartialSuccess: true };
for await (const page of client.listOperationsAsync(request).byPage()) {
  console.log(`listed: ${page.operations.map((op) => op.name).join(', ')}`);
  console.log(`unreachable: ${page.unreachable.join(', ')}`);
}

await client.close();
await server.stop();
