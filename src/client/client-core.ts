/**
 * The typed client of google.longrunning.Operations, without a transport of its own:
 * validates, applies deadlines and retries, and delegates each attempt to an
 * {@link OperationsTransport}. Each entry point extends it with what its platform has:
 * the Node entry (operations-client.ts) with gRPC, the browser entry
 * (browser-client.ts) with HTTP/JSON only.
 *
 * Browser-safe: no `node:` built-in and nothing that imports @grpc/grpc-js (lint and
 * `npm run check:bundle` hold that).
 *
 * @module
 */
import { PortableTypeRegistry } from '../any/portable-type-registry.js';
import { Code } from '../code.js';
import { debugLog } from '../debug-log.js';
import { ClientClosedError, InvalidArgumentError, RpcError } from '../errors.js';
import {
  LongRunningOperation, type HandleSettings, type OperationContext,
} from '../operation/long-running-operation.js';
import { normalizeOperation, type OperationInput } from '../operation/normalize.js';
import { parseResumeToken, type ResumeToken } from '../operation/resume-token.js';
import { CLIENT_DEFAULTS, resolveRetry, type ResolvedRetryOptions } from '../options/client.js';
import {
  HTTP_POLL_LIMIT_DEFAULTS, POLL_LIMIT_DEFAULTS, POLLING_DEFAULTS, resolvePollLimits, resolvePolling, type ResolvedPolling,
} from '../options/polling.js';
import { PollLimiter } from '../poller/poll-limiter.js';
import { RunSet } from '../operation/run-set.js';
import type { PollCallOptions } from '../poller/poll-loop.js';
import { ServerState } from '../poller/server-state.js';
import { loadOpenTelemetry } from '../telemetry/otel-api.js';
import { RpcCallTrace, rpcTargetOf, type RpcTarget } from '../telemetry/rpc-span.js';
import { systemClock, type Clock } from '../time/clock.js';
import { HttpOperationsTransport } from '../transport/http-transport.js';
import type { OperationsTransport, TransportCallOptions } from '../transport/transport.js';
import type {
  CallOptions, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod,
  RequestOf, ResponseOf, WaitOperationRequest,
} from '../types.js';
import {
  checkBoolean, checkMetadata, checkNumber, checkObject, checkOperationName, checkSignal, checkString,
  CREDENTIAL_METADATA_KEYS,
} from '../validation.js';
import type { ListCallOptions, OperationOptions, OperationsClientOptions } from './client-options.js';
import {
  composeInterceptors, debugInterceptor, interceptorFailure, type Interceptor, type InterceptorContext,
  type InterceptorResponse, type InterceptorTransport,
} from './interceptor.js';
import { paginate, type PagedAsyncIterable, type PageSettings } from './pagination.js';
import { checkAnswerNames, checkListRequest, checkTypeName } from './requests.js';
import { callWithRetry } from './retry.js';

/** The poll loop's hints of a handle's poll RPC (see {@link PollCallOptions}). */
type PollHints = Pick<PollCallOptions, 'waitForReady' | 'notAfter'>;

/** A call's options after validation and defaulting. */
interface ResolvedCall {
  /** The client method (`getOperation`, ...): names the call's span. */
  readonly method: string;
  /** The operation a named call is about, for its span. */
  readonly operationName?: string | undefined;
  readonly deadline: number;
  readonly retry: ResolvedRetryOptions | false;
  readonly signal: AbortSignal | undefined;
  readonly metadata: Record<string, string> | undefined;
  /** The shortest attempt deadline (a wait's hold plus grace), whatever `attemptTimeoutMs` says. */
  readonly minimumAttemptMs: number | undefined;
  /** Hold attempts while the channel reconnects (the handles' polls, once the server was reached). */
  readonly waitForReady: boolean;
}

/** Options that build a transport: absent when `options.transport` is given. */
const TRANSPORT_KEYS = [
  'address', 'baseUrl', 'insecure', 'credentials', 'auth', 'channelOptions', 'universeDomain', 'allowInsecureCredentials',
  'maxReceiveMessageBytes', 'maxSendMessageBytes', 'httpRules', 'fetch',
] as const;
/** Options of the gRPC transport only: absent with `baseUrl`. */
const GRPC_ONLY_KEYS = ['credentials', 'channelOptions', 'universeDomain', 'maxSendMessageBytes'] as const;
/** Options of the HTTP/JSON transport only: absent with `address`. */
const HTTP_ONLY_KEYS = ['httpRules', 'fetch'] as const;

/**
 * What an entry point gives the client core: the transports and Node-only tweaks
 * its platform has.
 */
export interface ClientPlatform {
  /**
   * Builds the gRPC transport for `options.address`; absent where gRPC is not
   * available (the browser entry), and then `address` is an {@link InvalidArgumentError}.
   */
  readonly grpcTransport?: ((options: OperationsClientOptions & { address: string }) => OperationsTransport) | undefined;
  /** Why there is no gRPC transport: the `address` error's hint. */
  readonly noGrpcHint?: string | undefined;
  /**
   * Lets a signal take any number of listeners without a warning (Node's
   * MaxListenersExceededWarning); browsers have no such limit.
   */
  readonly allowManyListeners?: ((signal: AbortSignal) => void) | undefined;
  /**
   * Loads the optional `@opentelemetry/api` synchronously (Node's `require`), so the first
   * call is traced; absent, the core imports it dynamically (browsers).
   */
  readonly loadOpenTelemetry?: (() => unknown) | undefined;
  /**
   * The client-wide poll bounds over HTTP/JSON on this platform; absent:
   * `HTTP_POLL_LIMIT_DEFAULTS`. Browsers allow about 6 HTTP/1.1 connections per origin,
   * so their entry holds fewer long-polls (each keeps one busy). Spelled out: the
   * internal `ResolvedPollLimits` is stripped from the published declarations.
   */
  readonly httpPollLimits?: { readonly maxConcurrentWaits: number; readonly maxPollsInFlight: number } | undefined;
}

/**
 * The shared implementation of both entries' `OperationsClient`: see
 * {@link longrunning-client!OperationsClient | OperationsClient} for what it does.
 */
export class OperationsClientCore {
  readonly #transport: OperationsTransport;
  /** Which transport `#transport` is, for interceptors. */
  readonly #transportKind: InterceptorTransport;
  /** The debug log's interceptor, then `options.interceptors`; empty: attempts go straight to the transport. */
  readonly #interceptors: readonly Interceptor[];
  readonly #timeoutMs: number;
  readonly #retry: ResolvedRetryOptions | false;
  readonly #maxConsecutiveEmptyPages: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #types: PortableTypeRegistry;
  readonly #polling: ResolvedPolling;
  /**
   * What this client's handles learn about the server: whether it was ever reached,
   * and whether it serves WaitOperation (probed once for all handles, re-probed later).
   */
  readonly #server = new ServerState();
  /** The bounds on long-polls held and polls in flight that all this client's handles share. */
  readonly #limiter: PollLimiter;
  /**
   * Aborted by close() with a {@link ClientClosedError}: every retry sleep and every
   * handle's poll loop listens to it, so close() needs no registry of what is running.
   */
  readonly #closing = new AbortController();
  #operationContext: OperationContext | undefined;
  /** Credential headers in call metadata are refused on a plaintext channel unless allowed. */
  readonly #refuseCredentialMetadata: boolean;
  /** `options.metadata`, validated and copied: the base of every call's metadata. */
  readonly #metadata: Readonly<Record<string, string>> | undefined;
  /** Where the transport sends calls, for the RPC spans' server attributes. */
  readonly #rpcTarget: RpcTarget;

  /**
   * @param platform - What the entry point's platform has (transports, Node tweaks).
   * @throws {@link InvalidArgumentError} for a malformed address, conflicting transport
   * options, or an out-of-range default.
   */
  protected constructor(options: OperationsClientOptions, platform: ClientPlatform) {
    // A fleet of handles and retry sleeps each listen to the closing signal: by design, not a leak.
    platform.allowManyListeners?.(this.#closing.signal);
    checkObject(options, 'options');
    this.#timeoutMs = checkNumber(options.timeoutMs, 'options.timeoutMs', { min: 0, allowInfinity: true }) ?? CLIENT_DEFAULTS.timeoutMs;
    this.#retry = resolveRetry(options.retry, 'options.retry', CLIENT_DEFAULTS.retry);
    this.#maxConsecutiveEmptyPages = checkNumber(options.maxConsecutiveEmptyPages, 'options.maxConsecutiveEmptyPages',
      { min: 0, integer: true }) ?? CLIENT_DEFAULTS.maxConsecutiveEmptyPages;
    if (options.types !== undefined && !(options.types instanceof PortableTypeRegistry)) {
      throw new InvalidArgumentError('options.types', options.types, 'a TypeRegistry');
    }
    this.#types = options.types ?? PortableTypeRegistry.empty();
    this.#polling = resolvePolling(options.polling, POLLING_DEFAULTS, 'options.polling', true);
    // Over HTTP/JSON each long-poll holds a connection of its own: its own default cap.
    const overHttp = options.transport === undefined ? options.baseUrl !== undefined : options.transport instanceof HttpOperationsTransport;
    const limits = resolvePollLimits(options.polling, 'options.polling',
      overHttp ? platform.httpPollLimits ?? HTTP_POLL_LIMIT_DEFAULTS : POLL_LIMIT_DEFAULTS);
    this.#limiter = new PollLimiter(limits.maxConcurrentWaits, limits.maxPollsInFlight);
    this.#clock = options.clock ?? systemClock;
    // Before the transport: a bad option must not leave a channel behind.
    this.#refuseCredentialMetadata = options.insecure === true && options.allowInsecureCredentials !== true;
    const metadata = this.#checkMetadata(options.metadata, 'options.metadata');
    this.#metadata = metadata === undefined ? undefined : Object.freeze({ ...metadata });
    this.#random = options.random ?? Math.random;
    this.#interceptors = this.#resolveInterceptors(options.interceptors);
    this.#transportKind = options.transport !== undefined ? 'custom' : options.baseUrl !== undefined ? 'http' : 'grpc';
    this.#transport = this.#buildTransport(options, platform);
    // Spans without an option when an OpenTelemetry SDK is registered (API.md); once per process.
    loadOpenTelemetry(platform.loadOpenTelemetry);
    this.#rpcTarget = rpcTargetOf(this.#transport);
  }

  /** The one transport the options select: `transport`, `baseUrl` (HTTP/JSON) or `address` (gRPC). */
  #buildTransport(options: OperationsClientOptions, platform: ClientPlatform): OperationsTransport {
    if (options.transport !== undefined) {
      const conflicting = TRANSPORT_KEYS.find((key) => options[key] !== undefined);
      if (conflicting) {
        throw new InvalidArgumentError(`options.${conflicting}`, options[conflicting],
          'absent when `options.transport` is given');
      }
      return options.transport;
    }
    const { address, baseUrl } = options;
    if (address !== undefined && platform.grpcTransport === undefined) {
      throw new InvalidArgumentError('options.address', address,
        `absent: ${platform.noGrpcHint ?? 'gRPC is not available in this build'}; use \`options.baseUrl\` (HTTP/JSON)`);
    }
    if ((address === undefined) === (baseUrl === undefined)) {
      throw new InvalidArgumentError(address === undefined ? 'options.address' : 'options.baseUrl',
        address === undefined ? address : baseUrl,
        address === undefined
          ? 'a "host:port" string (gRPC), or else `options.baseUrl` a URL (HTTP/JSON): exactly one of `address` and `baseUrl`'
          : 'absent when `options.address` is given: exactly one of `address` (gRPC) and `baseUrl` (HTTP/JSON)');
    }
    if (baseUrl !== undefined) {
      const grpcOnly = GRPC_ONLY_KEYS.find((key) => options[key] !== undefined);
      if (grpcOnly) {
        throw new InvalidArgumentError(`options.${grpcOnly}`, options[grpcOnly],
          'absent with `options.baseUrl`: it is an option of the gRPC transport (`options.address`)');
      }
      return new HttpOperationsTransport({
        baseUrl, insecure: options.insecure, httpRules: options.httpRules, fetch: options.fetch, auth: options.auth,
        allowInsecureCredentials: options.allowInsecureCredentials, types: this.#types,
        maxReceiveMessageBytes: options.maxReceiveMessageBytes,
      });
    }
    const httpOnly = HTTP_ONLY_KEYS.find((key) => options[key] !== undefined);
    if (httpOnly) {
      throw new InvalidArgumentError(`options.${httpOnly}`, options[httpOnly],
        'absent with `options.address`: it is an option of the HTTP/JSON transport (`options.baseUrl`)');
    }
    const grpcOptions: OperationsClientOptions = { ...options };
    delete grpcOptions.baseUrl;
    return platform.grpcTransport!({ ...grpcOptions, address: address! });
  }

  /**
   * Gets the latest state of an operation.
   *
   * @throws {@link InvalidArgumentError} when `request.name` is not a valid name.
   * @throws {@link RpcError} when the RPC fails (e.g. NOT_FOUND).
   */
  async getOperation(request: OperationNameRequest, options?: CallOptions): Promise<Operation> {
    return this.#getOperation(request, options);
  }

  async #getOperation(request: OperationNameRequest, options: CallOptions | undefined, poll?: PollHints): Promise<Operation> {
    const { name, call } = this.#resolveNamedCall('getOperation', request, options, poll);
    return this.#invoke(call, 'GetOperation', { name });
  }

  /**
   * Lists one page of operations. See {@link OperationsClient.listOperationsAsync} to
   * iterate all pages.
   *
   * @throws {@link InvalidArgumentError} for a bad name, filter, page size or token.
   * @throws {@link RpcError} when the RPC fails.
   */
  async listOperations(request: ListOperationsRequest, options?: CallOptions): Promise<ListOperationsResponse> {
    const checked = checkListRequest(request);
    const call = this.#resolveCall('listOperations', options);
    return this.#invoke(call, 'ListOperations', checked);
  }

  /**
   * Iterates every operation of a listing, fetching pages lazily; `byPage()` iterates
   * whole pages. Each page is one call with `options` (its own deadline and retries);
   * `options.signal` also stops the iteration between pages. A repeating page token
   * or an endless run of empty pages ends in a {@link PaginationError}.
   *
   * @throws {@link InvalidArgumentError} at once (synchronously) for a bad request.
   */
  listOperationsAsync(request: ListOperationsRequest, options?: ListCallOptions): PagedAsyncIterable<Operation, ListOperationsResponse> {
    const checked = checkListRequest(request);
    // Validate the options now, so mistakes surface where the iterable is made.
    const signal = this.#resolveCall('listOperationsAsync', options).signal;
    return paginate(checked, (page) => this.listOperations(page, options), {
      signal,
      maxConsecutiveEmptyPages: this.#maxConsecutiveEmptyPages,
      applySettings: (start, settings?: PageSettings) => {
        checkObject(settings, 'settings', true);
        const pageToken = checkString(settings?.pageToken, 'settings.pageToken');
        const pageSize = checkNumber(settings?.pageSize, 'settings.pageSize', { min: 0, max: 2_147_483_647, integer: true });
        const first = { ...start };
        if (pageToken !== undefined) first.pageToken = pageToken;
        if (pageSize !== undefined) first.pageSize = pageSize;
        return first;
      },
    });
  }

  /**
   * Asks the server to cancel an operation. Best effort: the server may finish the
   * operation anyway; a cancelled operation becomes done with code 1 CANCELLED.
   *
   * @throws {@link InvalidArgumentError} when `request.name` is not a valid name.
   * @throws {@link RpcError} when the RPC fails (e.g. UNIMPLEMENTED, NOT_FOUND).
   */
  async cancelOperation(request: OperationNameRequest, options?: CallOptions): Promise<void> {
    const { name, call } = this.#resolveNamedCall('cancelOperation', request, options);
    await this.#invoke(call, 'CancelOperation', { name });
  }

  /**
   * Deletes an operation (the server forgets it; it does not cancel it).
   *
   * @throws {@link InvalidArgumentError} when `request.name` is not a valid name.
   * @throws {@link RpcError} when the RPC fails.
   */
  async deleteOperation(request: OperationNameRequest, options?: CallOptions): Promise<void> {
    const { name, call } = this.#resolveNamedCall('deleteOperation', request, options);
    await this.#invoke(call, 'DeleteOperation', { name });
  }

  /**
   * Waits on the server until the operation is done or `request.timeoutMs` passes,
   * and returns its state then: it may not be done yet. Unless `options.timeoutMs` is
   * given, the RPC's deadline is extended to cover the requested wait.
   *
   * @throws {@link InvalidArgumentError} for a bad name or timeout.
   * @throws {@link RpcError} when the RPC fails (UNIMPLEMENTED if the server has no WaitOperation).
   */
  async waitOperation(request: WaitOperationRequest, options?: CallOptions): Promise<Operation> {
    // What the answer says about WaitOperation support serves this client's handles too.
    try {
      const operation = await this.#waitOperation(request, options);
      this.#server.markWaitSupported();
      return operation;
    } catch (error) {
      if (error instanceof RpcError && error.code === Code.UNIMPLEMENTED) this.#server.markWaitUnsupported(this.#clock.now());
      throw error;
    }
  }

  async #waitOperation(request: WaitOperationRequest, options: CallOptions | undefined, poll?: PollHints): Promise<Operation> {
    checkObject(request, 'request');
    const name = checkOperationName(request.name, 'request.name');
    const timeoutMs = checkNumber(request.timeoutMs, 'request.timeoutMs', { min: 0, allowInfinity: true });
    const waitRequest: WaitOperationRequest = timeoutMs === undefined ? { name } : { name, timeoutMs };
    const minimumTimeoutMs = timeoutMs === undefined ? undefined : timeoutMs + CLIENT_DEFAULTS.waitDeadlineGraceMs;
    const call = this.#resolveCall('waitOperation', options, minimumTimeoutMs, poll, name);
    return this.#invoke(call, 'WaitOperation', waitRequest);
  }

  /**
   * A handle on a long-running operation, given its name or an Operation (in any of
   * the shapes other Node libraries produce: `type_url` or `typeUrl`, Buffer or
   * Uint8Array, with a `result` marker, `null` for absent fields). An operation that
   * is already done settles without any RPC.
   *
   * @typeParam R - The unpacked response type.
   * @typeParam M - The unpacked metadata type.
   * @throws {@link InvalidArgumentError} for a bad name, Operation or option, or a
   *   `method` the client's `types` do not know.
   * @throws {@link TypeMismatchError} when `method`'s operation_info names an unknown type.
   *
   * @example
   * ```ts
   * import { OperationsClient, TypeRegistry } from 'longrunning-client';
   * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: ['protos'] });
   * const client = new OperationsClient({ address: 'localhost:50051', insecure: true, types });
   * const op = client.operation<{ rows: string }>('operations/123', { method: 'example.v1.ExportService.Export' });
   * const { rows } = await op.promise();
   * ```
   */
  operation<R = unknown, M = unknown>(nameOrOperation: string | Operation | OperationInput, options?: OperationOptions): LongRunningOperation<R, M> {
    if (this.closed) throw new ClientClosedError('operation');
    let initial: string | Operation;
    if (typeof nameOrOperation === 'string') {
      initial = checkOperationName(nameOrOperation, 'nameOrOperation');
    } else {
      initial = normalizeOperation(nameOrOperation, 'nameOrOperation');
      checkOperationName(initial.name, 'nameOrOperation.name');
    }
    checkObject(options, 'options', true);
    let responseType = checkTypeName(options?.responseType, 'options.responseType');
    let metadataType = checkTypeName(options?.metadataType, 'options.metadataType');
    const method = checkString(options?.method, 'options.method');
    if (method !== undefined) {
      const info = this.#types.operationInfo(method);
      responseType ??= info.responseType;
      metadataType ??= info.metadataType;
    }
    const settings: HandleSettings = {
      responseType,
      metadataType,
      unpack: checkBoolean(options?.unpack, 'options.unpack') ?? true,
      polling: resolvePolling(options?.polling, this.#polling, 'options.polling'),
      ownPolling: options?.polling,
    };
    return new LongRunningOperation<R, M>(this.#context(), initial, settings);
  }

  /**
   * Rebuilds a handle from a {@link ResumeToken} (from `toJSON()`, possibly written by
   * another process), given as an object or as its JSON text.
   *
   * @throws {@link InvalidArgumentError} for a malformed token.
   */
  resume<R = unknown, M = unknown>(token: ResumeToken | string): LongRunningOperation<R, M> {
    const { name, responseType, metadataType, polling, unpack } = parseResumeToken(token);
    const options: OperationOptions = {};
    if (unpack === false) options.unpack = false;
    if (responseType !== undefined) options.responseType = responseType;
    if (metadataType !== undefined) options.metadataType = metadataType;
    if (polling !== undefined) options.polling = polling;
    return this.operation<R, M>(name, options);
  }

  /**
   * Closes the channel. Calls in flight or waiting to retry, and operation handles
   * waiting, reject with {@link ClientClosedError}; later calls are refused. Afterwards
   * no timer or socket of the client keeps the process alive. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.closed) this.#closing.abort(new ClientClosedError());
    await this.#transport.close();
  }

  /** Whether {@link OperationsClient.close} was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** What handles need from this client; built once, on the first handle. */
  #context(): OperationContext {
    this.#operationContext ??= {
      // The poll hints ride in the options object itself: no copy per poll.
      rpcs: {
        getOperation: async (request, options) =>
          checkAnswerNames(request.name, 'GetOperation', await this.#getOperation(request, options, options)),
        waitOperation: async (request, options) =>
          checkAnswerNames(request.name, 'WaitOperation', await this.#waitOperation(request, options, options)),
        cancelOperation: (request, options) => this.cancelOperation(request, options),
        deleteOperation: (request, options) => this.deleteOperation(request, options),
      },
      server: this.#server,
      limiter: this.#limiter,
      types: this.#types,
      clock: this.#clock,
      random: this.#random,
      runs: new RunSet(this.#closing.signal),
    };
    return this.#operationContext;
  }

  /** Validates a request that names one operation, and its call options. */
  #resolveNamedCall(method: string, request: OperationNameRequest, options: CallOptions | undefined, poll?: PollHints): { name: string; call: ResolvedCall } {
    checkObject(request, 'request');
    const name = checkOperationName(request.name, 'request.name');
    return { name, call: this.#resolveCall(method, options, undefined, poll, name) };
  }

  /**
   * @param minimumTimeoutMs - The least time the call needs (a wait: its hold plus
   *   grace): it raises the default deadline and every attempt's deadline.
   * @param poll - For a handle's poll RPC: wait for the connection, end by `notAfter`.
   * @param operationName - The operation a named call is about (for its span).
   */
  #resolveCall(
    method: string, options: CallOptions | undefined, minimumTimeoutMs?: number, poll?: PollHints, operationName?: string,
  ): ResolvedCall {
    checkObject(options, 'options', true);
    const explicitTimeoutMs = checkNumber(options?.timeoutMs, 'options.timeoutMs', { min: 0, allowInfinity: true });
    const signal = checkSignal(options?.signal, 'options.signal');
    const own = this.#checkMetadata(options?.metadata, 'options.metadata');
    // The client's defaults under the call's own; no copy when only one side has any.
    const metadata = own === undefined ? this.#metadata : this.#metadata === undefined ? own : { ...this.#metadata, ...own };
    const retry = resolveRetry(options?.retry, 'options.retry', this.#retry);
    if (this.closed) throw new ClientClosedError(method);
    const timeoutMs = explicitTimeoutMs ?? Math.max(this.#timeoutMs, minimumTimeoutMs ?? 0);
    const deadline = Math.min(this.#clock.now() + timeoutMs, poll?.notAfter ?? Infinity);
    return {
      method, operationName, deadline, retry, signal, metadata, minimumAttemptMs: minimumTimeoutMs,
      waitForReady: poll?.waitForReady ?? false,
    };
  }

  /** Validates request metadata, refusing credential headers on a plaintext channel unless allowed. */
  #checkMetadata(value: unknown, argument: string): Record<string, string> | undefined {
    const metadata = checkMetadata(value, argument);
    if (metadata && this.#refuseCredentialMetadata) {
      const credentialKey = Object.keys(metadata).find((key) => CREDENTIAL_METADATA_KEYS.has(key));
      if (credentialKey !== undefined) {
        throw new InvalidArgumentError(`${argument} key`, credentialKey,
          'not a credential header on a plaintext (`insecure`) channel unless `allowInsecureCredentials` is true');
      }
    }
    return metadata;
  }

  /** `options.interceptors`, checked and copied, behind the debug log's when it is on. */
  #resolveInterceptors(value: unknown): readonly Interceptor[] {
    const expectation = 'an array of Interceptor functions, `(next) => async (context) => next(context)`';
    if (value !== undefined && !Array.isArray(value)) throw new InvalidArgumentError('options.interceptors', value, expectation);
    const own = (value ?? []) as unknown[];
    const bad = own.findIndex((interceptor) => typeof interceptor !== 'function');
    if (bad >= 0) throw new InvalidArgumentError(`options.interceptors[${bad}]`, own[bad], expectation);
    const debug = debugLog();
    // Outermost: its line has the outcome the caller gets, after every interceptor.
    return Object.freeze(debug === undefined ? [...own] as Interceptor[] : [debugInterceptor(debug, () => this.#clock.now()), ...own as Interceptor[]]);
  }

  /**
   * Sends one attempt of a call: the one place where the client hands an RPC to its
   * transport, through the interceptors when there are any.
   *
   * @param attempt - 1 for the first attempt, then one more per retry.
   */
  async #sendAttempt<M extends OperationsMethod>(
    method: M, request: RequestOf[M], options: TransportCallOptions, attempt: number,
  ): Promise<ResponseOf[M]> {
    if (this.#interceptors.length === 0) return this.#send(method, request, options);
    const context = {
      method,
      fullMethod: `google.longrunning.Operations/${method}`,
      request,
      headers: { ...options.metadata },
      // The first attempt of a call without a signal has none: interceptors get the closing one.
      signal: options.signal ?? this.#closing.signal,
      attempt,
      transport: this.#transportKind,
      deadline: options.deadline,
    } as InterceptorContext;
    const chain = composeInterceptors(this.#interceptors, (sent) => this.#sendIntercepted(method, sent, options));
    try {
      return await chain(context) as ResponseOf[M];
    } catch (error) {
      throw interceptorFailure(method, error, options.signal);
    }
  }

  /**
   * The end of the interceptor chain: the request, signal and headers as the
   * interceptors left them (the headers checked again), then the transport. The method
   * stays the client's.
   */
  async #sendIntercepted(
    method: OperationsMethod, context: InterceptorContext, options: TransportCallOptions,
  ): Promise<InterceptorResponse> {
    const headers = this.#checkMetadata(context.headers, 'interceptor headers');
    const sent: TransportCallOptions = { ...options, signal: context.signal };
    if (headers === undefined || Object.keys(headers).length === 0) delete sent.metadata;
    else sent.metadata = headers;
    return await this.#send(method, context.request, sent) as InterceptorResponse;
  }

  /** One attempt on the transport. */
  #send<M extends OperationsMethod>(method: M, request: RequestOf[M], options: TransportCallOptions): Promise<ResponseOf[M]> {
    const transport = this.#transport;
    switch (method) {
      case 'GetOperation': return transport.getOperation(request, options) as Promise<ResponseOf[M]>;
      case 'ListOperations': return transport.listOperations(request, options) as Promise<ResponseOf[M]>;
      case 'CancelOperation': return transport.cancelOperation(request, options) as Promise<ResponseOf[M]>;
      case 'DeleteOperation': return transport.deleteOperation(request, options) as Promise<ResponseOf[M]>;
      case 'WaitOperation': return transport.waitOperation(request, options) as Promise<ResponseOf[M]>;
    }
  }

  async #invoke<M extends OperationsMethod>(call: ResolvedCall, method: M, request: RequestOf[M]): Promise<ResponseOf[M]> {
    call.signal?.throwIfAborted();
    // Asked for only when a retry must wait (the first attempt needs neither: close()
    // rejects it in the transport); a call without a signal allocates nothing.
    const closing = this.#closing.signal;
    const retrySignal = () => (call.signal === undefined ? closing : AbortSignal.any([call.signal, closing]));
    // The call's OpenTelemetry span: undefined, and nothing else done, without an SDK.
    const trace = RpcCallTrace.start(call.method, this.#rpcTarget, call.operationName);
    const send = (options: TransportCallOptions, attempt: number) => this.#sendAttempt(method, request, options, attempt);
    const run = () => callWithRetry(trace === undefined ? send : trace.observeAttempts(send), {
      policy: call.retry,
      deadline: call.deadline,
      signal: call.signal,
      retrySignal,
      metadata: trace === undefined ? call.metadata : trace.headers(call.metadata),
      waitForReady: call.waitForReady,
      minimumAttemptMs: call.minimumAttemptMs,
      clock: this.#clock,
      random: this.#random,
      onRetry: trace?.retrying,
    });
    try {
      const result = await (trace === undefined ? run() : trace.run(run));
      trace?.end();
      this.#server.reached = true;
      return result;
    } catch (error) {
      trace?.end(error);
      if (error instanceof RpcError && !error.noConnection) this.#server.reached = true;
      throw error;
    }
  }
}
