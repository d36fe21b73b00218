/**
 * What a client lets its handles send at once: a cap on the WaitOperation long-polls
 * it holds (handles beyond it poll with GetOperation until a slot frees) and a FIFO
 * queue in front of GetOperation polls beyond a number in flight. One per client.
 *
 * Why: a long-poll in flight costs a gRPC call's memory (and an HTTP/2 stream) for as
 * long as it is held, and thousands of polls started in the same burst pile their
 * work onto one event loop. Bounding both keeps a fleet's memory and loop delay flat;
 * the price is lag for the operations beyond the bounds (docs/performance.md).
 *
 * @internal
 * @module
 */

/**
 * Someone queued for a poll slot; `resolve` undefined once served or given up. It
 * listens to its signal itself (handleEvent), so a queued poll holds no closure.
 */
class QueuedPoll {
  resolve: (() => void) | undefined;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
  readonly #limiter: PollLimiter;

  constructor(limiter: PollLimiter, signal: AbortSignal, resolve: () => void, reject: (reason: unknown) => void) {
    this.#limiter = limiter;
    this.signal = signal;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** The signal aborted while queued: leave the queue. */
  handleEvent(): void {
    this.#limiter.giveUp(this);
  }
}

/**
 * The client-wide bounds of its handles' poll RPCs. `Infinity` for either bound turns
 * it off. @internal
 */
export class PollLimiter {
  /** The most WaitOperation long-polls held at once. */
  readonly maxWaits: number;
  /** The most GetOperation polls in flight at once; the rest wait in FIFO order. */
  readonly maxPollsInFlight: number;
  #waits = 0;
  #polls = 0;
  /** FIFO of polls waiting for a slot; served from `#head`, compacted as it drains. */
  #queue: Array<QueuedPoll | undefined> = [];
  #head = 0;
  #queued = 0;

  constructor(maxWaits: number, maxPollsInFlight: number) {
    this.maxWaits = maxWaits;
    this.maxPollsInFlight = maxPollsInFlight;
  }

  /** Long-polls held now. */
  get waitsHeld(): number {
    return this.#waits;
  }

  /** Polls in flight now (slots taken). */
  get pollsInFlight(): number {
    return this.#polls;
  }

  /** Polls waiting for a slot now. */
  get pollsQueued(): number {
    return this.#queued;
  }

  /**
   * Takes a long-poll slot if one is free: never waits, since a handle without one
   * polls instead. Every `true` must be followed by exactly one {@link releaseWait}.
   */
  tryAcquireWait(): boolean {
    if (this.#waits >= this.maxWaits) return false;
    this.#waits++;
    return true;
  }

  releaseWait(): void {
    if (this.#waits > 0) this.#waits--;
  }

  /**
   * Takes a poll slot: `undefined` when one was free (taken at once, nothing
   * allocated), else a promise that resolves when the slot is this caller's, in the
   * order of asking, or rejects with the signal's reason when it aborts first (the
   * caller then holds no slot). After a slot is taken, exactly one
   * {@link releasePoll} must follow.
   */
  acquirePoll(signal: AbortSignal): Promise<void> | undefined {
    signal.throwIfAborted();
    if (this.#polls < this.maxPollsInFlight && this.#queued === 0) {
      this.#polls++;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const entry = new QueuedPoll(this, signal, resolve, reject);
      signal.addEventListener('abort', entry, { once: true });
      this.#queue.push(entry);
      this.#queued++;
    });
  }

  /** A poll ended (answer, error or abort): its slot goes to the longest-queued poll. */
  releasePoll(): void {
    if (this.#polls > 0) this.#polls--;
    this.#serve();
  }

  #serve(): void {
    while (this.#queued > 0 && this.#polls < this.maxPollsInFlight) {
      const entry = this.#queue[this.#head];
      this.#queue[this.#head] = undefined;
      this.#head++;
      if (entry === undefined || entry.resolve === undefined) continue; // gave up while queued
      const { resolve } = entry;
      entry.resolve = undefined;
      this.#queued--;
      this.#polls++;
      entry.signal.removeEventListener('abort', entry);
      resolve();
    }
    this.#compact();
  }

  /** An aborted poll leaves the queue at once; its entry is skipped when reached. */
  giveUp(entry: QueuedPoll): void {
    if (entry.resolve === undefined) return;
    entry.resolve = undefined;
    this.#queued--;
    entry.reject(entry.signal.reason);
    this.#compact();
  }

  /** Drops served and abandoned entries from the front, so the array does not grow forever. */
  #compact(): void {
    if (this.#queued === 0) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
