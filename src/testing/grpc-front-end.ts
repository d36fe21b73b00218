/**
 * The embedded server's gRPC front-end: a @grpc/grpc-js server on 127.0.0.1 that
 * decodes each call with the shared wire codecs, hands it to the {@link Dispatcher}
 * and answers it exactly once (an error's details in the `grpc-status-details-bin`
 * trailer). Nothing here knows about operations.
 *
 * @internal
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { LongRunningError, RpcError } from '../errors.js';
import { startTimer } from '../time/clock.js';
import { CODECS, encodeStatus } from '../transport/codec.js';
import { statusOfError, type Dispatcher } from './dispatcher.js';
import { OPERATIONS_METHODS } from './server-options.js';
import type { OperationsMethod, OperationsRequests } from './api-types.js';

/** How long `close()` lets calls drain before closing connections forcibly. */
const STOP_GRACE_MS = 1000;

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    record[key] = typeof value === 'string' ? value : value.toString('base64');
  }
  return record;
}

function deadlineMs(deadline: grpc.Deadline): number {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isNaN(ms) ? Infinity : ms;
}

/** The gRPC service definition, built from the shared wire codecs. */
function serviceDefinition(): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of OPERATIONS_METHODS) {
    const codec = CODECS[method] as unknown as {
      path: string;
      serializeRequest(value: unknown): Buffer;
      deserializeRequest(bytes: Buffer): unknown;
      serializeResponse(value: unknown): Buffer;
      deserializeResponse(bytes: Buffer): unknown;
    };
    definition[method] = {
      path: codec.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value) => codec.serializeRequest(value),
      requestDeserialize: (bytes) => codec.deserializeRequest(bytes),
      responseSerialize: (value) => codec.serializeResponse(value),
      responseDeserialize: (bytes) => codec.deserializeResponse(bytes),
      originalName: method.charAt(0).toLowerCase() + method.slice(1),
    };
  }
  return definition;
}

/**
 * Resolves once the event loop has run its close callbacks: grpc-js reports a listener
 * closed before libuv has released its handle, and `stop()` promises that none is left.
 */
function handlesClosed(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => setImmediate(resolve));
  });
}

/** One call: hand it to the dispatcher, answer exactly once, drop it if the client cancelled. */
function receive(
  dispatcher: Dispatcher, method: OperationsMethod, call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
): void {
  const controller = new AbortController();
  let answered = false;
  const onCancelled = () => {
    if (answered) return;
    answered = true;
    controller.abort(new RpcError(method, { code: grpc.status.CANCELLED, message: 'The client cancelled the call', details: [] }));
  };
  const answer = (error: unknown, response?: unknown) => {
    if (answered) return;
    answered = true;
    call.removeListener('cancelled', onCancelled);
    if (error === undefined) {
      callback(null, response);
      return;
    }
    const status = statusOfError(error);
    const trailers = new grpc.Metadata();
    if (status.details.length > 0) trailers.set('grpc-status-details-bin', encodeStatus(status));
    callback(Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata: trailers }));
  };

  // A call cancelled on arrival is logged, and never answered.
  if (call.cancelled) onCancelled();
  else call.on('cancelled', onCancelled);
  dispatcher.serve(method, call.request as OperationsRequests[OperationsMethod], {
    transport: 'grpc',
    metadata: Object.freeze(metadataRecord(call.metadata)),
    deadline: deadlineMs(call.getDeadline()),
    controller,
  }).then(
    (response) => answer(undefined, response),
    (error: unknown) => answer(error),
  );
}

/** A listening grpc-js server that serves the Operations service through a dispatcher. @internal */
export class GrpcFrontEnd {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  readonly #server: grpc.Server;

  private constructor(server: grpc.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /**
   * Listens on 127.0.0.1 (never another interface); `port` 0 picks a free one.
   *
   * @throws {@link LongRunningError} when the port cannot be bound.
   */
  static async listen(port: number, credentials: grpc.ServerCredentials): Promise<GrpcFrontEnd> {
    const server = new grpc.Server();
    const boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) => {
        if (error) {
          server.forceShutdown();
          const failure = new LongRunningError(
            `InMemoryOperationsServer cannot listen on 127.0.0.1:${port}: ${error.message}`, { cause: error });
          void handlesClosed().then(() => reject(failure));
        } else {
          resolve(bound);
        }
      });
    });
    return new GrpcFrontEnd(server, boundPort);
  }

  /** Routes the five RPCs to `dispatcher`; called once, right after `listen`. */
  attach(dispatcher: Dispatcher): void {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of OPERATIONS_METHODS) {
      const handler: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => receive(dispatcher, method, call, callback);
      handlers[method] = handler;
    }
    this.#server.addService(serviceDefinition(), handlers);
  }

  /**
   * Closes connections gracefully and, after {@link STOP_GRACE_MS}, forcibly; resolves
   * when no socket of the server is left. The dispatcher must have ended its calls first.
   */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const cancelGrace = startTimer(() => {
        this.#server.forceShutdown();
        resolve();
      }, STOP_GRACE_MS);
      this.#server.tryShutdown(() => {
        cancelGrace();
        resolve();
      });
    });
    this.#server.forceShutdown();
    await handlesClosed();
  }
}
