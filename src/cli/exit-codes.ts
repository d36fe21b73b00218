/**
 * The `longrunning` command's exit codes and how an error maps to one, and the one-line
 * message printed for it. Scripts branch on the code; people read the line.
 *
 * @internal
 * @module
 */
import {
  Code, InvalidArgumentError, OperationCancelledError, OperationFailedError, PaginationError,
  PollTimeoutError, RpcError, TypeMismatchError,
} from '../index.js';

/**
 * Exit codes of `longrunning`, documented in `--help` and docs/cli.md.
 *
 * @internal
 */
export const ExitCode = Object.freeze({
  /** The command did what it was asked; `wait`/`watch`: the operation succeeded. */
  success: 0,
  /** The operation finished with an error (or an unexpected internal error). */
  operationFailed: 1,
  /** Bad flags or arguments, or an argument the SDK rejected (InvalidArgumentError). */
  usage: 2,
  /** The operation finished cancelled (code 1 CANCELLED). */
  cancelled: 3,
  /** `--timeout` passed (PollTimeoutError, or an RPC deadline). The operation may still run. */
  timeout: 4,
  /** An RPC failed (RpcError: NOT_FOUND, UNAVAILABLE after retries, ...). */
  rpc: 5,
  /** An Any holds another type than expected, or its bytes do not decode. */
  typeMismatch: 6,
  /** Interrupted with Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
});

/** The table printed at the end of `--help` and copied into docs/cli.md. @internal */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (wait/watch: the operation succeeded)
  1    the operation failed (its error is printed)
  2    usage error: bad flags or arguments
  3    the operation was cancelled
  4    timeout: --timeout passed (the operation may still be running)
  5    RPC error (e.g. NOT_FOUND, UNAVAILABLE)
  6    type mismatch: an Any is not of the expected type or does not decode
  130  interrupted (Ctrl-C)`;

/**
 * A mistake on the command line found by the CLI itself (a missing `--address`, an
 * unreadable `--proto` file). Exits with {@link ExitCode.usage}.
 *
 * @internal
 */
export class UsageError extends Error {
  /** Always `'UsageError'`. */
  override name = 'UsageError';
}

/**
 * What a command reports once the CLI's signal was aborted (SIGINT), whatever the
 * interrupted call rejected with. Exits with {@link ExitCode.interrupted}.
 *
 * @internal
 */
export class InterruptedError extends Error {
  /** Always `'InterruptedError'`. */
  override name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

/**
 * The exit code for an error that ended a command.
 *
 * @internal
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return ExitCode.interrupted;
  if (error instanceof UsageError || error instanceof InvalidArgumentError) return ExitCode.usage;
  if (error instanceof OperationCancelledError) return ExitCode.cancelled;
  if (error instanceof OperationFailedError) return ExitCode.operationFailed;
  if (error instanceof PollTimeoutError) return ExitCode.timeout;
  if (error instanceof RpcError) return error.code === Code.DEADLINE_EXCEEDED ? ExitCode.timeout : ExitCode.rpc;
  if (error instanceof PaginationError) return ExitCode.rpc;
  if (error instanceof TypeMismatchError) return ExitCode.typeMismatch;
  return ExitCode.operationFailed;
}

/**
 * The one line printed to stderr for an error (without the `longrunning: ` prefix):
 * the SDK's own message, which names the operation, the method and the status code,
 * and never a header value.
 *
 * @internal
 */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // One line, whatever the server put into its message.
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * A short kind for JSON error documents: the error class name for the SDK's errors.
 *
 * @internal
 */
export function errorKind(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
