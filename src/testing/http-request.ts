/**
 * What the embedded server's HTTP/JSON front-end reads from a request before routing
 * it: the target's path and query, the `X-Server-Timeout` deadline, the headers as
 * call metadata, the size-limited body and its JSON, and the CORS answers. Pure
 * functions (and one stream reader), so each rule is unit-tested without a socket.
 *
 * @internal
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { retryDelayFromDetails } from '../any/rpc-status.js';
import { Code } from '../code.js';
import type { Status } from '../types.js';

/**
 * A request the front-end refuses before it reaches the dispatcher (bad target, bad
 * header, body too large, not JSON): answered with this HTTP status and gRPC code.
 *
 * @internal
 */
export class HttpRequestError extends Error {
  override name = 'HttpRequestError';

  constructor(readonly httpStatus: number, readonly code: number, message: string) {
    super(message);
  }
}

/** The largest request body read, in bytes: the Operations requests are tiny. @internal */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request target split into its raw (percent-encoded) path and its query. @internal */
export interface RequestTarget {
  /** The path as sent, percent-encoding kept, starting with `/`. */
  readonly path: string;
  /** The query parameters (`+` decoded as a space, as HTML forms and google-api-core send it). */
  readonly query: URLSearchParams;
}

/**
 * Splits a request target (`req.url`) into path and query. Accepts the origin form
 * (`/v1/operations?filter=x`) and the absolute form a proxy sends (`http://host/v1/...`).
 *
 * @throws {@link HttpRequestError} 400 for any other target (`*`, an authority).
 * @internal
 */
export function splitTarget(target: string | undefined): RequestTarget {
  let pathAndQuery = target ?? '';
  if (!pathAndQuery.startsWith('/')) {
    const scheme = /^https?:\/\/[^/?#]*/i.exec(pathAndQuery);
    if (scheme === null) {
      throw new HttpRequestError(400, Code.INVALID_ARGUMENT, `The request target ${JSON.stringify(pathAndQuery.slice(0, 100))} is not a path.`);
    }
    pathAndQuery = pathAndQuery.slice(scheme[0].length);
    if (!pathAndQuery.startsWith('/')) pathAndQuery = `/${pathAndQuery}`;
  }
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const mark = pathAndQuery.indexOf('?');
  if (mark < 0) return { path: pathAndQuery, query: new URLSearchParams() };
  return { path: pathAndQuery.slice(0, mark), query: new URLSearchParams(pathAndQuery.slice(mark + 1)) };
}

/**
 * Google's system parameters, accepted on every API and not part of any request
 * message: google-api-core sends `$alt=json;enum-encoding=int` with every call.
 */
const SYSTEM_PARAMETERS: ReadonlySet<string> = new Set([
  'alt', 'key', 'fields', 'prettyPrint', 'quotaUser', 'access_token', 'oauth_token', 'callback', 'userIp',
  'upload_protocol', 'uploadType',
]);

/**
 * The query without Google's system parameters (`$alt`, `key`, `fields`, ...), which
 * the front-end accepts and ignores; what is left must be request fields.
 *
 * @internal
 */
export function withoutSystemParameters(query: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams();
  for (const [name, value] of query) {
    if (!name.startsWith('$') && !SYSTEM_PARAMETERS.has(name)) kept.append(name, value);
  }
  return kept;
}

/** The header google-api-core and google-gax send the call's timeout in, in seconds. @internal */
export const SERVER_TIMEOUT_HEADER = 'x-server-timeout';

/**
 * The call's deadline from its `X-Server-Timeout` header (seconds, fractions allowed),
 * in milliseconds since the epoch; `Infinity` without the header.
 *
 * @throws {@link HttpRequestError} 400 for a value that is not a non-negative number of seconds.
 * @internal
 */
export function deadlineOf(headers: IncomingHttpHeaders, now: number): number {
  const raw = headers[SERVER_TIMEOUT_HEADER];
  if (raw === undefined) return Infinity;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  const seconds = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new HttpRequestError(400, Code.INVALID_ARGUMENT,
      `The X-Server-Timeout header must be a non-negative number of seconds, got ${JSON.stringify(text.slice(0, 100))}.`);
  }
  return now + seconds * 1000;
}

/**
 * The request headers as call metadata, as the call log and overrides see them: names
 * in lower case, repeated headers joined with `, ` (as HTTP folds them).
 *
 * @internal
 */
export function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    metadata[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return metadata;
}

/**
 * Reads a request body, refusing more than `limit` bytes: a declared `Content-Length`
 * above it fails at once, a chunked body as soon as it passes it. The rest of a
 * refused body is left for the caller to discard.
 *
 * @throws {@link HttpRequestError} 413 for a body over the limit, 400 when the client
 * aborts mid-body.
 * @internal
 */
export function readBody(request: Readable & { headers: IncomingHttpHeaders }, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const tooLarge = () => new HttpRequestError(413, Code.INVALID_ARGUMENT,
    `The request body is larger than the server accepts (${limit} bytes).`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > limit) {
        cleanup();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(body);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpRequestError(400, Code.INVALID_ARGUMENT, `The request body could not be read: ${error.message}`));
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = () => onError(new Error('the connection closed before the body ended'));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body's JSON: undefined for an empty (or blank) body, which google-api-core
 * sends for `:cancel`.
 *
 * @throws {@link HttpRequestError} 400 for a body that is not UTF-8 JSON.
 * @internal
 */
export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpRequestError(400, Code.INVALID_ARGUMENT, 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpRequestError(400, Code.INVALID_ARGUMENT,
      `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** How long a browser may cache a preflight answer, in seconds. @internal */
export const PREFLIGHT_MAX_AGE_S = 600;

/** The verbs a preflight allows: all that a binding can use, so a wrong verb gets its 405 envelope, not a CORS failure. */
const PREFLIGHT_METHODS = 'GET, POST, PUT, PATCH, DELETE';

/** Headers a page may send when the preflight names none we can echo. */
const DEFAULT_ALLOWED_HEADERS = 'Content-Type, Authorization, X-Goog-Api-Client, X-Goog-Request-Params, X-Server-Timeout, traceparent';

/** An HTTP field name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers on every response, so a page on another origin can read it and its `Retry-After`. @internal */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
});

/**
 * The headers of a 204 answer to a CORS preflight (`OPTIONS`): every verb, and the
 * headers the page asked for (so interceptors may add any metadata header), or a
 * default list when it asked for none or for something that is not a header name.
 *
 * @internal
 */
export function preflightHeaders(requestedHeaders: string | undefined): Record<string, string> {
  const requested = (requestedHeaders ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
  const allowed = requested.length > 0 && requested.every((h) => TOKEN.test(h)) ? requested.join(', ') : DEFAULT_ALLOWED_HEADERS;
  return {
    ...CORS_HEADERS,
    'Access-Control-Allow-Methods': PREFLIGHT_METHODS,
    'Access-Control-Allow-Headers': allowed,
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
  };
}

/**
 * The `Retry-After` header (whole seconds, rounded up) of an error answered 429 or 503
 * whose details carry a `google.rpc.RetryInfo`; undefined otherwise.
 *
 * @internal
 */
export function retryAfterOf(httpStatus: number, status: Status): string | undefined {
  if (httpStatus !== 429 && httpStatus !== 503) return undefined;
  const delayMs = retryDelayFromDetails(status.details);
  return delayMs === undefined ? undefined : String(Math.ceil(delayMs / 1000));
}
