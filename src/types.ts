/**
 * Public data shapes: plain camelCase objects mirroring the google.longrunning,
 * google.rpc and google.protobuf messages. Every module may import this leaf.
 *
 * @module
 */

/**
 * A `google.protobuf.Any`: a serialized message together with the URL of its type.
 *
 * The type URL's last `/` segment is the fully qualified message name, for example
 * `type.googleapis.com/google.protobuf.Empty`.
 */
export interface Any {
  /** URL identifying the packed message type, ending in its fully qualified name. */
  typeUrl: string;
  /** The serialized message bytes. */
  value: Uint8Array;
  /**
   * The message's proto3 JSON form (without `@type`), set only when an Any of a type
   * the client does not know arrived over HTTP/JSON: `value` is then empty, and
   * unpacking it is a `TypeMismatchError` naming the type.
   */
  json?: Readonly<Record<string, unknown>>;
}

/**
 * A `google.rpc.Status`: a gRPC status code, a developer-facing message and typed
 * details (`google.rpc.ErrorInfo`, `google.rpc.RetryInfo`, ...), kept as {@link Any}.
 */
export interface Status {
  /** The gRPC status code (0 OK, 1 CANCELLED, ... 16 UNAUTHENTICATED). */
  code: number;
  /** A developer-facing message; may be empty. */
  message: string;
  /** Typed error details; always an array, possibly empty. */
  details: Any[];
}

/**
 * A `google.longrunning.Operation`: the server's view of a long-running job.
 *
 * When `done` is true at most one of `error` and `response` is set; a done
 * operation with neither is legal and means "finished without a result".
 */
export interface Operation {
  /** Server-assigned name, unique within the service, e.g. `operations/123`. */
  name: string;
  /** Service-specific progress information, if the service reports any. */
  metadata?: Any;
  /** Whether the operation has finished (successfully or not). */
  done: boolean;
  /** Set when the operation finished with an error. */
  error?: Status;
  /** Set when the operation finished successfully with a result. */
  response?: Any;
}

/** Request of `ListOperations`. */
export interface ListOperationsRequest {
  /** The name of the operation collection to list, e.g. `operations`. May be empty. */
  name: string;
  /** A server-defined filter, e.g. `done = false`. */
  filter?: string;
  /** The maximum number of operations per page; 0 or absent lets the server choose. */
  pageSize?: number;
  /** The `nextPageToken` of the previous page; absent for the first page. */
  pageToken?: string;
  /**
   * Ask the server to return the operations it can reach and name the rest in
   * `unreachable` instead of failing the whole call.
   */
  returnPartialSuccess?: boolean;
}

/** One page of `ListOperations`. */
export interface ListOperationsResponse {
  /** The operations on this page. */
  operations: Operation[];
  /** Token of the next page; the empty string on the last page. */
  nextPageToken: string;
  /** Collections the server could not reach (only with `returnPartialSuccess`). */
  unreachable: string[];
}

/**
 * One state of a long-running operation, with `metadata` and `response` unpacked by the
 * client's TypeRegistry. `raw` is the Operation as received.
 *
 * @typeParam R - The unpacked response type.
 * @typeParam M - The unpacked metadata type.
 */
export interface OperationSnapshot<R = unknown, M = unknown> {
  /** The operation's name. */
  name: string;
  /** Whether the operation has finished. */
  done: boolean;
  /** The unpacked progress metadata, when the server sent any. */
  metadata?: M;
  /** The unpacked result, when the operation finished successfully with one. */
  response?: R;
  /** The operation's error, when it failed. */
  error?: Status;
  /** The Operation as received from the server. */
  raw: Operation;
}

/**
 * The five RPCs of `google.longrunning.Operations`, by their proto names: the value of
 * {@link RpcError.method}, and how the embedded server's `failNext`, `override` and
 * `faults.methods` pick an RPC.
 *
 * @example
 * ```ts
 * import type { OperationsMethod } from 'longrunning-client';
 * const polled: OperationsMethod[] = ['GetOperation', 'WaitOperation'];
 * ```
 */
export type OperationsMethod =
  | 'GetOperation' | 'ListOperations' | 'CancelOperation' | 'DeleteOperation' | 'WaitOperation';

/** The request message of each method, in the public shapes. @internal */
export interface RequestOf {
  GetOperation: OperationNameRequest;
  ListOperations: ListOperationsRequest;
  CancelOperation: OperationNameRequest;
  DeleteOperation: OperationNameRequest;
  WaitOperation: WaitOperationRequest;
}

/** What each method resolves to, in the public shapes. @internal */
export interface ResponseOf {
  GetOperation: Operation;
  ListOperations: ListOperationsResponse;
  CancelOperation: void;
  DeleteOperation: void;
  WaitOperation: Operation;
}

/** Request naming a single operation (`GetOperation`, `CancelOperation`, `DeleteOperation`). */
export interface OperationNameRequest {
  /** The operation's name. */
  name: string;
}

/** Request of `WaitOperation`. */
export interface WaitOperationRequest {
  /** The operation's name. */
  name: string;
  /**
   * How long the server should wait before answering with the operation as it is.
   * Absent lets the server choose (it may return at once). Any number from 0; longer
   * than the longest `google.protobuf.Duration` (about 10,000 years), `Infinity`
   * included, is sent as that longest Duration.
   */
  timeoutMs?: number;
}

/**
 * How an RPC is retried after a transient failure (UNAVAILABLE, and
 * DEADLINE_EXCEEDED of one attempt while the call's overall deadline has time left).
 *
 * The delay before retry `n` (1-based) is
 * `min(maxDelayMs, initialDelayMs * multiplier^(n-1))`, spread by `jitter`, raised to a
 * server's `google.rpc.RetryInfo` delay when one is sent, and never past the deadline.
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt.
   * @defaultValue 5: with the default delays that spans about 3 s, long enough to ride
   * out a server restart or a load-balancer failover without hiding a real outage.
   */
  retries?: number;
  /**
   * Delay before the first retry, in milliseconds.
   * @defaultValue 100: a blip usually clears within one network round trip or two.
   */
  initialDelayMs?: number;
  /**
   * Growth factor of the delay from one retry to the next.
   * @defaultValue 2: the classic doubling; backs off fast from an overloaded server.
   */
  multiplier?: number;
  /**
   * Upper bound of a single delay, in milliseconds; `Infinity`: no bound.
   * @defaultValue 5000: keeps the client responsive once the server is back.
   */
  maxDelayMs?: number;
  /**
   * Fraction of each delay that is randomized, in [0, 1]: the delay is drawn
   * uniformly from `[d * (1 - jitter), d]`.
   * @defaultValue 0.5: spreads a crowd of clients retrying together while keeping at
   * least half of the backoff.
   */
  jitter?: number;
  /**
   * Deadline of one attempt, in milliseconds; a DEADLINE_EXCEEDED attempt is retried
   * while the call's overall deadline has time left. Absent (or `Infinity`): each
   * attempt may use the whole remaining deadline. From 1.
   */
  attemptTimeoutMs?: number;
}

/** Options accepted by every RPC method. All fields are optional. */
export interface CallOptions {
  /** Aborting rejects the call with the signal's reason and cancels the in-flight RPC. */
  signal?: AbortSignal;
  /**
   * Overall deadline of the call in milliseconds, retries included: any number from 0,
   * `Infinity` for no deadline. A deadline more than about 24.8 days away is not sent
   * on the wire (grpc-js servers cannot read one), but still bounds the retries.
   */
  timeoutMs?: number;
  /** Retry policy for this call, or `false` to make exactly one attempt. */
  retry?: RetryOptions | false;
  /** gRPC request metadata (headers); keys lowercase ASCII, values printable ASCII. */
  metadata?: Record<string, string>;
}

/**
 * How a long-running operation handle waits for its operation to finish.
 *
 * `'auto'` long-polls with `WaitOperation` and falls back to `GetOperation` with
 * exponential backoff (and jitter) when the server answers UNIMPLEMENTED; `'wait'`
 * only long-polls; `'poll'` only polls.
 */
export interface PollingOptions {
  /** Which RPC waits for completion. @defaultValue `'auto'` */
  strategy?: 'auto' | 'wait' | 'poll';
  /**
   * Delay before the first `GetOperation` poll after the initial state, in milliseconds;
   * 0 polls back to back (every poll is then an immediate RPC).
   * @defaultValue 220 (see docs/polling.md for how the schedule was chosen)
   */
  initialDelayMs?: number;
  /** Growth factor of the poll delay. @defaultValue 1.7 */
  multiplier?: number;
  /** Upper bound of one poll delay, in milliseconds; `Infinity`: no bound. @defaultValue 60000, as google-gax */
  maxDelayMs?: number;
  /**
   * Fraction of each poll delay that is randomized, in [0, 1]; jitter only shortens a
   * delay. @defaultValue 0.05
   */
  jitter?: number;
  /**
   * The client's own deadline for the whole wait, in milliseconds, measured from when
   * waiting starts; absent (or `Infinity`) waits until the operation is done.
   */
  totalTimeoutMs?: number;
  /**
   * How long the first `WaitOperation` asks the server to hold the call, in
   * milliseconds. From 1; `Infinity` asks for the longest wait a request can express
   * (the server may still answer earlier). While the server holds each slice in full,
   * the next one is 5 times longer, up to `maxWaitSliceMs`; a server (or proxy) that
   * caps waits is learnt and asked for its cap (docs/polling.md). Setting `waitSliceMs`
   * without `maxWaitSliceMs` keeps every slice at `waitSliceMs`.
   * @defaultValue 10000
   */
  waitSliceMs?: number;
  /**
   * The longest a `WaitOperation` slice grows to, in milliseconds, from 1 (never below
   * `waitSliceMs`); `Infinity`: no bound.
   * @defaultValue 290000 (just under 5 minutes), or `waitSliceMs` when only that is given
   */
  maxWaitSliceMs?: number;
  /**
   * The operation's progress as a fraction in [0, 1], read from its unpacked metadata.
   * GetOperation polling (the `'poll'` strategy, and `'auto'` where the server has no
   * WaitOperation) estimates the finishing time from it and polls around then instead
   * of backing off blindly. Without it, common numeric fields are detected
   * (`progressPercent`, `percentComplete`, `progress`, ...: docs/polling.md has the
   * list). A result that is not a number (or a function that throws) means "unknown"
   * for that state; numbers outside [0, 1] are clamped. Not kept in resume tokens.
   *
   * @example
   * ```ts
   * polling: { progress: (m: ExportMetadata) => Number(m.rowsDone) / Number(m.rowsTotal) }
   * ```
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any handle's own metadata type M must be accepted here
  progress?: (metadata: any) => number | undefined;
  /**
   * While anyone subscribes to `state$` or `metadata$`, the longest a single
   * `WaitOperation` holds, in milliseconds, so progress refreshes at least this often.
   * @defaultValue 2000
   */
  progressIntervalMs?: number;
  /**
   * How long a wait rides out failures to reach a server it has reached before (a
   * restart, a network outage) before it fails with the last error, in milliseconds.
   * A server that was never reached fails the wait at once, as a single call would.
   * @defaultValue 600000 (10 minutes)
   */
  maxOutageMs?: number;
}

/**
 * A client's polling defaults: every {@link PollingOptions} field, as defaults of its
 * handles, plus bounds that hold for all its handles together. They keep a fleet of
 * thousands of operations on one client within a steady memory and event-loop budget
 * (docs/performance.md); a handle cannot set them.
 */
export interface ClientPollingOptions extends PollingOptions {
  /**
   * The most `WaitOperation` long-polls the client's handles hold at once (`'auto'`
   * strategy). A handle beyond it polls with `GetOperation` on the poll schedule, trying
   * for a slot each time before it polls, until one frees. From 0 (never long-poll);
   * `Infinity`: no cap. `'wait'` handles always long-poll and are not counted.
   *
   * Over gRPC every long-poll is a stream of one HTTP/2 connection, and a held one costs
   * less than polling instead: no cap. Over HTTP/JSON each held long-poll keeps a
   * connection of its own busy (fetch speaks HTTP/1.1 in Node and to http:// origins):
   * 100, so that a fleet does not open thousands of connections at once (a server's
   * accept queue overflows, the client's event loop stalls, file descriptors run out).
   * In the browser entry 4: a browser opens at most 6 HTTP/1.1 connections per origin,
   * and 6 held long-polls would stall the page's other requests to it. Set `Infinity`
   * for an HTTP/2 origin in a browser or a server built for many idle connections, or
   * the stream limit of a gRPC server or proxy that allows fewer than your handles.
   * @defaultValue `Infinity` over gRPC and a custom transport; 100 over HTTP/JSON; 4 over HTTP/JSON in `longrunning-client/browser`
   */
  maxConcurrentWaits?: number;
  /**
   * The most `GetOperation` polls of the client's handles in flight at once; further
   * polls queue, first come first served, until one ends (a queued poll still ends at
   * once on abort, `close()` or `totalTimeoutMs`). From 1; `Infinity`: no bound. A
   * fleet whose polls fall due together then spreads them over the event loop instead
   * of starting thousands in one tick. The handles' own `poll()` and the client's
   * methods are not queued.
   * @defaultValue 64
   */
  maxPollsInFlight?: number;
}
