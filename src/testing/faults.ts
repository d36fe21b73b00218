/**
 * Fault injection of the embedded server: `failNext` queues and random faults
 * (latency, UNAVAILABLE with an optional RetryInfo). Decisions are taken when a call
 * arrives (`plan`), so that concurrent calls draw from the random source in arrival
 * order; they are carried out before the call is handled (`apply`).
 *
 * @internal
 * @module
 */
import { encodeRetryInfo } from '../any/rpc-status.js';
import { InvalidArgumentError, RpcError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import type { Status } from '../types.js';
import { isMethod, isPositiveInteger, METHOD_EXPECTATION, resolveFaults } from './server-options.js';
import type { FaultOptions, OperationsMethod, StatusInit } from './api-types.js';
import { copyStatus, copyStatusInput } from './validate.js';

/** {@link FaultOptions} checked, with defaults applied. @internal */
export interface ResolvedFaults {
  unavailableRate: number;
  latency: readonly [number, number];
  retryDelayMs: number | undefined;
  methods: ReadonlySet<OperationsMethod>;
  random: () => number;
}

/** Decisions taken when a call arrives. @internal */
export interface CallPlan {
  latencyMs: number;
  injected: Status | undefined;
}

/** The faults the server injects, and the `failNext` queues. @internal */
export class FaultInjector {
  readonly #clock: Clock;
  readonly #failNext = new Map<OperationsMethod, Array<{ status: Status; remaining: number }>>();
  #faults: ResolvedFaults | undefined;

  constructor(faults: ResolvedFaults | undefined, clock: Clock) {
    this.#faults = faults;
    this.#clock = clock;
  }

  /**
   * Queues `status` as the answer of the next `times` calls of `method`.
   *
   * @throws {@link InvalidArgumentError} for an unknown method, an invalid status or `times`.
   */
  failNext(method: OperationsMethod, status: StatusInit, times: number): void {
    if (!isMethod(method)) throw new InvalidArgumentError('method', method, METHOD_EXPECTATION);
    const copy = copyStatusInput(status, 'status');
    if (!isPositiveInteger(times)) throw new InvalidArgumentError('times', times, 'a positive integer');
    const queue = this.#failNext.get(method) ?? [];
    queue.push({ status: copy, remaining: times });
    this.#failNext.set(method, queue);
  }

  /**
   * Replaces the random faults; `undefined` turns them off.
   *
   * @throws {@link InvalidArgumentError} for an invalid fault option.
   */
  setFaults(faults: FaultOptions | undefined): void {
    this.#faults = resolveFaults(faults, 'faults');
  }

  /** Fault decisions, taken on arrival so that concurrent calls draw in arrival order. */
  plan(method: OperationsMethod): CallPlan {
    const faults = this.#faults?.methods.has(method) ? this.#faults : undefined;
    let latencyMs = 0;
    if (faults) {
      const [min, max] = faults.latency;
      latencyMs = min === max ? min : min + faults.random() * (max - min);
    }
    let injected: Status | undefined;
    const queue = this.#failNext.get(method);
    const next = queue?.[0];
    if (queue && next) {
      injected = copyStatus(next.status);
      next.remaining -= 1;
      if (next.remaining === 0) queue.shift();
    } else if (faults && faults.unavailableRate > 0 && faults.random() < faults.unavailableRate) {
      injected = {
        code: 14, // UNAVAILABLE
        message: `Injected fault: ${method} answered UNAVAILABLE (unavailableRate ${faults.unavailableRate})`,
        details: faults.retryDelayMs === undefined ? [] : [encodeRetryInfo(faults.retryDelayMs)],
      };
    }
    return { latencyMs, injected };
  }

  /**
   * Carries out a plan: waits its latency (rejecting with the signal's reason when the
   * call ends first), then rejects with its injected status, if any.
   */
  async apply(method: OperationsMethod, plan: CallPlan, signal: AbortSignal): Promise<void> {
    if (plan.latencyMs > 0) await this.#clock.sleep(plan.latencyMs, signal);
    if (plan.injected) throw new RpcError(method, plan.injected);
  }
}
