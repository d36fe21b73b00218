/**
 * What happens to one RPC between a front-end and the store, whatever the transport:
 * it is logged, refused while the server stops, given its faults, then answered by an
 * override or by the store's built-in behaviour. A front-end decodes the request, calls
 * {@link Dispatcher.serve}, and encodes the response, or the status
 * {@link statusOfError} gives for the error.
 *
 * @internal
 * @module
 */
import { Code } from '../code.js';
import { InvalidArgumentError, RpcError } from '../errors.js';
import type { Status } from '../types.js';
import type { CallLog } from './call-log.js';
import type { FaultInjector } from './faults.js';
import type { InMemoryOperationsServer } from './in-memory-server.js';
import type { OperationStore, RpcContext } from './operation-store.js';
import { isMethod, METHOD_EXPECTATION } from './server-options.js';
import type {
  OperationsMethod, OperationsOverride, OperationsRequests, OverrideContext, ServerTransport, StatusInit,
} from './api-types.js';
import { copyStatusInput } from './validate.js';

/** A call as a front-end hands it over. @internal */
export interface IncomingCall {
  /** The protocol it came in on, for the call log. */
  readonly transport: ServerTransport;
  /** The request metadata (headers); `-bin` values are base64. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The call's deadline in milliseconds since the epoch; `Infinity` when it has none. */
  readonly deadline: number;
  /**
   * The front-end aborts it when the client cancels the call (abort it before `serve`
   * for a call that arrived cancelled); the dispatcher aborts it when the server stops.
   */
  readonly controller: AbortController;
}

/** The abort reason of in-flight calls when the server stops; answered UNAVAILABLE. @internal */
export class ServerStoppingError extends Error {
  override name = 'ServerStoppingError';
}

type AnyOverride = (request: never, context: never) => unknown;

/** Rejects with the signal's reason as soon as it aborts, without waiting for `promise`. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The status a handler's exception is answered with. @internal */
export function statusOfError(error: unknown): Status {
  if (error instanceof RpcError) {
    try {
      return copyStatusInput(error.status, 'status');
    } catch (invalid) {
      return { code: Code.INTERNAL, message: `invalid status: ${(invalid as Error).message}`, details: [] };
    }
  }
  if (error instanceof ServerStoppingError) {
    return { code: Code.UNAVAILABLE, message: error.message, details: [] };
  }
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 16 &&
      (message === undefined || typeof message === 'string')) {
      try {
        return copyStatusInput(error, 'status');
      } catch {
        return { code, message: message ?? '', details: [] };
      }
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: Code.UNKNOWN, message, details: [] };
}

function isStatusResult(value: unknown): value is { status: StatusInit } {
  return typeof value === 'object' && value !== null && 'status' in value &&
    Object.keys(value).length === 1;
}

/** The parts a dispatcher drives. @internal */
export interface DispatcherParts {
  readonly store: OperationStore;
  readonly faults: FaultInjector;
  readonly log: CallLog;
  /** What overrides see as `context.server`. */
  readonly server: InMemoryOperationsServer;
}

/** Routes calls to overrides or the store, with faults; tracks calls in flight. @internal */
export class Dispatcher {
  readonly #parts: DispatcherParts;
  readonly #overrides = new Map<OperationsMethod, AnyOverride>();
  readonly #inFlight = new Set<AbortController>();

  constructor(parts: DispatcherParts) {
    this.#parts = parts;
  }

  /**
   * Installs or (with `undefined`) removes the override of `method`.
   *
   * @throws {@link InvalidArgumentError} for an unknown method or a handler that is not a function.
   */
  override<M extends OperationsMethod>(method: M, handler: OperationsOverride<M> | undefined): void {
    if (!isMethod(method)) throw new InvalidArgumentError('method', method, METHOD_EXPECTATION);
    if (handler === undefined) {
      this.#overrides.delete(method);
      return;
    }
    if (typeof handler !== 'function') {
      throw new InvalidArgumentError('handler', handler, 'a function (request, context) => response, or undefined');
    }
    this.#overrides.set(method, handler);
  }

  /**
   * Handles one call: resolves with the response, or rejects with an error whose
   * {@link statusOfError} is the answer. The call is logged first, even when it is
   * refused; a call that arrived cancelled is logged and nothing else (it draws no fault).
   */
  async serve(method: OperationsMethod, request: OperationsRequests[OperationsMethod], call: IncomingCall): Promise<unknown> {
    const { store, faults, log } = this.#parts;
    log.record(method, request, call.metadata, call.transport);
    const { controller } = call;
    controller.signal.throwIfAborted();
    if (store.stopped) throw new ServerStoppingError('InMemoryOperationsServer is stopping');
    // Planned on arrival; a throwing injected `random` fails this call, not the server.
    const plan = faults.plan(method);
    this.#inFlight.add(controller);
    try {
      const context: RpcContext = { deadline: call.deadline, signal: controller.signal };
      await faults.apply(method, plan, controller.signal);
      return await this.#handle(method, request, context, call.metadata);
    } finally {
      this.#inFlight.delete(controller);
    }
  }

  /**
   * Stops the store (timelines cleared, waits answered with the current state), then
   * ends the other calls in flight with a {@link ServerStoppingError}.
   */
  stop(): void {
    this.#parts.store.stop();
    for (const controller of [...this.#inFlight]) {
      controller.abort(new ServerStoppingError('InMemoryOperationsServer is stopping'));
    }
  }

  async #handle(
    method: OperationsMethod, request: OperationsRequests[OperationsMethod], context: RpcContext,
    metadata: Readonly<Record<string, string>>,
  ): Promise<unknown> {
    const { store, server } = this.#parts;
    const override = this.#overrides.get(method);
    if (!override) return store.call(method, request, context);
    const overrideContext: OverrideContext<OperationsMethod> = {
      method,
      server,
      metadata,
      deadline: context.deadline,
      signal: context.signal,
      next: (nextRequest) => store.call(method, nextRequest ?? request, context) as Promise<never>,
    };
    const run = (async () => {
      const result = await (override as (r: unknown, c: unknown) => unknown)(request, overrideContext);
      if (isStatusResult(result)) {
        let status: Status;
        try {
          status = copyStatusInput(result.status, 'status');
        } catch (invalid) {
          throw new RpcError(method, {
            code: Code.INTERNAL,
            message: `The ${method} override returned an invalid status: ${(invalid as Error).message}`,
            details: [],
          });
        }
        throw new RpcError(method, status);
      }
      return result;
    })();
    return raceSignal(run, context.signal);
  }
}
