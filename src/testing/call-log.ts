/**
 * The embedded server's log of the RPCs it received, whatever front-end received them.
 *
 * @internal
 * @module
 */
import type { Clock } from '../time/clock.js';
import type { CallRecord, OperationsMethod, OperationsRequests, ServerTransport } from './api-types.js';

/** Every call received, in arrival order, as frozen records. @internal */
export class CallLog {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #records: CallRecord[] = [];

  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
  }

  /** Logs a call on arrival: before faults, overrides or the store see it. */
  record(
    method: OperationsMethod, request: OperationsRequests[OperationsMethod], metadata: Readonly<Record<string, string>>,
    transport: ServerTransport,
  ): void {
    this.#records.push(Object.freeze({
      method, name: request.name, at: this.#clock.now(), request: Object.freeze({ ...request }), metadata, transport,
    }));
  }

  /** A snapshot: later calls do not change it. */
  get records(): readonly CallRecord[] {
    return [...this.#records];
  }

  clear(): void {
    this.#records.length = 0;
  }
}
