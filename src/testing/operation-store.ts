/**
 * The embedded server's operations, free of any transport: the Node API tests drive
 * (create, progress, complete, fail, scripted timelines) and the built-in behaviour of
 * the five RPCs (name checks, filters, cursor page tokens, cancellation, long-polling
 * waits). A front-end (gRPC today, HTTP/JSON later) only decodes a request, calls
 * {@link OperationStore.call} and encodes what comes back; errors are {@link RpcError}s
 * carrying the status to send. Time comes from an injected {@link ServerClock}.
 *
 * @internal
 * @module
 */
import { Code } from '../code.js';
import { InvalidArgumentError, LongRunningError, RpcError } from '../errors.js';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, Status,
  WaitOperationRequest,
} from '../types.js';
import { checkName, describeNameProblem } from '../validation.js';
import { FilterSyntaxError, parseOperationFilter } from './filter.js';
import { decodePageToken, encodePageToken, PageTokenError, type ListingKey } from './page-token.js';
import { serverClock, type ServerClock } from './server-clock.js';
import { resolveSteps } from './server-options.js';
import type { CreateOperationInit, OperationsMethod, StatusInit } from './api-types.js';
import { copyAny, copyAnyInput, copyStatus, copyStatusInput } from './validate.js';

/** The options the store uses, resolved. @internal */
export interface StoreOptions {
  waitOperation: boolean;
  defaultPageSize: number;
  maxPageSize: number;
  defaultWaitTimeoutMs: number;
  unreachable: string[];
}

/** A checked timeline step. @internal */
export interface ResolvedStep {
  afterMs: number;
  metadata: Any | undefined;
  end: { response: Any | undefined } | { error: Status } | undefined;
}

/** What the built-in handling needs to know of a call. @internal */
export interface RpcContext {
  /** The call's deadline in milliseconds since the epoch; `Infinity` when it has none. */
  readonly deadline: number;
  /** Aborts when the call ends early (client cancellation, server stop). */
  readonly signal: AbortSignal;
}

/** A WaitOperation answers this much before the call's deadline (at most a fifth of what remains). */
const WAIT_DEADLINE_MARGIN_MS = 100;

/** The error of a cancelled operation. */
const CANCELLED_MESSAGE = 'Operation cancelled by the client';

interface OperationRecord {
  operation: Operation;
  /** Cancels the pending step of the scripted timeline, if any. */
  timeline: (() => void) | undefined;
}

type WaiterWakeReason = 'done' | 'deleted' | 'stopped';

interface Waiter {
  wake(reason: WaiterWakeReason): void;
}

function rpcError(method: OperationsMethod, code: number, message: string): RpcError {
  return new RpcError(method, { code, message, details: [] });
}

/** A deep copy, so that neither the caller nor the store sees the other's later changes. @internal */
export function copyOperation(operation: Operation): Operation {
  const copy: Operation = { name: operation.name, done: operation.done };
  if (operation.metadata) copy.metadata = copyAny(operation.metadata);
  if (operation.error) copy.error = copyStatus(operation.error);
  else if (operation.response) copy.response = copyAny(operation.response);
  return copy;
}

/**
 * Operations, their timelines and the WaitOperation calls waiting for them. The Node
 * API methods throw {@link InvalidArgumentError}; RPCs reject with {@link RpcError}.
 *
 * @internal
 */
export class OperationStore {
  readonly #options: StoreOptions;
  readonly #clock: ServerClock;
  readonly #operations = new Map<string, OperationRecord>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  #unreachable: string[];
  #sequence = 0;
  #stopped = false;

  constructor(options: StoreOptions, clock: ServerClock = serverClock) {
    this.#options = options;
    this.#clock = clock;
    this.#unreachable = options.unreachable;
  }

  /** Adds an operation; see `InMemoryOperationsServer.createOperation`. */
  create(init: CreateOperationInit = {}): string {
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

  /** Replaces the metadata; waiters are not woken (they answer on completion or timeout). */
  setMetadata(name: string, metadata: Any): void {
    const record = this.#require(name);
    record.operation.metadata = copyAnyInput(metadata, 'metadata');
  }

  /** Finishes a running operation successfully. */
  complete(name: string, response?: Any): void {
    const record = this.#requireRunning(name);
    const result = response === undefined ? undefined : copyAnyInput(response, 'response');
    this.#finish(record, result === undefined ? {} : { response: result });
  }

  /** Finishes a running operation with an error. */
  fail(name: string, error: StatusInit): void {
    const record = this.#requireRunning(name);
    this.#finish(record, { error: copyStatusInput(error, 'error') });
  }

  /** A copy of the operation, or undefined. */
  get(name: string): Operation | undefined {
    const record = this.#operations.get(name);
    return record ? copyOperation(record.operation) : undefined;
  }

  /** Copies of all operations, sorted by name. */
  get operations(): Operation[] {
    return [...this.#operations.keys()].sort().map((name) => copyOperation(this.#operations.get(name)!.operation));
  }

  /** How many WaitOperation calls are waiting. */
  get pendingWaits(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
  }

  /** Whether {@link OperationStore.stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Scripts a running operation's future, replacing its earlier timeline.
   *
   * @throws {@link InvalidArgumentError} for an unknown or done operation or a malformed step.
   * @throws {@link LongRunningError} after `stop()`.
   */
  script(name: string, steps: unknown): void {
    const record = this.#requireRunning(name);
    const resolved = resolveSteps(steps);
    if (this.#stopped) {
      throw new LongRunningError('InMemoryOperationsServer is stopped; a timeline would never run.');
    }
    this.#clearTimeline(record);
    this.#scheduleStep(record, resolved, 0);
  }

  /** Sets the collections ListOperations cannot reach (already checked). */
  setUnreachable(collections: string[]): void {
    this.#unreachable = collections;
  }

  /**
   * Clears every timeline and answers every pending wait with its operation's current
   * state; afterwards the store holds no timer. Operations stay readable.
   */
  stop(): void {
    this.#stopped = true;
    for (const record of this.#operations.values()) this.#clearTimeline(record);
    for (const name of [...this.#waiters.keys()]) this.#wake(name, 'stopped');
  }

  /** The built-in behaviour of an RPC; synchronous failures become rejections. */
  async call(method: OperationsMethod, request: unknown, context: RpcContext): Promise<unknown> {
    switch (method) {
      case 'GetOperation': return this.#getOperation(request as OperationNameRequest);
      case 'ListOperations': return this.#listOperations(request as ListOperationsRequest);
      case 'CancelOperation': return this.#cancelOperation(request as OperationNameRequest);
      case 'DeleteOperation': return this.#deleteOperation(request as OperationNameRequest);
      case 'WaitOperation': return await this.#waitOperation(request as WaitOperationRequest, context);
    }
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
    // One timer per step, armed when the previous one fired; the clock's timers wait any
    // length, so a step after more than 24.8 days still waits its time.
    record.timeline = this.#clock.startTimer(() => {
      record.timeline = undefined;
      const { operation } = record;
      if (this.#operations.get(operation.name) !== record || operation.done || this.#stopped) return;
      if (step.metadata) operation.metadata = copyAny(step.metadata);
      const { end } = step;
      if (end === undefined) this.#scheduleStep(record, steps, index + 1);
      else if ('error' in end) this.#finish(record, { error: end.error });
      else this.#finish(record, end.response ? { response: end.response } : {});
    }, step.afterMs);
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

  /** The operation a request names, or an INVALID_ARGUMENT / NOT_FOUND RpcError. */
  #lookup(method: OperationsMethod, name: string): OperationRecord {
    const problem = describeNameProblem(name, 'operation', 'name');
    if (problem !== undefined) throw rpcError(method, Code.INVALID_ARGUMENT, problem);
    const record = this.#operations.get(name);
    if (!record) throw rpcError(method, Code.NOT_FOUND, `Operation ${JSON.stringify(name)} not found`);
    return record;
  }

  #getOperation(request: OperationNameRequest): Operation {
    return copyOperation(this.#lookup('GetOperation', request.name).operation);
  }

  #cancelOperation(request: OperationNameRequest): void {
    const record = this.#lookup('CancelOperation', request.name);
    if (!record.operation.done) {
      this.#finish(record, { error: { code: Code.CANCELLED, message: CANCELLED_MESSAGE, details: [] } });
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
    const invalid = (message: string) => rpcError(method, Code.INVALID_ARGUMENT, message);
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
      throw rpcError(method, Code.UNAVAILABLE,
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

  async #waitOperation(request: WaitOperationRequest, context: RpcContext): Promise<Operation> {
    const method = 'WaitOperation';
    if (!this.#options.waitOperation) {
      throw rpcError(method, Code.UNIMPLEMENTED,
        'WaitOperation is not implemented by this server (InMemoryOperationsServer option waitOperation: false)');
    }
    const record = this.#lookup(method, request.name);
    const { timeoutMs } = request;
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw rpcError(method, Code.INVALID_ARGUMENT, `timeout must not be negative, got ${timeoutMs} ms`);
    }
    if (record.operation.done) return copyOperation(record.operation);
    const remaining = context.deadline - this.#clock.now();
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
        else reject(rpcError(method, Code.NOT_FOUND, `Operation ${JSON.stringify(name)} not found`));
      };
      const waiter: Waiter = {
        wake: (reason) => {
          cleanup();
          if (reason === 'deleted') {
            reject(rpcError(method, Code.NOT_FOUND, `Operation ${JSON.stringify(name)} was deleted while waiting`));
          } else {
            answerCurrent();
          }
        },
      };
      // The clock's timers wait any length: a huge or infinite timeout with no deadline
      // chains timers or sets none, where a bare setTimeout would fire after 1 ms.
      const cancelTimer = this.#clock.startTimer(() => {
        cleanup();
        answerCurrent();
      }, waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
    });
  }
}
