/**
 * How long each WaitOperation of one poll loop asks the server to hold: slices grow
 * while the server holds them as long as asked, and stop at the server's own cap (or a
 * proxy's) once the loop has seen it. Pure bookkeeping: no timers, no RPCs, so the
 * growth and the learning are asserted exactly in tests.
 *
 * @internal
 * @module
 */

/**
 * Each slice the server held in full is followed by one this many times longer (up to
 * `maxWaitSliceMs`). 5, so that from the first 10 s slice the second (50 s) and third
 * (250 s) reach the common server caps (60 s) and the 290 s default in two steps: a
 * server capping waits at C >= 50 s costs at most 2 + T / C RPCs for an operation of
 * T, one holding as long as asked 4 RPCs for 10 minutes and 15 for an hour.
 *
 * @internal
 */
export const WAIT_SLICE_GROWTH = 5;

/**
 * A wait answered (not done, same state) after at least this fraction of its slice was
 * held in full: servers answer at their timeout give or take scheduling, never exactly.
 *
 * @internal
 */
export const FULL_HOLD_FRACTION = 0.95;

/**
 * Two early answers (same state, held but short of the slice) count as "at the same
 * point" when their hold times differ by at most this fraction (or 1 s, if more).
 *
 * @internal
 */
export const SAME_CAP_TOLERANCE = 0.1;

/**
 * The slice schedule of one loop. A class with a few numbers, not closures: a fleet
 * holds one per waiting operation.
 *
 * - Starts at `firstMs` (`waitSliceMs`).
 * - A slice held in full, asked at the current length (not shortened by a progress
 *   watcher or the total timeout), makes the next one {@link WAIT_SLICE_GROWTH} times
 *   longer, up to `maxMs` and any learnt cap.
 * - An answer held, but short of the slice, with an unchanged state, twice in a row at
 *   the same point, is the server's own cap: later slices ask for exactly that (no
 *   growth past it). A single one changes nothing (it may be a one-off); an answer with
 *   a new state is progress and says nothing about a cap.
 * - A transient failure after the wait was held longer than any slice the server has
 *   answered in full (and at least `firstMs`) is taken for a cut (a proxy ending idle
 *   calls, or a deadline): later slices stay at the longest one answered in full.
 *
 * @internal
 */
export class WaitSliceSchedule {
  readonly #firstMs: number;
  #currentMs: number;
  /** No growth beyond this: `maxMs`, or what the loop learnt about the server. */
  #capMs: number;
  /** The longest slice the server held in full (0: none yet). */
  #provenMs = 0;
  /** The hold time of the previous answer when it was an early, unchanged one. */
  #earlyAtMs: number | undefined;

  constructor(firstMs: number, maxMs: number) {
    this.#firstMs = firstMs;
    this.#currentMs = firstMs;
    this.#capMs = Math.max(firstMs, maxMs);
  }

  /** The slice to ask for now, within `limitMs` (a progress watcher's interval, the time left). */
  next(limitMs: number): number {
    return Math.max(1, Math.min(this.#currentMs, limitMs));
  }

  /** What the loop learnt so far (for tests and debugging). */
  get state(): { currentMs: number; capMs: number; provenMs: number } {
    return { currentMs: this.#currentMs, capMs: this.#capMs, provenMs: this.#provenMs };
  }

  /**
   * A not-done answer held `heldMs` (not an immediate one) to a wait that asked
   * `askedMs`; `changed`: the state differs from the previous one.
   */
  held(askedMs: number, heldMs: number, changed: boolean): void {
    if (heldMs >= askedMs * FULL_HOLD_FRACTION) {
      this.#earlyAtMs = undefined;
      this.#provenMs = Math.max(this.#provenMs, askedMs);
      // Only a wait asked at the full current length says the server holds that long.
      if (askedMs >= this.#currentMs) this.#currentMs = Math.min(this.#capMs, this.#currentMs * WAIT_SLICE_GROWTH);
      return;
    }
    if (changed) {
      // Progress: the server answers at state changes, which says nothing about its cap.
      this.#earlyAtMs = undefined;
      return;
    }
    const previous = this.#earlyAtMs;
    this.#earlyAtMs = heldMs;
    if (previous === undefined || Math.abs(heldMs - previous) > Math.max(1_000, SAME_CAP_TOLERANCE * previous)) return;
    // The same early point twice: the server's cap. Ask for it; a server that holds
    // that long answers in full from now on, and nothing grows past it.
    const capMs = Math.max(1, Math.ceil(Math.max(heldMs, previous)));
    this.#capMs = capMs;
    this.#currentMs = capMs;
    this.#earlyAtMs = undefined;
  }

  /** A wait failed with a transient error after being held `heldMs`. */
  failed(heldMs: number): void {
    this.#earlyAtMs = undefined;
    if (heldMs < this.#firstMs || heldMs <= this.#provenMs) return; // a blip, not a cut
    const safeMs = Math.max(this.#firstMs, this.#provenMs);
    this.#capMs = safeMs;
    this.#currentMs = safeMs;
  }
}
