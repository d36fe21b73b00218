/**
 * google-gax, set up the only way the network rule allows: universeDomain given,
 * insecure channel credentials, and a GoogleAuth that knows its universe domain and
 * whose `getClient` fails, so gax can never look for credentials or probe a metadata
 * server (test/integration/gax-interop.test.ts does the same with a sinon stub).
 *
 * Only the parts of gax the benchmarks use are typed here, narrowly.
 */
import * as grpc from '@grpc/grpc-js';
import * as gax from 'google-gax';
import type { Operation } from '../../src/index.js';
import type { GaxRestOperationsClient } from '../../test/helpers/gax-rest.js';

// gax's REST fallback client: one construction, shared with the REST interop test.
export { createGaxRestOperationsClient, type GaxRestOperationsClient } from '../../test/helpers/gax-rest.js';

/** An Any as gax's protobufjs messages hold it (`type_url`). */
export interface GaxAny { type_url?: string; value?: Uint8Array | null }

/** google.longrunning.Operation as gax reads and returns it. */
export interface GaxOperation {
  name: string;
  done: boolean;
  metadata?: GaxAny | null;
  response?: GaxAny | null;
  error?: { code?: number; message?: string } | null;
  /** The oneof marker gax looks at (`'response'` or `'error'`). */
  result?: string;
}

/** The methods of gax's OperationsClient the benchmarks call. */
export interface GaxOperationsClient {
  getOperation(request: { name: string }): Promise<[GaxOperation, ...unknown[]]>;
  listOperationsAsync(request: { name: string; filter: string; pageSize?: number }, options?: { autoPaginate?: boolean }): AsyncIterable<GaxOperation>;
  close(): unknown;
}

/** gax's LRO `Operation` (an EventEmitter). */
export interface GaxLroOperation {
  promise(): Promise<[unknown, unknown, GaxOperation]>;
  on(event: 'progress', listener: (metadata: unknown) => void): GaxLroOperation;
  removeAllListeners(event?: string): GaxLroOperation;
  setMaxListeners(n: number): GaxLroOperation;
}

/** What gax's LongRunningDescriptor needs of an operations client (used by the simulation's fake). */
export interface GaxGetOperationInternal {
  getOperationInternal(request: { name: string }, options?: unknown): Promise<[GaxOperation, ...unknown[]]> & { cancel(): void };
}

function hostAndPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/** gax's OperationsClient on an insecure loopback channel, unable to look for credentials. */
export function createGaxOperationsClient(address: string): GaxOperationsClient {
  const { host, port } = hostAndPort(address);
  const auth = new gax.GoogleAuth({ universeDomain: 'googleapis.com' });
  auth.getClient = () => Promise.reject(new Error('Network rule: google-gax tried to discover Google credentials'));
  const client: unknown = gax.lro({ auth, grpc }).operationsClient({
    servicePath: host,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
  return client as GaxOperationsClient;
}

export type Decoder = (bytes: Uint8Array) => unknown;

/**
 * A gax LRO Operation with gax's defaults (`createDefaultBackoffSettings()`: first poll
 * at once, then 100 ms x1.3 up to 60 s, no total timeout), as a generated gax client
 * returns it from a long-running method. `operationsClient` may be the gRPC or the REST
 * fallback OperationsClient: both are gax's one class, which polls through
 * `getOperationInternal`.
 */
export function gaxOperation(
  initial: GaxOperation,
  operationsClient: GaxOperationsClient | GaxRestOperationsClient | GaxGetOperationInternal,
  decodeResponse: Decoder,
  decodeMetadata: Decoder,
): GaxLroOperation {
  const descriptor = new gax.LongrunningDescriptor(operationsClient as never, decodeResponse as never, decodeMetadata as never);
  const operation: unknown = gax.operation(initial as never, descriptor, gax.createDefaultBackoffSettings());
  return operation as GaxLroOperation;
}

/** Our public Operation shape in gax's wire shape (`type_url`, Buffer values, oneof marker). */
export function toGaxOperation(operation: Operation): GaxOperation {
  const any = (value: { typeUrl: string; value: Uint8Array }): GaxAny => ({
    type_url: value.typeUrl,
    value: Buffer.from(value.value.buffer, value.value.byteOffset, value.value.byteLength),
  });
  const gaxOp: GaxOperation = { name: operation.name, done: operation.done };
  if (operation.metadata) gaxOp.metadata = any(operation.metadata);
  if (operation.error) {
    gaxOp.error = { code: operation.error.code, message: operation.error.message };
    gaxOp.result = 'error';
  } else if (operation.response) {
    gaxOp.response = any(operation.response);
    gaxOp.result = 'response';
  }
  return gaxOp;
}

/** Closes a gax client; its close() returns nothing to await, so give the channel a moment. */
export async function closeGax(client: GaxOperationsClient): Promise<void> {
  await Promise.resolve(client.close());
  await new Promise((resolve) => setImmediate(resolve));
}

/** Closes a gax REST fallback client (its close() returns nothing to await; it holds no socket of its own). */
export async function closeGaxRest(client: GaxRestOperationsClient): Promise<void> {
  await Promise.resolve(client.close());
}
