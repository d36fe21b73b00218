// Resume: save an operation handle as a small JSON token, and rebuild it later with
// another client (in another process, after a restart) to keep waiting for the result.
import { OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const server = await InMemoryOperationsServer.start();
const types = TypeRegistry.empty();
const name = server.createOperation(); // runs until the first client has gone

interface Report { report: string }

// The first client looks once, saves a token and goes away.
const first = new OperationsClient({ address: server.address, insecure: true });
const op = first.operation<Report>(name, { responseType: 'google.protobuf.Struct', polling: { maxDelayMs: 5_000 } });
console.log(`first client: done=${(await op.poll()).done}`);
const token = JSON.stringify(op); // the token of op.toJSON(): name, types, the handle's own polling
console.log(`token: ${token}`);
await first.close();

// Meanwhile, the operation finishes.
server.script(name, [{ afterMs: 50, done: true, response: types.pack('google.protobuf.Struct', { report: 'gs://reports/q3.pdf' }) }]);

// Later, with another client: the same operation, the same types and polling options.
const second = new OperationsClient({ address: server.address, insecure: true });
const resumed = second.resume<Report>(token);
const result = await resumed.promise();
console.log(`second client: ${resumed.name} finished with ${result.report}`);
await second.close();

await server.stop();
