/**
 * The Node entry's OperationsClient: the client core with both transports, gRPC
 * (`address`) and HTTP/JSON (`baseUrl`).
 *
 * @module
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { GrpcOperationsTransport } from '../transport/grpc-transport.js';
import { OperationsClientCore, type ClientPlatform } from './client-core.js';
import type { OperationsClientOptions } from './client-options.js';

/** Node: gRPC over @grpc/grpc-js, and no listener warning on the client's closing signal. */
const NODE_PLATFORM: ClientPlatform = {
  grpcTransport: (options) => new GrpcOperationsTransport(options),
  allowManyListeners: (signal) => setMaxListeners(0, signal),
  // Synchronous, so a script's first call is traced; the API keeps its registrations on
  // globalThis, so this copy sees an SDK registered through `import` too.
  loadOpenTelemetry: (): unknown => createRequire(import.meta.url)('@opentelemetry/api'),
};

/**
 * A typed client of the five google.longrunning.Operations RPCs.
 *
 * Every method validates its input before sending anything, applies the call's
 * deadline (`timeoutMs`, retries included), retries transient failures
 * (UNAVAILABLE; DEADLINE_EXCEEDED of one attempt while time is left) with exponential
 * backoff and jitter, honouring a server's `google.rpc.RetryInfo`, and rejects with a
 * typed error: {@link RpcError} for RPC failures, {@link InvalidArgumentError} for bad
 * input, the signal's reason on abort.
 *
 * This is the Node entry's class (gRPC and HTTP/JSON); `longrunning-client/browser`
 * has the same class over HTTP/JSON only (docs/browser.md).
 *
 * @example
 * ```ts
 * import { OperationsClient } from 'longrunning-client';
 *
 * const client = new OperationsClient({ address: 'localhost:50051', insecure: true });
 * const op = await client.getOperation({ name: 'operations/123' });
 * console.log(op.done);
 * await client.close();
 * ```
 */
export class OperationsClient extends OperationsClientCore {
  /**
   * @throws {@link InvalidArgumentError} for a malformed address, conflicting transport
   * options, or an out-of-range default.
   */
  constructor(options: OperationsClientOptions) {
    super(options, NODE_PLATFORM);
  }
}
