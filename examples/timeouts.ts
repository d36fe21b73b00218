// Timeouts: bound the whole wait of a handle (`polling.totalTimeoutMs`), one caller's wait
// (`promise({ timeoutMs })`), or stop a caller with an AbortSignal. Each means the client
// stopped waiting: the operation itself may still be running on the server.
import { OperationsClient, PollTimeoutError } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const server = await InMemoryOperationsServer.start();
const client = new OperationsClient({ address: server.address, insecure: true });
const name = server.createOperation(); // runs until the example completes it

const bounded = client.operation(name, { polling: { totalTimeoutMs: 200 } });
try {
  await bounded.promise();
} catch (error) {
  if (!(error instanceof PollTimeoutError)) throw error;
  console.log(`totalTimeoutMs: PollTimeoutError for ${error.operationName}; running on the server: ${!server.get(name)?.done}`);
}

const op = client.operation(name);
const patient = op.promise(); // waits as long as it takes
try {
  await op.promise({ timeoutMs: 100 }); // this caller only
} catch (error) {
  if (!(error instanceof PollTimeoutError)) throw error;
  console.log('promise({ timeoutMs }): this caller stopped waiting; the other one still waits');
}

try {
  await op.promise({ signal: AbortSignal.timeout(100) });
} catch (error) {
  // An aborted signal rejects with the signal's reason: here a DOMException named TimeoutError.
  if (!(error instanceof DOMException && error.name === 'TimeoutError')) throw error;
  console.log(`signal: rejected with the signal's reason (${error.name})`);
}

server.complete(name);
await patient;
console.log(`the patient caller saw ${name} finish`);

await client.close();
await server.stop();
