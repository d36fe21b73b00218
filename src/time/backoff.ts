/**
 * Exponential backoff as a pure function of the attempt, the policy and a random
 * number: no timers, no state, so schedules are asserted exactly in tests.
 *
 * @internal
 * @module
 */
/** A fully resolved backoff policy (every field set). @internal */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /** Fraction of the delay that is randomized, in [0, 1]. */
  readonly jitter: number;
}

/**
 * The delay before retry or poll number `attempt` (1-based):
 * `min(maxDelayMs, initialDelayMs * multiplier^(attempt-1))`, then drawn uniformly from
 * `[d * (1 - jitter), d]` using `random` in [0, 1). Jitter only ever shortens a delay,
 * so `maxDelayMs` stays a true upper bound. Optional bounds: never below `floorMs`
 * (e.g. a server's RetryInfo), never beyond `remainingMs` (the deadline). Never NaN or
 * negative; `Infinity` only when nothing bounds it (an infinite `maxDelayMs` grown past
 * the largest double).
 *
 * @internal
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: number,
  bounds: { floorMs?: number; remainingMs?: number } = {},
): number {
  const exponent = Math.max(0, attempt - 1);
  const grown = policy.initialDelayMs * policy.multiplier ** exponent;
  // 0 x Infinity (a zero initial delay after the growth overflowed) is still 0.
  const base = Math.min(policy.maxDelayMs, Number.isNaN(grown) ? 0 : grown);
  // Round first, then bound in whole milliseconds, so rounding never crosses a bound.
  let delay = Math.min(Math.round(base * (1 - policy.jitter * random)), Math.floor(policy.maxDelayMs));
  if (bounds.floorMs !== undefined) delay = Math.max(delay, Math.ceil(bounds.floorMs));
  if (bounds.remainingMs !== undefined) delay = Math.min(delay, Math.max(0, Math.floor(bounds.remainingMs)));
  // No cap at what one setTimeout accepts: the clock's sleep chains timers, so a delay
  // (an uncapped maxDelayMs, a server's long RetryInfo) is slept exactly.
  return delay > 0 ? delay : 0;
}
