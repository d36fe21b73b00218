/**
 * The long-running operation handle: one shared poll loop per handle, fanned out to
 * `promise()` callers and `state$` / `metadata$` subscribers.
 *
 * Life cycle: demand (a pending `promise()` or a subscriber) starts the loop; when the
 * last one leaves, the loop is aborted and sends nothing more. The first done state is
 * the outcome, kept for good: later calls settle from it without an RPC.
 *
 * Longer than most files (about 500 lines): one public class, a third of it TSDoc, whose
 * members share the run and the outcome; splitting it would spread that state.
 *
 * @module
 */
import {
  EMPTY, Observable, catchError, distinctUntilChanged, filter, map, throwError, type Subscriber,
} from 'rxjs';
import type { PortableTypeRegistry as TypeRegistry } from '../any/portable-type-registry.js';
import { Code } from '../code.js';
import {
  InvalidArgumentError, OperationCancelledError, OperationFailedError, PollTimeoutError,
} from '../errors.js';
import type { ResolvedPolling } from '../options/polling.js';
import { pollUntilDone, type OperationRpcs } from '../poller/poll-loop.js';
import type { PollLimiter } from '../poller/poll-limiter.js';
import type { ServerState } from '../poller/server-state.js';
import type { Clock } from '../time/clock.js';
import type {
  CallOptions, Operation, OperationNameRequest, OperationSnapshot, PollingOptions, Status,
} from '../types.js';
import { WaitTrace } from '../telemetry/wait-span.js';
import { checkNumber } from '../validation.js';
import { clampFraction, detectProgress } from './progress-fields.js';
import type { ResumeToken } from './resume-token.js';
import type { RunSet } from './run-set.js';
import { sameAny, sameOperation } from './snapshot.js';

/** Options of `promise()`: the caller's own limits, which do not affect other callers. */
export interface WaitOptions {
  /** Stop waiting (reject with the signal's reason); the operation keeps running. */
  signal?: AbortSignal;
  /**
   * Stop waiting after this many milliseconds with a {@link PollTimeoutError}: any
   * number from 0, honoured exactly however long; `Infinity` is the same as absent.
   */
  timeoutMs?: number;
}

/**
 * What a handle needs from its client. The client builds it; the handle never sees
 * the client class itself.
 *
 * @internal
 */
export interface OperationContext {
  /**
   * The one RPC surface of a handle, for its poll loop and its own `poll()`, `cancel()`
   * and `delete()` alike: the client's calls, with its deadlines, retries and default
   * metadata, and answers checked to be about the operation asked for.
   */
  readonly rpcs: HandleRpcs;
  readonly server: ServerState;
  /** The client's bounds on its handles' long-polls and polls in flight. */
  readonly limiter: PollLimiter;
  readonly types: TypeRegistry;
  readonly clock: Clock;
  readonly random: () => number;
  /** The client's close(): aborts every poll loop in it, with a `ClientClosedError`. */
  readonly runs: RunSet;
}

/** The poll loop's RPCs and the handle's own. @internal */
export interface HandleRpcs extends OperationRpcs {
  cancelOperation(request: OperationNameRequest, options?: CallOptions): Promise<void>;
  deleteOperation(request: OperationNameRequest, options?: CallOptions): Promise<void>;
}

/** How the handle reads its Anys. @internal */
export interface HandleSettings {
  readonly responseType: string | undefined;
  readonly metadataType: string | undefined;
  /** false keeps `metadata` and `response` as the raw Anys. */
  readonly unpack: boolean;
  readonly polling: ResolvedPolling;
  /** The polling options given for this handle, for its resume token. */
  readonly ownPolling: PollingOptions | undefined;
}

/** Someone waiting on the loop: a `promise()` call or a subscriber. */
interface Observer<R, M> {
  /** Whether this observer renders progress (state$ / metadata$), not just the result. */
  readonly watchesProgress: boolean;
  state(snapshot: OperationSnapshot<R, M>): void;
  /** No error: done successfully. Otherwise the operation failed or the wait did. */
  end(error?: unknown): void;
}

interface Outcome<R, M> {
  readonly snapshot: OperationSnapshot<R, M>;
  /** What `promise()` rejects with; undefined when it resolves. */
  readonly error: unknown;
}

/** A `promise()` caller's `state`: it wants the outcome only. Shared, not one closure per call. */
function ignoreState(): void {
  // nothing to do
}

/** The abort reason of a loop whose last observer left; never reaches a caller. */
const NO_MORE_OBSERVERS = Symbol('no more observers');

function failedError(name: string, status: Status): OperationFailedError {
  return status.code === Code.CANCELLED ? new OperationCancelledError(name, status) : new OperationFailedError(name, status);
}

/**
 * A handle on a google.longrunning.Operation: await its result with `promise()`,
 * follow it with `state$` and `metadata$`, refresh it with `poll()`, cancel or delete
 * it, and save it with `toJSON()` to resume it elsewhere.
 *
 * Every consumer shares one poll loop, started by the first `promise()` call or
 * subscription and stopped when none is left. Waiting long-polls with WaitOperation
 * and falls back to GetOperation with backoff (see `PollingOptions`). Transient RPC
 * failures do not end the wait.
 *
 * A done operation with neither `error` nor `response` resolves `promise()` with
 * `undefined`.
 *
 * @typeParam R - The unpacked response type.
 * @typeParam M - The unpacked metadata type.
 *
 * @example
 * ```ts
 * import { OperationsClient } from 'longrunning-client';
 * const client = new OperationsClient({ address: 'localhost:50051', insecure: true, types });
 * const op = client.operation<ExportResponse, ExportMetadata>('operations/123', { method: 'example.v1.ExportService.Export' });
 * op.metadata$.subscribe((m) => console.log(`${m.progressPercent}%`));
 * const result = await op.promise();
 * ```
 */
export class LongRunningOperation<R = unknown, M = unknown> {
  /** The operation's name. */
  readonly name: string;
  /**
   * Every distinct state, starting with the latest known one; completes after the
   * done state, errors with the error `promise()` rejects with. Subscribing starts
   * polling; when the last subscriber leaves, polling stops. A state whose metadata
   * does not unpack (a type the registry does not know, another type than
   * `metadataType`, bytes that do not decode) is emitted without `metadata`; `raw`
   * keeps the Any, and `metadata$` reports the {@link TypeMismatchError}.
   */
  readonly state$: Observable<OperationSnapshot<R, M>>;
  /**
   * Each distinct (by bytes) unpacked metadata value; completes when the operation is
   * done, successful or not (the outcome is `promise()`'s and `state$`'s to report);
   * errors when waiting fails (an RPC error, a timeout, a response that does not
   * unpack). Metadata that does not unpack errors this stream alone with a
   * {@link TypeMismatchError}, at the first state that has it (for a late subscriber:
   * at once, when the latest state has it); `promise()` and `state$` carry on.
   */
  readonly metadata$: Observable<M>;

  readonly #context: OperationContext;
  readonly #settings: HandleSettings;
  readonly #observers = new Set<Observer<R, M>>();
  /** Why a snapshot has no `metadata` although its raw state has one: for `metadata$`. */
  readonly #metadataErrors = new WeakMap<OperationSnapshot<R, M>, unknown>();
  #latest: OperationSnapshot<R, M> | undefined;
  #outcome: Outcome<R, M> | undefined;
  #run: AbortController | undefined;
  /** The running loop's "slice shrunk" listener (see #watchProgress). */
  #sliceShrunk: (() => void) | undefined;
  /** The running loop's OpenTelemetry span, while a tracer provider records. */
  #waitTrace: WaitTrace | undefined;

  /** @internal */
  constructor(context: OperationContext, initial: string | Operation, settings: HandleSettings) {
    this.#context = context;
    this.#settings = settings;
    this.name = typeof initial === 'string' ? initial : initial.name;
    // An Operation given up front is a state like any other: done means zero RPCs.
    // A type error in it surfaces from promise() and state$, not from here.
    if (typeof initial !== 'string') {
      try {
        this.#accept(initial);
      } catch {
        // A running operation whose Any does not unpack: the loop will meet it again.
      }
    }
    this.state$ = new Observable<OperationSnapshot<R, M>>((subscriber) => this.#subscribeStates(subscriber));
    // The operator chain is built per subscriber, not per handle: a fleet of plain
    // promise() waits stays small. Passing the subscriber on links the chain to it, so
    // an error at the latest state unsubscribes before any loop starts.
    this.metadata$ = new Observable<M>((subscriber) => metadataOf(this.state$, this.#metadataErrors).subscribe(subscriber));
  }

  /** The last state seen, or undefined before the first. */
  get latest(): OperationSnapshot<R, M> | undefined {
    return this.#latest;
  }

  /**
   * Waits until the operation is done and resolves with its unpacked response
   * (`undefined` when it finished without one). May be called any number of times,
   * before or after completion: all callers share one poll loop and one outcome.
   *
   * @throws {@link OperationFailedError} when the operation finished with an error
   *   ({@link OperationCancelledError} for code 1 CANCELLED).
   * @throws {@link PollTimeoutError} when `timeoutMs` or the polling `totalTimeoutMs`
   *   passes first; the operation may still be running.
   * @throws {@link RpcError} when polling hits a permanent RPC error (NOT_FOUND, ...).
   * @throws {@link TypeMismatchError} when the response is not of the expected type (or
   *   of no registered type, or does not decode). The metadata never fails it: only
   *   `metadata$` reports metadata that does not unpack.
   * The signal's reason when `signal` aborts.
   */
  promise(options?: WaitOptions): Promise<R> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    try {
      ({ signal, timeoutMs } = checkWaitOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#outcome) return this.#settled(this.#outcome);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);

    return new Promise<R>((resolve, reject) => {
      // Allocated only for a caller with a timeout: a fleet of plain waits stays small.
      const stopTimer = timeoutMs === undefined ? undefined : new AbortController();
      const detach = () => {
        stopTimer?.abort();
        signal?.removeEventListener('abort', onAbort);
      };
      const observer: Observer<R, M> = {
        watchesProgress: false,
        state: ignoreState,
        end: (error) => {
          detach();
          if (error === undefined) resolve(this.#outcome!.snapshot.response as R);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a typed SDK error or the caller's abort reason
          else reject(error);
        },
      };
      const leave = (reason: unknown) => {
        detach();
        this.#release(observer);
        reject(reason);
      };
      const onAbort = () => leave(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (stopTimer !== undefined && timeoutMs !== undefined) {
        const limit = timeoutMs;
        this.#context.clock.sleep(limit, stopTimer.signal).then(
          () => leave(new PollTimeoutError(this.name, limit, this.#latest)),
          () => undefined, // cleared: the wait ended another way
        );
      }
      this.#observers.add(observer);
      this.#ensureRunning();
    });
  }

  /**
   * Refreshes the state once with GetOperation and returns it; once the operation is
   * done, returns the done state without an RPC.
   *
   * Metadata that does not unpack leaves `metadata` out of the snapshot (`raw` has it).
   *
   * @throws {@link RpcError} when the RPC fails.
   * @throws {@link TypeMismatchError} when a running state's response is not of the expected type.
   */
  async poll(options?: CallOptions): Promise<OperationSnapshot<R, M>> {
    if (this.#outcome) return this.#outcome.snapshot;
    const raw = await this.#context.rpcs.getOperation({ name: this.name }, options);
    return this.#accept(raw);
  }

  /**
   * Asks the server to cancel the operation (CancelOperation). Best effort: when the
   * server cancels it, the handle reports {@link OperationCancelledError}; it may also
   * finish normally.
   *
   * @throws {@link RpcError} when the RPC fails (e.g. UNIMPLEMENTED).
   */
  cancel(options?: CallOptions): Promise<void> {
    return this.#context.rpcs.cancelOperation({ name: this.name }, options);
  }

  /**
   * Deletes the operation on the server (DeleteOperation): the server forgets it; it
   * is not cancelled.
   *
   * @throws {@link RpcError} when the RPC fails.
   */
  delete(options?: CallOptions): Promise<void> {
    return this.#context.rpcs.deleteOperation({ name: this.name }, options);
  }

  /**
   * A small JSON-safe token from which `client.resume(token)` rebuilds this handle, in
   * this process or another. Holds the name, the message types and the handle's own
   * polling options (and `unpack: false` when set); never credentials or state.
   */
  toJSON(): ResumeToken {
    const token: ResumeToken = { version: 1, name: this.name };
    if (this.#settings.responseType !== undefined) token.responseType = this.#settings.responseType;
    if (this.#settings.metadataType !== undefined) token.metadataType = this.#settings.metadataType;
    if (this.#settings.ownPolling !== undefined) {
      // A function does not survive JSON: the resumed handle detects progress fields.
      const polling = { ...this.#settings.ownPolling };
      delete polling.progress;
      token.polling = polling;
    }
    if (!this.#settings.unpack) token.unpack = false;
    return token;
  }

  #settled(outcome: Outcome<R, M>): Promise<R> {
    return outcome.error === undefined
      ? Promise.resolve(outcome.snapshot.response as R)
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the kept outcome's typed error
      : Promise.reject(outcome.error);
  }

  #subscribeStates(subscriber: Subscriber<OperationSnapshot<R, M>>): (() => void) | undefined {
    if (this.#latest) subscriber.next(this.#latest);
    if (this.#outcome) {
      endSubscriber(subscriber, this.#outcome.error);
      return undefined;
    }
    // e.g. take(1) on the latest state: satisfied without a loop or an RPC.
    if (subscriber.closed) return undefined;
    const observer: Observer<R, M> = {
      watchesProgress: true,
      state: (snapshot) => subscriber.next(snapshot),
      end: (error) => endSubscriber(subscriber, error),
    };
    this.#observers.add(observer);
    this.#ensureRunning();
    this.#watchProgress();
    return () => this.#release(observer);
  }

  /** Takes in a received state: emits it if distinct, settles the outcome if done. */
  #accept(raw: Operation): OperationSnapshot<R, M> {
    if (this.#outcome) return this.#outcome.snapshot;
    if (this.#latest && sameOperation(this.#latest.raw, raw)) return this.#latest;
    const { snapshot, error, metadataError } = this.#unpack(raw);
    // A response that does not unpack ends the wait (thrown into the loop while running;
    // the outcome once done, so every caller sees the same typed error). Metadata that
    // does not unpack is only metadata$'s concern: the snapshot goes out without it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the registry's own typed error, rethrown as is
    if (error !== undefined && !raw.done) throw error;
    if (metadataError !== undefined) this.#metadataErrors.set(snapshot, metadataError);
    this.#latest = snapshot;
    this.#waitTrace?.stateChanged(raw.done, this.#progress());
    for (const observer of [...this.#observers]) observer.state(snapshot);
    if (raw.done) {
      this.#finish({ snapshot, error: error ?? (snapshot.error ? failedError(this.name, snapshot.error) : undefined) });
    }
    return snapshot;
  }

  #unpack(raw: Operation): { snapshot: OperationSnapshot<R, M>; error: unknown; metadataError: unknown } {
    const snapshot: OperationSnapshot<R, M> = { name: raw.name, done: raw.done, raw };
    const { types } = this.#context;
    const { unpack, metadataType, responseType } = this.#settings;
    let error: unknown;
    let metadataError: unknown;
    if (raw.metadata) {
      try {
        snapshot.metadata = (unpack ? types.unpack<M>(raw.metadata, metadataType) : raw.metadata) as M;
      } catch (e) {
        metadataError = e;
      }
    }
    if (raw.error) {
      snapshot.error = raw.error;
    } else if (raw.response) {
      try {
        snapshot.response = (unpack ? types.unpack<R>(raw.response, responseType) : raw.response) as R;
      } catch (e) {
        error = e;
      }
    }
    return { snapshot, error, metadataError };
  }

  #finish(outcome: Outcome<R, M>): void {
    this.#outcome = outcome;
    this.#stopRun();
    const observers = [...this.#observers];
    this.#observers.clear();
    for (const observer of observers) observer.end(outcome.error);
  }

  #ensureRunning(): void {
    if (this.#outcome || this.#run) return;
    const run = new AbortController();
    this.#run = run;
    const { clock, runs } = this.#context;
    // The client's close() aborts this run (see RunSet for why not a listener per run).
    runs.add(run);
    // A listener for the run's whole life: Node's EventTarget drops an event type's entry
    // when its last listener leaves and rebuilds it (a new hash table) at the next add,
    // which each sleep and queued poll of the loop would otherwise pay, in a fleet.
    run.signal.addEventListener('abort', keepAbortListenersEntry);
    const { totalTimeoutMs } = this.#settings.polling;
    const stopDeadline = totalTimeoutMs === undefined ? undefined : new AbortController();
    if (stopDeadline !== undefined && totalTimeoutMs !== undefined) {
      // The deadline aborts the loop itself: it fires on time, in a sleep or mid-RPC.
      clock.sleep(totalTimeoutMs, stopDeadline.signal).then(
        () => run.abort(new PollTimeoutError(this.name, totalTimeoutMs, this.#latest)),
        () => undefined,
      );
    }
    const trace = WaitTrace.start(this.name);
    this.#waitTrace = trace;
    const loop = () => pollUntilDone({
      name: this.name,
      policy: this.#settings.polling,
      rpcs: this.#context.rpcs,
      server: this.#context.server,
      limiter: this.#context.limiter,
      clock,
      random: this.#context.random,
      // Ended by the handle (no observers left, totalTimeoutMs) or by the client's close().
      signal: run.signal,
      hasInitialState: this.#latest !== undefined,
      ...(this.#latest === undefined ? {} : { initial: this.#latest.raw }),
      sliceLimitMs: () => this.#sliceLimitMs(),
      onSliceShrunk: (listener) => {
        this.#sliceShrunk = listener;
      },
      onOperation: (operation) => {
        this.#accept(operation);
      },
      progress: () => this.#progress(),
    });
    (trace === undefined ? loop() : trace.run(loop)).then(
      () => trace?.end(this.#outcome?.error), // #accept settled the outcome
      (error: unknown) => {
        trace?.end(this.#outcome ? this.#outcome.error : error);
        if (this.#run !== run || this.#outcome) return; // released, or already done
        this.#run = undefined;
        const observers = [...this.#observers];
        this.#observers.clear();
        for (const observer of observers) observer.end(error);
      },
    ).finally(() => {
      runs.delete(run);
      stopDeadline?.abort();
      if (this.#waitTrace === trace) this.#waitTrace = undefined;
      if (this.#run === run) this.#run = undefined;
      // The ended loop's listener, unless a newer run has put its own there.
      if (this.#run === undefined) this.#sliceShrunk = undefined;
    });
  }

  /**
   * A progress watcher joined: a long WaitOperation already in flight would hide
   * progress until its slice ends, so the loop is told the slice shrank (it cuts the
   * wait short and re-issues it with the short one).
   */
  #watchProgress(): void {
    this.#sliceShrunk?.();
  }

  /**
   * The latest state's progress fraction: the user's `polling.progress`, else the
   * common fields. A function that throws or returns no number means "unknown": an
   * estimate must never end a wait.
   */
  #progress(): number | undefined {
    const metadata = this.#latest?.metadata;
    if (metadata === undefined) return undefined;
    const own = this.#settings.polling.progress;
    if (own === undefined) return detectProgress(metadata);
    try {
      return clampFraction(own(metadata));
    } catch {
      return undefined;
    }
  }

  /**
   * Short slices while progress is watched; while only results are awaited, the loop's
   * own schedule (growing slices) decides.
   */
  #sliceLimitMs(): number {
    for (const observer of this.#observers) {
      if (observer.watchesProgress) return this.#settings.polling.progressIntervalMs;
    }
    return Infinity;
  }

  #release(observer: Observer<R, M>): void {
    this.#observers.delete(observer);
    if (this.#observers.size === 0) this.#stopRun();
  }

  #stopRun(): void {
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    run.abort(NO_MORE_OBSERVERS);
  }
}

/**
 * `metadata$` from `state$`: one subscription logic (demand, the latest state at once, the
 * outcome, release) for both streams. Only states that carry metadata count, distinct by
 * bytes; metadata that did not unpack errors this stream alone (the operator chain
 * unsubscribes from `state$` at once, so an error on the latest state starts no loop); the
 * operation's own failure completes it, since that is `promise()`'s and `state$`'s to report.
 */
function metadataOf<R, M>(
  states: Observable<OperationSnapshot<R, M>>,
  metadataErrors: WeakMap<OperationSnapshot<R, M>, unknown>,
): Observable<M> {
  return states.pipe(
    filter((snapshot) => snapshot.raw.metadata !== undefined),
    distinctUntilChanged((previous, next) => sameAny(previous.raw.metadata, next.raw.metadata)),
    map((snapshot) => {
      const metadataError = metadataErrors.get(snapshot);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the registry's own typed error, rethrown as is
      if (metadataError !== undefined) throw metadataError;
      return snapshot.metadata as M;
    }),
    catchError((error: unknown) => (error instanceof OperationFailedError ? EMPTY : throwError(() => error))),
  );
}

function endSubscriber<T>(subscriber: Subscriber<T>, error: unknown): void {
  if (error === undefined) subscriber.complete();
  else subscriber.error(error);
}

function checkWaitOptions(options: WaitOptions | undefined): WaitOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'an object or undefined');
  const { signal, timeoutMs } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('options.signal', signal, 'an AbortSignal');
  checkNumber(timeoutMs, 'options.timeoutMs', { min: 0, allowInfinity: true });
  return options;
}

/** Does nothing: holds the run signal's listener entry (see `#ensureRunning`). */
function keepAbortListenersEntry(): void {}
