/**
 * The transport seam: one method per RPC, one attempt per call. Retries, deadlines
 * and validation live in the client above it; tests substitute a fake here.
 *
 * @module
 */
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
