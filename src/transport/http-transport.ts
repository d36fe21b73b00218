/**
 * The HTTP/JSON implementation of {@link OperationsTransport}, on WHATWG `fetch` only:
 * no `node:` module on its path, so it runs unchanged in browsers, workers, Deno and
 * Bun. Requests are bound to URLs by the `google.api.http` rules (the defaults of
 * operations.proto, or the service's own), bodies are proto3 JSON, and an error body
 * `{"error": {...}}` becomes an {@link RpcError} with the gRPC code and decoded details.
 *
 * @module
 */
import type { PortableTypeRegistry as TypeRegistry } from '../any/portable-type-registry.js';
import { Code } from '../code.js';
import { ClientClosedError, InvalidArgumentError, RpcError } from '../errors.js';
import { HttpBindings, type HttpRule } from '../http/http-rule.js';
import { JsonMappingError, ProtoJsonCodec, excerpt, type JsonObject } from '../http/proto-json.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod, Status,
  WaitOperationRequest,
} from '../types.js';
import {
  CREDENTIAL_METADATA_KEYS, REDACTED, checkMetadata, checkNumber, checkObject,
} from '../validation.js';
import { checkTransportCall, type OperationsTransport, type TransportCallOptions } from './transport.js';

/**
 * Where request headers come from for an authenticated server: a google-auth-library
 * client (`GoogleAuth`, `OAuth2Client`, ...) fits, and so does any object with this
 * method (a token from your own sign-in, in a browser).
 *
 * @example
 * ```ts
 * import type { HttpAuthClient } from 'longrunning-client';
 * const auth: HttpAuthClient = { getRequestHeaders: async () => ({ authorization: 'Bearer my-token' }) };
 * ```
 */
export interface HttpAuthClient {
  /** Headers to add to a request to `url`, such as `authorization`. */
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

/** How to reach an HTTP/JSON server: the HTTP/JSON transport options of `OperationsClientOptions`. */
export interface HttpTransportOptions {
  /**
   * Scheme, host, optional port and optional path prefix, e.g.
   * `https://example.googleapis.com` or `http://127.0.0.1:8080/api`. The bindings' paths
   * (`/v1/...`) are appended to it. `http://` needs `insecure: true`.
   */
  baseUrl: string;
  /** Plaintext `http://` (loopback, sidecars, tests). Never silently: an `https://` URL with it is refused. */
  insecure?: boolean | undefined;
  /**
   * The service's `google.api.http` rules, e.g. from its service config's `http.rules`;
   * each replaces the default binding of its `selector`. WaitOperation is only sent
   * when a rule binds it.
   */
  httpRules?: readonly HttpRule[] | undefined;
  /**
   * The `fetch` to send requests with.
   * @defaultValue `globalThis.fetch`
   */
  fetch?: typeof fetch | undefined;
  /** Adds authentication headers (e.g. `authorization`) to every request. */
  auth?: HttpAuthClient | undefined;
  /**
   * Send credentials over plaintext `http://` anyway (the `auth` client's headers, or
   * credential headers in call metadata). Only for trusted local setups.
   * @defaultValue false: refused with an `InvalidArgumentError`.
   */
  allowInsecureCredentials?: boolean | undefined;
  /**
   * The types to read and write Anys of, beyond the well-known and google.rpc ones.
   * An Any of a type it does not know still arrives, with its JSON form in `Any.json`.
   */
  types?: TypeRegistry | undefined;
  /**
   * Largest response body accepted, in bytes; a larger one fails the call with
   * RESOURCE_EXHAUSTED instead of exhausting memory.
   * @defaultValue 33554432 (32 MiB), as over gRPC.
   */
  maxReceiveMessageBytes?: number | undefined;
}

/** The option keys of {@link HttpTransportOptions}, to refuse unknown ones. */
const OPTION_KEYS: ReadonlySet<string> = new Set([
  'baseUrl', 'insecure', 'httpRules', 'fetch', 'auth', 'allowInsecureCredentials', 'types', 'maxReceiveMessageBytes',
]);

/** The type URL of `google.rpc.RetryInfo`. */
const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

const DEFAULT_MAX_RECEIVE_BYTES = 32 * 1024 * 1024;

/**
 * The longest timer a JavaScript runtime keeps (2^31 - 1 ms, about 24.8 days): a
 * deadline further away than that gets no timer (it never fires in practice) and no
 * `X-Server-Timeout` header.
 */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Sends the google.longrunning.Operations RPCs as HTTP/JSON requests.
 *
 * @example
 * ```ts
 * import { HttpOperationsTransport, OperationsClient } from 'longrunning-client';
 * const transport = new HttpOperationsTransport({ baseUrl: 'http://127.0.0.1:8080', insecure: true });
 * const client = new OperationsClient({ transport });
 * ```
 */
export class HttpOperationsTransport implements OperationsTransport {
  readonly #baseUrl: string;
  readonly #bindings: HttpBindings;
  readonly #codec: ProtoJsonCodec;
  readonly #fetch: typeof fetch;
  readonly #auth: HttpAuthClient | undefined;
  readonly #plaintext: boolean;
  readonly #refuseCredentialHeaders: boolean;
  readonly #maxReceiveBytes: number;
  /**
   * The requests in flight, which close() aborts. A set rather than a shared signal that
   * each request listens to: more than ten concurrent requests on one signal make Node
   * print a MaxListenersExceededWarning, and node:events (setMaxListeners) is off limits here.
   */
  readonly #inFlight = new Set<AttemptSignal>();
  #closed = false;

  /** @throws {@link InvalidArgumentError} for a malformed URL, rule or option. */
  constructor(options: HttpTransportOptions) {
    checkObject(options, 'options');
    const unknown = Object.keys(options).find((key) => !OPTION_KEYS.has(key) && options[key as keyof HttpTransportOptions] !== undefined);
    if (unknown !== undefined) throw new InvalidArgumentError(`options.${unknown}`, options[unknown as keyof HttpTransportOptions], 'absent: not an option of the HTTP/JSON transport');
    const { insecure, allowInsecureCredentials, auth } = options;
    if (insecure !== undefined && typeof insecure !== 'boolean') throw new InvalidArgumentError('options.insecure', insecure, 'a boolean');
    if (allowInsecureCredentials !== undefined && typeof allowInsecureCredentials !== 'boolean') {
      throw new InvalidArgumentError('options.allowInsecureCredentials', allowInsecureCredentials, 'a boolean');
    }
    this.#baseUrl = parseBaseUrl(options.baseUrl, insecure === true);
    this.#plaintext = insecure === true;
    if (auth !== undefined && (typeof auth !== 'object' || auth === null || typeof auth.getRequestHeaders !== 'function')) {
      throw new InvalidArgumentError('options.auth', auth, 'an auth client with getRequestHeaders(url), e.g. a google-auth-library GoogleAuth');
    }
    if (this.#plaintext && auth !== undefined && allowInsecureCredentials !== true) {
      throw new InvalidArgumentError('options.auth', auth,
        'absent when `insecure` is true: credentials are not sent over plaintext unless `allowInsecureCredentials` is true');
    }
    this.#auth = auth;
    this.#refuseCredentialHeaders = this.#plaintext && allowInsecureCredentials !== true;
    const fetchFunction = options.fetch ?? globalThis.fetch;
    if (typeof fetchFunction !== 'function') {
      throw new InvalidArgumentError('options.fetch', options.fetch, 'a WHATWG fetch function (this runtime has no globalThis.fetch)');
    }
    // Called unbound: a browser's fetch throws "Illegal invocation" on another `this`.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#maxReceiveBytes = checkNumber(options.maxReceiveMessageBytes, 'options.maxReceiveMessageBytes',
      { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }) ?? DEFAULT_MAX_RECEIVE_BYTES;
    if (options.httpRules !== undefined && !Array.isArray(options.httpRules)) {
      throw new InvalidArgumentError('options.httpRules', options.httpRules, 'an array of google.api.HttpRule objects');
    }
    this.#bindings = new HttpBindings(options.httpRules, { argument: 'options.httpRules' });
    const types = options.types;
    this.#codec = new ProtoJsonCodec(types === undefined ? {} : { resolveType: (name) => types.messageType(name) });
  }

  /** The base URL requests go to, without a trailing `/`. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Whether requests are plaintext `http://` (`insecure: true`). */
  get plaintext(): boolean {
    return this.#plaintext;
  }

  /** Whether a rule binds WaitOperation; without one, `waitOperation` is UNIMPLEMENTED without a request. */
  get canWait(): boolean {
    return this.#bindings.has('WaitOperation');
  }

  getOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<Operation> {
    return this.#call('GetOperation', request, options, (json) => this.#codec.operationFromJson(json));
  }

  listOperations(request: ListOperationsRequest, options: TransportCallOptions): Promise<ListOperationsResponse> {
    return this.#call('ListOperations', request, options, (json) => this.#codec.listResponseFromJson(json));
  }

  cancelOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#call('CancelOperation', request, options, ignoreBody);
  }

  deleteOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#call('DeleteOperation', request, options, ignoreBody);
  }

  waitOperation(request: WaitOperationRequest, options: TransportCallOptions): Promise<Operation> {
    if (!this.canWait) {
      return Promise.reject(new RpcError('WaitOperation', {
        code: Code.UNIMPLEMENTED,
        message: 'no HTTP binding for WaitOperation: give an `httpRules` entry with selector ' +
          '"google.longrunning.Operations.WaitOperation" to long-poll over HTTP/JSON',
        details: [],
      }));
    }
    return this.#call('WaitOperation', request, options, (json) => this.#codec.operationFromJson(json));
  }

  /** Aborts the requests in flight (they reject with {@link ClientClosedError}); later calls are refused. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const reason = new ClientClosedError();
      for (const attempt of this.#inFlight) attempt.abort(reason);
    }
    return Promise.resolve();
  }

  /** One attempt: validate, bind, send, read, decode. Every failure is a rejection. */
  async #call<M extends OperationsMethod, Req extends object, Res>(
    method: M, request: Req, options: TransportCallOptions, decode: (json: unknown) => Res,
  ): Promise<Res> {
    checkTransportCall(request, options);
    const metadata = checkMetadata(options.metadata, 'options.metadata');
    if (metadata && this.#refuseCredentialHeaders) {
      const key = Object.keys(metadata).find((name) => CREDENTIAL_METADATA_KEYS.has(name));
      if (key !== undefined) {
        throw new InvalidArgumentError('options.metadata key', key,
          'not a credential header over plaintext http:// unless `allowInsecureCredentials` is true');
      }
    }
    options.signal?.throwIfAborted();
    if (this.#closed) throw new ClientClosedError(method);
    const bound = this.#bindings.bind(method, requestJson(this.#codec, method, request));
    const query = new URLSearchParams(bound.query as [string, string][]).toString();
    const url = `${this.#baseUrl}${bound.path}${query === '' ? '' : `?${query}`}`;
    const headers = new Headers({ accept: 'application/json' });
    if (metadata) for (const [name, value] of Object.entries(metadata)) headers.set(name, value);
    if (this.#auth) for (const [name, value] of await this.#authHeaders(method, url)) headers.set(name, value);
    const remainingMs = options.deadline - Date.now();
    // google-api-core's header: how long the server may work on the request, in seconds.
    if (remainingMs > 0 && remainingMs <= MAX_TIMER_MS) headers.set('x-server-timeout', (remainingMs / 1000).toFixed(3));
    const body = bound.body === undefined ? undefined : JSON.stringify(bound.body);
    if (body !== undefined) headers.set('content-type', 'application/json');
    options.signal?.throwIfAborted();
    if (this.#closed) throw new ClientClosedError(method);

    const attempt = new AttemptSignal(method, options.deadline, options.signal);
    this.#inFlight.add(attempt);
    try {
      let response: Response;
      options.observeHttp?.(bound.verb, url);
      try {
        response = await this.#fetch(url, {
          method: bound.verb, headers, signal: attempt.signal, ...(body === undefined ? {} : { body }),
        });
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the caller's abort reason, as given (API.md)
        throw attempt.reason() ?? new RpcError(method, {
          code: Code.UNAVAILABLE,
          message: `no HTTP response from ${originOf(this.#baseUrl)}: ${errorText(error)}`,
          details: [],
        }, { cause: error, noConnection: true });
      }
      options.observeHttp?.(bound.verb, url, response.status);
      let text: string;
      try {
        text = await readBody(response, this.#maxReceiveBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          throw new RpcError(method, {
            code: Code.RESOURCE_EXHAUSTED,
            message: `the response is larger than maxReceiveMessageBytes (${this.#maxReceiveBytes} bytes)`,
            details: [],
          });
        }
         
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the caller's abort reason, as given (API.md)
        throw attempt.reason() ?? new RpcError(method, {
          code: Code.UNAVAILABLE, message: `the response from ${originOf(this.#baseUrl)} was cut off: ${errorText(error)}`, details: [],
        }, { cause: error });
      }
      if (!response.ok) throw this.#errorOf(method, response, text);
      return decode(parseJsonResponse(method, response.status, text));
    } catch (error) {
      // A mapping problem in a 2xx body is the server's: INTERNAL, naming the field.
      if (error instanceof JsonMappingError) {
        throw new RpcError(method, {
          code: Code.INTERNAL, message: `the server's response is not a valid ${responseName(method)}: ${error.message}`, details: [],
        }, { cause: error });
      }
      throw error;
    } finally {
      attempt.dispose();
      this.#inFlight.delete(attempt);
    }
  }

  /** The auth client's headers; its failure is the call's (UNAUTHENTICATED), without any header value. */
  async #authHeaders(method: string, url: string): Promise<Iterable<[string, string]>> {
    try {
      const headers = await this.#auth!.getRequestHeaders(url);
      return headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
    } catch (error) {
      throw new RpcError(method, { code: Code.UNAUTHENTICATED, message: 'getting credentials from the auth client failed', details: [] }, { cause: error });
    }
  }

  /** The RpcError of a non-2xx answer; a `Retry-After` on 429/503 becomes a RetryInfo detail. */
  #errorOf(method: string, response: Response, text: string): RpcError {
    const status: Status = this.#codec.errorFromResponse(response.status, text);
    const retryAfterMs = (response.status === 429 || response.status === 503)
      ? parseRetryAfter(response.headers.get('retry-after'), Date.now())
      : undefined;
    if (retryAfterMs !== undefined && !status.details.some((detail) => detail.typeUrl.endsWith('/google.rpc.RetryInfo'))) {
      // The codec knows google.rpc.RetryInfo: the retry then honours Retry-After as a server's RetryInfo.
      status.details = [...status.details, this.#codec.anyFromJson({ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${retryAfterMs / 1000}s` })];
    }
    return new RpcError(method, status);
  }
}

/** Cancel and Delete answer `{}` (google.protobuf.Empty); whatever else comes is ignored. */
function ignoreBody(): void {
  // Nothing to read: success is the 2xx status.
}

/** The message a method's response should be, for error messages. */
function responseName(method: OperationsMethod): string {
  return method === 'ListOperations' ? 'ListOperationsResponse' : method === 'CancelOperation' || method === 'DeleteOperation'
    ? 'google.protobuf.Empty' : 'Operation';
}

/** Validates `baseUrl`; returns it without a trailing `/`. */
function parseBaseUrl(value: unknown, insecure: boolean): string {
  const expectation = 'an https:// URL (scheme, host, optional port and path prefix), or http:// with `insecure: true`';
  if (typeof value !== 'string') throw new InvalidArgumentError('options.baseUrl', value, expectation);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('options.baseUrl', value, expectation);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('options.baseUrl', value, expectation);
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError('options.baseUrl', REDACTED, 'a URL without user name or password (use `auth` or `metadata`)');
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw new InvalidArgumentError('options.baseUrl', value, 'a URL without query or fragment');
  }
  if (url.protocol === 'http:' && !insecure) {
    throw new InvalidArgumentError('options.baseUrl', value, 'an https:// URL: a plaintext http:// URL needs `insecure: true`');
  }
  if (url.protocol === 'https:' && insecure) {
    throw new InvalidArgumentError('options.insecure', insecure, 'absent with an https:// baseUrl (`insecure` means plaintext http://)');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `scheme://host:port` of a URL, for messages. */
function originOf(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${message}${cause}`;
}

/**
 * The signal of one request: aborted by the caller's signal (its reason), by close()
 * (ClientClosedError) or by the deadline (DEADLINE_EXCEEDED). `reason()` tells a fetch
 * failure caused by one of them from a network failure.
 */
class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #sources: AbortSignal[];
  readonly #onAbort: (event: Event) => void;

  constructor(method: string, deadline: number, callSignal: AbortSignal | undefined) {
    this.#sources = callSignal ? [callSignal] : [];
    this.#onAbort = (event) => this.abort((event.target as AbortSignal).reason);
    for (const source of this.#sources) source.addEventListener('abort', this.#onAbort, { once: true });
    const remainingMs = deadline - Date.now();
    if (remainingMs <= MAX_TIMER_MS) {
      this.#timer = setTimeout(() => this.abort(new RpcError(method, {
        code: Code.DEADLINE_EXCEEDED, message: 'the deadline passed before the server answered', details: [],
      })), Math.max(0, remainingMs));
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the request was aborted, or undefined when it was not. */
  reason(): unknown {
    return this.#controller.signal.aborted ? this.#controller.signal.reason : undefined;
  }

  /** Aborts the request with `reason` (the first reason wins). */
  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Removes the listeners and the timer: nothing outlives the request. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const source of this.#sources) source.removeEventListener('abort', this.#onAbort);
  }
}

class BodyTooLargeError extends Error {}

/** Reads a response body as text, refusing more than `maxBytes`. */
async function readBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError();
  }
  // A declared, uncompressed length within the limit bounds the body: read it in one go,
  // which costs less than a chunk loop (fetch never reads past Content-Length).
  const encoding = response.headers.get('content-encoding');
  const identity = encoding === null || encoding.trim().toLowerCase() === 'identity';
  if (!response.body || (Number.isFinite(declared) && response.headers.has('content-length') && identity)) {
    return await response.text();
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** A 2xx body as JSON; anything else (truncated, HTML, empty) is an INTERNAL RpcError quoting it. */
function parseJsonResponse(method: string, httpStatus: number, text: string): unknown {
  if (text.trim() === '' && (method === 'CancelOperation' || method === 'DeleteOperation')) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RpcError(method, {
      code: Code.INTERNAL,
      message: `the server answered HTTP ${httpStatus} with a body that is not JSON: ${excerpt(text) || '(empty)'}`,
      details: [],
    }, { cause: error });
  }
}

/**
 * A `Retry-After` header in milliseconds from `now`: delay-seconds or an HTTP date;
 * undefined when absent or malformed.
 *
 * @internal
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The request's proto3 JSON form; a field the codec cannot write (a wrong type the
 * shared checks let through, such as a string `timeoutMs`) is the caller's
 * {@link InvalidArgumentError}, naming the field.
 */
function requestJson(codec: ProtoJsonCodec, method: OperationsMethod, request: object): JsonObject {
  try {
    return codec.requestToJson(method, request as never);
  } catch (error) {
    if (!(error instanceof JsonMappingError)) throw error;
    const expectation = error.expected ?? `valid in the request's JSON form (${error.detail})`;
    throw new InvalidArgumentError(error.path, valueAt(request, error.path), expectation);
  }
}

/** The value at a dotted path such as `request.timeoutMs` (its first segment names `root`). */
function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const segment of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
