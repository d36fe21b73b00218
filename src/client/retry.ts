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
import { retryDelayFromDetails } from '../transport/codec.js';
import type { TransportCallOptions } from '../transport/transport.js';
import type { ResolvedRetryOptions } from './defaults.js';

/** gRPC status codes the client treats as transient. */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** What one call needs to run its attempts. @internal */
export interface RetryContext {
  readonly policy: ResolvedRetryOptions | false;
  /** Absolute overall deadline, ms since the epoch. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly metadata: Record<string, string> | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

/**
 * Whether a failed attempt may be retried: UNAVAILABLE always (the request did not
 * take effect or the RPC is idempotent), DEADLINE_EXCEEDED only while the overall
 * deadline has time left (one attempt's deadline passed, not the call's).
 *
 * @internal
 */
export function isTransient(error: unknown, remainingMs: number): boolean {
  if (!(error instanceof RpcError)) return false;
  if (error.code === UNAVAILABLE) return true;
  return error.code === DEADLINE_EXCEEDED && remainingMs > 0;
}

/**
 * Runs `attempt` until it succeeds, fails permanently, runs out of retries or the
 * deadline, or the signal aborts (then rejects with the signal's reason).
 *
 * @internal
 */
export async function callWithRetry<T>(
  attempt: (options: TransportCallOptions) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const { policy, deadline, signal, metadata, clock, random } = context;
  let attempts = 0;
  const runAttempt = () => {
    attempts++;
    const attemptDeadline = policy && policy.attemptTimeoutMs !== undefined
      ? Math.min(deadline, clock.now() + policy.attemptTimeoutMs)
      : deadline;
    const options: TransportCallOptions = { deadline: attemptDeadline };
    if (signal) options.signal = signal;
    if (metadata) options.metadata = metadata;
    return attempt(options);
  };
  try {
    if (!policy) return await runAttempt();
    return await pRetry(runAttempt, {
      retries: policy.retries,
      // p-retry's own sleep is disabled: shouldRetry sleeps with our policy and clock.
      minTimeout: 0,
      factor: 1,
      shouldRetry: async ({ error, retriesConsumed }) => {
        signal?.throwIfAborted();
        const remainingMs = deadline - clock.now();
        if (!isTransient(error, remainingMs)) return false;
        const serverDelayMs = retryDelayFromDetails((error as RpcError).details);
        // A server asking for more time than the deadline leaves: fail now, not later.
        if (serverDelayMs !== undefined && serverDelayMs >= remainingMs) return false;
        const bounds = serverDelayMs === undefined ? { remainingMs } : { remainingMs, floorMs: serverDelayMs };
        const delayMs = backoffDelay(retriesConsumed + 1, policy, random(), bounds);
        if (delayMs >= remainingMs) return false;
        await clock.sleep(delayMs, signal);
        return true;
      },
    });
  } catch (error) {
    // p-retry wraps non-Error abort reasons; the caller must get the reason itself.
    if (signal?.aborted) throw signal.reason;
    if (error instanceof RpcError && error.attempts !== attempts) {
      throw new RpcError(error.method, error.status, { attempts, cause: error.cause });
    }
    throw error;
  }
}
