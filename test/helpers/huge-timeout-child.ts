/**
 * Child process: `getOperation` with `timeoutMs: Number.MAX_SAFE_INTEGER` against the
 * embedded server. grpc-js used to throw "Deadline is too far in the future" inside its
 * own promise chain, which killed the process; it must now resolve and exit 0.
 */
import { withServerAndClient } from './server-and-client.js';

await withServerAndClient({}, async ({ server, client }) => {
  const name = server.createOperation();
  const operation = await client.getOperation({ name }, { timeoutMs: Number.MAX_SAFE_INTEGER });
  console.log(JSON.stringify({ name: operation.name, done: operation.done }));
});
