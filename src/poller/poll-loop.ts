/**
 * The poll loop: waits for one operation to be done, by long-polling with
 * WaitOperation or polling GetOperation with backoff. Knows nothing of handles,
 * promises or observables: it reports every state it receives and returns the done one.
 *
 * @internal
 * @module
 */
import { RpcError } from '../errors.js';
import { backoffDelay } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import type { Operation } from '../types.js';
import type { ResolvedPolling } from './defaults.js';

/** The RPCs the poller needs, with the client's deadlines and retries applied. @internal */
export interface OperationRpcs {
  getOperation(name: string, options: { signal: AbortSignal }): Promise<Operation>;
  /** Asks the server to hold the call up to `waitMs`. */
  waitOperation(name: string, waitMs: number, options: { signal: AbortSignal }): Promise<Operation>;
}

/**
 * What a client remembers across operations: once its server answered WaitOperation
 * with UNIMPLEMENTED, `'auto'` polling goes straight to GetOperation.
 *
 * @internal
 */
export interface ServerCapabilities {
  waitOperationUnsupported: boolean;
}

/** @internal */
export interface PollLoopOptions {
  readonly name: string;
  readonly policy: ResolvedPolling;
  readonly rpcs: OperationRpcs;
  readonly capabilities: ServerCapabilities;
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
   * Set by the loop while a WaitOperation is in flight (cleared after): its slice and a
   * way to cut it short, after which the loop waits again at once with the slice
   * `waitSliceMs()` returns then. Lets a handle shorten a long wait when someone starts
   * watching progress.
   */
  readonly waitInFlight?: { current: WaitInFlight | undefined };
  /** Called with every state received, in order; may throw to end the loop. */
  readonly onOperation: (operation: Operation) => void;
}

/** A WaitOperation in flight, as the loop exposes it. @internal */
export interface WaitInFlight {
  readonly sliceMs: number;
  /** Cancels this wait; the loop re-waits at once (costs one cancelled RPC). */
  interrupt(): void;
}

const UNIMPLEMENTED = 12;

/**
 * Codes after which polling carries on with backoff: the operation is still there,
 * the server or the network is having a moment. Anything else (NOT_FOUND,
 * PERMISSION_DENIED, INVALID_ARGUMENT, UNAUTHENTICATED, ...) ends the wait.
 */
const TRANSIENT_POLLING_CODES = new Set([
  // CANCELLED that reaches the loop is never our own abort (that rejects with the
  // signal's reason first): grpc-js reports calls reset by a stopping server this way.
  1, // CANCELLED
  2, // UNKNOWN
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL
  14, // UNAVAILABLE
]);

/** Whether polling should carry on after this error. @internal */
export function isTransientForPolling(error: unknown): boolean {
  return error instanceof RpcError && TRANSIENT_POLLING_CODES.has(error.code);
}

/**
 * Polls until the operation is done and returns the done state. Transient RPC
 * failures back off and retry without ending the wait; permanent ones, errors thrown
 * by `onOperation`, and aborts end it.
 *
 * @internal
 */
export async function pollUntilDone(options: PollLoopOptions): Promise<Operation> {
  const { name, policy, rpcs, capabilities, clock, random, signal, onOperation } = options;
  let useWait = policy.strategy === 'wait' || (policy.strategy === 'auto' && !capabilities.waitOperationUnsupported);
  let needInitialState = !options.hasInitialState;
  let polls = 0;
  let consecutiveFailures = 0;
  let delayMs = needInitialState || useWait ? 0 : backoffDelay(1, policy, random());
  if (delayMs > 0) polls = 1;

  for (;;) {
    if (delayMs > 0) await clock.sleep(delayMs, signal);
    signal.throwIfAborted();
    let operation: Operation;
    const startedAt = clock.now();
    const waiting = useWait && !needInitialState;
    const sliceMs = waiting ? options.waitSliceMs?.() ?? policy.waitSliceMs : 0;
    const slice = waiting ? interruptibleSlice(signal) : undefined;
    if (slice && options.waitInFlight) options.waitInFlight.current = { sliceMs, interrupt: slice.interrupt };
    try {
      operation = slice
        ? await rpcs.waitOperation(name, sliceMs, { signal: slice.signal })
        : await rpcs.getOperation(name, { signal });
      // An answer that raced the abort is dropped: no state is reported after it.
      signal.throwIfAborted();
    } catch (error) {
      signal.throwIfAborted();
      if (slice?.interrupted()) {
        delayMs = 0;
        continue;
      }
      const waitRejected = waiting && error instanceof RpcError && error.code === UNIMPLEMENTED;
      if (waitRejected && policy.strategy === 'auto') {
        capabilities.waitOperationUnsupported = true;
        useWait = false;
        polls++;
        delayMs = backoffDelay(polls, policy, random());
        continue;
      }
      if (!isTransientForPolling(error)) throw error;
      consecutiveFailures++;
      delayMs = backoffDelay(consecutiveFailures, policy, random());
      continue;
    } finally {
      slice?.dispose();
      if (options.waitInFlight) options.waitInFlight.current = undefined;
    }
    consecutiveFailures = 0;
    needInitialState = false;
    onOperation(operation);
    if (operation.done) return operation;
    if (waiting) {
      // A server that answers a wait long before its slice (ignoring the timeout) must
      // not turn long-polling into a hot loop: such answers back off like polls.
      const early = clock.now() - startedAt < sliceMs / 2;
      polls = early ? polls + 1 : 0;
      delayMs = early ? backoffDelay(polls, policy, random()) : 0;
    } else if (useWait) {
      delayMs = 0; // that was the initial state; long-polling starts now
    } else {
      polls++;
      delayMs = backoffDelay(polls, policy, random());
    }
  }
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
