/**
 * Child process: `getOperation` with `timeoutMs: Number.MAX_SAFE_INTEGER` against the
 * embedded server. grpc-js used to throw "Deadline is too far in the future" inside its
 * own promise chain, which killed the process; it must now resolve and exit 0.
 */
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';

const server = await InMemoryOperationsServer.start();
const client = new OperationsClient({ address: server.address, insecure: true });
try {
  const name = server.createOperation();
  const operation = await client.getOperation({ name }, { timeoutMs: Number.MAX_SAFE_INTEGER });
  console.log(JSON.stringify({ name: operation.name, done: operation.done }));
} finally {
  await client.close();
  await server.stop();
}
