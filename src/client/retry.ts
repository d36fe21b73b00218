/**
 * Retry of one RPC on p-retry. p-retry counts attempts and stops on exhausted
 * retries; the decision to retry and the delay are ours: the error is classified, the
 * delay comes from the pure backoff function (raised to a server's RetryInfo, clamped
 * to the deadline) and the sleep is the clock's abortable one.
 *
 * @internal
 * @module
 */
import pRetry from 'p-retry';
import { RpcError } from '../errors.js';
import { backoffDelay } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { isTransientForCall } from '../transient.js';
import { retryDelayFromDetails } from '../transport/codec.js';
import { isPermanentFailure, type TransportCallOptions } from '../transport/transport.js';
import type { ResolvedRetryOptions } from './defaults.js';

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
 * attempt is a plain call; p-retry takes over only after a transient failure.
 *
 * @internal
 */
export async function callWithRetry<T>(
  attempt: (options: TransportCallOptions) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const { policy, deadline, metadata, clock, random, minimumAttemptMs } = context;
  const attemptTimeoutMs = policy && policy.attemptTimeoutMs !== undefined
    ? Math.max(policy.attemptTimeoutMs, minimumAttemptMs ?? 0)
    : undefined;
  let attempts = 0;
  const runAttempt = (signal: AbortSignal | undefined) => {
    attempts++;
    const attemptDeadline = attemptTimeoutMs === undefined ? deadline : Math.min(deadline, clock.now() + attemptTimeoutMs);
    const options: TransportCallOptions = { deadline: attemptDeadline };
    if (signal) options.signal = signal;
    if (metadata) options.metadata = metadata;
    if (context.waitForReady) options.waitForReady = true;
    return attempt(options);
  };

  let firstError: unknown;
  try {
    return await runAttempt(context.signal);
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    if (!policy || policy.retries === 0) throw error;
    firstError = error;
  }

  // From here on, waits and attempts must also stop when the client closes.
  const signal = context.retrySignal();
  /** Decides on retry number `retry` (1-based) after `error`, and waits for it. */
  const waitBeforeRetry = async (error: unknown, retry: number): Promise<boolean> => {
    signal.throwIfAborted();
    const remainingMs = deadline - clock.now();
    if (!isTransient(error, remainingMs)) return false;
    const serverDelayMs = retryDelayFromDetails((error as RpcError).details);
    // A server asking for more time than the deadline leaves: fail now, not later.
    if (serverDelayMs !== undefined && serverDelayMs >= remainingMs) return false;
    const bounds = serverDelayMs === undefined ? { remainingMs } : { remainingMs, floorMs: serverDelayMs };
    const delayMs = backoffDelay(retry, policy, random(), bounds);
    if (delayMs >= remainingMs) return false;
    await clock.sleep(delayMs, signal);
    return true;
  };
  try {
    if (!(await waitBeforeRetry(firstError, 1))) throw firstError;
    return await pRetry(() => runAttempt(signal), {
      retries: policy.retries - 1,
      // p-retry's own sleep is disabled: waitBeforeRetry sleeps with our policy and clock.
      minTimeout: 0,
      factor: 1,
      shouldRetry: ({ error, retriesConsumed }) => waitBeforeRetry(error, retriesConsumed + 2),
    });
  } catch (error) {
    // p-retry wraps non-Error abort reasons; the caller must get the reason itself.
    if (signal.aborted) throw signal.reason;
    if (error instanceof RpcError && error.attempts !== attempts) {
      throw new RpcError(error.method, error.status, { attempts, cause: error.cause, noConnection: error.noConnection });
    }
    throw error;
  }
}
