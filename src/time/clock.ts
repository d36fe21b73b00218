/**
 * The only place that touches timers. Every sleep is tied to a signal that aborts it
 * (and clears its timer) when the caller stops waiting: the last waiter leaves, the
 * operation settles, or the client closes. So a timer keeps Node alive exactly while
 * someone waits, and never after; a script awaiting a result does not exit mid-wait.
 *
 * @internal
 * @module
 */

/**
 * The largest delay one `setTimeout` accepts (2^31 - 1 ms, about 24.8 days); Node fires
 * a longer one after 1 ms. Longer delays chain timers of at most this. @internal
 */
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
   * Resolves after `ms`, however long (NaN and negative count as 0; `Infinity` never
   * resolves and sets no timer); rejects with `signal.reason` as soon as the signal
   * aborts, clearing the timer.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. @internal */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => new Sleep(resolve, reject, ms, signal));
  },
};

/**
 * One pending `sleep`: its timer and its abort listener in one object, with no closure
 * of its own. A fleet keeps thousands of sleeps pending, each renewed at every poll and
 * alive for seconds, so each survives young-generation collections and is copied and
 * promoted before it dies: every object a sleep holds costs collector work (measured in
 * docs/performance.md, round two).
 */
class Sleep {
  readonly #resolve: () => void;
  readonly #reject: (reason: unknown) => void;
  readonly #signal: AbortSignal | undefined;
  #remainingMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(resolve: () => void, reject: (reason: unknown) => void, ms: number, signal: AbortSignal | undefined) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    this.#remainingMs = ms > 0 ? ms : 0;
    // Infinity sets no timer: only the signal ends such a sleep.
    if (this.#remainingMs !== Infinity) this.#arm();
    signal?.addEventListener('abort', this, { once: true });
  }

  /** One timer of at most MAX_TIMER_DELAY_MS; longer sleeps chain them. */
  #arm(): void {
    const stepMs = Math.min(this.#remainingMs, MAX_TIMER_DELAY_MS);
    this.#remainingMs -= stepMs;
    this.#timer = setTimeout(sleepTimerFired, stepMs, this);
  }

  /** The timer fired: re-arm for what is left, or wake the sleeper. */
  fired(): void {
    this.#timer = undefined;
    if (this.#remainingMs > 0) {
      this.#arm();
      return;
    }
    this.#signal?.removeEventListener('abort', this);
    this.#resolve();
  }

  /** The signal aborted (the listener interface of EventTarget). */
  handleEvent(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#reject(this.#signal!.reason);
  }
}

/** A module-level timer callback (the sleep travels as its argument): no closure per timer. */
function sleepTimerFired(sleep: Sleep): void {
  sleep.fired();
}

/**
 * Calls `callback` once `ms` have passed, however long: a delay beyond what one
 * `setTimeout` accepts re-arms until all of it has passed (a 30-day timeout must not
 * fire after 24.8 days, nor after 1 ms), and `Infinity` sets no timer at all. NaN and
 * negative delays count as 0. Returns the function that cancels it.
 *
 * @param options.unref - Unref each timer (servers: a timer must not keep Node alive).
 * @internal
 */
export function startTimer(callback: () => void, ms: number, options: { unref?: boolean } = {}): () => void {
  let remainingMs = ms > 0 ? ms : 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (remainingMs === Infinity) return;
    const stepMs = Math.min(remainingMs, MAX_TIMER_DELAY_MS);
    remainingMs -= stepMs;
    timer = setTimeout(() => {
      timer = undefined;
      if (remainingMs > 0) arm();
      else callback();
    }, stepMs);
    // Browsers' timers are numbers, with nothing to unref.
    if (options.unref && typeof timer === 'object') timer.unref();
  };
  arm();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}
