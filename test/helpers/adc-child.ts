/**
 * Child process of the typed-errors test: a client with no transport option (the
 * Application Default Credentials path) against a plaintext embedded server, in an
 * environment where google-auth finds no credentials: METADATA_SERVER_DETECTION=none,
 * an empty CLOUDSDK_CONFIG / HOME, and GOOGLE_APPLICATION_CREDENTIALS as the parent set
 * it (unset, or a file that does not exist). The loopback guard refuses any other
 * host. Prints what the call rejected with, as JSON.
 */
import { installLoopbackGuard } from './loopback-guard.js';

const blocked: string[] = [];
installLoopbackGuard('the ADC child', (host) => blocked.push(host));

const { OperationsClient } = await import('../../src/client/operations-client.js');
const { LongRunningError, RpcError } = await import('../../src/errors.js');
const { InMemoryOperationsServer } = await import('../../src/testing/in-memory-server.js');

const server = await InMemoryOperationsServer.start();
const client = new OperationsClient({ address: server.address, retry: false, timeoutMs: 5_000 });
try {
  const error = await client.getOperation({ name: 'operations/x' }).then(() => undefined, (e: unknown) => e);
  const cause = error instanceof Error ? error.cause : undefined;
  console.log(JSON.stringify({
    longRunningError: error instanceof LongRunningError,
    name: error instanceof Error ? error.name : typeof error,
    code: error instanceof RpcError ? error.code : null,
    message: error instanceof Error ? error.message : String(error),
    cause: cause instanceof Error ? cause.message : null,
    serverCalls: server.calls.length,
    blocked,
  }));
} finally {
  await client.close();
  await server.stop();
}
