/**
 * Which failures are worth another try, for the two layers that try again: one call's
 * retry (`client/retry.ts`) and an operation's poll loop (`poller/poll-loop.ts`). They
 * sit side by side because they differ on purpose: a call is one request under one
 * deadline whose caller decides what to do next, a wait is a promise to watch an
 * operation that keeps running on the server for as long as it takes.
 *
 * @internal
 * @module
 */
import { Code } from './code.js';

/**
 * Whether one call tries again after an attempt failed with `code`: UNAVAILABLE (the
 * request did not reach a server, and every Operations RPC is idempotent anyway), and
 * DEADLINE_EXCEEDED only while the call's own deadline has time left (an attempt's
 * deadline passed, not the call's). Narrow on purpose: the call is bounded by its
 * deadline and its caller sees every other failure at once. RESOURCE_EXHAUSTED is not
 * retried here: a quota error usually outlasts a call's deadline, so retrying would
 * only spend it.
 *
 * @param remainingMs - Time left before the call's overall deadline.
 * @internal
 */
export function isTransientForCall(code: number, remainingMs: number): boolean {
  if (code === Code.UNAVAILABLE) return true;
  return code === Code.DEADLINE_EXCEEDED && remainingMs > 0;
}

/**
 * Codes after which the poll loop carries on with backoff (capped pauses, never below
 * a server's RetryInfo), once the call's own retry gave up: the operation is still
 * there, the server or the network is having a moment. Wide on purpose: a wait may last
 * hours, and ending it on one failed GetOperation (what google-gax does) loses a result
 * the server still produces. What remains says the operation is gone or out of reach
 * (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT, UNAUTHENTICATED, ...): it ends the
 * wait. UNIMPLEMENTED is not here: the loop handles it apart (WaitOperation falls back
 * to GetOperation).
 *
 * @internal
 */
export const TRANSIENT_POLLING_CODES: ReadonlySet<number> = new Set<number>([
  // CANCELLED that reaches the loop is never our own abort (that rejects with the
  // signal's reason first): grpc-js reports calls reset by a stopping server this way.
  Code.CANCELLED,
  // A read failed on the server side: says nothing about the operation.
  Code.UNKNOWN,
  Code.INTERNAL,
  Code.ABORTED,
  Code.DEADLINE_EXCEEDED,
  // Quota: the loop waits for the server's RetryInfo, however long, then polls again.
  Code.RESOURCE_EXHAUSTED,
  Code.UNAVAILABLE,
]);
