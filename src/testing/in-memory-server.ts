/**
 * The embedded google.longrunning.Operations server: a real @grpc/grpc-js server on
 * 127.0.0.1 whose operations live in memory and are driven from the test (create,
 * progress, complete, fail, scripted timelines), with fault injection, per-method
 * overrides and a log of every call received.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { encodeRetryInfo } from '../any/rpc-status.js';
import { InvalidArgumentError, LongRunningError, RpcError } from '../errors.js';
import { startTimer, systemClock } from '../time/clock.js';
import {
  CODECS, encodeStatus, type OperationsMethod as CodecOperationsMethod,
} from '../transport/codec.js';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, Status,
  WaitOperationRequest,
} from '../types.js';
import { checkName, describeNameProblem, NAME_RULE, nameProblem } from '../validation.js';
import { FilterSyntaxError, parseOperationFilter } from './filter.js';
import { decodePageToken, encodePageToken, PageTokenError, type ListingKey } from './page-token.js';
import {
  copyAny, copyAnyInput, copyStatus, copyStatusInput,
} from './validate.js';

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

/**
 * The five RPCs of google.longrunning.Operations, by their proto names.
 *
 * Used to pick the RPC that {@link InMemoryOperationsServer.failNext},
 * {@link InMemoryOperationsServer.override} and {@link FaultOptions.methods} apply to.
 *
 * @example
 * ```ts
 * import type { OperationsMethod } from 'longrunning-client/testing';
 * const polled: OperationsMethod[] = ['GetOperation', 'WaitOperation'];
 * ```
 */
export type OperationsMethod =
  | 'GetOperation' | 'ListOperations' | 'CancelOperation' | 'DeleteOperation' | 'WaitOperation';

/** Every RPC, checked against the wire codec's list in both directions. */
const KNOWN_METHODS: Readonly<Record<OperationsMethod, true>> = {
  GetOperation: true, ListOperations: true, CancelOperation: true, DeleteOperation: true, WaitOperation: true,
} satisfies Record<CodecOperationsMethod, true>;

function isMethod(value: unknown): value is OperationsMethod {
  return typeof value === 'string' && Object.hasOwn(KNOWN_METHODS, value);
}

const METHOD_EXPECTATION = `one of ${Object.keys(KNOWN_METHODS).map((m) => `'${m}'`).join(', ')}`;

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
}

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
   * an {@link RpcError} carrying the status the server would have sent.
   */
  next(request?: OperationsRequests[M]): Promise<OperationsResponses[M]>;
}

/**
 * What an override produces: the response, or `{ status }` to answer with an error.
 * Throwing an {@link RpcError} (or any object with a gRPC `code` from 1 to 16 and a
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

/** Defaults of {@link InMemoryOperationsServerOptions}, resolved in one place. */
const DEFAULTS = Object.freeze({
  waitOperation: true,
  port: 0,
  defaultPageSize: 50,
  maxPageSize: 1000,
  defaultWaitTimeoutMs: 30_000,
});

/** How long `stop()` lets calls drain before closing connections forcibly. */
const STOP_GRACE_MS = 1000;

/** A WaitOperation answers this much before the call's deadline (at most a fifth of what remains). */
const WAIT_DEADLINE_MARGIN_MS = 100;

/** The error of a cancelled operation. */
const CANCELLED_MESSAGE = 'Operation cancelled by the client';

/** The abort reason of in-flight calls when the server stops. */
class ServerStoppingError extends Error {
  override name = 'ServerStoppingError';
}

interface ResolvedFaults {
  unavailableRate: number;
  latency: readonly [number, number];
  retryDelayMs: number | undefined;
  methods: ReadonlySet<OperationsMethod>;
  random: () => number;
}

interface ResolvedOptions {
  waitOperation: boolean;
  port: number;
  credentials: grpc.ServerCredentials;
  defaultPageSize: number;
  maxPageSize: number;
  defaultWaitTimeoutMs: number;
  unreachable: string[];
  faults: ResolvedFaults | undefined;
}

interface ResolvedStep {
  afterMs: number;
  metadata: Any | undefined;
  end: { response: Any | undefined } | { error: Status } | undefined;
}

interface OperationRecord {
  operation: Operation;
  /** Cancels the pending step of the scripted timeline, if any. */
  timeline: (() => void) | undefined;
}

type WaiterWakeReason = 'done' | 'deleted' | 'stopped';

interface Waiter {
  wake(reason: WaiterWakeReason): void;
}

interface CallContext {
  signal: AbortSignal;
  deadline: number;
  metadata: Readonly<Record<string, string>>;
}

/** An in-flight call, so `stop()` can release it. */
interface InFlightCall {
  controller: AbortController;
}

/** Decisions taken when a call arrives. */
interface CallPlan {
  latencyMs: number;
  injected: Status | undefined;
}

type AnyOverride = (request: never, context: never) => unknown;

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isNonNegativeFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function resolveFaults(faults: FaultOptions | undefined, argument: string): ResolvedFaults | undefined {
  if (faults === undefined) return undefined;
  if (typeof faults !== 'object' || faults === null) {
    throw new InvalidArgumentError(argument, faults, 'an object of fault options, or undefined');
  }
  const unavailableRate = faults.unavailableRate ?? 0;
  if (typeof unavailableRate !== 'number' || !(unavailableRate >= 0 && unavailableRate <= 1)) {
    throw new InvalidArgumentError(`${argument}.unavailableRate`, unavailableRate, 'a probability between 0 and 1');
  }
  const latencyMs = faults.latencyMs ?? 0;
  let latency: readonly [number, number];
  if (Array.isArray(latencyMs)) {
    const [min, max] = latencyMs as readonly unknown[];
    if (latencyMs.length !== 2 || !isNonNegativeFinite(min) || !isNonNegativeFinite(max) || min > max) {
      throw new InvalidArgumentError(`${argument}.latencyMs`, latencyMs,
        'a non-negative number of milliseconds, or a [min, max] pair with 0 <= min <= max');
    }
    latency = [min, max];
  } else if (isNonNegativeFinite(latencyMs)) {
    latency = [latencyMs, latencyMs];
  } else {
    throw new InvalidArgumentError(`${argument}.latencyMs`, latencyMs,
      'a non-negative number of milliseconds, or a [min, max] pair with 0 <= min <= max');
  }
  const { retryDelayMs } = faults;
  if (retryDelayMs !== undefined && !isNonNegativeFinite(retryDelayMs)) {
    throw new InvalidArgumentError(`${argument}.retryDelayMs`, retryDelayMs, 'a non-negative number of milliseconds');
  }
  const methods = faults.methods ?? (Object.keys(KNOWN_METHODS) as OperationsMethod[]);
  if (!Array.isArray(methods)) {
    throw new InvalidArgumentError(`${argument}.methods`, methods, `an array of method names (${METHOD_EXPECTATION})`);
  }
  methods.forEach((method: unknown, index) => {
    if (!isMethod(method)) throw new InvalidArgumentError(`${argument}.methods[${index}]`, method, METHOD_EXPECTATION);
  });
  const random = faults.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new InvalidArgumentError(`${argument}.random`, random, 'a function returning numbers in [0, 1)');
  }
  return { unavailableRate, latency, retryDelayMs, methods: new Set(methods), random };
}

function resolveUnreachable(value: unknown, argument: string): string[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(argument, value, 'an array of collection names');
  }
  return value.map((collection: unknown, index) => {
    // Non-empty: the empty collection is the whole server, never one unreachable part.
    if (nameProblem(collection, 'operation') !== undefined) {
      throw new InvalidArgumentError(`${argument}[${index}]`, collection,
        `a non-empty collection name ${NAME_RULE}`);
    }
    return collection as string;
  });
}

function resolveOptions(options: InMemoryOperationsServerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, 'an object of InMemoryOperationsServer options, or undefined');
  }
  const waitOperation = options.waitOperation ?? DEFAULTS.waitOperation;
  if (typeof waitOperation !== 'boolean') {
    throw new InvalidArgumentError('options.waitOperation', waitOperation, 'a boolean');
  }
  const port = options.port ?? DEFAULTS.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('options.port', port, 'an integer from 0 (any free port) to 65535');
  }
  const credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
  if (!(credentials instanceof grpc.ServerCredentials)) {
    throw new InvalidArgumentError('options.credentials', credentials, 'a grpc.ServerCredentials');
  }
  const defaultPageSize = options.defaultPageSize ?? DEFAULTS.defaultPageSize;
  if (!isPositiveInteger(defaultPageSize)) {
    throw new InvalidArgumentError('options.defaultPageSize', defaultPageSize, 'a positive integer');
  }
  const maxPageSize = options.maxPageSize ?? Math.max(DEFAULTS.maxPageSize, defaultPageSize);
  if (!isPositiveInteger(maxPageSize) || maxPageSize < defaultPageSize) {
    throw new InvalidArgumentError('options.maxPageSize', maxPageSize,
      `a positive integer no smaller than defaultPageSize (${defaultPageSize})`);
  }
  const defaultWaitTimeoutMs = options.defaultWaitTimeoutMs ?? DEFAULTS.defaultWaitTimeoutMs;
  // A timeout like the client's: any number from 0, Infinity (no limit) included.
  if (typeof defaultWaitTimeoutMs !== 'number' || !(defaultWaitTimeoutMs >= 0)) {
    throw new InvalidArgumentError('options.defaultWaitTimeoutMs', defaultWaitTimeoutMs,
      'a number of milliseconds from 0 to Infinity (no limit)');
  }
  return {
    waitOperation,
    port,
    credentials,
    defaultPageSize,
    maxPageSize,
    defaultWaitTimeoutMs,
    unreachable: resolveUnreachable(options.unreachable ?? [], 'options.unreachable'),
    faults: resolveFaults(options.faults, 'options.faults'),
  };
}

function resolveSteps(steps: unknown): ResolvedStep[] {
  if (!Array.isArray(steps)) {
    throw new InvalidArgumentError('steps', steps, 'an array of timeline steps');
  }
  return steps.map((step: unknown, index): ResolvedStep => {
    const argument = `steps[${index}]`;
    if (typeof step !== 'object' || step === null) {
      throw new InvalidArgumentError(argument, step,
        'a step: { afterMs, metadata } | { afterMs, done: true, response? } | { afterMs, error }');
    }
    const { afterMs, metadata, done, response, error } =
      step as { afterMs?: unknown; metadata?: unknown; done?: unknown; response?: unknown; error?: unknown };
    if (!isNonNegativeFinite(afterMs)) {
      throw new InvalidArgumentError(`${argument}.afterMs`, afterMs,
        'a non-negative number of milliseconds after the previous step');
    }
    if (index > 0) {
      const previous = steps[index - 1] as { done?: unknown; error?: unknown };
      if (previous.done === true || previous.error !== undefined) {
        throw new InvalidArgumentError(argument, step,
          'absent: a step after a terminal step (done or error) would never run');
      }
    }
    const resolved: ResolvedStep = {
      afterMs,
      metadata: metadata === undefined ? undefined : copyAnyInput(metadata, `${argument}.metadata`),
      end: undefined,
    };
    if (error !== undefined) {
      if (response !== undefined) {
        throw new InvalidArgumentError(`${argument}.response`, response, 'absent when the step has an error');
      }
      if (done !== undefined && done !== true) {
        throw new InvalidArgumentError(`${argument}.done`, done, 'true or absent when the step has an error');
      }
      resolved.end = { error: copyStatusInput(error, `${argument}.error`) };
    } else if (done !== undefined) {
      if (done !== true) {
        throw new InvalidArgumentError(`${argument}.done`, done, 'true (omit it for a metadata-only step)');
      }
      resolved.end = { response: response === undefined ? undefined : copyAnyInput(response, `${argument}.response`) };
    } else if (response !== undefined) {
      throw new InvalidArgumentError(`${argument}.done`, done, 'true when the step has a response');
    } else if (resolved.metadata === undefined) {
      throw new InvalidArgumentError(argument, step,
        'a step that changes something: metadata, done: true, or an error');
    }
    return resolved;
  });
}

function copyOperation(operation: Operation): Operation {
  const copy: Operation = { name: operation.name, done: operation.done };
  if (operation.metadata) copy.metadata = copyAny(operation.metadata);
  if (operation.error) copy.error = copyStatus(operation.error);
  else if (operation.response) copy.response = copyAny(operation.response);
  return copy;
}

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

/** Rejects with the signal's reason as soon as it aborts, without waiting for `promise`. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function rpcError(method: OperationsMethod, code: grpc.status, message: string, details: Any[] = []): RpcError {
  return new RpcError(method, { code, message, details });
}

/** The status a handler's exception is answered with. */
function statusOfError(error: unknown): Status {
  if (error instanceof RpcError) {
    try {
      return copyStatusInput(error.status, 'status');
    } catch (invalid) {
      return { code: grpc.status.INTERNAL, message: `invalid status: ${(invalid as Error).message}`, details: [] };
    }
  }
  if (error instanceof ServerStoppingError) {
    return { code: grpc.status.UNAVAILABLE, message: error.message, details: [] };
  }
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 16 &&
      (message === undefined || typeof message === 'string')) {
      try {
        return copyStatusInput(error, 'status');
      } catch {
        return { code, message: message ?? '', details: [] };
      }
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpc.status.UNKNOWN, message, details: [] };
}

function isStatusResult(value: unknown): value is { status: StatusInit } {
  return typeof value === 'object' && value !== null && 'status' in value &&
    Object.keys(value).length === 1;
}

/** The gRPC service definition, built from the shared wire codecs. */
function serviceDefinition(): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of Object.keys(KNOWN_METHODS) as OperationsMethod[]) {
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

/** Guards the constructor: instances come from {@link InMemoryOperationsServer.start}. */
const CONSTRUCT = Symbol('InMemoryOperationsServer.construct');

/**
 * A real google.longrunning.Operations gRPC server on 127.0.0.1, with its operations in
 * memory and driven from your test.
 *
 * It serves all five RPCs with real semantics (name validation, filters, cursor page
 * tokens, cancellation, long-polling WaitOperation), so a client is tested over the
 * wire, and adds what a test needs: scripted timelines, injected faults, per-method
 * overrides and a log of the calls received. Timers are unref'd and `stop()` leaves no
 * socket or timer behind.
 *
 * Methods of the Node API throw {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for bad input (a malformed
 * or duplicate name, an unknown operation, a status with code 0).
 *
 * @example
 * ```ts
 * import { InMemoryOperationsServer } from 'longrunning-client/testing';
 * import { OperationsClient } from 'longrunning-client';
 *
 * const server = await InMemoryOperationsServer.start();
 * const client = new OperationsClient({ address: server.address, insecure: true });
 * const name = server.createOperation();
 * setTimeout(() => server.complete(name), 20);
 * await client.operation(name).promise(); // resolves with undefined: done without a result
 * await client.close();
 * await server.stop();
 * ```
 */
export class InMemoryOperationsServer {
  /** Where clients connect: `'127.0.0.1:PORT'`. */
  readonly address: string;
  /** The port the server listens on. */
  readonly port: number;

  readonly #server: grpc.Server;
  readonly #options: ResolvedOptions;
  readonly #operations = new Map<string, OperationRecord>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #inFlight = new Set<InFlightCall>();
  readonly #calls: CallRecord[] = [];
  readonly #failNext = new Map<OperationsMethod, Array<{ status: Status; remaining: number }>>();
  readonly #overrides = new Map<OperationsMethod, AnyOverride>();
  #faults: ResolvedFaults | undefined;
  #unreachable: string[];
  #sequence = 0;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  /** Instances come from {@link InMemoryOperationsServer.start}. */
  private constructor(guard: symbol, server: grpc.Server, port: number, options: ResolvedOptions) {
    if (guard !== CONSTRUCT) throw new TypeError('Use InMemoryOperationsServer.start() to create a server.');
    this.#server = server;
    this.#options = options;
    this.#faults = options.faults;
    this.#unreachable = options.unreachable;
    this.port = port;
    this.address = `127.0.0.1:${port}`;
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(KNOWN_METHODS) as OperationsMethod[]) {
      const handler: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => this.#receive(method, call, callback);
      handlers[method] = handler;
    }
    server.addService(serviceDefinition(), handlers);
  }

  /**
   * Starts a server listening on 127.0.0.1 (never another interface).
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for invalid options.
   * @throws {@link longrunning-client!LongRunningError | LongRunningError} when the port cannot be bound (e.g. it is in use).
   * @example
   * ```ts
   * import { InMemoryOperationsServer } from 'longrunning-client/testing';
   * let server: InMemoryOperationsServer;
   * before(async () => { server = await InMemoryOperationsServer.start(); });
   * after(() => server.stop());
   * ```
   */
  static async start(options: InMemoryOperationsServerOptions = {}): Promise<InMemoryOperationsServer> {
    const resolved = resolveOptions(options);
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${resolved.port}`, resolved.credentials, (error, boundPort) => {
        if (error) {
          server.forceShutdown();
          const failure = new LongRunningError(
            `InMemoryOperationsServer cannot listen on 127.0.0.1:${resolved.port}: ${error.message}`, { cause: error });
          void handlesClosed().then(() => reject(failure));
        } else {
          resolve(boundPort);
        }
      });
    });
    return new InMemoryOperationsServer(CONSTRUCT, server, port, resolved);
  }

  /**
   * Adds an operation and returns its name. Without `init` it is running, with no
   * metadata, named `operations/op-NNNNNN` (6-digit sequence, skipping names in use).
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} when the name is empty, longer than 4096
   * UTF-8 bytes, contains control characters (C0, DEL, C1) or unpaired surrogates or is already in use; when `done: false`
   * comes with a response or error; or when both a response and an error are given.
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * import { InMemoryOperationsServer } from 'longrunning-client/testing';
   * const server = await InMemoryOperationsServer.start();
   * const name = server.createOperation({ metadata: TypeRegistry.empty().pack('google.protobuf.Struct', { percent: 0 }) });
   * ```
   */
  createOperation(init: CreateOperationInit = {}): string {
    if (typeof init !== 'object' || init === null) {
      throw new InvalidArgumentError('init', init, 'an object: { name?, metadata?, done?, response?, error? }');
    }
    let { name } = init;
    if (name === undefined) {
      do {
        this.#sequence += 1;
        name = `operations/op-${String(this.#sequence).padStart(6, '0')}`;
      } while (this.#operations.has(name));
    } else if (this.#operations.has(checkName(name, 'init.name', 'operation'))) {
      throw new InvalidArgumentError('init.name', name, 'a name not already in use on this server');
    }
    const { done, metadata, response, error } = init;
    if (done !== undefined && typeof done !== 'boolean') {
      throw new InvalidArgumentError('init.done', done, 'a boolean');
    }
    if (response !== undefined && error !== undefined) {
      throw new InvalidArgumentError('init.response', response, 'absent when `init.error` is set (at most one of the two)');
    }
    if (done === false && (response !== undefined || error !== undefined)) {
      throw new InvalidArgumentError('init.done', done, 'true or absent when a response or an error is given');
    }
    const operation: Operation = { name, done: done ?? (response !== undefined || error !== undefined) };
    if (metadata !== undefined) operation.metadata = copyAnyInput(metadata, 'init.metadata');
    if (error !== undefined) operation.error = copyStatusInput(error, 'init.error');
    if (response !== undefined) operation.response = copyAnyInput(response, 'init.response');
    this.#operations.set(name, { operation, timeline: undefined });
    return name;
  }

  /**
   * Replaces an operation's progress metadata (running or done). Pending WaitOperation
   * calls are not woken: like real servers, WaitOperation answers when the operation
   * is done or its timeout passes.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown name or a value that is not an Any.
   * @example
   * ```ts
   * server.setMetadata(name, TypeRegistry.empty().pack('google.protobuf.Struct', { percent: 40 }));
   * ```
   */
  setMetadata(name: string, metadata: Any): void {
    const record = this.#require(name);
    record.operation.metadata = copyAnyInput(metadata, 'metadata');
  }

  /**
   * Finishes a running operation successfully, with `response` or (when omitted)
   * without a result; wakes its pending WaitOperation calls and stops its timeline.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown name, an operation that is
   * already done (e.g. cancelled by the client), or a response that is not an Any.
   * @example
   * ```ts
   * server.complete(name, { typeUrl: 'type.googleapis.com/google.protobuf.Empty', value: new Uint8Array() });
   * ```
   */
  complete(name: string, response?: Any): void {
    const record = this.#requireRunning(name);
    const result = response === undefined ? undefined : copyAnyInput(response, 'response');
    this.#finish(record, result === undefined ? {} : { response: result });
  }

  /**
   * Finishes a running operation with an error (details kept); wakes its pending
   * WaitOperation calls and stops its timeline.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown name, an operation that is
   * already done, or a status whose code is not 1..16.
   * @example
   * ```ts
   * server.fail(name, { code: 8, message: 'quota exhausted', details: [] });
   * ```
   */
  fail(name: string, error: StatusInit): void {
    const record = this.#requireRunning(name);
    this.#finish(record, { error: copyStatusInput(error, 'error') });
  }

  /**
   * A copy of an operation's current state, or undefined when there is none by that name.
   *
   * @example
   * ```ts
   * expect(server.get(name)?.done).to.equal(true);
   * ```
   */
  get(name: string): Operation | undefined {
    const record = this.#operations.get(name);
    return record ? copyOperation(record.operation) : undefined;
  }

  /**
   * Copies of all operations, sorted by name (the order ListOperations uses).
   *
   * @example
   * ```ts
   * expect(server.operations).to.have.length(3);
   * ```
   */
  get operations(): Operation[] {
    return [...this.#operations.keys()].sort().map((name) => copyOperation(this.#operations.get(name)!.operation));
  }

  /**
   * How many WaitOperation calls are waiting right now; 0 once a client aborted its wait,
   * which lets a test assert that nothing leaks.
   *
   * @example
   * ```ts
   * expect(server.pendingWaits).to.equal(0);
   * ```
   */
  get pendingWaits(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
  }

  /**
   * Scripts a running operation's future: each step fires `afterMs` after the previous
   * one (the first after this call). Replaces any earlier timeline of the operation.
   * The timeline stops when the operation is done, cancelled or deleted, and on
   * `stop()`; its timers are unref'd.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown or done operation, or a malformed
   * step (negative delay, no change, a step after a terminal one).
   * @throws {@link longrunning-client!LongRunningError | LongRunningError} after `stop()`.
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * import { InMemoryOperationsServer } from 'longrunning-client/testing';
   * const types = TypeRegistry.empty();
   * const server = await InMemoryOperationsServer.start();
   * const name = server.createOperation();
   * server.script(name, [
   *   { afterMs: 10, metadata: types.pack('google.protobuf.Struct', { percent: 50 }) },
   *   { afterMs: 10, done: true, response: types.pack('google.protobuf.Empty', {}) },
   * ]);
   * ```
   */
  script(name: string, steps: readonly TimelineStep[]): void {
    const record = this.#requireRunning(name);
    const resolved = resolveSteps(steps);
    if (this.#stopping) {
      throw new LongRunningError('InMemoryOperationsServer is stopped; a timeline would never run.');
    }
    this.#clearTimeline(record);
    this.#scheduleStep(record, resolved, 0);
  }

  /**
   * Answers the next `times` calls of `method` with `status` (its details go in the
   * `grpc-status-details-bin` trailer), before any other handling. Calls queue in order:
   * a second `failNext` applies after the first is used up.
   *
   * @param times - How many calls fail. @defaultValue 1
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown method, a status code outside
   * 1..16 or a `times` that is not a positive integer.
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const retryInfo = TypeRegistry.empty().pack('google.rpc.RetryInfo', { retryDelay: { seconds: '0', nanos: 250e6 } });
   * server.failNext('GetOperation', { code: 14, message: 'try later', details: [retryInfo] }, 2);
   * ```
   */
  failNext(method: OperationsMethod, status: StatusInit, times = 1): void {
    if (!isMethod(method)) throw new InvalidArgumentError('method', method, METHOD_EXPECTATION);
    const copy = copyStatusInput(status, 'status');
    if (!isPositiveInteger(times)) throw new InvalidArgumentError('times', times, 'a positive integer');
    const queue = this.#failNext.get(method) ?? [];
    queue.push({ status: copy, remaining: times });
    this.#failNext.set(method, queue);
  }

  /**
   * Replaces the built-in handling of `method` with `handler`, or restores it when
   * `handler` is undefined. The override runs after fault injection; the built-in
   * behaviour stays reachable through `context.next()`.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an unknown method or a handler that is not a function.
   * @example
   * ```ts
   * // A pager that repeats its token forever.
   * server.override('ListOperations', () => ({ operations: [], nextPageToken: 'again', unreachable: [] }));
   * ```
   */
  override<M extends OperationsMethod>(method: M, handler: OperationsOverride<M> | undefined): void {
    if (!isMethod(method)) throw new InvalidArgumentError('method', method, METHOD_EXPECTATION);
    if (handler === undefined) {
      this.#overrides.delete(method);
      return;
    }
    if (typeof handler !== 'function') {
      throw new InvalidArgumentError('handler', handler, 'a function (request, context) => response, or undefined');
    }
    this.#overrides.set(method, handler);
  }

  /**
   * Replaces the injected faults; `undefined` turns them off. Applies to calls that
   * arrive afterwards.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} for an invalid fault option.
   * @example
   * ```ts
   * server.setFaults({ unavailableRate: 1, methods: ['GetOperation'] });
   * server.setFaults(undefined);
   * ```
   */
  setFaults(faults: FaultOptions | undefined): void {
    this.#faults = resolveFaults(faults, 'faults');
  }

  /**
   * Sets the collections ListOperations pretends it cannot reach. A listing that covers
   * one of them (listing all, the collection itself, a parent or a child of it) answers
   * UNAVAILABLE naming them, unless the request sets `returnPartialSuccess`: then it
   * lists the operations it can reach (those outside the unreachable collections) and
   * names the unreachable ones in `unreachable`, on every page. Other RPCs are not
   * affected.
   *
   * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} when an entry is not a valid collection name.
   * @example
   * ```ts
   * server.setUnreachable(['operations/us-east1']);
   * ```
   */
  setUnreachable(collections: readonly string[]): void {
    this.#unreachable = resolveUnreachable(collections, 'collections');
  }

  /**
   * Every RPC received so far, in arrival order, including those answered with an
   * injected fault or refused while stopping. A snapshot: later calls do not change it.
   *
   * @example
   * ```ts
   * expect(server.calls.map((c) => c.method)).to.deep.equal(['WaitOperation', 'GetOperation']);
   * ```
   */
  get calls(): readonly CallRecord[] {
    return [...this.#calls];
  }

  /**
   * Empties the call log, e.g. after a test's set-up calls.
   *
   * @example
   * ```ts
   * server.clearCalls();
   * ```
   */
  clearCalls(): void {
    this.#calls.length = 0;
  }

  /**
   * Stops the server: pending WaitOperation calls are answered with their operation's
   * current state, other calls still in flight (delayed by injected latency, or inside
   * an override) are answered UNAVAILABLE, timelines are cleared, connections are closed
   * gracefully and, after a grace period of one second, forcibly. Afterwards no socket
   * or timer of the server remains. Idempotent: every call returns the same promise.
   *
   * @example
   * ```ts
   * afterEach(() => server.stop());
   * ```
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#stopping = true;
    for (const record of this.#operations.values()) this.#clearTimeline(record);
    for (const name of [...this.#waiters.keys()]) this.#wake(name, 'stopped');
    for (const call of [...this.#inFlight]) {
      call.controller.abort(new ServerStoppingError('InMemoryOperationsServer is stopping'));
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, STOP_GRACE_MS);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#server.forceShutdown();
    await handlesClosed();
  }

  #require(name: unknown): OperationRecord {
    const record = typeof name === 'string' ? this.#operations.get(name) : undefined;
    if (!record) {
      throw new InvalidArgumentError('name', name, 'the name of an operation on this server (see `server.operations`)');
    }
    return record;
  }

  #requireRunning(name: unknown): OperationRecord {
    const record = this.#require(name);
    if (record.operation.done) {
      throw new InvalidArgumentError('name', name,
        'the name of a running operation; this one is already done (completed, failed or cancelled)');
    }
    return record;
  }

  #clearTimeline(record: OperationRecord): void {
    record.timeline?.();
    record.timeline = undefined;
  }

  #scheduleStep(record: OperationRecord, steps: readonly ResolvedStep[], index: number): void {
    const step = steps[index];
    if (!step) return;
    // Chained, unref'd timers: a step after more than 24.8 days still waits its time.
    record.timeline = startTimer(() => {
      record.timeline = undefined;
      const { operation } = record;
      if (this.#operations.get(operation.name) !== record || operation.done || this.#stopping) return;
      if (step.metadata) operation.metadata = copyAny(step.metadata);
      const { end } = step;
      if (end === undefined) this.#scheduleStep(record, steps, index + 1);
      else if ('error' in end) this.#finish(record, { error: end.error });
      else this.#finish(record, end.response ? { response: end.response } : {});
    }, step.afterMs, { unref: true });
  }

  /** Marks a running operation done and answers the calls waiting for it. */
  #finish(record: OperationRecord, result: { response?: Any; error?: Status }): void {
    this.#clearTimeline(record);
    const { operation } = record;
    operation.done = true;
    delete operation.response;
    delete operation.error;
    if (result.error) operation.error = result.error;
    else if (result.response) operation.response = result.response;
    this.#wake(operation.name, 'done');
  }

  #wake(name: string, reason: WaiterWakeReason): void {
    const waiters = this.#waiters.get(name);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter.wake(reason);
  }

  /** Entry point of every RPC: log, plan faults, run, answer exactly once. */
  #receive(method: OperationsMethod, call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>): void {
    const request = call.request as OperationsRequests[OperationsMethod];
    const metadata = Object.freeze(metadataRecord(call.metadata));
    this.#calls.push(Object.freeze({
      method, name: request.name, at: Date.now(), request: Object.freeze({ ...request }), metadata,
    }));

    const controller = new AbortController();
    const entry: InFlightCall = { controller };
    let answered = false;
    const release = () => {
      answered = true;
      this.#inFlight.delete(entry);
      call.removeListener('cancelled', onCancelled);
    };
    const onCancelled = () => {
      if (answered) return;
      release();
      controller.abort(rpcError(method, grpc.status.CANCELLED, 'The client cancelled the call'));
    };
    const answer = (error: unknown, response?: unknown) => {
      if (answered) return;
      release();
      if (error === undefined) {
        callback(null, response);
        return;
      }
      const status = statusOfError(error);
      const trailers = new grpc.Metadata();
      if (status.details.length > 0) trailers.set('grpc-status-details-bin', encodeStatus(status));
      callback(Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata: trailers }));
    };

    if (call.cancelled) return;
    call.on('cancelled', onCancelled);
    this.#inFlight.add(entry);
    if (this.#stopping) {
      answer(new ServerStoppingError('InMemoryOperationsServer is stopping'));
      return;
    }
    let plan: CallPlan;
    try {
      plan = this.#plan(method);
    } catch (error) {
      // A throwing injected `random` must not take the server down with it.
      answer(error);
      return;
    }
    const context: CallContext = { signal: controller.signal, deadline: deadlineMs(call.getDeadline()), metadata };
    this.#execute(method, request, plan, context).then(
      (response) => answer(undefined, response),
      (error: unknown) => answer(error),
    );
  }

  /** Fault decisions, taken on arrival so that concurrent calls draw in arrival order. */
  #plan(method: OperationsMethod): CallPlan {
    const faults = this.#faults?.methods.has(method) ? this.#faults : undefined;
    let latencyMs = 0;
    if (faults) {
      const [min, max] = faults.latency;
      latencyMs = min === max ? min : min + faults.random() * (max - min);
    }
    let injected: Status | undefined;
    const queue = this.#failNext.get(method);
    const next = queue?.[0];
    if (queue && next) {
      injected = copyStatus(next.status);
      next.remaining -= 1;
      if (next.remaining === 0) queue.shift();
    } else if (faults && faults.unavailableRate > 0 && faults.random() < faults.unavailableRate) {
      injected = {
        code: grpc.status.UNAVAILABLE,
        message: `Injected fault: ${method} answered UNAVAILABLE (unavailableRate ${faults.unavailableRate})`,
        details: faults.retryDelayMs === undefined ? [] : [encodeRetryInfo(faults.retryDelayMs)],
      };
    }
    return { latencyMs, injected };
  }

  async #execute(
    method: OperationsMethod, request: OperationsRequests[OperationsMethod], plan: CallPlan, context: CallContext,
  ): Promise<unknown> {
    if (plan.latencyMs > 0) await systemClock.sleep(plan.latencyMs, context.signal);
    if (plan.injected) throw new RpcError(method, plan.injected);
    const override = this.#overrides.get(method);
    if (!override) return this.#builtin(method, request, context);
    const overrideContext: OverrideContext<OperationsMethod> = {
      method,
      server: this,
      metadata: context.metadata,
      deadline: context.deadline,
      signal: context.signal,
      next: (nextRequest) => this.#builtin(method, nextRequest ?? request, context) as Promise<never>,
    };
    const run = (async () => {
      const result = await (override as (r: unknown, c: unknown) => unknown)(request, overrideContext);
      if (isStatusResult(result)) {
        let status: Status;
        try {
          status = copyStatusInput(result.status, 'status');
        } catch (invalid) {
          throw rpcError(method, grpc.status.INTERNAL,
            `The ${method} override returned an invalid status: ${(invalid as Error).message}`);
        }
        throw new RpcError(method, status);
      }
      return result;
    })();
    return raceSignal(run, context.signal);
  }

  /** The built-in handling; synchronous failures become rejections. */
  async #builtin(method: OperationsMethod, request: unknown, context: CallContext): Promise<unknown> {
    switch (method) {
      case 'GetOperation': return this.#getOperation(request as OperationNameRequest);
      case 'ListOperations': return this.#listOperations(request as ListOperationsRequest);
      case 'CancelOperation': return this.#cancelOperation(request as OperationNameRequest);
      case 'DeleteOperation': return this.#deleteOperation(request as OperationNameRequest);
      case 'WaitOperation': return await this.#waitOperation(request as WaitOperationRequest, context);
    }
  }

  /** The operation a request names, or an INVALID_ARGUMENT / NOT_FOUND RpcError. */
  #lookup(method: OperationsMethod, name: string): OperationRecord {
    const problem = describeNameProblem(name, 'operation', 'name');
    if (problem !== undefined) throw rpcError(method, grpc.status.INVALID_ARGUMENT, problem);
    const record = this.#operations.get(name);
    if (!record) throw rpcError(method, grpc.status.NOT_FOUND, `Operation ${JSON.stringify(name)} not found`);
    return record;
  }

  #getOperation(request: OperationNameRequest): Operation {
    return copyOperation(this.#lookup('GetOperation', request.name).operation);
  }

  #cancelOperation(request: OperationNameRequest): void {
    const record = this.#lookup('CancelOperation', request.name);
    if (!record.operation.done) {
      this.#finish(record, { error: { code: grpc.status.CANCELLED, message: CANCELLED_MESSAGE, details: [] } });
    }
  }

  #deleteOperation(request: OperationNameRequest): void {
    const record = this.#lookup('DeleteOperation', request.name);
    this.#clearTimeline(record);
    this.#operations.delete(request.name);
    this.#wake(request.name, 'deleted');
  }

  #listOperations(request: ListOperationsRequest): ListOperationsResponse {
    const method = 'ListOperations';
    const invalid = (message: string) => rpcError(method, grpc.status.INVALID_ARGUMENT, message);
    const { name } = request;
    const problem = describeNameProblem(name, 'collection', 'name');
    if (problem !== undefined) throw invalid(problem);
    const requested = request.pageSize ?? 0;
    if (requested < 0) throw invalid(`pageSize must not be negative, got ${requested}`);
    const pageSize = requested === 0 ? this.#options.defaultPageSize : Math.min(requested, this.#options.maxPageSize);
    const filter = request.filter ?? '';
    let matches: (operation: Operation) => boolean;
    try {
      matches = parseOperationFilter(filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw invalid(error.message);
      throw error;
    }
    const key: ListingKey = { name, filter, returnPartialSuccess: request.returnPartialSuccess ?? false };
    let after: string | undefined;
    if (request.pageToken) {
      try {
        after = decodePageToken(request.pageToken, key);
      } catch (error) {
        if (error instanceof PageTokenError) throw invalid(error.message);
        throw error;
      }
    }

    const collection = name.endsWith('/') ? name.slice(0, -1) : name;
    const prefix = collection === '' ? '' : `${collection}/`;
    const unreachable = this.#unreachable.filter((entry) => collection === '' || entry === collection ||
      entry.startsWith(prefix) || collection.startsWith(`${entry}/`));
    if (unreachable.length > 0 && !key.returnPartialSuccess) {
      throw rpcError(method, grpc.status.UNAVAILABLE,
        `Cannot reach ${unreachable.map((entry) => JSON.stringify(entry)).join(', ')}; set returnPartialSuccess ` +
        'to list the operations that can be reached');
    }
    const hidden = unreachable.map((entry) => (entry.endsWith('/') ? entry : `${entry}/`));

    const operations: Operation[] = [];
    let more = false;
    for (const candidate of [...this.#operations.keys()].sort()) {
      if (!candidate.startsWith(prefix) || (after !== undefined && candidate <= after)) continue;
      if (hidden.some((entry) => candidate.startsWith(entry))) continue;
      const { operation } = this.#operations.get(candidate)!;
      if (!matches(operation)) continue;
      if (operations.length === pageSize) {
        more = true;
        break;
      }
      operations.push(copyOperation(operation));
    }
    const last = operations.at(-1);
    return {
      operations,
      nextPageToken: more && last ? encodePageToken(last.name, key) : '',
      unreachable,
    };
  }

  async #waitOperation(request: WaitOperationRequest, context: CallContext): Promise<Operation> {
    const method = 'WaitOperation';
    if (!this.#options.waitOperation) {
      throw rpcError(method, grpc.status.UNIMPLEMENTED,
        'WaitOperation is not implemented by this server (InMemoryOperationsServer option waitOperation: false)');
    }
    const record = this.#lookup(method, request.name);
    const { timeoutMs } = request;
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw rpcError(method, grpc.status.INVALID_ARGUMENT, `timeout must not be negative, got ${timeoutMs} ms`);
    }
    if (record.operation.done) return copyOperation(record.operation);
    const remaining = context.deadline - Date.now();
    const untilDeadline = remaining - Math.min(WAIT_DEADLINE_MARGIN_MS, remaining / 5);
    const waitMs = Math.min(timeoutMs ?? this.#options.defaultWaitTimeoutMs, untilDeadline);
    if (!(waitMs > 0)) return copyOperation(record.operation);
    const { name } = request;
    const { signal } = context;
    signal.throwIfAborted();

    return new Promise<Operation>((resolve, reject) => {
      const waiters = this.#waiters.get(name) ?? new Set<Waiter>();
      this.#waiters.set(name, waiters);
      const cleanup = () => {
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        waiters.delete(waiter);
        if (waiters.size === 0 && this.#waiters.get(name) === waiters) this.#waiters.delete(name);
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason as Error);
      };
      const answerCurrent = () => {
        const current = this.#operations.get(name);
        if (current) resolve(copyOperation(current.operation));
        else reject(rpcError(method, grpc.status.NOT_FOUND, `Operation ${JSON.stringify(name)} not found`));
      };
      const waiter: Waiter = {
        wake: (reason) => {
          cleanup();
          if (reason === 'deleted') {
            reject(rpcError(method, grpc.status.NOT_FOUND, `Operation ${JSON.stringify(name)} was deleted while waiting`));
          } else {
            answerCurrent();
          }
        },
      };
      // A wait longer than one setTimeout allows (a huge or infinite timeout and no
      // deadline) chains timers, or sets none for Infinity: Node would fire an
      // overflowing delay after 1 ms and answer at once.
      const cancelTimer = startTimer(() => {
        cleanup();
        answerCurrent();
      }, waitMs, { unref: true });
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
    });
  }
}
