/**
 * Child process of the transport security test: a TLS embedded server whose CA is the
 * process' default root (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH), and a client with only
 * `auth`, so the channel is built entirely by google-gax. Prints the authorization
 * header the server received as JSON.
 */
import { readFileSync } from 'node:fs';
import * as gax from 'google-gax';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { tlsServerCredentials } from './tls.js';

const [certFile, keyFile] = process.argv.slice(2) as [string, string];
const server = await InMemoryOperationsServer.start({
  credentials: tlsServerCredentials({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }),
});
const auth = new gax.googleAuthLibrary.OAuth2Client();
auth.setCredentials({ access_token: 'child-token', expiry_date: Date.now() + 3_600_000 });
const client = new OperationsClient({ address: `localhost:${server.port}`, auth, retry: false, timeoutMs: 30_000 });
try {
  const name = server.createOperation();
  const op = await client.getOperation({ name });
  const call = server.calls.find((c) => c.method === 'GetOperation');
  console.log(JSON.stringify({ done: op.done, authorization: call?.metadata.authorization ?? null }));
} finally {
  await client.close();
  await server.stop();
}
