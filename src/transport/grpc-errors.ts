/**
 * How a failed grpc-js call becomes an {@link RpcError}: its status with the decoded
 * `grpc-status-details-bin` trailer, whether it ever had a connection, and clear
 * messages for the first mistakes (TLS against a plaintext server, no Application
 * Default Credentials).
 *
 * @internal
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { decodeStatus } from '../any/rpc-status.js';
import { Code } from '../code.js';
import { RpcError } from '../errors.js';
import type { Status } from '../types.js';
import { markPermanentFailure } from './transport.js';

/** Codes grpc-js reports for a call that lost, or never had, its connection. */
const CONNECTION_LOSS_CODES: ReadonlySet<number> = new Set([Code.CANCELLED, Code.DEADLINE_EXCEEDED, Code.UNAVAILABLE]);

/** Status of a failed grpc-js call: its code, message and the decoded details trailer. */
function statusOf(error: grpc.ServiceError): Status {
  // grpc-js ends connection errors with an empty "Resolution note: "; drop the stub.
  const message = (error.details ?? '').replace(/\s*\.?\s*Resolution note:\s*$/, '');
  const status: Status = { code: error.code, message, details: [] };
  const detailsBin = error.metadata?.get('grpc-status-details-bin')[0];
  if (detailsBin instanceof Buffer) {
    try {
      status.details = decodeStatus(detailsBin).details;
    } catch {
      // Malformed details must not hide the status code; keep the error without them.
    }
  }
  return status;
}

/**
 * OpenSSL's reasons when a TLS client gets a plaintext answer (an HTTP/2 server without
 * TLS): the first bytes are not a TLS record.
 */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol/i;

/**
 * The RpcError of a failed call, grpc-js's error as `cause`. A TLS handshake that failed
 * because the server answered in plaintext becomes an UNAVAILABLE that says so and what
 * to do, and is marked permanent: retrying cannot make that server speak TLS.
 *
 * @internal
 */
export function rpcErrorOf(method: string, error: grpc.ServiceError, target: string, noConnection: boolean): RpcError {
  const status = statusOf(error);
  const notTls = status.code === Code.UNAVAILABLE ? NOT_TLS.exec(status.message) : null;
  if (!notTls) return new RpcError(method, status, { cause: error, noConnection });
  status.message = `the server at ${target} does not speak TLS (the TLS handshake failed: ${notTls[0]}). ` +
    'For a plaintext server pass `insecure: true` (`--insecure` in the CLI)';
  return markPermanentFailure(new RpcError(method, status, { cause: error, noConnection }));
}

/**
 * The error of a call whose Google-auth channel could not be set up: UNAUTHENTICATED,
 * saying what to do, with google-auth's error as `cause`. Without any transport option
 * the client takes the Application Default Credentials path, so the usual reason is a
 * forgotten `insecure: true` for a local server.
 *
 * @internal
 */
export function googleAuthSetupError(method: string, target: string, explicitAuth: boolean, error: unknown): RpcError {
  const reason = error instanceof Error ? error.message : String(error);
  const message = explicitAuth
    ? `could not set up Google authentication with the given \`auth\` client for ${target}: ${reason}`
    : `without \`insecure\`, \`credentials\` or \`auth\` the client uses Application Default Credentials for ${target}, ` +
      `and google-auth found none (${reason}). Pass \`insecure: true\` for a local plaintext server, ` +
      '`credentials` for custom TLS, or set up Application Default Credentials for a Google API';
  return new RpcError(method, { code: Code.UNAUTHENTICATED, message, details: [] }, { cause: error });
}

/**
 * Whether a failed call had no connection to the server: a connection-loss code while
 * the channel is not READY (a status the server sent arrives on a READY channel).
 *
 * @internal
 */
export function lostConnection(client: grpc.Client, error: grpc.ServiceError): boolean {
  return CONNECTION_LOSS_CODES.has(error.code) &&
    client.getChannel().getConnectivityState(false) !== grpc.connectivityState.READY;
}
