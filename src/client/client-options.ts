/**
 * The options of {@link longrunning-client!OperationsClient | OperationsClient} and of its `operation()`: the public shapes,
 * apart from the class so that its file stays one job.
 *
 * @module
 */
import type { PortableTypeRegistry as TypeRegistry } from '../any/portable-type-registry.js';
import type { Clock } from '../time/clock.js';
import type { HttpRule } from '../http/http-rule.js';
import type { Interceptor } from './interceptor.js';
import type { GrpcTransportOptions } from '../transport/grpc-transport.js';
import type { OperationsTransport } from '../transport/transport.js';
import type { CallOptions, ClientPollingOptions, PollingOptions, RetryOptions } from '../types.js';

/**
 * How to build an {@link longrunning-client!OperationsClient | OperationsClient}: where the server is and how to reach it
 * (or a ready {@link OperationsTransport}), plus call defaults.
 *
 * A client has exactly one transport: `address` selects gRPC, `baseUrl` selects
 * HTTP/JSON (REST), `transport` a ready one.
 *
 * Transport security is explicit: `insecure: true` is plaintext, `credentials` is custom
 * TLS, `auth` is Google auth over TLS; with none of them a gRPC client uses TLS with
 * Google Application Default Credentials. Only `auth` and that last default ever touch
 * google-auth-library. Over HTTP/JSON there is no implicit default: requests carry
 * credentials only from `auth` or `metadata`.
 */
export interface OperationsClientOptions extends Partial<GrpcTransportOptions> {
  /**
   * Use the HTTP/JSON transport against this base URL (scheme, host, optional port and
   * path prefix), e.g. `https://example.googleapis.com`; `http://` needs `insecure: true`.
   * Exclusive with `address`. The gRPC-only options (`credentials`, `channelOptions`,
   * `universeDomain`, `maxSendMessageBytes`) must then be absent.
   *
   * @example
   * ```ts
   * import { OperationsClient } from 'longrunning-client';
   * const client = new OperationsClient({ baseUrl: 'http://127.0.0.1:8080', insecure: true });
   * ```
   */
  baseUrl?: string;
  /**
   * HTTP/JSON only: the service's `google.api.http` rules (its service config's
   * `http.rules`), each replacing the default binding of its `selector`; WaitOperation is
   * only long-polled over HTTP when a rule binds it. See docs/http.md.
   */
  httpRules?: readonly HttpRule[];
  /**
   * HTTP/JSON only: the WHATWG `fetch` to send requests with.
   * @defaultValue `globalThis.fetch`
   */
  fetch?: typeof fetch;
  /**
   * Send the RPCs through this transport instead of a gRPC channel; then `address`,
   * `insecure`, `credentials`, `auth` and `channelOptions` must be absent.
   */
  transport?: OperationsTransport;
  /**
   * Default overall deadline of each call in milliseconds, retries included: any
   * number from 0, `Infinity` for none.
   * @defaultValue 60000: as google-gax for this service; finite so nothing hangs.
   */
  timeoutMs?: number;
  /** Default retry policy of each call, or `false` for single attempts. */
  retry?: RetryOptions | false;
  /**
   * Consecutive empty pages tolerated by `listOperationsAsync` before it stops with a
   * `PaginationError`.
   * @defaultValue 1000: sparse filters produce some empty pages, a broken server endless ones.
   */
  maxConsecutiveEmptyPages?: number;
  /**
   * How `metadata` and `response` Anys are unpacked by operation handles.
   * @defaultValue `TypeRegistry.empty()`: the well-known and google.rpc types only.
   */
  types?: TypeRegistry;
  /**
   * Default polling of every operation handle (each handle may override it), and the
   * client-wide bounds on its handles' long-polls and polls in flight.
   */
  polling?: ClientPollingOptions;
  /**
   * Request metadata (headers) sent with every RPC of this client, the polls of its
   * operation handles included; a call's own `metadata` is merged over it (a key given
   * in both is the call's). Keys lowercase ASCII, values printable ASCII. On a plaintext
   * (`insecure`) channel, credential headers (`authorization`, API keys, ...) are refused
   * unless `allowInsecureCredentials` is true, as for call metadata.
   *
   * @example
   * ```ts
   * import { OperationsClient } from 'longrunning-client';
   * const client = new OperationsClient({ address: 'localhost:50051', insecure: true, metadata: { 'x-tenant': 'blue' } });
   * ```
   */
  metadata?: Record<string, string>;
  /**
   * Functions around every RPC attempt of this client, on either transport, the polls
   * of its operation handles and every retry included: the seam for headers, custom
   * auth, logging and tracing. The first is the outermost; the chain runs again for each
   * attempt. See {@link Interceptor} for what they get and how their errors reach the
   * caller, and docs/observability.md.
   *
   * @example
   * ```ts
   * import { OperationsClient, type Interceptor } from 'longrunning-client';
   * const tenant: Interceptor = (next) => async (context) => {
   *   context.headers['x-tenant'] = 'blue';
   *   return next(context);
   * };
   * const client = new OperationsClient({ address: 'localhost:50051', insecure: true, interceptors: [tenant] });
   * ```
   */
  interceptors?: readonly Interceptor[];
  /** Replaces the clock (tests). @internal */
  clock?: Clock;
  /** Replaces `Math.random` for jitter (tests). @internal */
  random?: () => number;
}

/**
 * Options of {@link longrunning-client!OperationsClient.operation | OperationsClient.operation}: what the response and metadata are,
 * and how to wait.
 */
export interface OperationOptions {
  /** Fully qualified response message name, as in operation_info (e.g. `example.v1.ExportResponse`). */
  responseType?: string;
  /** Fully qualified metadata message name. */
  metadataType?: string;
  /**
   * The method that started the operation (`pkg.Service.Method`): its
   * `google.longrunning.operation_info` option, read from the client's `types`,
   * supplies `responseType` and `metadataType` when they are not given.
   */
  method?: string;
  /** Polling for this handle, over the client's defaults. */
  polling?: PollingOptions;
  /**
   * Unpack `metadata` and `response` with the client's TypeRegistry; `false` keeps
   * them as raw {@link Any} values.
   * @defaultValue true
   */
  unpack?: boolean;
}

/** Options of `listOperationsAsync`: the call options of every page fetch. */
export type ListCallOptions = CallOptions;
