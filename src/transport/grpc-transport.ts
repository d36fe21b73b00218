/**
 * The gRPC implementation of {@link OperationsTransport} on @grpc/grpc-js.
 *
 * Channel credentials are chosen once, explicitly: `insecure` (plaintext), `credentials`
 * (custom TLS), or Google auth through google-gax's `GrpcClient` (an explicit `auth`, or
 * Application Default Credentials when no transport option is given). google-gax and
 * google-auth-library are only loaded on the Google-auth path, so an insecure or
 * custom-TLS client can never probe a metadata server.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { GoogleAuth, googleAuthLibrary } from 'google-gax';
import { Code } from '../code.js';
import { ClientClosedError, InvalidArgumentError, RpcError } from '../errors.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, WaitOperationRequest,
} from '../types.js';
import { checkNumber } from '../validation.js';
import { CODECS, type MethodCodec } from './codec.js';
import { googleAuthSetupError, lostConnection, rpcErrorOf } from './grpc-errors.js';
import { checkTransportCall, type OperationsTransport, type TransportCallOptions } from './transport.js';

/**
 * A google-auth-library client: a `GoogleAuth` or any `AuthClient` (OAuth2Client,
 * JWT, Compute, ExternalAccountClient, ...).
 */
export type GoogleAuthClient = GoogleAuth | googleAuthLibrary.AuthClient;

/** How to reach the server and authenticate. */
export interface GrpcTransportOptions {
  /** `host:port` (IPv6 as `[::1]:port`); the port defaults to 443. */
  address: string;
  /** Plaintext, no TLS. Never combined with `credentials` or `auth`. */
  insecure?: boolean;
  /** Custom channel credentials, e.g. `grpc.credentials.createSsl(ca, key, cert)`. */
  credentials?: grpc.ChannelCredentials;
  /** Google auth for Google APIs; TLS is used. */
  auth?: GoogleAuthClient;
  /**
   * The universe domain passed to google-gax on the Google-auth path.
   * @defaultValue `'googleapis.com'`
   */
  universeDomain?: string;
  /**
   * Send credentials over a plaintext (`insecure`) channel anyway: an `auth` client's
   * headers, or `authorization`-like call metadata. Only for trusted local setups (an
   * emulator, a sidecar); anyone on the path can read them.
   * @defaultValue false: such calls are refused with an `InvalidArgumentError`.
   */
  allowInsecureCredentials?: boolean;
  /**
   * Largest response message accepted, in bytes; a larger one fails the call with
   * RESOURCE_EXHAUSTED instead of exhausting memory.
   * @defaultValue 33554432 (32 MiB): a page of 1,000 operations with 30 KB of metadata each.
   */
  maxReceiveMessageBytes?: number;
  /**
   * Largest request message sent, in bytes.
   * @defaultValue 4194304 (4 MiB): the requests of this service are tiny.
   */
  maxSendMessageBytes?: number;
  /** Extra grpc-js channel options; they override the ones above. */
  channelOptions?: grpc.ChannelOptions;
}

/** Message size limits, see `maxReceiveMessageBytes` / `maxSendMessageBytes`. */
const MESSAGE_LIMIT_DEFAULTS = Object.freeze({ receive: 32 * 1024 * 1024, send: 4 * 1024 * 1024 });

/**
 * Reconnection backoff of the channel. grpc-js defaults to 1 s growing to 120 s, so
 * after a 30 s outage the next connection attempt could come 20 s after the server is
 * back. Capped at 3 s (+-20% jitter in grpc-js), a returning server is seen within
 * about 4 s, at a cost of one connection attempt every 3 s while it is down. Users can
 * override both through `channelOptions`.
 */
const RECONNECT_BACKOFF_DEFAULTS = Object.freeze({ initialMs: 1_000, maxMs: 3_000 });

/** The OAuth scope requested with Application Default Credentials. */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** A parsed `host:port`. @internal */
export interface ParsedAddress { host: string; port: number }

/**
 * Parses `host`, `host:port`, `[v6]` or `[v6]:port`; the port defaults to 443.
 *
 * @throws {@link InvalidArgumentError} naming the address when it is malformed.
 * @internal
 */
export function parseAddress(address: unknown, argument = 'address'): ParsedAddress {
  const expectation = 'a "host:port" string (port 1-65535, default 443)';
  if (typeof address !== 'string' || address.length === 0 || address.length > 1024) {
    throw new InvalidArgumentError(argument, address, expectation);
  }
  const match = /^(?:\[([0-9a-fA-F:.%a-zA-Z]+)\]|([^\s:/[\]@]+))(?::(\d{1,5}))?$/.exec(address);
  if (!match) throw new InvalidArgumentError(argument, address, expectation);
  const host = match[1] ?? match[2];
  const port = match[3] === undefined ? 443 : Number(match[3]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(argument, address, expectation);
  return { host, port };
}

/** `host:port` as grpc-js expects it (IPv6 bracketed). */
function formatTarget({ host, port }: ParsedAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Call credentials that ask a google-auth-library client for request headers. Its
 * `getRequestHeaders` resolves a WHATWG `Headers` (v10) or a plain record (older);
 * grpc-js' own adapter only reads plain records, so both are copied here.
 */
function googleCallCredentials(auth: GoogleAuth): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator(({ service_url: serviceUrl }, callback) => {
    authHeaders(auth, serviceUrl).then((headers) => {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.add(key, value);
      callback(null, metadata);
    }, (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
  });
}

function toMetadata(entries: Record<string, string> | undefined, extra?: Record<string, string>, waitForReady = false): grpc.Metadata {
  const metadata = new grpc.Metadata(waitForReady ? { waitForReady: true } : undefined);
  if (entries) for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  if (extra) for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return metadata;
}

/** A google-auth-library client's request headers as a plain record (Headers or record). */
async function authHeaders(auth: GoogleAuthClient, url: string | undefined): Promise<Record<string, string>> {
  const headers = await (auth as { getRequestHeaders(url?: string): Promise<Headers | Record<string, string>> })
    .getRequestHeaders(url);
  return headers instanceof Headers ? Object.fromEntries(headers.entries()) : { ...headers };
}

/**
 * Headers for an opted-in plaintext call. A failure to get credentials is the call's
 * failure (UNAUTHENTICATED), reported without any header value.
 */
async function plaintextAuthHeaders(auth: GoogleAuthClient, method: string): Promise<Record<string, string>> {
  try {
    return await authHeaders(auth, undefined);
  } catch (error) {
    throw new RpcError(method, { code: Code.UNAUTHENTICATED, message: 'getting credentials from the auth client failed', details: [] }, { cause: error });
  }
}

/**
 * The furthest deadline worth sending. grpc-js cannot send one beyond 3.6e14 ms (its
 * `grpc-timeout` header has at most 8 digits of hours): it throws "Deadline is too far
 * in the future" inside its own promise chain, which crashes the process. And a grpc-js
 * server reads the header into a 32-bit integer (`| 0`), so anything beyond 2^31 - 1 ms
 * (about 24.8 days) wraps around and fails the call at once with DEADLINE_EXCEEDED.
 * grpc-js clients never fire such a deadline either (no timer beyond 2^31 - 1 ms).
 * 1 s under that limit leaves room for the header's rounding up to whole seconds.
 */
const MAX_WIRE_DEADLINE_MS = 2_147_483_647 - 1_000;

/**
 * The deadline handed to grpc-js: the call's own, or none (`Infinity`) when it is
 * further than {@link MAX_WIRE_DEADLINE_MS}. The client's own deadline accounting
 * (retries, RetryInfo) still sees the real one; a deadline that far never fires.
 */
function grpcDeadline(deadline: number): number {
  return deadline - Date.now() > MAX_WIRE_DEADLINE_MS ? Infinity : deadline;
}

/** The shared checks, then the gRPC metadata rule. */
function checkGrpcCall(request: unknown, options: unknown): void {
  checkTransportCall(request, options);
  const { metadata } = options as Partial<TransportCallOptions>;
  if (metadata === undefined) return;
  try {
    toMetadata(metadata);
  } catch {
    // grpc-js' message may quote a header value, which may be a credential: not kept.
    throw new InvalidArgumentError('options.metadata', '[redacted]',
      'gRPC request metadata: lowercase header names of [0-9a-z_.-], not reserved, with printable ASCII string values');
  }
}

function messageLimit(value: unknown, argument: string, fallback: number): number {
  return checkNumber(value, argument, { min: 1, max: 2_147_483_647, integer: true }) ?? fallback;
}

/**
 * Sends the google.longrunning.Operations RPCs over one gRPC channel.
 *
 * @example
 * ```ts
 * import { GrpcOperationsTransport } from 'longrunning-client';
 * const transport = new GrpcOperationsTransport({ address: 'localhost:50051', insecure: true });
 * ```
 */
export class GrpcOperationsTransport implements OperationsTransport {
  readonly #target: string;
  readonly #address: ParsedAddress;
  readonly #options: GrpcTransportOptions;
  readonly #channelOptions: grpc.ChannelOptions;
  /** The channel; on the Google-auth path it is created on first use (asynchronously). */
  #client: grpc.Client | Promise<grpc.Client> | undefined;
  readonly #inFlight = new Set<{ abandon(reason: unknown): void }>();
  #closed = false;

  /** @throws {@link InvalidArgumentError} for a malformed address or conflicting options. */
  constructor(options: GrpcTransportOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', options, 'GrpcTransportOptions: { address, insecure?, credentials?, auth?, ... }');
    }
    this.#address = parseAddress(options.address);
    this.#target = formatTarget(this.#address);
    this.#options = options;
    if (options.insecure !== undefined && typeof options.insecure !== 'boolean') {
      throw new InvalidArgumentError('insecure', options.insecure, 'a boolean');
    }
    if (options.insecure && options.credentials) {
      throw new InvalidArgumentError('credentials', options.credentials,
        'absent when `insecure` is true (choose plaintext or custom TLS, not both)');
    }
    if (options.allowInsecureCredentials !== undefined && typeof options.allowInsecureCredentials !== 'boolean') {
      throw new InvalidArgumentError('allowInsecureCredentials', options.allowInsecureCredentials, 'a boolean');
    }
    if (options.insecure && options.auth && !options.allowInsecureCredentials) {
      throw new InvalidArgumentError('auth', options.auth,
        'absent when `insecure` is true: credentials are not sent over plaintext ' +
        'unless `allowInsecureCredentials` is true');
    }
    this.#channelOptions = {
      'grpc.max_receive_message_length': messageLimit(options.maxReceiveMessageBytes, 'maxReceiveMessageBytes', MESSAGE_LIMIT_DEFAULTS.receive),
      'grpc.max_send_message_length': messageLimit(options.maxSendMessageBytes, 'maxSendMessageBytes', MESSAGE_LIMIT_DEFAULTS.send),
      'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_DEFAULTS.initialMs,
      'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_DEFAULTS.maxMs,
      ...options.channelOptions,
    };
    if (options.credentials !== undefined && !(options.credentials instanceof grpc.ChannelCredentials)) {
      throw new InvalidArgumentError('credentials', options.credentials, 'a grpc.ChannelCredentials');
    }
    if (options.insecure || (options.credentials && !options.auth)) {
      const credentials = options.insecure ? grpc.credentials.createInsecure() : options.credentials!;
      this.#client = new grpc.Client(this.#target, credentials, this.#channelOptions);
    }
  }

  /** Where this transport connects, as `host:port`. */
  get target(): string {
    return this.#target;
  }

  /** The grpc-js channel options in effect: the SDK's defaults under the user's `channelOptions`. @internal */
  get channelOptions(): Readonly<grpc.ChannelOptions> {
    return this.#channelOptions;
  }

  /** Whether the channel is plaintext (`insecure: true`). */
  get plaintext(): boolean {
    return this.#options.insecure === true;
  }

  getOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<Operation> {
    return this.#checked(CODECS.GetOperation, request, options);
  }

  listOperations(request: ListOperationsRequest, options: TransportCallOptions): Promise<ListOperationsResponse> {
    return this.#checked(CODECS.ListOperations, request, options);
  }

  cancelOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#checked(CODECS.CancelOperation, request, options);
  }

  deleteOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#checked(CODECS.DeleteOperation, request, options);
  }

  waitOperation(request: WaitOperationRequest, options: TransportCallOptions): Promise<Operation> {
    return this.#checked(CODECS.WaitOperation, request, options);
  }

  /** Closes the channel. In-flight calls reject with {@link ClientClosedError}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of [...this.#inFlight]) call.abandon(new ClientClosedError());
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      // A failed Google-auth set-up leaves nothing to close.
      const resolved = await Promise.resolve(client).catch(() => undefined);
      resolved?.close();
    }
  }

  /**
   * Checks what a caller of this public class may get wrong before the call: a typed
   * rejection, where grpc-js would throw a TypeError or, for a deadline that is not a
   * number, reject outside the returned promise.
   */
  #checked<Req, Res>(codec: MethodCodec<Req, Res>, request: Req, options: TransportCallOptions): Promise<Res> {
    try {
      checkGrpcCall(request, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#unary(codec, request, options);
  }

  /**
   * Lazily builds the Google-auth channel through google-gax. A failed set-up (most
   * often: no Application Default Credentials) rejects each call with a typed error.
   */
  #channel(method: string): grpc.Client | Promise<grpc.Client> {
    this.#client ??= this.#createGoogleAuthClient();
    const client = this.#client;
    if (client instanceof grpc.Client) return client;
    return client.catch((error: unknown) => {
      throw googleAuthSetupError(method, this.#target, this.#options.auth !== undefined, error);
    });
  }

  async #createGoogleAuthClient(): Promise<grpc.Client> {
    const gax = await import('google-gax');
    const { auth, credentials } = this.#options;
    let googleAuth: GoogleAuth | undefined;
    if (auth) {
      // gax asks its auth for the universe domain; a bare AuthClient cannot answer, so
      // wrap it in a GoogleAuth that uses exactly that client (no credential discovery).
      googleAuth = auth instanceof gax.GoogleAuth
        ? auth
        : new gax.GoogleAuth({ authClient: auth });
    }
    const grpcClient = new gax.GrpcClient(googleAuth
      ? { auth: googleAuth, grpc: grpc }
      : { scopes: [CLOUD_PLATFORM_SCOPE], grpc: grpc });
    const stubOptions: Record<string, unknown> = {
      ...this.#channelOptions, // also replaces gax's unlimited (-1) message sizes
      servicePath: this.#address.host,
      port: this.#address.port,
      universeDomain: this.#options.universeDomain ?? 'googleapis.com',
    };
    if (credentials && googleAuth) {
      // gax returns `sslCreds` as is, so the custom TLS is composed with auth here.
      stubOptions.sslCreds = grpc.credentials.combineChannelCredentials(credentials, googleCallCredentials(googleAuth));
    }
    const stub = await grpcClient.createStub(grpc.Client as never, stubOptions as never);
    return stub;
  }

  async #unary<Req, Res>(codec: MethodCodec<Req, Res>, request: Req, options: TransportCallOptions): Promise<Res> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#closed) throw new ClientClosedError(codec.method);
    // Opted-in plaintext auth: grpc-js cannot attach call credentials to an insecure
    // channel, so the auth client's headers go into each call's metadata.
    const authMetadata = this.#options.insecure && this.#options.auth
      ? await plaintextAuthHeaders(this.#options.auth, codec.method)
      : undefined;
    signal?.throwIfAborted();
    const channel = this.#channel(codec.method);
    // Start the call a microtask later: an abort in the same tick as the request (e.g.
    // subscribe-then-unsubscribe) then sends nothing at all.
    const client = channel instanceof grpc.Client ? await Promise.resolve(channel) : await channel;
    signal?.throwIfAborted();
    if (this.#closed) throw new ClientClosedError(codec.method);

    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      /** Stops waiting for the call: cancels it on the wire and rejects with `reason`. */
      const abandon = (reason: unknown) => {
        if (settled) return;
        settle();
        call.cancel();
        // grpc-js (1.14) can lose a cancel issued within a few microtasks of the call's
        // start, leaving the RPC running on the server; a second one a tick later lands.
        setImmediate(() => call.cancel());
        reject(reason);
      };
      const entry = { abandon };
      const onAbort = () => abandon(signal!.reason);
      const settle = () => {
        settled = true;
        this.#inFlight.delete(entry);
        signal?.removeEventListener('abort', onAbort);
      };
      const call = client.makeUnaryRequest<Req, Res>(
        codec.path,
        (value) => codec.serializeRequest(value),
        (bytes) => codec.deserializeResponse(bytes),
        request,
        toMetadata(options.metadata, authMetadata, options.waitForReady),
        { deadline: grpcDeadline(options.deadline) },
        (error, response) => {
          if (settled) return;
          settle();
          if (error) reject(rpcErrorOf(codec.method, error, this.#target, lostConnection(client, error)));
          else resolve(response as Res);
        },
      );
      this.#inFlight.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
