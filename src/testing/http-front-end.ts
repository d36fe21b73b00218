/**
 * The embedded server's HTTP/JSON front-end: a `node:http` server on 127.0.0.1 that
 * routes each request with the `google.api.http` bindings, reads its proto3 JSON, hands
 * it to the same {@link Dispatcher} as the gRPC front-end and answers exactly once,
 * errors in Google's JSON envelope (`{"error": {code, message, status, details}}`).
 * Every response carries CORS headers, so a page on another origin can call it.
 *
 * @internal
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code } from '../code.js';
import { LongRunningError, RpcError } from '../errors.js';
import type { HttpBindings } from '../http/http-rule.js';
import { JsonMappingError, UnknownAnyTypeError } from '../http/json-error.js';
import type { ProtoJsonCodec } from '../http/proto-json.js';
import { startTimer } from '../time/clock.js';
import type { ListOperationsResponse, Operation, Status } from '../types.js';
import { statusOfError, type Dispatcher } from './dispatcher.js';
import {
  CORS_HEADERS, deadlineOf, HttpRequestError, metadataOf, parseJsonBody, preflightHeaders, readBody, retryAfterOf,
  splitTarget, withoutSystemParameters,
} from './http-request.js';
import { serverClock } from './server-clock.js';
import type { OperationsMethod, OperationsRequests } from './api-types.js';

/** How long `close()` lets responses drain before closing connections forcibly. */
const STOP_GRACE_MS = 1000;

/** What the front-end serves with, once attached. */
interface Target {
  readonly dispatcher: Dispatcher;
  readonly bindings: HttpBindings;
  readonly codec: ProtoJsonCodec;
}

/** A JSON answer: status, body, extra headers. */
interface Answer {
  readonly httpStatus: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves once the event loop has run its close callbacks (see grpc-front-end.ts). */
function handlesClosed(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => setImmediate(resolve));
  });
}

/**
 * The error envelope of `status`, answered with `httpStatus` when given (405, 413)
 * instead of the code's own. A detail the codec cannot render makes it a 500 naming
 * the type, like a response that cannot be rendered.
 */
function errorAnswer(codec: ProtoJsonCodec, status: Status, httpStatus?: number): Answer {
  let envelope;
  try {
    envelope = codec.errorEnvelope(status);
  } catch (error) {
    return renderFailure(codec, error);
  }
  const statusCode = httpStatus ?? envelope.httpStatus;
  const body = httpStatus === undefined
    ? envelope.body
    : { error: { ...(envelope.body.error as Record<string, unknown>), code: statusCode } };
  const retryAfter = retryAfterOf(statusCode, status);
  return { httpStatus: statusCode, body, ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } }) };
}

/** The 500 of a message the server cannot write as JSON (an Any of a type it does not know). */
function renderFailure(codec: ProtoJsonCodec, error: unknown): Answer {
  const message = error instanceof UnknownAnyTypeError
    ? `The server cannot render ${error.path} as JSON: the Any's type ${error.typeName} is not known to it ` +
      '(pass the TypeRegistry of your types as `types` to InMemoryOperationsServer.start).'
    : `The server cannot render its answer as JSON: ${error instanceof Error ? error.message : String(error)}`;
  // Without details: nothing in it can fail to render again.
  return errorAnswer(codec, { code: Code.INTERNAL, message, details: [] });
}

/** The JSON of a method's response. */
function responseJson(codec: ProtoJsonCodec, method: OperationsMethod, response: unknown): Record<string, unknown> {
  switch (method) {
    case 'GetOperation':
    case 'WaitOperation':
      return codec.operationToJson(response as Operation);
    case 'ListOperations':
      return codec.listResponseToJson(response as ListOperationsResponse);
    case 'CancelOperation':
    case 'DeleteOperation':
      return {};
  }
}

/** Whether `error` is a front-end or mapping refusal answered 4xx (not a dispatcher's status). */
function requestStatus(error: unknown): { status: Status; httpStatus?: number } | undefined {
  if (error instanceof HttpRequestError) {
    return {
      status: { code: error.code, message: error.message, details: [] },
      ...(error.httpStatus === 400 ? {} : { httpStatus: error.httpStatus }),
    };
  }
  if (error instanceof JsonMappingError || error instanceof LongRunningError) {
    return { status: { code: Code.INVALID_ARGUMENT, message: error.message, details: [] } };
  }
  return undefined;
}

/** One request/response exchange: answered at most once, with its call's abort controller. */
class Exchange {
  readonly controller = new AbortController();
  #answered = false;
  #cancelDeadline: (() => void) | undefined;

  constructor(
    readonly request: http.IncomingMessage,
    readonly response: http.ServerResponse,
    private readonly closing: () => boolean,
  ) {
    // The client went away before its answer: the call is abandoned, as gRPC's cancel.
    response.once('close', () => {
      this.#cancelDeadline?.();
      if (this.#answered) return;
      this.#answered = true;
      this.controller.abort(new RpcError('HTTP', { code: Code.CANCELLED, message: 'The client closed the connection', details: [] }));
    });
  }

  get answered(): boolean {
    return this.#answered;
  }

  /** Answers DEADLINE_EXCEEDED (504) when `deadline` passes first; its timer never holds Node. */
  watchDeadline(deadline: number, onExpired: () => void): void {
    if (deadline === Infinity) return;
    this.#cancelDeadline = startTimer(onExpired, deadline - serverClock.now(), { unref: true });
  }

  /** Writes the answer, unless one was written or the client left. */
  send(answer: Answer): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#cancelDeadline?.();
    const text = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = {
      ...CORS_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...answer.headers,
    };
    // While stopping: no keep-alive, so the connection ends with this answer.
    if (this.closing()) headers.Connection = 'close';
    this.response.writeHead(answer.httpStatus, headers);
    this.response.end(text);
  }

  /** A 204 with no body (CORS preflight). */
  sendEmpty(headers: Record<string, string>): void {
    if (this.#answered) return;
    this.#answered = true;
    this.response.writeHead(204, this.closing() ? { ...headers, Connection: 'close' } : headers);
    this.response.end();
  }
}

/** A listening node:http server that serves the Operations bindings through a dispatcher. @internal */
export class HttpFrontEnd {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  readonly #server: http.Server;
  #target: Target | undefined;
  #closing = false;

  private constructor(server: http.Server) {
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const exchange = new Exchange(request, response, () => this.#closing);
      this.#receive(exchange).catch((error: unknown) => {
        // A bug of this file, not of the request: still one answer, never a hang.
        if (this.#target) exchange.send(errorAnswer(this.#target.codec, statusOfError(error)));
        else response.destroy();
      });
    });
  }

  /**
   * Listens on 127.0.0.1 (never another interface) on a free port.
   *
   * @throws {@link LongRunningError} when no port can be bound.
   */
  static async listen(): Promise<HttpFrontEnd> {
    const server = http.createServer({ requestTimeout: 0 });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(new LongRunningError(`InMemoryOperationsServer cannot listen for HTTP on 127.0.0.1: ${error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', onError);
        resolve();
      });
    });
    return new HttpFrontEnd(server);
  }

  /** The URL clients use: `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Serves `bindings` through `dispatcher`; called once, right after `listen`. */
  attach(dispatcher: Dispatcher, bindings: HttpBindings, codec: ProtoJsonCodec): void {
    this.#target = { dispatcher, bindings, codec };
  }

  /**
   * Stops accepting connections, ends idle ones, lets the answers in flight go out
   * with `Connection: close` and, after {@link STOP_GRACE_MS}, closes what is left;
   * resolves when no socket of the server is left. The dispatcher must have ended its
   * calls first.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
    });
    this.#server.closeIdleConnections();
    const cancelGrace = startTimer(() => this.#server.closeAllConnections(), STOP_GRACE_MS, { unref: true });
    await closed;
    cancelGrace();
    await handlesClosed();
  }

  async #receive(exchange: Exchange): Promise<void> {
    const target = this.#target;
    const { request, response } = exchange;
    if (target === undefined) {
      response.destroy();
      return;
    }
    const { codec } = target;
    try {
      await this.#serve(target, exchange);
    } catch (error) {
      const refused = requestStatus(error);
      if (refused === undefined) throw error;
      // Discard what is left of the body: the answer must not wait on the client.
      request.resume();
      exchange.send(errorAnswer(codec, refused.status, refused.httpStatus));
    }
  }

  async #serve(target: Target, exchange: Exchange): Promise<void> {
    const { dispatcher, bindings, codec } = target;
    const { request } = exchange;
    const verb = (request.method ?? 'GET').toUpperCase();
    const { path, query } = splitTarget(request.url);
    if (verb === 'OPTIONS') {
      request.resume();
      const requested = request.headers['access-control-request-headers'];
      exchange.sendEmpty(preflightHeaders(Array.isArray(requested) ? requested.join(',') : requested));
      return;
    }
    const verbs = bindings.verbsFor(path);
    if (verbs.length === 0) {
      throw new HttpRequestError(404, Code.NOT_FOUND, `No binding of the Operations service matches ${verb} ${path.slice(0, 200)}.`);
    }
    if (!(verbs as string[]).includes(verb)) {
      request.resume();
      exchange.send({
        ...errorAnswer(codec, {
          code: Code.UNIMPLEMENTED, message: `${verb} is not bound for ${path.slice(0, 200)}; it allows ${verbs.join(', ')}.`, details: [],
        }, 405),
        headers: { Allow: verbs.join(', ') },
      });
      return;
    }
    const deadline = deadlineOf(request.headers, serverClock.now());
    const json = parseJsonBody(await readBody(request));
    const routed = bindings.route(verb, path, withoutSystemParameters(query), json);
    if (routed === undefined) {
      throw new HttpRequestError(404, Code.NOT_FOUND, `No binding of the Operations service matches ${verb} ${path.slice(0, 200)}.`);
    }
    // The router drops a body it cannot use (body "*" takes an object's fields only).
    if (json !== undefined && !isJsonObject(json) && !Object.values(routed.request).includes(json)) {
      throw new HttpRequestError(400, Code.INVALID_ARGUMENT, `The request body must be a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}.`);
    }
    const { method } = routed;
    const message: OperationsRequests[OperationsMethod] = codec.requestFromJson(method, routed.request);
    if (exchange.answered) return; // the client left while its body was read

    exchange.watchDeadline(deadline, () => {
      const status: Status = { code: Code.DEADLINE_EXCEEDED, message: `The ${method} call passed its deadline (X-Server-Timeout).`, details: [] };
      exchange.controller.abort(new RpcError(method, status));
      exchange.send(errorAnswer(codec, status));
    });
    let answer: Answer;
    try {
      const result = await dispatcher.serve(method, message, {
        transport: 'http',
        metadata: Object.freeze(metadataOf(request.headers)),
        deadline,
        controller: exchange.controller,
      });
      answer = this.#rendered(codec, method, result);
    } catch (error) {
      answer = errorAnswer(codec, statusOfError(error));
    }
    exchange.send(answer);
  }

  #rendered(codec: ProtoJsonCodec, method: OperationsMethod, result: unknown): Answer {
    try {
      return { httpStatus: 200, body: responseJson(codec, method, result) };
    } catch (error) {
      return renderFailure(codec, error);
    }
  }
}
