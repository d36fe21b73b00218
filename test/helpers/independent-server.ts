/**
 * A google.longrunning.Operations server that shares no code with the SDK: the service
 * comes from `operations.proto` (shipped in google-gax) through @grpc/proto-loader and
 * @grpc/grpc-js, as any third-party Node server would build it. Tests script each RPC
 * to behave the way the spec allows and the embedded server does not (answer waits at
 * progress, cap them, throttle with RetryInfo, answer UNIMPLEMENTED some of the time).
 *
 * Messages are proto-loader's plain objects: camelCase fields, but the well-known Any
 * keeps `type_url`; Durations are `{ seconds, nanos }` with int64 seconds as strings.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** proto-loader's shape of a google.protobuf.Any. */
export interface WireAny { type_url: string; value: Buffer }
/** proto-loader's shape of a google.longrunning.Operation (what handlers answer). */
export interface WireOperation {
  name: string;
  done?: boolean;
  metadata?: WireAny;
  response?: WireAny;
  error?: { code: number; message: string; details?: WireAny[] };
}
/** A google.longrunning.WaitOperationRequest as received. */
export interface WireWaitRequest { name: string; timeout?: { seconds: string; nanos: number } | null }

/** A scripted failure: the status, with trailers (e.g. `grpc-status-details-bin`). */
export interface WireStatus { code: number; details?: string; metadata?: grpc.Metadata }

/** Thrown by a handler to answer with an error status. */
export class StatusReply extends Error {
  constructor(readonly status: WireStatus) {
    super(`status ${status.code}`);
  }
}

/** One call the server received. */
export interface IndependentCall {
  readonly method: 'GetOperation' | 'WaitOperation' | 'ListOperations' | 'CancelOperation' | 'DeleteOperation';
  readonly name: string;
  /** `Date.now()` at arrival. */
  readonly at: number;
  /** For WaitOperation: the timeout asked for, in milliseconds (undefined when absent). */
  readonly waitMs: number | undefined;
  /** Aborts when the client cancels the call. */
  readonly signal: AbortSignal;
}

type Handler = (call: IndependentCall) => WireOperation | Promise<WireOperation>;

export interface IndependentServer {
  readonly address: string;
  readonly port: number;
  readonly calls: IndependentCall[];
  stop(): Promise<void>;
}

let packageDefinition: protoLoader.PackageDefinition | undefined;

function operationsService(): grpc.ServiceDefinition {
  const gaxDir = path.dirname(require.resolve('google-gax'));
  // google-gax's main is build/src/index.js; its protos are in build/protos.
  const protos = path.resolve(gaxDir, '..', 'protos');
  packageDefinition ??= protoLoader.loadSync('google/longrunning/operations.proto', {
    includeDirs: [protos], keepCase: false, longs: String, enums: Number, defaults: false, oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    google: { longrunning: { Operations: { service: grpc.ServiceDefinition } } };
  };
  return loaded.google.longrunning.Operations.service;
}

/** The wait a WaitOperation asked for, in ms. */
function waitMsOf(request: WireWaitRequest): number | undefined {
  if (!request.timeout) return undefined;
  return Number(request.timeout.seconds) * 1000 + Math.round(request.timeout.nanos / 1e6);
}

/**
 * Starts a server on 127.0.0.1 (a free port, or `port` to come back where clients
 * expect it) answering GetOperation and WaitOperation with the handlers given; any other
 * RPC, or one without a handler, is UNIMPLEMENTED.
 */
export async function startIndependentServer(
  handlers: { get?: Handler; wait?: Handler },
  options: { port?: number; calls?: IndependentCall[] } = {},
): Promise<IndependentServer> {
  const server = new grpc.Server();
  const calls: IndependentCall[] = options.calls ?? [];
  const unary = (method: IndependentCall['method'], handler: Handler | undefined): grpc.handleUnaryCall<{ name: string }, WireOperation> =>
    (call, callback) => {
      const controller = new AbortController();
      let answered = false;
      // grpc-js also reports 'cancelled' when a call that was answered closes: only a
      // cancellation before the answer is the client's.
      call.on('cancelled', () => {
        if (!answered) controller.abort(new Error('cancelled by the client'));
      });
      const record: IndependentCall = {
        method, name: call.request.name, at: Date.now(), signal: controller.signal,
        waitMs: method === 'WaitOperation' ? waitMsOf(call.request) : undefined,
      };
      calls.push(record);
      if (!handler) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented here` });
        return;
      }
      Promise.resolve().then(() => handler(record)).then(
        (operation) => {
          if (controller.signal.aborted) return;
          answered = true;
          callback(null, operation);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          answered = true;
          if (error instanceof StatusReply) callback(error.status);
          else callback({ code: grpc.status.INTERNAL, details: String(error) });
        },
      );
    };
  server.addService(operationsService(), {
    GetOperation: unary('GetOperation', handlers.get),
    WaitOperation: unary('WaitOperation', handlers.wait),
    ListOperations: unary('ListOperations', undefined),
    CancelOperation: unary('CancelOperation', undefined),
    DeleteOperation: unary('DeleteOperation', undefined),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    address: `127.0.0.1:${port}`,
    port,
    calls,
    stop: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}

/**
 * Resolves after `ms`, or when `signal` aborts (a cancelled call's handler stops
 * holding). The timer never keeps the process alive on its own.
 */
export function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `grpc-status-details-bin` trailers carrying a google.rpc.Status with these details. */
export function statusTrailers(encodedStatus: Uint8Array): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodedStatus));
  return metadata;
}
