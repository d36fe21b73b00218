/**
 * What a client learns about its server while polling, shared by all its handles:
 * whether the server was ever reached, and whether it serves WaitOperation.
 *
 * @internal
 * @module
 */

/**
 * After an UNIMPLEMENTED WaitOperation, `'auto'` polling uses GetOperation for this
 * long, then probes WaitOperation again: one old backend behind a load balancer, or a
 * rolling deploy, must not pin a long-lived client to polling forever. A re-probe costs
 * one RPC per client per period.
 *
 * @internal
 */
export const WAIT_REPROBE_MS = 60_000;

/**
 * How long a probing WaitOperation asks the server to hold. Short, because handles that
 * start while the probe is in flight wait for its answer instead of probing too.
 *
 * @internal
 */
export const PROBE_SLICE_MS = 200;

/** What a loop that wants to long-poll should do now. @internal */
export type WaitMode =
  /** The server serves WaitOperation: long-poll. */
  | 'wait'
  /** The server answered UNIMPLEMENTED recently: poll with GetOperation. */
  | 'poll'
  /** Nobody knows yet, and nobody is asking: send the probing wait. */
  | 'probe'
  /** Another handle's probe is in flight: wait for its answer (`probeSettled()`). */
  | 'await-probe';

/** A probe in flight; `settle` records what it found (once). @internal */
export interface WaitProbe {
  /** `'supported'`: the server answered the wait (even with an error status of its own). */
  settle(result: 'supported' | 'unsupported' | 'unknown'): void;
}

/**
 * One per client. Only `'auto'` polling consults the WaitOperation part; every strategy
 * reads and sets `reached`.
 *
 * @internal
 */
export class ServerState {
  /**
   * Whether any RPC of this client got an answer from the server: a response, or an
   * error status the server sent (not one the client made up for want of a connection).
   * Before that, a wait fails as a single call would; afterwards outages are tolerated.
   */
  reached = false;
  /**
   * Whether this server was last seen answering a WaitOperation at once with an
   * unchanged state (it ignores the timeout): loops then pace their first wait like a
   * poll instead of sending it at once, so such a server costs what polling would. Any
   * held wait clears it.
   */
  waitsAnsweredAtOnce = false;
  #wait: 'unknown' | 'supported' | 'unsupported' = 'unknown';
  /** When an `'unsupported'` finding expires (clock time). */
  #recheckAt = 0;
  #probe: { done: Promise<void>; release: () => void } | undefined;
  readonly #reprobeAfterMs: number;

  constructor(reprobeAfterMs = WAIT_REPROBE_MS) {
    this.#reprobeAfterMs = reprobeAfterMs;
  }

  /** Whether WaitOperation is known to be unsupported at `now` (for tests and docs). */
  waitUnsupported(now: number): boolean {
    return this.#wait === 'unsupported' && now < this.#recheckAt;
  }

  /** What a loop that wants to long-poll should do at `now`. */
  waitMode(now: number): WaitMode {
    if (this.#wait === 'unsupported' && now >= this.#recheckAt) this.#wait = 'unknown';
    if (this.#wait === 'supported') return 'wait';
    if (this.#wait === 'unsupported') return 'poll';
    return this.#probe ? 'await-probe' : 'probe';
  }

  /** Starts the one probe; call only when `waitMode()` said `'probe'`. */
  startProbe(clockNow: () => number): WaitProbe {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const probe = { done, release };
    this.#probe = probe;
    let settled = false;
    return {
      settle: (result) => {
        if (settled) return;
        settled = true;
        if (result === 'supported') this.markWaitSupported();
        else if (result === 'unsupported') this.markWaitUnsupported(clockNow());
        if (this.#probe === probe) this.#probe = undefined;
        release();
      },
    };
  }

  /** Resolves when the probe in flight (if any) has an answer; never rejects. */
  probeSettled(): Promise<void> {
    return this.#probe?.done ?? Promise.resolve();
  }

  /** A WaitOperation was answered by the server. */
  markWaitSupported(): void {
    this.#wait = 'supported';
  }

  /** A WaitOperation was answered UNIMPLEMENTED at `now`: poll until the re-probe. */
  markWaitUnsupported(now: number): void {
    this.#wait = 'unsupported';
    this.#recheckAt = now + this.#reprobeAfterMs;
  }
}
