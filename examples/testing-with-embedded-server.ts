// Testing your code: run it against InMemoryOperationsServer (a real gRPC server on
// 127.0.0.1), inject transient failures with `failNext`, and assert on the log of calls
// the server received. Plain node:assert here; the same works in mocha, vitest or jest.
import assert from 'node:assert/strict';
import { OperationFailedError, OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

/** The code under test: waits for a report and returns its row count. */
async function reportRows(client: OperationsClient, operationName: string): Promise<number> {
  const report = await client.operation<{ rows: number }>(operationName).promise();
  return report.rows;
}

const types = TypeRegistry.empty();

/** A minimal test runner: a fresh server and client per test, always cleaned up. */
async function test(title: string, body: (server: InMemoryOperationsServer, client: OperationsClient) => Promise<void>): Promise<void> {
  const server = await InMemoryOperationsServer.start();
  const client = new OperationsClient({ address: server.address, insecure: true });
  try {
    await body(server, client);
    console.log(`ok - ${title}`);
  } finally {
    await client.close();
    await server.stop();
  }
}

await test('reportRows rides out two UNAVAILABLE answers', async (server, client) => {
  const name = server.createOperation({ response: types.pack('google.protobuf.Struct', { rows: 42 }) });
  server.failNext('GetOperation', { code: 14, message: 'try again later' }, 2);

  assert.equal(await reportRows(client, name), 42);

  const gets = server.calls.filter((call) => call.method === 'GetOperation');
  assert.equal(gets.length, 3); // two failed attempts, then the answer
  assert.ok(gets.every((call) => call.name === name));
});

await test('reportRows reports the operation failure', async (server, client) => {
  const name = server.createOperation();
  server.script(name, [{ afterMs: 20, error: { code: 8, message: 'quota exhausted' } }]);

  await assert.rejects(reportRows(client, name), (error) => error instanceof OperationFailedError && error.code === 8);
});
