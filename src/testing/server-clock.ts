/**
 * Time as the embedded server sees it: the SDK's clock (`now`, abortable `sleep`) plus
 * one-shot timers for timelines and waits. Everything goes through `src/time/clock.ts`,
 * so sinon fake timers drive the server like the rest of the package, and a test of
 * the store can pass a manual clock instead.
 *
 * @internal
 * @module
 */
import { startTimer, systemClock, type Clock } from '../time/clock.js';

/** The server's clock. @internal */
export interface ServerClock extends Clock {
  /**
   * Calls `callback` once `ms` have passed (any length; `Infinity` never) and returns
   * the function that cancels it. The timer never keeps Node alive (unref'd): a test
   * that forgets `stop()` is not held open by a timeline.
   */
  startTimer(callback: () => void, ms: number): () => void;
}

/** The real clock: `Date.now()` and unref'd timers, read at call time (fake timers apply). @internal */
export const serverClock: ServerClock = {
  now: () => systemClock.now(),
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
  startTimer: (callback, ms) => startTimer(callback, ms, { unref: true }),
};
