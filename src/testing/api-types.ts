/**
 * The public types of the embedded server (`longrunning-client/testing`): its options,
 * the shapes tests hand to it, the call log's records and the override hook. They are
 * transport-neutral: the store and every front-end speak them.
 *
 * @module
 */
import type * as grpc from '@grpc/grpc-js';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod,
  WaitOperationRequest,
} from '../types.js';
import type { HttpRule } from '../http/http-rule.js';
import type { TypeRegistry } from '../any/type-registry.js';
import type { InMemoryOperationsServer } from './in-memory-server.js';

/**
 * A `google.rpc.Status` as tests write it: `message` and `details` may be omitted.
 * Accepted wherever the server takes a status from the test (`fail`, `failNext`,
 * timeline error steps, overrides).
 *
 * @example
 * ```ts
 * import type { StatusInit } from 'longrunning-client/testing';
 * const quota: StatusInit = { code: 8, message: 'quota exhausted' }; // RESOURCE_EXHAUSTED
 * ```
 */
export interface StatusInit {
  /** A gRPC status code from 1 CANCELLED to 16 UNAUTHENTICATED. */
  code: number;
  /** A developer-facing message. @defaultValue `''` */
  message?: string | undefined;
  /** Typed error details (`google.rpc.ErrorInfo`, `google.rpc.RetryInfo`, ...). @defaultValue `[]` */
  details?: readonly Any[] | undefined;
}

// The five RPCs by their proto names: one definition, in types.ts, re-exported here
// because the server's methods (failNext, override, FaultOptions.methods) take them.
export type { OperationsMethod };

/**
 * The request message of each RPC, as plain objects (see `longrunning-client`'s types).
 *
 * @example
 * ```ts
 * import type { OperationsRequests } from 'longrunning-client/testing';
 * const request: OperationsRequests['WaitOperation'] = { name: 'operations/op-000001', timeoutMs: 500 };
 * ```
 */
export interface OperationsRequests {
  /** `google.longrunning.GetOperationRequest` */
  GetOperation: OperationNameRequest;
  /** `google.longrunning.ListOperationsRequest` */
  ListOperations: ListOperationsRequest;
  /** `google.longrunning.CancelOperationRequest` */
  CancelOperation: OperationNameRequest;
  /** `google.longrunning.DeleteOperationRequest` */
  DeleteOperation: OperationNameRequest;
  /** `google.longrunning.WaitOperationRequest` */
  WaitOperation: WaitOperationRequest;
}

/**
 * The response message of each RPC, as plain objects; `void` is `google.protobuf.Empty`.
 *
 * @example
 * ```ts
 * import type { OperationsResponses } from 'longrunning-client/testing';
 * const page: OperationsResponses['ListOperations'] = { operations: [], nextPageToken: '', unreachable: [] };
 * ```
 */
export interface OperationsResponses {
  /** `google.longrunning.Operation` */
  GetOperation: Operation;
  /** `google.longrunning.ListOperationsResponse` */
  ListOperations: ListOperationsResponse;
  /** `google.protobuf.Empty` */
  CancelOperation: void;
  /** `google.protobuf.Empty` */
  DeleteOperation: void;
  /** `google.longrunning.Operation` */
  WaitOperation: Operation;
}

/**
 * Faults the server injects before handling an RPC, to test retries, backoff and
 * timeouts against a flaky server without a flaky test.
 *
 * For each call the faults apply to, decisions are taken when the call arrives, in this
 * order: one `random()` draw for the latency when `latencyMs` is a range, then (unless
 * {@link InMemoryOperationsServer.failNext} already answers the call) one draw for
 * `unavailableRate` when it is above 0. With an injected, seeded `random` and calls
 * sent one after another, a run is reproducible.
 *
 * @example
 * ```ts
 * import { InMemoryOperationsServer } from 'longrunning-client/testing';
 * const server = await InMemoryOperationsServer.start({
 *   faults: { unavailableRate: 0.3, latencyMs: [5, 20], retryDelayMs: 50, methods: ['GetOperation'] },
 * });
 * ```
 */
export interface FaultOptions {
  /**
   * Probability, in [0, 1], that a call is answered UNAVAILABLE instead of being handled.
   * @defaultValue 0
   */
  unavailableRate?: number | undefined;
  /**
   * Delay added before each call is answered (injected failures included), in
   * milliseconds: a fixed number, or `[min, max]` drawn uniformly per call.
   * @defaultValue 0
   */
  latencyMs?: number | readonly [min: number, max: number] | undefined;
  /**
   * When set, each UNAVAILABLE injected by `unavailableRate` carries a
   * `google.rpc.RetryInfo` detail asking the client to wait this long, in milliseconds.
   * @defaultValue absent: no RetryInfo is sent
   */
  retryDelayMs?: number | undefined;
  /**
   * The RPCs the faults apply to; an empty array disables them.
   * @defaultValue all five RPCs
   */
  methods?: readonly OperationsMethod[] | undefined;
  /**
   * The random source, returning numbers in [0, 1); inject a seeded one for
   * reproducible runs.
   * @defaultValue `Math.random`
   */
  random?: (() => number) | undefined;
}

/**
 * Options of {@link InMemoryOperationsServer.start}. Every field is optional.
 *
 * @example
 * ```ts
 * import { InMemoryOperationsServer } from 'longrunning-client/testing';
 * const server = await InMemoryOperationsServer.start({ waitOperation: false, defaultPageSize: 2 });
 * ```
 */
export interface InMemoryOperationsServerOptions {
  /**
   * Whether WaitOperation is served; `false` answers it UNIMPLEMENTED, like the many
   * services that only implement GetOperation, to test a client's polling fallback.
   * @defaultValue true
   */
  waitOperation?: boolean | undefined;
  /**
   * The port to listen on (always on 127.0.0.1). `0` picks a free port; a fixed port
   * lets a test stop the server and start a new one where clients expect it.
   * @defaultValue 0
   */
  port?: number | undefined;
  /**
   * Server credentials, e.g. `grpc.ServerCredentials.createSsl(...)` for TLS tests.
   * @defaultValue `grpc.ServerCredentials.createInsecure()`
   */
  credentials?: grpc.ServerCredentials | undefined;
  /**
   * Page size of ListOperations when the request's `pageSize` is 0 or absent.
   * @defaultValue 50: small enough that a test with a few hundred operations pages.
   */
  defaultPageSize?: number | undefined;
  /**
   * Largest page ListOperations returns; larger `pageSize` requests are capped to it,
   * as AIP-158 asks of real services. Must not be smaller than `defaultPageSize`.
   * @defaultValue 1000, or `defaultPageSize` when that is larger
   */
  maxPageSize?: number | undefined;
  /**
   * How long WaitOperation waits when the request carries no `timeout`, in milliseconds
   * (`Infinity`: until the operation changes). The wait also ends shortly before the
   * call's deadline, whatever this says.
   * @defaultValue 30000: long enough to exercise long-polling, shorter than typical
   * client deadlines would let a real server hold a call.
   */
  defaultWaitTimeoutMs?: number | undefined;
  /**
   * Collections (name prefixes) ListOperations pretends it cannot reach; see
   * {@link InMemoryOperationsServer.setUnreachable}.
   * @defaultValue `[]`
   */
  unreachable?: readonly string[] | undefined;
  /** Faults injected from the start; see {@link InMemoryOperationsServer.setFaults}. @defaultValue none */
  faults?: FaultOptions | undefined;
  /**
   * Also serve HTTP/JSON (REST), on a second port of 127.0.0.1 whose URL is
   * {@link InMemoryOperationsServer.httpUrl}: the same operations, faults, overrides and
   * call log as gRPC, with Google's JSON error envelope and CORS for pages on other origins.
   * @defaultValue false
   */
  http?: boolean | undefined;
  /**
   * The HTTP bindings to serve, as in a service config's `http.rules` (rules replace the
   * defaults per selector). Needs `http: true`.
   * @defaultValue the bindings of `operations.proto`, plus `POST /v1/{name=operations/**}:wait` (body `*`)
   */
  httpRules?: readonly HttpRule[] | undefined;
  /**
   * The types of your Anys (metadata, responses, error details), so the HTTP/JSON
   * front-end can render them as JSON; well-known and `google.rpc` types need none. An
   * Any of a type it does not know is answered 500, naming the type. Needs `http: true`.
   * @defaultValue none: only well-known and `google.rpc` types
   */
  types?: TypeRegistry | undefined;
}

/**
 * The initial state of an operation made by {@link InMemoryOperationsServer.createOperation}.
 * A `response` or an `error` implies `done: true`.
 *
 * @example
 * ```ts
 * import { InMemoryOperationsServer } from 'longrunning-client/testing';
 * const server = await InMemoryOperationsServer.start();
 * server.createOperation({ name: 'operations/finished', done: true });
 * ```
 */
export interface CreateOperationInit {
  /**
   * The operation's name.
   * @defaultValue `operations/op-NNNNNN`, a 6-digit zero-padded sequence number, so the
   * first 999,999 default names sort (and list) in creation order
   */
  name?: string | undefined;
  /** Initial progress metadata. @defaultValue none */
  metadata?: Any | undefined;
  /** Whether the operation is already finished. @defaultValue false, or true with `response`/`error` */
  done?: boolean | undefined;
  /** The result of an operation that is already finished. @defaultValue none */
  response?: Any | undefined;
  /** The error of an operation that already failed. @defaultValue none */
  error?: StatusInit | undefined;
}

/**
 * One step of a scripted timeline (see {@link InMemoryOperationsServer.script}):
 * after `afterMs` (counted from the previous step, or from the `script()` call for the
 * first) the server updates the metadata, completes the operation, or fails it.
 * A terminal step (`done: true` or `error`) must be the last one.
 *
 * @example
 * ```ts
 * import { TypeRegistry } from 'longrunning-client';
 * import type { TimelineStep } from 'longrunning-client/testing';
 * const types = TypeRegistry.empty();
 * const steps: TimelineStep[] = [
 *   { afterMs: 10, metadata: types.pack('google.protobuf.Struct', { percent: 50 }) },
 *   { afterMs: 10, done: true, response: types.pack('google.protobuf.Struct', { rows: 42 }) },
 * ];
 * ```
 */
export type TimelineStep =
  | {
    /** Delay after the previous step (or after `script()`), in milliseconds. */
    afterMs: number;
    /** The new progress metadata. */
    metadata: Any;
  }
  | {
    /** Delay after the previous step (or after `script()`), in milliseconds. */
    afterMs: number;
    /** Completes the operation. */
    done: true;
    /** The result; absent completes the operation without one. */
    response?: Any | undefined;
    /** Metadata set together with the completion. */
    metadata?: Any | undefined;
  }
  | {
    /** Delay after the previous step (or after `script()`), in milliseconds. */
    afterMs: number;
    /** Fails the operation with this status (details kept). */
    error: StatusInit;
    /** Metadata set together with the failure. */
    metadata?: Any | undefined;
  };

/**
 * One RPC the server received, logged in {@link InMemoryOperationsServer.calls}.
 *
 * @example
 * ```ts
 * import type { CallRecord } from 'longrunning-client/testing';
 * const waits = (calls: readonly CallRecord[]) => calls.filter((c) => c.method === 'WaitOperation');
 * ```
 */
export interface CallRecordOf<M extends OperationsMethod> {
  /** The RPC. */
  readonly method: M;
  /** The request's `name`: the operation, or for ListOperations the collection. */
  readonly name: string;
  /** When the call arrived, as `Date.now()`. */
  readonly at: number;
  /** The request as received (a frozen copy). */
  readonly request: Readonly<OperationsRequests[M]>;
  /** The request metadata (headers); `-bin` values are base64. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The protocol the call came in on. */
  readonly transport: ServerTransport;
}

/**
 * The protocol a call reached the embedded server on: `'grpc'`, or `'http'` for
 * HTTP/JSON (see {@link InMemoryOperationsServerOptions.http}).
 *
 * @example
 * ```ts
 * import type { CallRecord, ServerTransport } from 'longrunning-client/testing';
 * const over = (calls: readonly CallRecord[], transport: ServerTransport) => calls.filter((c) => c.transport === transport);
 * ```
 */
export type ServerTransport = 'grpc' | 'http';

/**
 * One RPC the server received: a {@link CallRecordOf} of any method, discriminated by
 * `method`.
 *
 * @example
 * ```ts
 * import type { CallRecord } from 'longrunning-client/testing';
 * const names = (calls: readonly CallRecord[]) => calls.map((c) => `${c.method} ${c.name}`);
 * ```
 */
export type CallRecord = { [M in OperationsMethod]: CallRecordOf<M> }[OperationsMethod];

/**
 * What an override receives besides the request.
 *
 * @example
 * ```ts
 * import { InMemoryOperationsServer } from 'longrunning-client/testing';
 * const server = await InMemoryOperationsServer.start();
 * server.override('GetOperation', async (request, context) => {
 *   const operation = await context.next(); // the built-in answer
 *   return { ...operation, metadata: undefined };
 * });
 * ```
 */
export interface OverrideContext<M extends OperationsMethod> {
  /** The RPC being answered. */
  readonly method: M;
  /** The server, to read or change operations from inside the override. */
  readonly server: InMemoryOperationsServer;
  /** The request metadata (headers); `-bin` values are base64. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The call's deadline in milliseconds since the epoch; `Infinity` when it has none. */
  readonly deadline: number;
  /**
   * Aborts when the client cancels the call or the server stops; the call is then
   * answered (or dropped) without waiting for the override.
   */
  readonly signal: AbortSignal;
  /**
   * Runs the built-in behaviour, with `request` or the original request. Rejects with
   * an {@link longrunning-client!RpcError | RpcError} carrying the status the server would have sent.
   */
  next(request?: OperationsRequests[M]): Promise<OperationsResponses[M]>;
}

/**
 * What an override produces: the response, or `{ status }` to answer with an error.
 * Throwing an {@link longrunning-client!RpcError | RpcError} (or any object with a gRPC `code` from 1 to 16 and a
 * `message`) also answers with that status; any other exception answers UNKNOWN.
 */
export type OverrideResult<M extends OperationsMethod> = OperationsResponses[M] | {
  /** Answer the RPC with this error status instead of a response. */
  status: StatusInit;
};

/**
 * A replacement for the built-in handling of one RPC, installed with
 * {@link InMemoryOperationsServer.override}: the route-table hook to script servers
 * that misbehave (a repeated page token, a response that never arrives, a wrong type).
 *
 * @example
 * ```ts
 * import type { OperationsOverride } from 'longrunning-client/testing';
 * const stuckPager: OperationsOverride<'ListOperations'> =
 *   () => ({ operations: [], nextPageToken: 'same-token-forever', unreachable: [] });
 * ```
 */
export type OperationsOverride<M extends OperationsMethod> = (
  request: OperationsRequests[M],
  context: OverrideContext<M>,
) => OverrideResult<M> | Promise<OverrideResult<M>>;
