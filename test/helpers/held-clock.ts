/**
 * A clock for integration tests whose deadlines must fire at a chosen point of the
 * poll loop (during a held WaitOperation, between two polls...), not at a wall-clock
 * time that a loaded machine may reach before the loop gets there. Time and every
 * other sleep are real; a sleep of one of the `held` durations (a `totalTimeoutMs`, a
 * `promise({ timeoutMs })`) waits until the test calls `fire()`, and still ends at
 * once (clearing everything) when its signal aborts.
 */
import { systemClock, type Clock } from '../../src/time/clock.js';

export interface HeldClock extends Clock {
  /** Every sleep asked for, in milliseconds, in order (held ones included). */
  readonly requested: number[];
  /** How many held sleeps are pending. */
  readonly pending: number;
  /** Whether a real (not held) sleep is under way: the poll loop between two polls. */
  readonly sleeping: boolean;
  /** Ends the pending held sleeps as if their time had come; returns how many. */
  fire(): number;
}

export function heldClock(held: readonly number[]): HeldClock {
  const pending = new Set<() => void>();
  const requested: number[] = [];
  let sleeping = 0;
  return {
    requested,
    get pending() {
      return pending.size;
    },
    get sleeping() {
      return sleeping > 0;
    },
    now: () => systemClock.now(),
    sleep(ms, signal) {
      requested.push(ms);
      if (!held.includes(ms)) {
        sleeping++;
        return systemClock.sleep(ms, signal).finally(() => {
          sleeping--;
        });
      }
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          pending.delete(wake);
          reject(signal!.reason);
        };
        const wake = () => {
          pending.delete(wake);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        pending.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    fire() {
      const wakes = [...pending];
      for (const wake of wakes) wake();
      return wakes.length;
    },
  };
}
