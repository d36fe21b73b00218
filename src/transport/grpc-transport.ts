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
import { ClientClosedError, InvalidArgumentError, RpcError } from '../errors.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, Status,
  WaitOperationRequest,
} from '../types.js';
import { CODECS, decodeStatus, type MethodCodec } from './codec.js';
import type { OperationsTransport, TransportCallOptions } from './transport.js';

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
  /** Extra grpc-js channel options, e.g. `grpc.max_receive_message_length`. */
  channelOptions?: grpc.ChannelOptions;
}

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

/** Status of a failed grpc-js call: its code, message and the decoded details trailer. */
function statusOf(error: grpc.ServiceError): Status {
  const status: Status = { code: error.code, message: error.details ?? '', details: [] };
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
 * Call credentials that ask a google-auth-library client for request headers. Its
 * `getRequestHeaders` resolves a WHATWG `Headers` (v10) or a plain record (older);
 * grpc-js' own adapter only reads plain records, so both are copied here.
 */
function googleCallCredentials(auth: GoogleAuth): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator(({ service_url: serviceUrl }, callback) => {
    auth.getRequestHeaders(serviceUrl).then((headers: Headers | Record<string, string>) => {
      const metadata = new grpc.Metadata();
      const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
      for (const [key, value] of entries) metadata.add(key, value);
      callback(null, metadata);
    }, (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
  });
}

function toMetadata(entries: Record<string, string> | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (entries) for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
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
  /** The channel; on the Google-auth path it is created on first use (asynchronously). */
  #client: grpc.Client | Promise<grpc.Client> | undefined;
  readonly #inFlight = new Set<{ abandon(reason: unknown): void }>();
  #closed = false;

  /** @throws {@link InvalidArgumentError} for a malformed address or conflicting options. */
  constructor(options: GrpcTransportOptions) {
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
    if (options.insecure && options.auth) {
      throw new InvalidArgumentError('auth', options.auth,
        'absent when `insecure` is true (Google credentials are never sent over plaintext)');
    }
    if (options.credentials !== undefined && !(options.credentials instanceof grpc.ChannelCredentials)) {
      throw new InvalidArgumentError('credentials', options.credentials, 'a grpc.ChannelCredentials');
    }
    if (options.insecure || (options.credentials && !options.auth)) {
      const credentials = options.insecure ? grpc.credentials.createInsecure() : options.credentials!;
      this.#client = new grpc.Client(this.#target, credentials, options.channelOptions);
    }
  }

  /** Where this transport connects, as `host:port`. */
  get target(): string {
    return this.#target;
  }

  getOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<Operation> {
    return this.#unary(CODECS.GetOperation, request, options);
  }

  listOperations(request: ListOperationsRequest, options: TransportCallOptions): Promise<ListOperationsResponse> {
    return this.#unary(CODECS.ListOperations, request, options);
  }

  cancelOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#unary(CODECS.CancelOperation, request, options);
  }

  deleteOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<void> {
    return this.#unary(CODECS.DeleteOperation, request, options);
  }

  waitOperation(request: WaitOperationRequest, options: TransportCallOptions): Promise<Operation> {
    return this.#unary(CODECS.WaitOperation, request, options);
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

  /** Lazily builds the Google-auth channel through google-gax. */
  #channel(): grpc.Client | Promise<grpc.Client> {
    this.#client ??= this.#createGoogleAuthClient();
    return this.#client;
  }

  async #createGoogleAuthClient(): Promise<grpc.Client> {
    const gax = await import('google-gax');
    const { auth, credentials, channelOptions } = this.#options;
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
      ...channelOptions,
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
    const channel = this.#channel();
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
        toMetadata(options.metadata),
        { deadline: new Date(options.deadline) },
        (error, response) => {
          if (settled) return;
          settle();
          if (error) reject(new RpcError(codec.method, statusOf(error), { cause: error }));
          else resolve(response as Res);
        },
      );
      this.#inFlight.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
