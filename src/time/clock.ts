/**
 * The only place that touches timers. Every sleep is tied to a signal that aborts it
 * (and clears its timer) when the caller stops waiting: the last waiter leaves, the
 * operation settles, or the client closes. So a timer keeps Node alive exactly while
 * someone waits, and never after; a script awaiting a result does not exit mid-wait.
 *
 * @internal
 * @module
 */

/** The largest delay `setTimeout` accepts (2^31 - 1 ms, about 24.8 days). @internal */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Time as the SDK sees it. Tests replace it (or use sinon fake timers, which the
 * default clock honours because it reads the globals at call time).
 *
 * @internal
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` (clamped to [0, MAX_TIMER_DELAY_MS]); rejects with
   * `signal.reason` as soon as the signal aborts, clearing the timer.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. @internal */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, clampDelay(ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Clamps a delay to what `setTimeout` accepts; NaN becomes 0. @internal */
export function clampDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}
