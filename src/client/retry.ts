/**
 * Retry of one RPC: a plain loop. The first attempt is a plain call; only after a
 * transient failure is anything more set up. Each failure is classified, the delay
 * comes from the pure backoff function (raised to a server's RetryInfo, clamped to the
 * deadline) and the sleep is the clock's abortable one. (Why not p-retry: DEVELOPERS.md,
 * "Retry".)
 *
 * @internal
 * @module
 */
import { retryDelayFromDetails } from '../any/rpc-status.js';
import { codeName } from '../code.js';
import { debugLine, debugLog, type DebugSink } from '../debug-log.js';
import { RpcError } from '../errors.js';
import { backoffDelay } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { isTransientForCall } from '../transient.js';
import { isPermanentFailure, type TransportCallOptions } from '../transport/transport.js';
import type { ResolvedRetryOptions } from '../options/client.js';

/** Sends attempt number `attempt` (1 for the first) with these options. @internal */
export type Attempt<T> = (options: TransportCallOptions, attempt: number) => Promise<T>;

/** What one call needs to run its attempts. @internal */
export interface RetryContext {
  readonly policy: ResolvedRetryOptions | false;
  /** Absolute overall deadline, ms since the epoch. */
  readonly deadline: number;
  /** The caller's signal, if any: enough for the first attempt (close() rejects it in the transport). */
  readonly signal: AbortSignal | undefined;
  /**
   * A signal that also aborts on close(); made only when a retry has to wait, so the
   * common single-attempt call pays for no controller or listener.
   */
  readonly retrySignal: () => AbortSignal;
  readonly metadata: Record<string, string> | undefined;
  /** Passed to every attempt: hold it while the channel has no connection. */
  readonly waitForReady: boolean;
  /**
   * The shortest deadline an attempt may get, whatever `attemptTimeoutMs` says: a
   * WaitOperation attempt must outlast the wait it asks the server for.
   */
  readonly minimumAttemptMs: number | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  /** Told before each retry's sleep (the call's span records it as an event). */
  readonly onRetry?: ((attempt: number, delayMs: number, error: unknown) => void) | undefined;
}

/**
 * Whether a failed attempt may be retried: an {@link RpcError} with a transient code
 * for a call (`isTransientForCall`: UNAVAILABLE, DEADLINE_EXCEEDED while the overall
 * deadline has time left), unless the transport marked it permanent.
 *
 * @internal
 */
export function isTransient(error: unknown, remainingMs: number): boolean {
  if (!(error instanceof RpcError) || isPermanentFailure(error)) return false;
  return isTransientForCall(error.code, remainingMs);
}

/**
 * Runs `attempt` until it succeeds, fails permanently, runs out of retries or the
 * deadline, or the signal aborts (then rejects with the signal's reason). The first
 * attempt is a plain call; the retry loop takes over only after it failed.
 *
 * @internal
 */
export async function callWithRetry<T>(
  attempt: Attempt<T>,
  context: RetryContext,
): Promise<T> {
  const { policy } = context;
  const attemptTimeoutMs = policy && policy.attemptTimeoutMs !== undefined
    ? Math.max(policy.attemptTimeoutMs, context.minimumAttemptMs ?? 0)
    : undefined;
  try {
    return await attempt(attemptOptions(context, attemptTimeoutMs, context.signal), 1);
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    if (!policy || policy.retries === 0) throw error;
    return retryAfter(error, attempt, context, policy, attemptTimeoutMs);
  }
}

/** The options of one attempt: its deadline (the call's, or sooner), signal, metadata. */
function attemptOptions(
  context: RetryContext, attemptTimeoutMs: number | undefined, signal: AbortSignal | undefined,
): TransportCallOptions {
  const { deadline } = context;
  const options: TransportCallOptions = {
    deadline: attemptTimeoutMs === undefined ? deadline : Math.min(deadline, context.clock.now() + attemptTimeoutMs),
  };
  if (signal) options.signal = signal;
  if (context.metadata) options.metadata = context.metadata;
  if (context.waitForReady) options.waitForReady = true;
  return options;
}

/**
 * Retries 1..`policy.retries` after the first attempt failed with `firstError`. Ends
 * with the last error, its `attempts` set to the attempts made.
 */
async function retryAfter<T>(
  firstError: unknown,
  attempt: Attempt<T>,
  context: RetryContext,
  policy: ResolvedRetryOptions,
  attemptTimeoutMs: number | undefined,
): Promise<T> {
  const { deadline, clock, random } = context;
  // From here on, waits and attempts must also stop when the client closes.
  const signal = context.retrySignal();
  let error = firstError;
  let attempts = 1;
  // Read once per retried call: retries are rare, and off costs nothing more.
  const debug = debugLog();
  let retry = 1;
  for (; retry <= policy.retries; retry++) {
    if (signal.aborted) throw signal.reason;
    const remainingMs = deadline - clock.now();
    if (!isTransient(error, remainingMs)) break;
    const serverDelayMs = retryDelayFromDetails((error as RpcError).details);
    // A server asking for more time than the deadline leaves: fail now, not later.
    if (serverDelayMs !== undefined && serverDelayMs >= remainingMs) {
      debugRetry(debug, error, attempts, 'no retry: the server\'s RetryInfo asks for more than the deadline leaves');
      break;
    }
    const bounds = serverDelayMs === undefined ? { remainingMs } : { remainingMs, floorMs: serverDelayMs };
    const delayMs = backoffDelay(retry, policy, random(), bounds);
    if (delayMs >= remainingMs) {
      debugRetry(debug, error, attempts, 'no retry: the deadline is nearer than the backoff');
      break;
    }
    debugRetry(debug, error, attempts,
      `retry in ${Math.round(delayMs)}ms (${serverDelayMs === undefined ? 'backoff' : 'server RetryInfo'}, retry ${retry} of ${policy.retries})`);
    context.onRetry?.(attempts + 1, delayMs, error);
    await clock.sleep(delayMs, signal);
    attempts++;
    try {
      return await attempt(attemptOptions(context, attemptTimeoutMs, signal), attempts);
    } catch (attemptError) {
      if (signal.aborted) throw signal.reason;
      error = attemptError;
    }
  }
  if (retry > policy.retries && isTransient(error, deadline - clock.now())) {
    debugRetry(debug, error, attempts, `no retry: all ${policy.retries} retries made`);
  }
  if (error instanceof RpcError && error.attempts !== attempts) {
    throw new RpcError(error.method, error.status, { attempts, cause: error.cause, noConnection: error.noConnection });
  }
  throw error;
}

/** A debug line about a retry decision after attempt `attempts` failed with `error`. */
function debugRetry(debug: DebugSink | undefined, error: unknown, attempts: number, decision: string): void {
  if (debug === undefined) return;
  const rpc = error as RpcError;
  debugLine(debug, 'retry', `${rpc.method} attempt=${attempts} failed ${codeName(rpc.code)}: ${decision}`);
}
