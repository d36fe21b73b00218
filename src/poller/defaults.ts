/**
 * Polling defaults in one frozen place, and their resolution (client defaults, then
 * per-operation options, field by field with `??`).
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { PollingOptions } from '../types.js';

/** Polling options with every field resolved. @internal */
export interface ResolvedPolling {
  readonly strategy: 'auto' | 'wait' | 'poll';
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly totalTimeoutMs: number | undefined;
  readonly waitSliceMs: number;
  readonly progressIntervalMs: number;
  readonly maxOutageMs: number;
}

/**
 * The defaults, chosen by simulating poll schedules against google-gax's (first poll
 * at once, then 100 ms x1.3, 60 s cap, no jitter) for operations finishing after 1 s,
 * 10 s and 60 s: 220 ms x1.7 detects completion no later than gax (median and p95)
 * with 4 RPCs instead of 7 at 1 s, 8 instead of 15 at 10 s, and 11 instead of 21 at
 * 60 s (mean lag ~3 s), and still polls less than gax at 10 minutes and an hour, thanks
 * to the same 60 s cap. Jitter is kept small (5%): enough to spread a fleet of
 * operations started together, small enough to keep the schedule's guarantees.
 * `docs/polling.md` has the table and how the schedule was chosen.
 *
 * @internal
 */
export const POLLING_DEFAULTS: ResolvedPolling = Object.freeze({
  strategy: 'auto',
  initialDelayMs: 220,
  multiplier: 1.7,
  maxDelayMs: 60_000,
  jitter: 0.05,
  totalTimeoutMs: undefined,
  /**
   * One WaitOperation asks the server to hold the call this long: long enough that a
   * wait costs ~6 RPCs a minute, short enough for proxies that cut idle calls and for
   * progress (metadata) to refresh regularly.
   */
  waitSliceMs: 10_000,
  /**
   * While someone watches `state$` or `metadata$`, one WaitOperation holds at most 2 s:
   * WaitOperation only answers early when the operation is done, so progress would
   * otherwise refresh once per slice. Detection of done stays immediate either way.
   */
  progressIntervalMs: 2_000,
  /**
   * Once the server was reached, a wait rides out failures to reach it (a restart, a
   * network outage) for this long, then fails with the last error: long enough for
   * restarts and rolling deploys, short enough that a server gone for good is reported.
   */
  maxOutageMs: 600_000,
});

const STRATEGIES = new Set(['auto', 'wait', 'poll']);

function numberOption(value: unknown, argument: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, value, `a finite number from ${min} to ${max}`);
  }
  return value;
}

/**
 * Resolves polling options over a base; validates every field, naming it.
 *
 * @internal
 */
export function resolvePolling(options: PollingOptions | undefined, base: ResolvedPolling, argument: string): ResolvedPolling {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(argument, options, 'an object');
  }
  if (options.strategy !== undefined && !STRATEGIES.has(options.strategy)) {
    throw new InvalidArgumentError(`${argument}.strategy`, options.strategy, "one of 'auto', 'wait', 'poll'");
  }
  return {
    strategy: options.strategy ?? base.strategy,
    initialDelayMs: numberOption(options.initialDelayMs, `${argument}.initialDelayMs`, 0) ?? base.initialDelayMs,
    multiplier: numberOption(options.multiplier, `${argument}.multiplier`, 1, 100) ?? base.multiplier,
    maxDelayMs: numberOption(options.maxDelayMs, `${argument}.maxDelayMs`, 0) ?? base.maxDelayMs,
    jitter: numberOption(options.jitter, `${argument}.jitter`, 0, 1) ?? base.jitter,
    totalTimeoutMs: numberOption(options.totalTimeoutMs, `${argument}.totalTimeoutMs`, 0) ?? base.totalTimeoutMs,
    waitSliceMs: numberOption(options.waitSliceMs, `${argument}.waitSliceMs`, 1) ?? base.waitSliceMs,
    progressIntervalMs: numberOption(options.progressIntervalMs, `${argument}.progressIntervalMs`, 1) ?? base.progressIntervalMs,
    maxOutageMs: numberOption(options.maxOutageMs, `${argument}.maxOutageMs`, 0) ?? base.maxOutageMs,
  };
}
