/**
 * One OpenTelemetry span per RPC call (all its attempts): kind CLIENT, named
 * `google.longrunning.Operations/GetOperation` and so on, with the RPC semantic-convention
 * attributes (gRPC) or the HTTP client ones (HTTP/JSON), each retry an event on it, and
 * its context injected into the request headers (`traceparent`).
 *
 * Retries are events, not child spans: every attempt of a call carries the same
 * `traceparent` (the call's span), a retry has nothing of its own to time but the delay
 * (an attribute of its event), and a trace of a long wait stays one span per RPC call.
 *
 * @internal
 * @module
 */
import { codeName } from '../code.js';
import { RpcError } from '../errors.js';
import {
  activeTelemetry, SPAN_KIND, SPAN_STATUS, type Attributes, type OtelApi, type OtelContext, type OtelSpan,
} from './otel-api.js';

/** The service every RPC span names. */
const SERVICE = 'google.longrunning.Operations';

/** Where a client's RPCs go: the attributes every RPC span of the client starts with. @internal */
export interface RpcTarget {
  /** The transport: `grpc` gets `rpc.system`, `http` the HTTP client attributes. */
  readonly protocol: 'grpc' | 'http' | 'custom';
  readonly serverAddress?: string | undefined;
  readonly serverPort?: number | undefined;
}

/**
 * What the client's transport tells about where it sends calls, by shape (the telemetry
 * knows no transport class): a gRPC transport's `target` (`host:port`), an HTTP one's
 * `baseUrl`; a user's own transport is `custom`, without server attributes.
 *
 * @internal
 */
export function rpcTargetOf(transport: object): RpcTarget {
  const { target, baseUrl } = transport as { target?: unknown; baseUrl?: unknown };
  if (typeof baseUrl === 'string') {
    try {
      const url = new URL(baseUrl);
      const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
      return { protocol: 'http', serverAddress: url.hostname.replace(/^\[|\]$/g, ''), serverPort: port };
    } catch {
      return { protocol: 'http' };
    }
  }
  if (typeof target === 'string') {
    const match = /^\[?(.*?)\]?:(\d+)$/.exec(target);
    return match ? { protocol: 'grpc', serverAddress: match[1], serverPort: Number(match[2]) } : { protocol: 'grpc' };
  }
  return { protocol: 'custom' };
}

/** What an HTTP transport reports of one attempt: before sending, then with the response status. @internal */
export type HttpAttemptObserver = (method: string, url: string, status?: number) => void;

/** An attempt function of the client: one transport call with its options. */
type Attempt<O, T> = (options: O, attempt: number) => Promise<T>;

/**
 * A traced RPC call. Exists only while a tracer provider is registered; a span that is
 * not recording (sampled out) still propagates its context but sets no attribute.
 *
 * @internal
 */
export class RpcCallTrace {
  readonly #api: OtelApi;
  readonly #span: OtelSpan;
  readonly #context: OtelContext;
  readonly #target: RpcTarget;
  readonly #recording: boolean;
  #httpStatus: number | undefined;

  private constructor(api: OtelApi, span: OtelSpan, context: OtelContext, target: RpcTarget) {
    this.#api = api;
    this.#span = span;
    this.#context = context;
    this.#target = target;
    this.#recording = span.isRecording();
  }

  /**
   * Starts the span of one call of the client's `clientMethod` (`getOperation`, ...) as
   * a child of the active context; undefined (and nothing allocated) without a
   * registered tracer provider.
   */
  static start(clientMethod: string, target: RpcTarget, operationName?: string): RpcCallTrace | undefined {
    const telemetry = activeTelemetry();
    if (telemetry === undefined) return undefined;
    const { api, tracer } = telemetry;
    const method = clientMethod.charAt(0).toUpperCase() + clientMethod.slice(1);
    const parent = api.context.active();
    const span = tracer.startSpan(`${SERVICE}/${method}`, { kind: SPAN_KIND.client }, parent);
    if (!span.isRecording() && !api.trace.isSpanContextValid(span.spanContext())) {
      span.end();
      return undefined;
    }
    if (span.isRecording()) span.setAttributes(startAttributes(method, target, operationName));
    return new RpcCallTrace(api, span, api.trace.setSpan(parent, span), target);
  }

  /**
   * The call's metadata plus the span's context (`traceparent`, and `tracestate` or
   * whatever the globally registered propagator writes); the injected keys win over the
   * same keys in `metadata`, so the server joins the span that timed the call.
   */
  headers(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const carrier: Record<string, string> = { ...metadata };
    this.#api.propagation.inject(this.#context, carrier);
    return carrier;
  }

  /** Runs the call with its span active, so instrumentations below (grpc-js, fetch) become its children. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.#api.context.with(this.#context, call);
  }

  /**
   * `attempt` with the HTTP observer added to its options: an HTTP transport reports
   * the method, URL and response status through it.
   */
  observeAttempts<O extends object, T>(attempt: Attempt<O, T>): Attempt<O, T> {
    if (!this.#recording || this.#target.protocol !== 'http') return attempt;
    const observeHttp: HttpAttemptObserver = (method, url, status) => {
      if (status === undefined) {
        this.#span.setAttributes({ 'http.request.method': method, 'url.full': url });
      } else {
        this.#httpStatus = status;
        this.#span.setAttribute('http.response.status_code', status);
      }
    };
    return (options, number) => attempt({ ...options, observeHttp }, number);
  }

  /** A retry is about to wait `delayMs` and make attempt `attempt`, after `error`. */
  readonly retrying = (attempt: number, delayMs: number, error: unknown): void => {
    if (!this.#recording) return;
    const attributes: Attributes = { 'longrunning.retry.attempt': attempt, 'longrunning.retry.delay_ms': delayMs };
    Object.assign(attributes, errorAttributes(error, this.#target.protocol));
    if (this.#httpStatus !== undefined) attributes['http.response.status_code'] = this.#httpStatus;
    this.#span.addEvent('retry', attributes);
  };

  /** Ends the span: OK, or ERROR with the error's message, code and type. */
  end(error?: unknown): void {
    if (this.#recording) {
      if (error === undefined) {
        if (this.#target.protocol === 'grpc') this.#span.setAttribute('rpc.grpc.status_code', 0);
      } else {
        const attributes = errorAttributes(error, this.#target.protocol);
        if (error instanceof RpcError) attributes['longrunning.rpc.attempts'] = error.attempts;
        this.#span.setAttributes(attributes);
        this.#span.setStatus({ code: SPAN_STATUS.error, message: errorMessage(error) });
      }
    }
    this.#span.end();
  }
}

function startAttributes(method: string, target: RpcTarget, operationName: string | undefined): Attributes {
  const attributes: Attributes = { 'rpc.service': SERVICE, 'rpc.method': method };
  if (target.protocol === 'grpc') attributes['rpc.system'] = 'grpc';
  if (target.serverAddress !== undefined) attributes['server.address'] = target.serverAddress;
  if (target.serverPort !== undefined) attributes['server.port'] = target.serverPort;
  if (operationName !== undefined) attributes['longrunning.operation.name'] = operationName;
  return attributes;
}

/**
 * `error.type` (the status code's name, or the error class), the message (never a header
 * value: errors redact them) and, over gRPC, `rpc.grpc.status_code`.
 */
function errorAttributes(error: unknown, protocol: RpcTarget['protocol']): Attributes {
  if (error instanceof RpcError) {
    const attributes: Attributes = { 'error.type': codeName(error.code), 'exception.message': errorMessage(error) };
    if (protocol === 'grpc') attributes['rpc.grpc.status_code'] = error.code;
    return attributes;
  }
  return { 'error.type': error instanceof Error ? error.name : typeof error, 'exception.message': errorMessage(error) };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
