// Cancel: ask the server to cancel a running operation. Cancellation is best effort:
// the server decides, and when it confirms, everyone waiting on the handle gets an
// OperationCancelledError (an OperationFailedError with code 1 CANCELLED).
import { OperationCancelledError, OperationsClient, codeName } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const server = await InMemoryOperationsServer.start();
const name = server.createOperation(); // runs until someone finishes or cancels it
const client = new OperationsClient({ address: server.address, insecure: true });

const op = client.operation(name);
const outcome = op.promise().catch((error: unknown) => error); // someone waits for the result

await op.cancel(); // sends CancelOperation

const error = await outcome;
if (!(error instanceof OperationCancelledError)) throw new Error(`expected a cancellation, got ${String(error)}`);
console.log(`cancelled: ${error.operationName} with ${codeName(error.code)} (${error.status.message})`);
console.log(`on the server: done=${server.get(name)?.done}`);

await client.close();
await server.stop();
