/**
 * Every error the SDK raises. Callers branch with `instanceof`, never on messages.
 * A leaf: every module may import it.
 *
 * @module
 */
import { Code, codeName } from './code.js';
import type { Any, OperationSnapshot, Status } from './types.js';

export { codeName };

/**
 * Base class of every error the SDK raises; `instanceof LongRunningError` catches
 * them all.
 */
export class LongRunningError extends Error {
  /** Always `'LongRunningError'`. */
  override name = 'LongRunningError';
}

/**
 * A value given to the SDK is invalid: an empty operation name, a negative page
 * size, a non-finite timeout, a malformed address. Raised before any RPC is sent.
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from 'longrunning-client';
 * try { await client.getOperation({ name: '' }); }
 * catch (e) { if (e instanceof InvalidArgumentError) console.log(e.argument); } // 'name'
 * ```
 */
export class InvalidArgumentError extends LongRunningError {
  /** Always `'InvalidArgumentError'`. */
  override name = 'InvalidArgumentError';
  /** The path of the rejected option or field, e.g. `request.pageSize`. */
  readonly argument: string;
  /** The rejected value, as given. */
  readonly value: unknown;

  constructor(argument: string, value: unknown, expectation: string) {
    super(`Expected \`${argument}\` to be ${expectation}, got ${describeValue(value)}.`);
    this.argument = argument;
    this.value = value;
  }
}

/**
 * The client was closed with `close()`: a call made afterwards is refused, and calls
 * and waits in progress at that moment end with this error. It sends no more RPCs.
 */
export class ClientClosedError extends LongRunningError {
  /** Always `'ClientClosedError'`. */
  override name = 'ClientClosedError';
  /** @param method - The refused method; absent for a call that was in progress at close(). */
  constructor(method?: string) {
    super(method === undefined
      ? 'The OperationsClient was closed while this call was in progress.'
      : `Cannot call ${method}: the OperationsClient is closed.`);
  }
}

/**
 * An RPC failed after its retries, or failed with a code that is not retried.
 * `code` is the gRPC status code; `details` are the `google.rpc.Status` details the
 * server sent (`grpc-status-details-bin`), e.g. `google.rpc.ErrorInfo`.
 */
export class RpcError extends LongRunningError {
  /** Always `'RpcError'`. */
  override name = 'RpcError';
  /** The gRPC status code: compare it with {@link Code}, e.g. `Code.NOT_FOUND`. */
  readonly code: number;
  /** The RPC that failed, e.g. `GetOperation`. */
  readonly method: string;
  /** The status details sent by the server, in order; empty when it sent none. */
  readonly details: Any[];
  /** The full status: code, the server's message and details. */
  readonly status: Status;
  /** How many attempts were made, retries included. */
  readonly attempts: number;
  /**
   * True when the call failed without a connection to the server (it could not
   * connect, or the connection was lost): the status is the client's own, not the
   * server's. An operation handle that never reached its server fails on such an error
   * instead of waiting for a server that may not exist.
   */
  readonly noConnection: boolean;

  constructor(method: string, status: Status, options?: { attempts?: number; cause?: unknown; noConnection?: boolean }) {
    super(`${method} failed with ${codeName(status.code)}${status.message ? `: ${status.message}` : ''}`,
      options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = status.code;
    this.method = method;
    this.details = status.details;
    this.status = status;
    this.attempts = options?.attempts ?? 1;
    this.noConnection = options?.noConnection ?? false;
  }
}

/**
 * `ListOperations` pagination cannot make progress: the server sent a page token it
 * had already sent (following it would loop forever), or an implausibly long run of
 * empty pages.
 */
export class PaginationError extends LongRunningError {
  /** Always `'PaginationError'`. */
  override name = 'PaginationError';
  /** The page token at which iteration stopped. */
  readonly pageToken: string;
  /** How many pages had been received when the problem was detected. */
  readonly pagesReceived: number;
  /** `'repeated-token'` or `'too-many-empty-pages'`. */
  readonly reason: 'repeated-token' | 'too-many-empty-pages';

  constructor(pageToken: string, pagesReceived: number, reason: 'repeated-token' | 'too-many-empty-pages') {
    super(reason === 'repeated-token'
      ? `ListOperations returned page token ${JSON.stringify(pageToken)} a second time ` +
        `(after ${pagesReceived} pages); stopping instead of looping forever.`
      : `ListOperations returned ${pagesReceived} pages ending in a run of empty pages ` +
        `(last token ${JSON.stringify(pageToken)}); stopping instead of paging forever.`);
    this.pageToken = pageToken;
    this.pagesReceived = pagesReceived;
    this.reason = reason;
  }
}

/** An operation finished with an `error`; its full `google.rpc.Status` is kept. */
export class OperationFailedError extends LongRunningError {
  /** Always `'OperationFailedError'`. */
  override name = 'OperationFailedError';
  /** The status code of the operation's error ({@link Code}; UNKNOWN, 2, when the server sent 0). */
  readonly code: number;
  /** The operation's error, details included, exactly as sent. */
  readonly status: Status;
  /** The name of the failed operation. */
  readonly operationName: string;

  constructor(operationName: string, status: Status) {
    // An error with code 0 (OK) is invalid; like gRPC, report it as UNKNOWN (2). The
    // status itself is kept exactly as the server sent it.
    const code = status.code === Code.OK ? Code.UNKNOWN : status.code;
    super(`Operation ${operationName} failed with ${codeName(code)}` +
      `${status.message ? `: ${status.message}` : ''}`);
    this.code = code;
    this.status = status;
    this.operationName = operationName;
  }
}

/** An operation finished with code 1 CANCELLED, usually after `cancel()`. */
export class OperationCancelledError extends OperationFailedError {
  /** Always `'OperationCancelledError'`. */
  override name = 'OperationCancelledError';
}

/**
 * The client's own deadline (`totalTimeoutMs` or `timeoutMs`) passed before the
 * operation finished. The operation may still be running on the server.
 */
export class PollTimeoutError extends LongRunningError {
  /** Always `'PollTimeoutError'`. */
  override name = 'PollTimeoutError';
  /** The name of the operation that was being waited for. */
  readonly operationName: string;
  /** The last state seen before the deadline, if any. */
  readonly latest: OperationSnapshot | undefined;

  constructor(operationName: string, timeoutMs: number, latest: OperationSnapshot | undefined) {
    super(`Stopped waiting for operation ${operationName} after ${timeoutMs} ms; ` +
      'the operation may still be running on the server.');
    this.operationName = operationName;
    this.latest = latest;
  }
}

/**
 * An Any's type URL is not the expected type, no type is registered for it, or its
 * bytes do not decode as that type.
 */
export class TypeMismatchError extends LongRunningError {
  /** Always `'TypeMismatchError'`. */
  override name = 'TypeMismatchError';
  /** The type URL found in the Any. */
  readonly typeUrl: string;
  /** The fully qualified type that was expected, or undefined when any registered type would do. */
  readonly expected: string | undefined;

  constructor(typeUrl: string, expected: string | undefined, reason: string, options?: { cause?: unknown }) {
    super(reason, options?.cause === undefined ? undefined : { cause: options.cause });
    this.typeUrl = typeUrl;
    this.expected = expected;
  }
}

/** A short, bounded description of a rejected value for error messages. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
    return `${JSON.stringify(shown)} (string of length ${value.length})`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} (${typeof value})`;
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}
