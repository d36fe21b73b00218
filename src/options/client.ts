/**
 * Client defaults in one frozen place, and the resolution of retry options over them
 * (field by field with `??`, so an explicit 0 means 0).
 *
 * @internal
 * @module
 */
import type { RetryOptions } from '../types.js';
import { checkNumber, checkObject } from '../validation.js';

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

/**
 * Resolves a retry option against the defaults: `false` disables retries, an object
 * overrides field by field.
 *
 * @internal
 */
export function resolveRetry(value: unknown, argument: string, defaults: ResolvedRetryOptions | false): ResolvedRetryOptions | false {
  if (value === undefined) return defaults;
  if (value === false) return false;
  const options = checkObject<RetryOptions>(value, argument);
  // A call that re-enables retries the client disabled starts from the SDK defaults.
  const base = defaults === false ? CLIENT_DEFAULTS.retry : defaults;
  return {
    retries: checkNumber(options.retries, `${argument}.retries`, { min: 0, max: 1000, integer: true }) ?? base.retries,
    initialDelayMs: checkNumber(options.initialDelayMs, `${argument}.initialDelayMs`, { min: 0 }) ?? base.initialDelayMs,
    multiplier: checkNumber(options.multiplier, `${argument}.multiplier`, { min: 1, max: 100 }) ?? base.multiplier,
    maxDelayMs: checkNumber(options.maxDelayMs, `${argument}.maxDelayMs`, { min: 0, allowInfinity: true }) ?? base.maxDelayMs,
    jitter: checkNumber(options.jitter, `${argument}.jitter`, { min: 0, max: 1 }) ?? base.jitter,
    attemptTimeoutMs: checkNumber(options.attemptTimeoutMs, `${argument}.attemptTimeoutMs`, { min: 1, allowInfinity: true }) ?? base.attemptTimeoutMs,
  };
}
