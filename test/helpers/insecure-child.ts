/**
 * Child process: an insecure client talks to the embedded server, closes, and reports
 * whether google-auth-library or google-gax code was loaded. The process must then exit
 * on its own (no timer or socket left).
 */
import { createRequire } from 'node:module';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';

const server = await InMemoryOperationsServer.start();
const client = new OperationsClient({ address: server.address, insecure: true });
const name = server.createOperation();
await client.getOperation({ name });
await client.waitOperation({ name, timeoutMs: 20 });
for await (const op of client.listOperationsAsync({ name: 'operations' })) void op;
await client.close();
await server.stop();
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({
  googleAuthLoaded: loaded.some((file) => file.includes('google-auth-library')),
  gaxLoaded: loaded.some((file) => file.includes(`google-gax${'/'}build`)),
}));
