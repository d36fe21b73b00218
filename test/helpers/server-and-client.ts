/**
 * The shared integration fixture: an embedded server on loopback and a plaintext
 * `OperationsClient` connected to it, torn down in the right order (client first, so
 * its in-flight calls end before the server goes; the server stops even when the
 * close fails). Tests keep their own `server` / `client` variables and their own mocha
 * hooks, so a reader sees when the pair is made:
 *
 * ```ts
 * let server: InMemoryOperationsServer;
 * let client: OperationsClient;
 * let stop: () => Promise<void>;
 * beforeEach(async () => ({ server, client, stop } = await startServerAndClient({ client: { retry: false } })));
 * afterEach(() => stop());
 * ```
 *
 * or, for one test that needs a server of its own, `withServerAndClient(options, body)`.
 *
 * It imports `src/` (through the two barrels): the public tests, which import only the
 * built package, keep their own few lines instead (see test/README.md).
 */
import { OperationsClient, type HttpRule, type OperationsClientOptions } from '../../src/index.js';
import { InMemoryOperationsServer, type InMemoryOperationsServerOptions } from '../../src/testing.js';

/** The client transports the parametrized suites run over. */
export const TRANSPORTS = ['grpc', 'http'] as const;
/** One of {@link TRANSPORTS}. */
export type TransportKind = (typeof TRANSPORTS)[number];

/** The embedded server's default WaitOperation binding, which a client needs to long-poll over HTTP. */
export const WAIT_RULE: HttpRule = {
  selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*',
};

/**
 * The seed's example, as a service config binds it: operations under `users/*`, every
 * RPC bound (WaitOperation included), for the server and the client alike.
 */
export const USERS_RULES: readonly HttpRule[] = [
  { selector: 'google.longrunning.Operations.ListOperations', get: '/v1/{name=users/*}/operations' },
  { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*/operations/*}' },
  { selector: 'google.longrunning.Operations.CancelOperation', post: '/v1/{name=users/*/operations/*}:cancel', body: '*' },
  { selector: 'google.longrunning.Operations.DeleteOperation', delete: '/v1/{name=users/*/operations/*}' },
  { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=users/*/operations/*}:wait', body: '*' },
];

/** What to start. */
export interface ServerAndClientOptions {
  /** Options of the embedded server (it always binds 127.0.0.1). */
  readonly server?: InMemoryOperationsServerOptions;
  /**
   * Client options, applied over the connection to the server: `{ address, insecure: true }`
   * over gRPC, `{ baseUrl, insecure: true, httpRules: [WAIT_RULE] }` over HTTP.
   */
  readonly client?: OperationsClientOptions;
  /** The client's transport. @defaultValue 'grpc' */
  readonly transport?: TransportKind;
}

/**
 * The client options that connect to `server` over `transport` (the server must serve
 * HTTP for `'http'`): plaintext, and over HTTP the server's WaitOperation binding.
 */
export function connectionTo(server: InMemoryOperationsServer, transport: TransportKind = 'grpc'): OperationsClientOptions {
  if (transport === 'grpc') return { address: server.address, insecure: true };
  if (server.httpUrl === undefined) throw new Error('connectionTo: start the server with `http: true` for an HTTP client');
  return { baseUrl: server.httpUrl, insecure: true, httpRules: [WAIT_RULE] };
}

/** A started pair. */
export interface ServerAndClient {
  readonly server: InMemoryOperationsServer;
  readonly client: OperationsClient;
  /** Closes the client, then stops the server (also when the close rejects). */
  readonly stop: () => Promise<void>;
}

/** Starts an embedded server on 127.0.0.1:0 and a plaintext client connected to it (over gRPC unless `transport` says). */
export async function startServerAndClient(options: ServerAndClientOptions = {}): Promise<ServerAndClient> {
  const transport = options.transport ?? 'grpc';
  const server = await InMemoryOperationsServer.start(transport === 'http' ? { ...options.server, http: true } : options.server);
  let client: OperationsClient;
  try {
    client = new OperationsClient({ ...connectionTo(server, transport), ...options.client });
  } catch (error) {
    // A client option the test got wrong must not leave the server listening.
    await server.stop();
    throw error;
  }
  const stop = async () => {
    try {
      await client.close();
    } finally {
      await server.stop();
    }
  };
  return { server, client, stop };
}

/** Runs `body` with a pair of its own, and stops the pair however `body` ends. */
export async function withServerAndClient<T>(options: ServerAndClientOptions, body: (pair: ServerAndClient) => Promise<T>): Promise<T> {
  const pair = await startServerAndClient(options);
  try {
    return await body(pair);
  } finally {
    await pair.stop();
  }
}
