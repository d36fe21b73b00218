/**
 * Progress-aware polling: from the progress fractions an operation reports, estimate
 * when it will finish and poll around then, instead of backing off blindly. Pure
 * bookkeeping over (time, fraction) samples: no timers, so schedules are asserted
 * exactly in tests.
 *
 * @internal
 * @module
 */

/**
 * An estimate needs the progress to have moved by at least this much since its first
 * sample: a rate from a smaller step is mostly rounding and noise.
 *
 * @internal
 */
export const MIN_PROGRESS_SPAN = 0.05;

/**
 * Progress falling by more than this is a new phase (or a reset), not noise: the
 * estimate starts over from that sample.
 *
 * @internal
 */
export const PROGRESS_DROP = 0.05;

/**
 * The poll aimed at the finish is this fraction of the estimated duration after the
 * estimated finish: enough for the noise of a linear estimate (a few percent), so it
 * rarely arrives too early, and it bounds the lag at about this fraction.
 *
 * @internal
 */
export const FINISH_SLACK = 0.04;

/**
 * Below this progress a long jump straight to the estimated finish is not trusted: the
 * loop checks in halfway there first (one more sample, from much further along).
 *
 * @internal
 */
export const CHECKPOINT_BELOW = 0.5;

/**
 * The progress samples of one run and the estimate from them. A few numbers, no arrays:
 * the estimate uses the first sample of the current phase and the latest one.
 *
 * @internal
 */
export class ProgressEstimate {
  #firstAt = 0;
  #first = Number.NaN;
  #lastAt = 0;
  #last = Number.NaN;

  /** Records the fraction (in [0, 1]) reported at clock time `at`. */
  add(at: number, fraction: number): void {
    if (Number.isNaN(this.#first) || fraction < this.#last - PROGRESS_DROP) {
      this.#firstAt = at;
      this.#first = fraction;
    }
    this.#lastAt = at;
    this.#last = fraction;
  }

  /**
   * The estimated finishing time (clock time), linear from the first sample of the
   * phase to the latest; undefined until progress has moved by {@link MIN_PROGRESS_SPAN}.
   */
  finishAt(): number | undefined {
    const span = this.#last - this.#first;
    const elapsed = this.#lastAt - this.#firstAt;
    if (span < MIN_PROGRESS_SPAN || elapsed <= 0) return undefined;
    return this.#lastAt + ((1 - this.#last) * elapsed) / span;
  }

  /**
   * The delay before the next poll at `now`, given the delay the plain schedule would
   * wait (`plainMs`) and the shortest and longest delays allowed:
   *
   * - no estimate yet: the plain delay;
   * - the estimated finish (plus slack) comes before the plain poll: poll then (or
   *   after `minMs`), so completion is seen close to when it happens;
   * - it comes later: skip the plain polls in between; below {@link CHECKPOINT_BELOW}
   *   progress, check in halfway there first (never sooner than the plain poll).
   *
   * Never longer than `maxMs`.
   */
  delay(now: number, plainMs: number, minMs: number, maxMs: number): number {
    const finishAt = this.finishAt();
    if (finishAt === undefined) return plainMs;
    const target = finishAt + FINISH_SLACK * Math.max(0, finishAt - this.#firstAt);
    const toTarget = target - now;
    let delayMs: number;
    if (toTarget <= plainMs) delayMs = toTarget;
    else if (this.#last < CHECKPOINT_BELOW) delayMs = Math.max(plainMs, toTarget / 2);
    else delayMs = toTarget;
    return Math.round(Math.min(maxMs, Math.max(minMs, delayMs)));
  }
}
