/**
 * The gRPC status codes by name. A leaf: every module may import it.
 *
 * @module
 */

/**
 * The gRPC status codes (`google.rpc.Code`), by name: the values of
 * {@link RpcError.code}, {@link OperationFailedError.code} and {@link Status.code}.
 * Branch on these instead of bare numbers.
 *
 * @example
 * ```ts
 * import { Code, RpcError } from 'longrunning-client';
 * try {
 *   await client.getOperation({ name: 'operations/gone' });
 * } catch (e) {
 *   if (e instanceof RpcError && e.code === Code.NOT_FOUND) console.log('already deleted');
 * }
 * ```
 */
export const Code = Object.freeze({
  /** Not an error; an operation's `error` with this code is reported as UNKNOWN. */
  OK: 0,
  /** The operation was cancelled, typically by the caller. */
  CANCELLED: 1,
  /** An unknown error, or an error from another error space. */
  UNKNOWN: 2,
  /** The client specified an invalid argument, whatever the state of the system. */
  INVALID_ARGUMENT: 3,
  /** The deadline expired before the operation could complete. */
  DEADLINE_EXCEEDED: 4,
  /** A requested entity (such as an operation) was not found. */
  NOT_FOUND: 5,
  /** The entity a client attempted to create already exists. */
  ALREADY_EXISTS: 6,
  /** The caller does not have permission for the operation. */
  PERMISSION_DENIED: 7,
  /** A resource has been exhausted: a per-user quota, or the file system is out of space. */
  RESOURCE_EXHAUSTED: 8,
  /** The system is not in a state required for the operation's execution. */
  FAILED_PRECONDITION: 9,
  /** The operation was aborted, typically by a concurrency conflict. */
  ABORTED: 10,
  /** The operation was attempted past the valid range. */
  OUT_OF_RANGE: 11,
  /** The operation is not implemented or not supported by the server. */
  UNIMPLEMENTED: 12,
  /** An internal error: an invariant of the underlying system is broken. */
  INTERNAL: 13,
  /** The service is currently unavailable; most likely transient. */
  UNAVAILABLE: 14,
  /** Unrecoverable data loss or corruption. */
  DATA_LOSS: 15,
  /** The request does not have valid authentication credentials. */
  UNAUTHENTICATED: 16,
} as const);

/** One of the {@link Code} values, e.g. `Code.UNAVAILABLE` (14). */
export type Code = (typeof Code)[keyof typeof Code];

/** Names by number, from {@link Code} itself so the two cannot disagree. */
const CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(Code).map(([name, code]) => [code, name]),
);

/**
 * The name of a gRPC status code, e.g. `codeName(14) === 'UNAVAILABLE'`; unknown
 * numbers print as `CODE_<n>`.
 *
 * @example
 * ```ts
 * import { Code, codeName } from 'longrunning-client';
 * console.log(codeName(Code.NOT_FOUND)); // 'NOT_FOUND'
 * ```
 */
export function codeName(code: number): string {
  // String(): a symbol in a template literal would throw.
  return CODE_NAMES.get(code) ?? `CODE_${String(code)}`;
}
