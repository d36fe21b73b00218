/**
 * The embedded google.longrunning.Operations server: a real @grpc/grpc-js server on
 * 127.0.0.1 whose operations live in memory and are driven from the test (create,
 * progress, complete, fail, scripted timelines), with fault injection, per-method
 * overrides and a log of every call received.
 *
 * This file is the public face only. The class composes the pieces, each in its file:
 * the transport-free `OperationStore` (operations, timelines, waits, listing), the
 * `FaultInjector`, the `CallLog`, the `Dispatcher` that takes each call through them,
 * and one front-end per protocol on that dispatcher: gRPC (`GrpcFrontEnd`) and, with
 * `http: true`, HTTP/JSON (`HttpFrontEnd`). Option checks are in `server-options.ts`, the public types in
 * `api-types.ts`.
 *
 * @module
 */
import type { Any, Operation } from '../types.js';
import { CallLog } from './call-log.js';
import { Dispatcher } from './dispatcher.js';
import { FaultInjector } from './faults.js';
import { GrpcFrontEnd } from './grpc-front-end.js';
import { HttpFrontEnd } from './http-front-end.js';
import { OperationStore } from './operation-store.js';
import { serverClock } from './server-clock.js';
import { resolveOptions, resolveUnreachable, type ResolvedOptions } from './server-options.js';
import type {
  CallRecord, CreateOperationInit, FaultOptions, InMemoryOperationsServerOptions, OperationsMethod,
  OperationsOverride, StatusInit, TimelineStep,
} from './api-types.js';

// The public types, also importable from here (the tests and older imports do).
export type {
  CallRecord, CallRecordOf, CreateOperationInit, FaultOptions, InMemoryOperationsServerOptions,
  OperationsMethod, OperationsOverride, OperationsRequests, OperationsResponses, OverrideContext,
  OverrideResult, ServerTransport, StatusInit, TimelineStep,
} from './api-types.js';

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
  /**
   * Where HTTP/JSON clients connect, `'http://127.0.0.1:PORT'` (another port than
   * gRPC's), when started with `http: true`; undefined otherwise.
   *
   * @example
   * ```ts
   * import { InMemoryOperationsServer } from 'longrunning-client/testing';
   * const server = await InMemoryOperationsServer.start({ http: true });
   * const name = server.createOperation();
   * const operation = await (await fetch(`${server.httpUrl}/v1/${name}`)).json(); // { name: 'operations/op-000001' }
   * ```
   */
  readonly httpUrl: string | undefined;

  readonly #store: OperationStore;
  readonly #faults: FaultInjector;
  readonly #log: CallLog;
  readonly #dispatcher: Dispatcher;
  readonly #grpc: GrpcFrontEnd;
  readonly #http: HttpFrontEnd | undefined;
  #stopped: Promise<void> | undefined;

  /** Instances come from {@link InMemoryOperationsServer.start}. */
  private constructor(guard: symbol, frontEnd: GrpcFrontEnd, httpFrontEnd: HttpFrontEnd | undefined, options: ResolvedOptions) {
    if (guard !== CONSTRUCT) throw new TypeError('Use InMemoryOperationsServer.start() to create a server.');
    this.#grpc = frontEnd;
    this.#http = httpFrontEnd;
    this.port = frontEnd.port;
    this.address = `127.0.0.1:${frontEnd.port}`;
    this.httpUrl = httpFrontEnd?.url;
    this.#store = new OperationStore(options, serverClock);
    this.#faults = new FaultInjector(options.faults, serverClock);
    this.#log = new CallLog(serverClock);
    this.#dispatcher = new Dispatcher({ store: this.#store, faults: this.#faults, log: this.#log, server: this });
    frontEnd.attach(this.#dispatcher);
    if (httpFrontEnd && options.http) httpFrontEnd.attach(this.#dispatcher, options.http.bindings, options.http.codec);
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
    const frontEnd = await GrpcFrontEnd.listen(resolved.port, resolved.credentials);
    let httpFrontEnd: HttpFrontEnd | undefined;
    if (resolved.http) {
      try {
        httpFrontEnd = await HttpFrontEnd.listen();
      } catch (error) {
        await frontEnd.close();
        throw error;
      }
    }
    return new InMemoryOperationsServer(CONSTRUCT, frontEnd, httpFrontEnd, resolved);
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
    return this.#store.create(init);
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
    this.#store.setMetadata(name, metadata);
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
    this.#store.complete(name, response);
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
    this.#store.fail(name, error);
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
    return this.#store.get(name);
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
    return this.#store.operations;
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
    return this.#store.pendingWaits;
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
    this.#store.script(name, steps);
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
    this.#faults.failNext(method, status, times);
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
    this.#dispatcher.override(method, handler);
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
    this.#faults.setFaults(faults);
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
    this.#store.setUnreachable(resolveUnreachable(collections, 'collections'));
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
    return this.#log.records;
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
    this.#log.clear();
  }

  /**
   * Stops the server: pending WaitOperation calls are answered with their operation's
   * current state, other calls still in flight (delayed by injected latency, or inside
   * an override) are answered UNAVAILABLE (HTTP 503), timelines are cleared, connections
   * are closed gracefully (HTTP answers carry `Connection: close`) and, after a grace
   * period of one second, forcibly. Afterwards no socket
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
    this.#dispatcher.stop();
    await Promise.all([this.#grpc.close(), this.#http?.close()]);
  }
}
