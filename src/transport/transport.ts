/**
 * The transport seam: one method per RPC, one attempt per call. Retries, deadlines
 * and validation live in the client above it; tests substitute a fake here.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest,
  WaitOperationRequest,
} from '../types.js';

/** Options of a single RPC attempt, already validated and resolved by the client. */
export interface TransportCallOptions {
  /** Absolute deadline, in milliseconds since the epoch. */
  deadline: number;
  /** Aborting cancels the in-flight call and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Request metadata (headers). */
  metadata?: Record<string, string>;
  /**
   * While there is no connection, hold the call until one is made (or the deadline
   * passes) instead of failing it at once. A hint: transports without connection
   * state (HTTP) may ignore it.
   */
  waitForReady?: boolean;
  /**
   * Told the HTTP method and URL before a request is sent, then with the response's
   * status (the client's OpenTelemetry span). Transports without HTTP ignore it.
   *
   * @internal
   */
  observeHttp?: (method: string, url: string, status?: number) => void;
}

/**
 * A way to send the five google.longrunning.Operations RPCs. Each method makes exactly
 * one attempt and rejects with an `RpcError` (or the abort reason), never retrying.
 *
 * The SDK ships a gRPC implementation; implement this interface to route calls some
 * other way (an HTTP/JSON gateway, an in-process fake) and pass it as
 * `OperationsClientOptions.transport`.
 */
export interface OperationsTransport {
  /** GetOperation. */
  getOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<Operation>;
  /** ListOperations: one page. */
  listOperations(request: ListOperationsRequest, options: TransportCallOptions): Promise<ListOperationsResponse>;
  /** CancelOperation. */
  cancelOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void>;
  /** DeleteOperation. */
  deleteOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void>;
  /** WaitOperation. */
  waitOperation(request: WaitOperationRequest, options: TransportCallOptions): Promise<Operation>;
  /** Releases connections; in-flight calls reject, later calls are refused. */
  close(): Promise<void>;
}

/** Failures a transport knows will not go away by retrying; see {@link isPermanentFailure}. */
const permanentFailures = new WeakSet<object>();

/**
 * Marks an error as permanent although its code is one that is usually transient
 * (UNAVAILABLE from a TLS client talking to a plaintext server): the client's retry
 * then fails at once instead of retrying until the deadline. Returns the error.
 *
 * @internal
 */
export function markPermanentFailure<E extends object>(error: E): E {
  permanentFailures.add(error);
  return error;
}

/** Whether a transport marked the error with {@link markPermanentFailure}. @internal */
export function isPermanentFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && permanentFailures.has(error);
}

/**
 * Checks what a caller of a public transport may get wrong before the call: the request
 * object and the {@link TransportCallOptions} fields every transport reads. Throws
 * `InvalidArgumentError`; transports add their own metadata rule.
 *
 * @internal
 */
export function checkTransportCall(request: unknown, options: unknown): void {
  if (typeof request !== 'object' || request === null) throw new InvalidArgumentError('request', request, 'a request object');
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, 'TransportCallOptions: { deadline: number; signal?; metadata? }');
  }
  const { deadline, signal } = options as Partial<Record<keyof TransportCallOptions, unknown>>;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
    throw new InvalidArgumentError('options.deadline', deadline, 'an absolute deadline in milliseconds since the epoch');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('options.signal', signal, 'an AbortSignal');
}
