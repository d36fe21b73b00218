/**
 * A scriptable OperationsTransport for white-box unit tests: no sockets. Each method
 * answers from a handler the test sets; every call is recorded with its options.
 */
import { RpcError } from '../../src/errors.js';
import type { OperationsTransport, TransportCallOptions } from '../../src/transport/transport.js';
import type { Any, Status } from '../../src/types.js';

export type Method = 'getOperation' | 'listOperations' | 'cancelOperation' | 'deleteOperation' | 'waitOperation';
type Handler = (request: never, options: TransportCallOptions) => unknown;

export interface RecordedCall { method: Method; request: unknown; options: TransportCallOptions }

export class FakeTransport implements OperationsTransport {
  readonly calls: RecordedCall[] = [];
  readonly handlers = new Map<Method, Handler>();
  closed = false;

  on(method: Method, handler: (request: any, options: TransportCallOptions) => unknown): this {
    this.handlers.set(method, handler as Handler);
    return this;
  }

  /** Answers the next calls in order from `results` (an RpcError or Status rejects). */
  sequence(method: Method, results: unknown[]): this {
    let index = 0;
    return this.on(method, () => {
      const result = results[Math.min(index++, results.length - 1)];
      if (result instanceof Error) throw result;
      return result;
    });
  }

  #call(method: Method, request: unknown, options: TransportCallOptions): Promise<any> {
    this.calls.push({ method, request, options });
    const handler = this.handlers.get(method);
    if (!handler) return Promise.reject(rpcError(method, 12));
    return (async () => handler(request as never, options))();
  }

  getOperation(request: any, options: TransportCallOptions) { return this.#call('getOperation', request, options); }
  listOperations(request: any, options: TransportCallOptions) { return this.#call('listOperations', request, options); }
  cancelOperation(request: any, options: TransportCallOptions) { return this.#call('cancelOperation', request, options); }
  deleteOperation(request: any, options: TransportCallOptions) { return this.#call('deleteOperation', request, options); }
  waitOperation(request: any, options: TransportCallOptions) { return this.#call('waitOperation', request, options); }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export function rpcError(method: string, code: number, details: Any[] = [], message = 'injected'): RpcError {
  const status: Status = { code, message, details };
  return new RpcError(method, status);
}
