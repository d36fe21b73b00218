/**
 * The poll loop: waits for one operation to be done, by long-polling with
 * WaitOperation or polling GetOperation with backoff. Knows nothing of handles,
 * promises or observables: it reports every state it receives and returns the done one.
 *
 * @internal
 * @module
 */
import { sameAny } from '../any/equality.js';
import { retryDelayFromDetails } from '../any/rpc-status.js';
import { Code } from '../code.js';
import { RpcError } from '../errors.js';
import { backoffDelay, type BackoffPolicy } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { TRANSIENT_POLLING_CODES } from '../transient.js';
import type { CallOptions, Operation, OperationNameRequest, WaitOperationRequest } from '../types.js';
import type { ResolvedPolling } from '../options/polling.js';
import { PROBE_SLICE_MS, type ServerState, type WaitProbe } from './server-state.js';

/**
 * Call options of a poll RPC: the public {@link CallOptions} (the loop sets `signal`;
 * client defaults such as `metadata` apply as to any call) plus two hints only the loop
 * sets. @internal
 */
export interface PollCallOptions extends CallOptions {
  /**
   * Queue the call while the channel is (re)connecting instead of failing it at once:
   * set once the server has been reached, so an outage costs one pending call per
   * handle (no retry storm) and the call goes out as soon as the server is back.
   */
  readonly waitForReady?: boolean;
  /**
   * During an outage, the call must end by then (clock time): the end of the outage
   * budget, so a call held for a connection that never comes fails then, not at its
   * own, longer deadline. `Infinity` (or absent) otherwise.
   */
  readonly notAfter?: number;
}

/**
 * The RPCs the poller needs, with the client's deadlines, retries and default metadata
 * applied: the same methods, requests and options as the client's own. @internal
 */
export interface OperationRpcs {
  getOperation(request: OperationNameRequest, options?: PollCallOptions): Promise<Operation>;
  /** Asks the server to hold the call up to `request.timeoutMs`. */
  waitOperation(request: WaitOperationRequest, options?: PollCallOptions): Promise<Operation>;
}

/** @internal */
export interface PollLoopOptions {
  readonly name: string;
  readonly policy: ResolvedPolling;
  readonly rpcs: OperationRpcs;
  readonly server: ServerState;
  readonly clock: Clock;
  readonly random: () => number;
  /** Aborting ends the loop at once with the signal's reason; no RPC follows. */
  readonly signal: AbortSignal;
  /**
   * Whether the caller already holds a state of the operation. Without one the loop
   * starts with an immediate GetOperation, so observers see the state at once and a
   * missing operation fails fast.
   */
  readonly hasInitialState: boolean;
  /**
   * How long the next WaitOperation may hold, read before each one (it shrinks while
   * someone watches progress). Defaults to `policy.waitSliceMs`.
   */
  readonly waitSliceMs?: () => number;
  /**
   * Called once, as the loop starts, with the listener for the event "`waitSliceMs()`
   * may have shrunk" (a progress watcher joined), which the caller fires by calling it.
   * When a WaitOperation is in flight with a longer slice than `waitSliceMs()` returns
   * now, the wait is cancelled and re-issued at once with the shorter one (costs one
   * cancelled RPC), so progress does not stay hidden for a long slice. Otherwise, and
   * once the loop has ended, the listener does nothing (the caller drops it then).
   */
  readonly onSliceShrunk?: (listener: () => void) => void;
  /** Called with every state received, in order; may throw to end the loop. */
  readonly onOperation: (operation: Operation) => void;
}

/**
 * A WaitOperation answered (not done) sooner than this, and sooner than half its slice,
 * is an immediate answer; anything later, the server held the call (until progress, or
 * up to its own cap) and the loop waits again at once. Immediate answers are spaced at
 * least this far apart, and a run of them with an unchanged state follows the poll
 * schedule: a server that ignores the timeout costs what polling would, never a hot loop.
 *
 * @internal
 */
export const IMMEDIATE_ANSWER_MS = 100;

/**
 * The longest pause between attempts after transient failures (unless the server's
 * RetryInfo asks for more): after an outage the next attempt is never far away.
 * While the server is down, calls wait for the connection rather than fail, so a short
 * pause does not turn into a retry storm.
 *
 * @internal
 */
export const FAILURE_MAX_DELAY_MS = 2_000;

/**
 * Whether polling should carry on after this error (see `TRANSIENT_POLLING_CODES` for
 * which codes, and why they are more than a call retries).
 *
 * @internal
 */
export function isTransientForPolling(error: unknown): boolean {
  return error instanceof RpcError && TRANSIENT_POLLING_CODES.has(error.code);
}

/** The RPC one iteration sends. */
type Step =
  | { readonly method: 'get' }
  | { readonly method: 'wait'; readonly sliceMs: number; readonly probe: WaitProbe | undefined };

/**
 * Polls until the operation is done and returns the done state. Transient RPC
 * failures back off and retry without ending the wait; permanent ones, errors thrown
 * by `onOperation`, and aborts end it. So does a failure to connect before the server
 * was ever reached, and an outage longer than `policy.maxOutageMs`.
 *
 * @internal
 */
export async function pollUntilDone(options: PollLoopOptions): Promise<Operation> {
  const { name, policy, rpcs, server, clock, random, signal, onOperation } = options;
  const currentSliceMs = options.waitSliceMs ?? (() => policy.waitSliceMs);
  /** The WaitOperation in flight: its slice, and how to cut it short. */
  let waitInFlightMs = 0;
  let interruptWait: (() => void) | undefined;
  options.onSliceShrunk?.(() => {
    if (interruptWait !== undefined && waitInFlightMs > currentSliceMs()) interruptWait();
  });
  const failurePolicy: BackoffPolicy = { ...policy, maxDelayMs: Math.min(policy.maxDelayMs, FAILURE_MAX_DELAY_MS) };
  let needInitialState = !options.hasInitialState;
  /** Polls (or unproductive immediate waits) in a row: the poll schedule's position. */
  let polls = 0;
  let immediateAnswers = 0;
  let consecutiveFailures = 0;
  /** The last time the server answered anything, for the outage bound. */
  let reachedAt = clock.now();
  let previous: Operation | undefined;
  let delayMs = 0;
  if (!needInitialState && !wantsToWait(policy, server, clock.now())) {
    polls = 1;
    delayMs = backoffDelay(1, policy, random());
  }

  for (;;) {
    if (delayMs > 0) await clock.sleep(delayMs, signal);
    signal.throwIfAborted();
    const step = nextStep();
    if (step === 'await-probe') {
      // Another handle is asking whether the server serves WaitOperation: its answer
      // decides for this one too, so a fleet of new handles sends one probe, not one each.
      await abortable(server.probeSettled(), signal);
      continue;
    }
    const startedAt = clock.now();
    const slice = step.method === 'wait' ? interruptibleSlice(signal) : undefined;
    if (slice !== undefined && step.method === 'wait') {
      waitInFlightMs = step.sliceMs;
      interruptWait = slice.interrupt;
    }
    const callOptions: PollCallOptions = {
      signal: slice?.signal ?? signal,
      waitForReady: server.reached,
      notAfter: consecutiveFailures > 0 ? reachedAt + policy.maxOutageMs : Infinity,
    };
    let operation: Operation;
    try {
      operation = step.method === 'wait'
        ? await rpcs.waitOperation({ name, timeoutMs: step.sliceMs }, callOptions)
        : await rpcs.getOperation({ name }, callOptions);
      // An answer that raced the abort is dropped: no state is reported after it.
      signal.throwIfAborted();
    } catch (error) {
      if (step.method === 'wait') step.probe?.settle(probeFinding(error));
      signal.throwIfAborted();
      if (slice?.interrupted()) {
        delayMs = 0;
        continue;
      }
      if (step.method === 'wait' && policy.strategy === 'auto' && isUnimplemented(error)) {
        server.markWaitUnsupported(clock.now());
        polls++;
        delayMs = backoffDelay(polls, policy, random());
        continue;
      }
      if (!isTransientForPolling(error)) throw error;
      const rpcError = error as RpcError;
      // Never reached: fail as the call itself would, not wait silently forever.
      if (rpcError.noConnection && !server.reached) throw error;
      if (!rpcError.noConnection) reachedAt = clock.now();
      if (clock.now() - reachedAt >= policy.maxOutageMs) throw error;
      consecutiveFailures++;
      // A server's RetryInfo is a floor: it sees no RPC for this operation before then.
      const serverDelayMs = retryDelayFromDetails(rpcError.details);
      const bounds = serverDelayMs === undefined ? {} : { floorMs: serverDelayMs };
      delayMs = backoffDelay(consecutiveFailures, failurePolicy, random(), bounds);
      continue;
    } finally {
      slice?.dispose();
      interruptWait = undefined;
    }
    if (step.method === 'wait') step.probe?.settle('supported');
    consecutiveFailures = 0;
    reachedAt = clock.now();
    needInitialState = false;
    onOperation(operation);
    if (operation.done) return operation;
    delayMs = step.method === 'wait'
      ? afterWaitAnswer(clock.now() - startedAt, step.sliceMs, operation)
      : afterGetAnswer();
    previous = operation;
  }

  /** Which RPC to send now, or `'await-probe'` to wait for another handle's probe first. */
  function nextStep(): Step | 'await-probe' {
    if (needInitialState || policy.strategy === 'poll') return { method: 'get' };
    const sliceMs = currentSliceMs();
    if (policy.strategy === 'wait') return { method: 'wait', sliceMs, probe: undefined };
    switch (server.waitMode(clock.now())) {
      case 'wait':
        return { method: 'wait', sliceMs, probe: undefined };
      case 'poll':
        return { method: 'get' };
      case 'probe':
        return { method: 'wait', sliceMs: Math.min(sliceMs, PROBE_SLICE_MS), probe: server.startProbe(() => clock.now()) };
      case 'await-probe':
        return 'await-probe';
    }
  }

  function afterGetAnswer(): number {
    if (wantsToWait(policy, server, clock.now())) return 0; // that was the initial state; long-polling starts now
    polls++;
    return backoffDelay(polls, policy, random());
  }

  function afterWaitAnswer(elapsedMs: number, sliceMs: number, operation: Operation): number {
    polls = 0;
    const immediateMs = Math.min(IMMEDIATE_ANSWER_MS, sliceMs / 2);
    if (elapsedMs >= immediateMs) {
      // Held until progress or the server's own cap: the server long-polls as designed.
      immediateAnswers = 0;
      return 0;
    }
    // Progress is the server working as designed; the same state again, at once, is a
    // server that ignores the timeout: after the first such answer, poll-schedule it.
    immediateAnswers = previous !== undefined && sameAny(previous.metadata, operation.metadata) ? immediateAnswers + 1 : 0;
    const spacingMs = Math.ceil(immediateMs - elapsedMs);
    return immediateAnswers <= 1 ? spacingMs : Math.max(spacingMs, backoffDelay(immediateAnswers - 1, policy, random()));
  }
}

/** Whether the next RPC after a state would be a WaitOperation (no probe decided here). */
function wantsToWait(policy: ResolvedPolling, server: ServerState, now: number): boolean {
  return policy.strategy === 'wait' || (policy.strategy === 'auto' && !server.waitUnsupported(now));
}

function isUnimplemented(error: unknown): boolean {
  return error instanceof RpcError && error.code === Code.UNIMPLEMENTED;
}

/** What a failed probing wait tells: a status the server sent means it serves the RPC. */
function probeFinding(error: unknown): 'supported' | 'unsupported' | 'unknown' {
  if (!(error instanceof RpcError) || error.noConnection) return 'unknown';
  return error.code === Code.UNIMPLEMENTED ? 'unsupported' : 'supported';
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** The abort reason of an interrupted wait; it never reaches a caller. */
const WAIT_INTERRUPTED = Symbol('wait interrupted to shorten its slice');

/** A signal for one WaitOperation: aborted with the run, or alone by `interrupt()`. */
function interruptibleSlice(run: AbortSignal) {
  const controller = new AbortController();
  let interrupted = false;
  const forward = () => controller.abort(run.reason);
  run.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    interrupt: () => {
      if (controller.signal.aborted) return;
      interrupted = true;
      controller.abort(WAIT_INTERRUPTED);
    },
    interrupted: () => interrupted && !run.aborted,
    dispose: () => run.removeEventListener('abort', forward),
  };
}
