/**
 * Interceptors: functions around every RPC attempt, on either transport, the seam for
 * headers, custom auth, logging and tracing (docs/observability.md). The shape is
 * connect-es's: `(next) => async (context) => next(context)`.
 *
 * Browser-safe (reached from the browser entry).
 *
 * @module
 */
import { codeName, Code } from '../code.js';
import { debugLine, type DebugSink } from '../debug-log.js';
import { LongRunningError, RpcError } from '../errors.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod,
  WaitOperationRequest,
} from '../types.js';

/**
 * Which transport sends the attempt: `'grpc'` (`address`), `'http'` (HTTP/JSON,
 * `baseUrl`) or `'custom'` (an `OperationsTransport` given as `transport`).
 *
 * @example
 * ```ts
 * import type { InterceptorTransport } from 'longrunning-client';
 * const overHttp = (transport: InterceptorTransport) => transport === 'http';
 * ```
 */
export type InterceptorTransport = 'grpc' | 'http' | 'custom';

/**
 * One RPC attempt of method `M`, as an {@link Interceptor} sees it. A retry is a new
 * attempt: the interceptors run again, with a fresh copy of the headers and `attempt`
 * one higher.
 *
 * An interceptor may change `headers` in place (they become gRPC metadata or HTTP
 * headers), or call `next` with a copy of the context with another `request`, `headers`
 * or `signal`; `method`, `attempt` and `transport` are what the client does and cannot
 * be changed.
 *
 * @typeParam M - The RPC.
 */
export interface InterceptorContextOf<M extends OperationsMethod> {
  /** The RPC, e.g. `'GetOperation'`. */
  readonly method: M;
  /** The full method name, e.g. `'google.longrunning.Operations/GetOperation'` (a trace's span name). */
  readonly fullMethod: `google.longrunning.Operations/${M}`;
  /** The request, validated; do not change it in place (pass a copy to `next`). */
  // Spelled out, not `RequestOf[M]`: that map is internal, left out of the published declarations.
  readonly request: Readonly<
    M extends 'ListOperations' ? ListOperationsRequest : M extends 'WaitOperation' ? WaitOperationRequest : OperationNameRequest
  >;
  /**
   * The outgoing headers of this attempt: the client's and the call's `metadata`,
   * lowercase names to printable ASCII values, which interceptors may add to, change
   * or delete. Checked after the interceptors ran: a bad name or value is an
   * `InvalidArgumentError`, and a credential header (`authorization`, API keys...) on a
   * plaintext (`insecure`) client is refused unless `allowInsecureCredentials` is true.
   */
  readonly headers: Record<string, string>;
  /**
   * Aborts when the caller aborts the call or the client closes: an interceptor that
   * waits (for a token, say) should stop then.
   */
  readonly signal: AbortSignal;
  /** 1 for the first attempt of a call, 2 for its first retry, and so on. */
  readonly attempt: number;
  /** The transport that sends the attempt. */
  readonly transport: InterceptorTransport;
  /** The attempt's absolute deadline in milliseconds since the epoch (`Infinity` for none). */
  readonly deadline: number;
}

/**
 * One RPC attempt, as an {@link Interceptor} sees it: an {@link InterceptorContextOf}
 * of any method, discriminated by `method` (narrow on it to type `request`).
 *
 * @example
 * ```ts
 * import type { InterceptorContext } from 'longrunning-client';
 * const describe = (context: InterceptorContext) =>
 *   context.method === 'ListOperations' ? `list ${context.request.filter ?? ''}` : context.request.name;
 * ```
 */
export type InterceptorContext = { [M in OperationsMethod]: InterceptorContextOf<M> }[OperationsMethod];

/**
 * What an attempt resolves to: an `Operation` (GetOperation, WaitOperation), a
 * `ListOperationsResponse` (ListOperations), or `undefined` (CancelOperation,
 * DeleteOperation).
 */
export type InterceptorResponse = Operation | ListOperationsResponse | undefined;

/** Sends an attempt on: the next interceptor, or the transport after the last one. */
export type InterceptorNext = (context: InterceptorContext) => Promise<InterceptorResponse>;

/**
 * Wraps every RPC attempt of a client, on either transport: given the next step, it
 * returns the step that runs instead, which usually calls `next(context)` and returns
 * (or throws) what it gives. Give them in `OperationsClientOptions.interceptors`: the
 * first in the array is the outermost (it runs first and sees the final outcome), the
 * last runs right before the transport. The chain runs again for every retry.
 *
 * Errors: a thrown `LongRunningError` (an `RpcError` you make, say) reaches the caller
 * as it is, and is retried like a server's error when its code is transient
 * (`Code.UNAVAILABLE`). Anything else thrown (your own `AuthError`) becomes an
 * `RpcError` with code `Code.UNKNOWN`, the thrown value as its `cause`, and is not
 * retried; the caller's abort reason passes unchanged.
 *
 * @example
 * ```ts
 * import { OperationsClient, type Interceptor } from 'longrunning-client';
 *
 * const tenant: Interceptor = (next) => async (context) => {
 *   context.headers['x-tenant'] = 'blue';
 *   const started = Date.now();
 *   try {
 *     return await next(context);
 *   } finally {
 *     console.log(`${context.method} attempt ${context.attempt}: ${Date.now() - started} ms`);
 *   }
 * };
 * const client = new OperationsClient({ address: 'localhost:50051', insecure: true, interceptors: [tenant] });
 * ```
 */
export type Interceptor = (next: InterceptorNext) => InterceptorNext;

/**
 * Composes `interceptors` around `send`, the first outermost. @internal
 */
export function composeInterceptors(interceptors: readonly Interceptor[], send: InterceptorNext): InterceptorNext {
  let next = send;
  for (let index = interceptors.length - 1; index >= 0; index--) next = interceptors[index](next);
  return next;
}

/**
 * What the caller gets for an error out of the interceptor chain: a `LongRunningError`
 * or the caller's abort reason as it is, anything else (an interceptor's own error) as
 * an `RpcError` UNKNOWN that keeps it as `cause`, so only typed errors escape the SDK.
 *
 * @param callerSignal - The signal the client passed the chain (the caller's abort).
 * @internal
 */
export function interceptorFailure(method: OperationsMethod, error: unknown, callerSignal: AbortSignal | undefined): unknown {
  if (error instanceof LongRunningError) return error;
  if (callerSignal?.aborted === true && error === callerSignal.reason) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new RpcError(method, { code: Code.UNKNOWN, message: `an interceptor failed: ${text}`, details: [] }, { cause: error });
}

/** The name an attempt is about: the operation, or the collection of a listing. */
function subjectOf(context: InterceptorContext): string {
  return context.request.name === '' ? '(root)' : context.request.name;
}

/** How an attempt ended, for a debug line: `OK`, a code name, or what else was thrown. */
function outcomeOf(error: unknown, signal: AbortSignal): string {
  if (error instanceof RpcError) return codeName(error.code);
  if (signal.aborted && error === signal.reason) return 'ABORTED (signal)';
  return error instanceof Error ? error.name : typeof error;
}

/**
 * The debug log's interceptor (docs/observability.md, "Debug log"): one line per
 * attempt with the method, name, attempt, transport, duration and outcome. Never a
 * header value or a server message.
 *
 * @param now - The client's clock.
 * @internal
 */
export function debugInterceptor(sink: DebugSink, now: () => number): Interceptor {
  return (next) => async (context) => {
    const started = now();
    const line = (outcome: string) => debugLine(sink, 'rpc',
      `${context.method} ${subjectOf(context)} attempt=${context.attempt} transport=${context.transport} ` +
      `${Math.round(now() - started)}ms ${outcome}`);
    try {
      const response = await next(context);
      line('OK');
      return response;
    } catch (error) {
      line(outcomeOf(error, context.signal));
      throw error;
    }
  };
}
