/**
 * The browser entry's OperationsClient: the client core over HTTP/JSON only. Nothing
 * here (or below) imports @grpc/grpc-js, google-gax, google-auth-library or a `node:`
 * built-in: lint and `npm run check:bundle` hold that.
 *
 * @module
 */
import type { HttpAuthClient } from '../transport/http-transport.js';
import { BROWSER_POLL_LIMIT_DEFAULTS } from '../options/polling.js';
import { OperationsClientCore, type ClientPlatform } from './client-core.js';
import type { OperationsClientOptions } from './client-options.js';

/** Browsers, workers and edge runtimes: HTTP/JSON only. */
const BROWSER_PLATFORM: ClientPlatform = {
  noGrpcHint: 'gRPC is not available in the browser build (longrunning-client/browser)',
  httpPollLimits: BROWSER_POLL_LIMIT_DEFAULTS,
};

/**
 * How to build the browser entry's {@link OperationsClient}: the HTTP/JSON options
 * (`baseUrl`, `insecure`, `httpRules`, `fetch`, `auth`) and the call defaults. The
 * gRPC options (`address`, `credentials`, `channelOptions`, `universeDomain`,
 * `maxSendMessageBytes`) do not exist here.
 *
 * @example
 * ```ts
 * import type { BrowserClientOptions } from 'longrunning-client/browser';
 * const options: BrowserClientOptions = {
 *   baseUrl: 'https://example.googleapis.com',
 *   auth: { getRequestHeaders: async () => ({ authorization: `Bearer ${await signIn()}` }) },
 * };
 * ```
 */
export interface BrowserClientOptions extends Omit<OperationsClientOptions,
  'address' | 'credentials' | 'channelOptions' | 'universeDomain' | 'maxSendMessageBytes' | 'auth'> {
  /**
   * Adds authentication headers to every request: any object with
   * `getRequestHeaders()`, e.g. one returning `{ authorization: 'Bearer ...' }` from
   * your own sign-in. A fixed header can go in `metadata` instead.
   */
  auth?: HttpAuthClient;
}

/**
 * A typed client of the five google.longrunning.Operations RPCs over HTTP/JSON, for
 * browsers, workers and edge runtimes: the same methods, handles and errors as the
 * Node entry's client, without gRPC.
 *
 * Every method validates its input before sending anything, applies the call's
 * deadline (`timeoutMs`, retries included), retries transient failures with
 * exponential backoff and jitter, honouring a server's `google.rpc.RetryInfo`, and
 * rejects with a typed error.
 *
 * @example
 * ```ts
 * import { OperationsClient } from 'longrunning-client/browser';
 *
 * const client = new OperationsClient({ baseUrl: 'https://example.googleapis.com' });
 * const op = await client.getOperation({ name: 'operations/123' });
 * console.log(op.done);
 * await client.close();
 * ```
 */
export class OperationsClient extends OperationsClientCore {
  /**
   * @throws {@link InvalidArgumentError} for `address` (gRPC is not available here),
   * a malformed `baseUrl`, conflicting options, or an out-of-range default.
   */
  constructor(options: BrowserClientOptions) {
    super(options as OperationsClientOptions, BROWSER_PLATFORM);
  }
}
