/**
 * Polling defaults in one frozen place, and their resolution (client defaults, then
 * per-operation options, field by field with `??`).
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { ClientPollingOptions, PollingOptions } from '../types.js';
import { checkNumber } from '../validation.js';

/** Polling options with every field resolved. @internal */
export interface ResolvedPolling {
  readonly strategy: 'auto' | 'wait' | 'poll';
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly totalTimeoutMs: number | undefined;
  readonly waitSliceMs: number;
  readonly maxWaitSliceMs: number;
  /** The user's progress function; absent: detect common fields. */
  readonly progress?: (metadata: unknown) => number | undefined;
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
   * The first WaitOperation of a wait asks the server to hold the call this long: short
   * enough to find out early about proxies that cut idle calls. Slices then grow while
   * the server holds them in full (see `maxWaitSliceMs`).
   */
  waitSliceMs: 10_000,
  /**
   * Slices grow x5 up to 290 s while the server holds them in full (10 s, 50 s,
   * 250 s, 290 s, ...): a long operation costs about 15 RPCs an hour instead of 360
   * with 10 s slices (google-gax polls 83 times in its first hour). Just under
   * 5 minutes, because proxies and load balancers rarely let an idle call live longer
   * (a cut costs a retry), and Node's fetch (undici) gives up on response headers after
   * 300 s: an HTTP/JSON slice of exactly 300 s would race that limit.
   */
  maxWaitSliceMs: 290_000,
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

/** A client's bounds on its handles' poll RPCs, resolved. @internal */
export interface ResolvedPollLimits {
  readonly maxConcurrentWaits: number;
  readonly maxPollsInFlight: number;
}

/**
 * The client-wide bounds over gRPC (and a custom transport), chosen with the fleet
 * benchmark (10,000 operations on one client, docs/performance.md): they bring its peak
 * memory per operation under half of google-gax's and its event-loop delay p99 under
 * 50 ms with either strategy, and leave fleets of up to 100 operations exactly as
 * unbounded.
 *
 * @internal
 */
export const POLL_LIMIT_DEFAULTS: ResolvedPollLimits = Object.freeze({
  /**
   * No cap: over gRPC all long-polls share one HTTP/2 connection, and a held long-poll
   * costs less memory than the garbage of polling instead (docs/performance.md).
   */
  maxConcurrentWaits: Infinity,
  /**
   * Enough to keep a loopback server busy (a poll is about 0.2 ms of client CPU, so 64
   * in flight cover 13 ms of round trip), few enough that the answers read in one
   * event-loop turn start no more than about 15 ms of new work.
   */
  maxPollsInFlight: 64,
});

/**
 * The client-wide bounds over HTTP/JSON. fetch speaks HTTP/1.1 in Node (and to any
 * http:// origin in browsers), where each request in flight holds a TCP connection of
 * its own: without a cap, 10,000 waiting handles open 10,000 connections in one burst,
 * which overflows a server's accept queue (Node's and nginx's default backlog is 511),
 * so connections wait for SYN retransmits (1 s, 2 s, 4 s...), blocks the client's event
 * loop for seconds, and needs a file descriptor each (`ulimit -n` is often 1024).
 * Measured in the fleet benchmark: no cap gave 3.7 s median lag and 15 s p95; a cap of
 * 64 to 256 gave 1.6-1.7 s and 4-8 s with a third less memory (docs/performance.md).
 *
 * @internal
 */
export const HTTP_POLL_LIMIT_DEFAULTS: ResolvedPollLimits = Object.freeze({
  /**
   * Well inside the common 511-connection accept backlog together with the polls in
   * flight, and the same number as the concurrent streams most HTTP/2 servers allow.
   * Fleets of up to 100 operations long-poll exactly as without a cap.
   */
  maxConcurrentWaits: 100,
  maxPollsInFlight: POLL_LIMIT_DEFAULTS.maxPollsInFlight,
});

/**
 * The client-wide bounds of the browser entry. A browser opens at most 6 HTTP/1.1
 * connections per origin (any http:// origin, and https:// ones without HTTP/2), and
 * queues every further request to it, the page's own included, behind them: 6 held
 * long-polls would stall the page's other requests for a whole slice (10 s to 290 s).
 * 4 leave two connections free; further handles poll.
 *
 * @internal
 */
export const BROWSER_POLL_LIMIT_DEFAULTS: ResolvedPollLimits = Object.freeze({
  maxConcurrentWaits: 4,
  maxPollsInFlight: POLL_LIMIT_DEFAULTS.maxPollsInFlight,
});

/** Fields of the client's `polling` that a handle cannot set (they bound all handles together). */
const CLIENT_ONLY_KEYS = ['maxConcurrentWaits', 'maxPollsInFlight'] as const;

/**
 * Resolves the client-wide bounds from the client's `polling` option, over `defaults`
 * (those of the client's transport: {@link POLL_LIMIT_DEFAULTS} or
 * {@link HTTP_POLL_LIMIT_DEFAULTS}).
 *
 * @internal
 */
export function resolvePollLimits(
  options: ClientPollingOptions | undefined, argument: string, defaults: ResolvedPollLimits = POLL_LIMIT_DEFAULTS,
): ResolvedPollLimits {
  if (options === undefined || typeof options !== 'object' || options === null) return defaults;
  return {
    maxConcurrentWaits: checkNumber(options.maxConcurrentWaits, `${argument}.maxConcurrentWaits`, { min: 0, integer: true, allowInfinity: true })
      ?? defaults.maxConcurrentWaits,
    maxPollsInFlight: checkNumber(options.maxPollsInFlight, `${argument}.maxPollsInFlight`, { min: 1, integer: true, allowInfinity: true })
      ?? defaults.maxPollsInFlight,
  };
}

const STRATEGIES = new Set(['auto', 'wait', 'poll']);

/**
 * Resolves polling options over a base; validates every field, naming it.
 *
 * @internal
 */
export function resolvePolling(
  options: PollingOptions | undefined, base: ResolvedPolling, argument: string, clientWide = false,
): ResolvedPolling {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(argument, options, 'an object');
  }
  if (!clientWide) {
    for (const key of CLIENT_ONLY_KEYS) {
      if ((options as ClientPollingOptions)[key] !== undefined) {
        throw new InvalidArgumentError(`${argument}.${key}`, (options as ClientPollingOptions)[key],
          "absent: it bounds all of a client's handles together, so it is set in the client's options.polling");
      }
    }
  }
  if (options.strategy !== undefined && !STRATEGIES.has(options.strategy)) {
    throw new InvalidArgumentError(`${argument}.strategy`, options.strategy, "one of 'auto', 'wait', 'poll'");
  }
  const ownSliceMs = checkNumber(options.waitSliceMs, `${argument}.waitSliceMs`, { min: 1, allowInfinity: true });
  const waitSliceMs = ownSliceMs ?? base.waitSliceMs;
  // An explicit waitSliceMs without maxWaitSliceMs keeps every slice at it (as before
  // slices grew): whoever set it may know of a proxy that cuts longer calls.
  const maxWaitSliceMs = checkNumber(options.maxWaitSliceMs, `${argument}.maxWaitSliceMs`, { min: 1, allowInfinity: true })
    ?? (ownSliceMs ?? base.maxWaitSliceMs);
  if (options.progress !== undefined && typeof options.progress !== 'function') {
    throw new InvalidArgumentError(`${argument}.progress`, options.progress, 'a function from the metadata to a fraction in [0, 1]');
  }
  const progress = options.progress ?? base.progress;
  return {
    ...(progress === undefined ? {} : { progress }),
    strategy: options.strategy ?? base.strategy,
    initialDelayMs: checkNumber(options.initialDelayMs, `${argument}.initialDelayMs`, { min: 0 }) ?? base.initialDelayMs,
    multiplier: checkNumber(options.multiplier, `${argument}.multiplier`, { min: 1, max: 100 }) ?? base.multiplier,
    // Durations accept Infinity as "no limit" (maxDelayMs: no cap on the backoff).
    maxDelayMs: checkNumber(options.maxDelayMs, `${argument}.maxDelayMs`, { min: 0, allowInfinity: true }) ?? base.maxDelayMs,
    jitter: checkNumber(options.jitter, `${argument}.jitter`, { min: 0, max: 1 }) ?? base.jitter,
    totalTimeoutMs: checkNumber(options.totalTimeoutMs, `${argument}.totalTimeoutMs`, { min: 0, allowInfinity: true }) ?? base.totalTimeoutMs,
    waitSliceMs,
    maxWaitSliceMs: Math.max(waitSliceMs, maxWaitSliceMs),
    progressIntervalMs: checkNumber(options.progressIntervalMs, `${argument}.progressIntervalMs`, { min: 1, allowInfinity: true }) ?? base.progressIntervalMs,
    maxOutageMs: checkNumber(options.maxOutageMs, `${argument}.maxOutageMs`, { min: 0, allowInfinity: true }) ?? base.maxOutageMs,
  };
}
