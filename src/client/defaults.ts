/**
 * Client defaults in one frozen place; resolved with `??` so an explicit 0 means 0.
 *
 * @internal
 * @module
 */

/** Resolved retry policy (every field set). @internal */
export interface ResolvedRetryOptions {
  readonly retries: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly attemptTimeoutMs: number | undefined;
}

/** @internal */
export const CLIENT_DEFAULTS = Object.freeze({
  /**
   * Overall deadline of one call, retries included: 60 s, as google-gax's default
   * for the Operations service; generous for a unary RPC, finite so nothing hangs.
   */
  timeoutMs: 60_000,
  /** See the `@defaultValue` notes on `RetryOptions`. */
  retry: Object.freeze({
    retries: 5,
    initialDelayMs: 100,
    multiplier: 2,
    maxDelayMs: 5_000,
    jitter: 0.5,
    attemptTimeoutMs: undefined,
  }) satisfies ResolvedRetryOptions,
  /**
   * WaitOperation asks the server to hold the call for `timeoutMs`; the RPC's own
   * deadline gets this much on top so the server's answer is not cut off in flight.
   */
  waitDeadlineGraceMs: 5_000,
  /**
   * Consecutive empty pages (each with a fresh token) tolerated before pagination
   * gives up: sparse filters legitimately produce some, a broken server produces
   * them forever.
   */
  maxConsecutiveEmptyPages: 1_000,
});
