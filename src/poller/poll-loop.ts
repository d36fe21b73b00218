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
import { Code, codeName } from '../code.js';
import { debugLine, debugLog, percentText, type DebugSink } from '../debug-log.js';
import { RpcError } from '../errors.js';
import { backoffDelay, type BackoffPolicy } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { TRANSIENT_POLLING_CODES } from '../transient.js';
import type { CallOptions, Operation, OperationNameRequest, WaitOperationRequest } from '../types.js';
import type { ResolvedPolling } from '../options/polling.js';
import type { PollLimiter } from './poll-limiter.js';
import { PROBE_SLICE_MS, type ServerState, type WaitProbe } from './server-state.js';
import { ProgressEstimate } from './progress-estimate.js';
import { WaitSliceSchedule } from './wait-slices.js';

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
  /**
   * The client's bounds on long-polls held and polls in flight, shared by its handles.
   * Absent: no bounds (tests of the loop alone).
   */
  readonly limiter?: PollLimiter;
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
   * The state the caller holds, if any: an immediate answer with the same state is a
   * server ignoring the wait's timeout, from the first wait on.
   */
  readonly initial?: Operation;
  /**
   * The longest the next WaitOperation may hold, read before each one: the slice the
   * loop would ask for is cut to it (while someone watches progress, the progress
   * interval). Defaults to no limit.
   */
  readonly sliceLimitMs?: () => number;
  /**
   * Called once, as the loop starts, with the listener for the event "`sliceLimitMs()`
   * may have shrunk" (a progress watcher joined), which the caller fires by calling it.
   * When a WaitOperation is in flight with a longer slice than `sliceLimitMs()` returns
   * now, the wait is cancelled and re-issued at once with the shorter one (costs one
   * cancelled RPC), so progress does not stay hidden for a long slice. Otherwise, and
   * once the loop has ended, the listener does nothing (the caller drops it then).
   */
  readonly onSliceShrunk?: (listener: () => void) => void;
  /** Called with every state received, in order; may throw to end the loop. */
  readonly onOperation: (operation: Operation) => void;
  /**
   * The progress fraction (in [0, 1]) of the latest state (the initial one, then the
   * last passed to `onOperation`), or undefined when unknown. GetOperation polls are
   * then scheduled around the estimated finish (see `ProgressEstimate`).
   */
  readonly progress?: () => number | undefined;
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

/**
 * What one iteration does: send GetOperation, a WaitOperation, the probing
 * WaitOperation, or wait for another handle's probe. A name, not an object: the slice and
 * the probe stay locals of the loop, so a fleet of waits allocates nothing for it.
 */
type Step = 'get' | 'wait' | 'probe' | 'await-probe';

/**
 * Polls until the operation is done and returns the done state. Transient RPC
 * failures back off and retry without ending the wait; permanent ones, errors thrown
 * by `onOperation`, and aborts end it. So does a failure to connect before the server
 * was ever reached, and an outage longer than `policy.maxOutageMs`.
 *
 * Its steps are module-level functions given the run's state, not closures made per
 * run: a fleet keeps thousands of runs waiting at once, and each closure costs heap.
 *
 * @internal
 */
export async function pollUntilDone(options: PollLoopOptions): Promise<Operation> {
  const { name, policy, rpcs, server, limiter, clock, random, signal, onOperation } = options;
  /** The WaitOperation in flight, which a shrunk slice may cut short. */
  let inFlight: WaitSlice | undefined;
  options.onSliceShrunk?.(() => inFlight?.shrinkTo(sliceLimit(options)));
  /** Made at the first long-poll: runs that only poll need none. */
  let slices: WaitSliceSchedule | undefined;
  const startedRunAt = clock.now();
  /** Whether a WaitOperation was sent yet (the first one may be paced, see below). */
  let waited = false;
  /** Made at the first transient failure: most runs never fail. */
  let failurePolicy: BackoffPolicy | undefined;
  let needInitialState = !options.hasInitialState;
  /** Polls (or unproductive immediate waits) in a row: the poll schedule's position. */
  let polls = 0;
  let immediateAnswers = 0;
  let consecutiveFailures = 0;
  /** The last time the server answered anything, for the outage bound. */
  let reachedAt = clock.now();
  let previous: Operation | undefined = options.initial;
  let delayMs = 0;
  /** Why `delayMs` is what it is, for the debug log (a constant string: free when the log is off). */
  let delayReason = 'first poll';
  /** Read once per run: a log that is off costs a branch per step. */
  const debug = debugLog();
  /**
   * Whether the pause just slept was a poll-schedule delay: a handle the long-poll cap
   * turns away then polls at once; otherwise it first sleeps such a delay, so the
   * handles beyond the cap cost what the `poll` strategy would (and try for a slot
   * again each time they wake).
   */
  let pollDelaySlept = false;
  /** Made at the first known progress: most operations report none. */
  let estimate: ProgressEstimate | undefined;
  if (!needInitialState) estimate = sampleProgress(options, estimate);
  if (!needInitialState && !wantsToWait(policy, server, clock.now())) {
    polls = 1;
    delayMs = backoffDelay(1, policy, random());
    delayReason = 'backoff';
  }
  /** Whether this loop holds one of the client's long-poll slots (only during a wait). */
  let holdsWait = false;

  for (;;) {
    if (delayMs > 0) await clock.sleep(delayMs, signal);
    signal.throwIfAborted();
    const sleptMs = delayMs;
    delayMs = 0;
    let step = nextStep(options, needInitialState);
    if (step === 'await-probe') {
      // Another handle is asking whether the server serves WaitOperation: its answer
      // decides for this one too, so a fleet of new handles sends one probe, not one each.
      await abortable(server.probeSettled(), signal);
      continue;
    }
    if (step === 'wait' && !waited && server.waitsAnsweredAtOnce) {
      // This client's server answers waits at once (another handle saw it): pace the
      // first wait like a poll, and carry on as if this loop had seen it too (the
      // second same-state answer puts a loop on the poll schedule), so such a server
      // costs what the `poll` strategy would.
      waited = true;
      immediateAnswers = 2;
      delayMs = backoffDelay(1, policy, random());
      delayReason = 'server answers waits at once: paced like a poll';
      continue;
    }
    // Beyond the client's long-poll cap (`auto` only: `wait` asked for long-polls alone),
    // poll on the poll schedule, trying for a slot each time.
    let cappedPoll = false;
    if (step !== 'get' && limiter !== undefined && policy.strategy === 'auto') {
      holdsWait = limiter.tryAcquireWait();
      if (!holdsWait) {
        if (!pollDelaySlept) {
          polls++;
          delayMs = pollDelay(options, polls, estimate);
          delayReason = 'beyond the long-poll cap: poll schedule';
          pollDelaySlept = true;
          continue;
        }
        step = 'get';
        cappedPoll = true;
      }
    }
    pollDelaySlept = false;
    const waits = step !== 'get';
    let sliceMs = 0;
    let probe: WaitProbe | undefined;
    if (waits) {
      waited = true;
      slices ??= new WaitSliceSchedule(policy.waitSliceMs, policy.maxWaitSliceMs);
      // Never longer than the time left: the total timeout cuts the wait anyway.
      const leftMs = policy.totalTimeoutMs === undefined ? Infinity : Math.ceil(startedRunAt + policy.totalTimeoutMs - clock.now());
      sliceMs = slices.next(Math.min(sliceLimit(options), leftMs));
      if (step === 'probe') {
        sliceMs = Math.min(sliceMs, PROBE_SLICE_MS);
        probe = server.startProbe(() => clock.now());
      }
    }
    if (debug !== undefined) debugStep(debug, name, step, sliceMs, policy.strategy, sleptMs, delayReason);
    const startedAt = clock.now();
    const slice = waits ? new WaitSlice(signal, sliceMs) : undefined;
    inFlight = slice;
    const callOptions: PollCallOptions = {
      signal: slice?.signal ?? signal,
      waitForReady: server.reached,
      notAfter: consecutiveFailures > 0 ? reachedAt + policy.maxOutageMs : Infinity,
    };
    // Polls beyond the client's bound on polls in flight queue here, first come first served.
    const pollSlot = !waits && limiter !== undefined ? limiter.acquirePoll(signal) : undefined;
    // Aborted while queued: rejects with the run's reason, holding no slot.
    if (pollSlot !== undefined) await pollSlot;
    let operation: Operation;
    try {
      operation = waits
        ? await rpcs.waitOperation({ name, timeoutMs: sliceMs }, callOptions)
        : await rpcs.getOperation({ name }, callOptions);
      // An answer that raced the abort is dropped: no state is reported after it.
      signal.throwIfAborted();
    } catch (error) {
      probe?.settle(probeFinding(error));
      signal.throwIfAborted();
      if (slice?.interrupted() === true) {
        delayMs = 0;
        delayReason = 'wait cut to a shorter slice';
        continue;
      }
      if (waits) slices?.failed(clock.now() - startedAt);
      if (waits && policy.strategy === 'auto' && isUnimplemented(error)) {
        server.markWaitUnsupported(clock.now());
        polls++;
        delayMs = backoffDelay(polls, policy, random());
        delayReason = 'WaitOperation is UNIMPLEMENTED: GetOperation backoff';
        continue;
      }
      if (!isTransientForPolling(error)) throw error;
      const rpcError = error as RpcError;
      // Never reached: fail as the call itself would, not wait silently forever.
      if (rpcError.noConnection && !server.reached) throw error;
      if (!rpcError.noConnection) reachedAt = clock.now();
      if (clock.now() - reachedAt >= policy.maxOutageMs) throw error;
      consecutiveFailures++;
      failurePolicy ??= failureBackoff(policy);
      // A server's RetryInfo is a floor: it sees no RPC for this operation before then.
      const serverDelayMs = retryDelayFromDetails(rpcError.details);
      const bounds = serverDelayMs === undefined ? {} : { floorMs: serverDelayMs };
      delayMs = backoffDelay(consecutiveFailures, failurePolicy, random(), bounds);
      delayReason = `${codeName(rpcError.code)}, failure ${consecutiveFailures}${serverDelayMs === undefined ? '' : ', server RetryInfo'}`;
      continue;
    } finally {
      slice?.dispose();
      inFlight = undefined;
      if (!waits) limiter?.releasePoll();
      else if (holdsWait) limiter?.releaseWait();
      holdsWait = false;
    }
    probe?.settle('supported');
    consecutiveFailures = 0;
    reachedAt = clock.now();
    needInitialState = false;
    onOperation(operation);
    if (debug !== undefined) debugState(debug, options, previous, operation);
    if (operation.done) return operation;
    if (waits) {
      polls = 0;
      const elapsedMs = clock.now() - startedAt;
      const immediateMs = Math.min(IMMEDIATE_ANSWER_MS, sliceMs / 2);
      const unchanged = previous !== undefined && sameAny(previous.metadata, operation.metadata);
      if (elapsedMs >= immediateMs) {
        // Held until progress or the server's own cap: the server long-polls as designed.
        server.waitsAnsweredAtOnce = false;
        slices?.held(sliceMs, elapsedMs, !unchanged);
        immediateAnswers = 0;
        delayMs = 0;
        delayReason = 'held answer: wait again';
      } else {
        // Progress is the server working as designed; the same state again, at once, is a
        // server that ignores the timeout: after the first such answer, poll-schedule it.
        immediateAnswers = unchanged ? immediateAnswers + 1 : 0;
        if (unchanged) server.waitsAnsweredAtOnce = true;
        delayMs = immediateAnswerDelay(Math.ceil(immediateMs - elapsedMs), immediateAnswers, policy, random);
        delayReason = unchanged ? 'immediate answer, unchanged' : 'immediate answer with progress';
      }
    } else if (!cappedPoll && wantsToWait(policy, server, clock.now())) {
      delayMs = 0; // that was the initial state; long-polling starts now
      delayReason = 'initial state read: long-poll';
    } else {
      polls++;
      estimate = sampleProgress(options, estimate);
      delayMs = pollDelay(options, polls, estimate);
      delayReason = estimate === undefined ? `backoff, poll ${polls}` : `progress estimate, poll ${polls}`;
      pollDelaySlept = true;
    }
    // The same state again keeps the copy already held: the new one dies young instead
    // of living (and being promoted by the collector) through the pause that follows.
    if (previous === undefined || !sameAny(previous.metadata, operation.metadata)) previous = operation;
  }
}

/** A debug line about the step the loop takes now, and the pause before it. */
function debugStep(
  debug: DebugSink, name: string, step: Step, sliceMs: number, strategy: string, sleptMs: number, reason: string,
): void {
  const rpc = step === 'get' ? 'GetOperation' : step === 'await-probe' ? 'await another handle\'s probe' : `WaitOperation slice=${sliceMs}ms`;
  debugLine(debug, 'poll', `${name} strategy=${strategy} after=${Math.round(sleptMs)}ms (${reason}): ${step === 'probe' ? 'probe ' : ''}${rpc}`);
}

/** A debug line for a state that differs from the previous one (done, or other metadata). */
function debugState(debug: DebugSink, options: PollLoopOptions, previous: Operation | undefined, operation: Operation): void {
  if (previous !== undefined && previous.done === operation.done && sameAny(previous.metadata, operation.metadata)) return;
  const outcome = !operation.done ? '' : operation.error === undefined ? ' outcome=ok' : ` outcome=${codeName(operation.error.code)}`;
  debugLine(debug, 'state', `${operation.name} done=${String(operation.done)} progress=${percentText(options.progress?.())}${outcome}`);
}

/** The pause before the next GetOperation: the backoff, or around the estimated finish. */
function pollDelay({ policy, clock, random }: PollLoopOptions, polls: number, estimate: ProgressEstimate | undefined): number {
  const delayMs = backoffDelay(polls, policy, random());
  // Poll around the estimated finish instead of where the backoff happens to fall.
  return estimate === undefined ? delayMs : estimate.delay(clock.now(), delayMs, policy.initialDelayMs, policy.maxDelayMs);
}

/** Adds the latest state's progress to the run's estimate (made at the first one known). */
function sampleProgress(options: PollLoopOptions, estimate: ProgressEstimate | undefined): ProgressEstimate | undefined {
  const fraction = options.progress?.();
  if (fraction === undefined) return estimate;
  const next = estimate ?? new ProgressEstimate();
  next.add(options.clock.now(), fraction);
  return next;
}

/** Which RPC to send now, or `'await-probe'` to wait for another handle's probe first. */
function nextStep({ policy, server, clock }: PollLoopOptions, needInitialState: boolean): Step {
  if (needInitialState || policy.strategy === 'poll') return 'get';
  if (policy.strategy === 'wait') return 'wait';
  const mode = server.waitMode(clock.now());
  return mode === 'poll' ? 'get' : mode;
}

/** The longest the next WaitOperation may hold, whatever the slice schedule says. */
function sliceLimit(options: PollLoopOptions): number {
  return options.sliceLimitMs === undefined ? Infinity : options.sliceLimitMs();
}

/**
 * The pause after an immediate, not-done answer: at least the spacing, and the poll
 * schedule once the same state came back at once more than once.
 */
function immediateAnswerDelay(spacingMs: number, immediateAnswers: number, policy: ResolvedPolling, random: () => number): number {
  return immediateAnswers <= 1 ? spacingMs : Math.max(spacingMs, backoffDelay(immediateAnswers - 1, policy, random()));
}

/** The backoff after transient failures: the polling policy with a shorter longest pause. */
function failureBackoff(policy: ResolvedPolling): BackoffPolicy {
  return { ...policy, maxDelayMs: Math.min(policy.maxDelayMs, FAILURE_MAX_DELAY_MS) };
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

/**
 * One WaitOperation's signal: aborted with the run, or alone when a shorter slice cuts
 * it. A class, not an object of closures: a fleet holds one per waiting operation.
 */
class WaitSlice {
  readonly #controller = new AbortController();
  readonly #run: AbortSignal;
  readonly #sliceMs: number;
  #interrupted = false;

  constructor(run: AbortSignal, sliceMs: number) {
    this.#run = run;
    this.#sliceMs = sliceMs;
    // The slice itself listens (handleEvent): no forwarding closure per wait.
    run.addEventListener('abort', this, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The run aborted: so does this wait, with the run's reason. */
  handleEvent(): void {
    this.#controller.abort(this.#run.reason);
  }

  /** Cuts the wait if its slice is longer than `sliceMs` (a watcher joined). */
  shrinkTo(sliceMs: number): void {
    if (this.#sliceMs <= sliceMs || this.#controller.signal.aborted) return;
    this.#interrupted = true;
    this.#controller.abort(WAIT_INTERRUPTED);
  }

  /** Whether the wait ended because it was cut, not because the run was aborted. */
  interrupted(): boolean {
    return this.#interrupted && !this.#run.aborted;
  }

  dispose(): void {
    this.#run.removeEventListener('abort', this);
  }
}
