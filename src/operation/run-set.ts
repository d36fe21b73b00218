/**
 * The running poll loops of one client's handles, which its `close()` aborts together.
 *
 * @internal
 * @module
 */

/**
 * A set of run controllers aborted with the client's closing signal. Not one abort
 * listener per run on that signal: Node's EventTarget keeps listeners in a list that
 * `addEventListener` and `removeEventListener` walk, so a fleet of 10,000 runs paid
 * O(n) per run start and end (a fifth of a second of one event-loop turn to start
 * them, in the fleet benchmark's profile). A Set adds and deletes in O(1).
 *
 * @internal
 */
export class RunSet {
  readonly #runs = new Set<AbortController>();
  readonly #closed: AbortSignal;

  constructor(closed: AbortSignal) {
    this.#closed = closed;
    closed.addEventListener('abort', () => {
      const runs = [...this.#runs];
      this.#runs.clear();
      for (const run of runs) run.abort(closed.reason);
    }, { once: true });
  }

  /** Tracks `run` until {@link delete}; aborts it at once when the client is closed. */
  add(run: AbortController): void {
    if (this.#closed.aborted) run.abort(this.#closed.reason);
    else this.#runs.add(run);
  }

  delete(run: AbortController): void {
    this.#runs.delete(run);
  }

  /** Runs tracked now (for tests). */
  get size(): number {
    return this.#runs.size;
  }
}
