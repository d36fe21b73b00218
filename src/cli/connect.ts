/**
 * Turns the common flags into an {@link OperationsClient}: gRPC at `--address` (TLS or
 * plaintext, a custom CA) or HTTP/JSON at `--base-url` (https, or http:// with
 * `--insecure`; bindings from `--http-rules`), request headers, and a TypeRegistry from
 * `--proto` files.
 *
 * Transport security is explicit, as in the SDK: TLS with the system's root
 * certificates (or `--ca`) unless `--insecure`. The CLI always passes its own channel
 * credentials, so it never takes the SDK's Application Default Credentials path and
 * never contacts a Google auth or metadata endpoint; over HTTP/JSON the SDK has no such
 * path at all.
 *
 * `--header` values are added to every RPC attempt by an SDK interceptor
 * ({@link headerInterceptor}), which both transports send (gRPC metadata, HTTP request
 * headers), the handle's polls and retries included: the SDK's seam, no grpc-js internals.
 *
 * @internal
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, OperationsClient, TypeRegistry, type HttpRule, type Interceptor } from '../index.js';
import { CREDENTIAL_METADATA_KEYS, HEADER_NAME_EXPECTATION, isHeaderName, isHeaderValue } from '../validation.js';
import { UsageError } from './exit-codes.js';
import { loadHttpRules } from './http-rules.js';

/** The common flags that say how to connect (types are loaded by {@link loadTypes}). @internal */
export interface ConnectionFlags {
  /** `--address host:port` (gRPC). */
  readonly address: string | undefined;
  /** `--base-url URL` (HTTP/JSON). */
  readonly baseUrl: string | undefined;
  readonly insecure: boolean;
  /** `--ca FILE`: PEM root certificates to trust instead of the system's (gRPC only). */
  readonly ca: string | undefined;
  /** `--http-rules FILE`: the HttpRule bindings (HTTP/JSON only). */
  readonly httpRules: string | undefined;
  /** `--header 'name: value'`, repeatable. */
  readonly headers: readonly string[];
}

/** Where to connect: a gRPC address or an HTTP/JSON base URL. @internal */
export type Endpoint =
  | { readonly transport: 'grpc'; readonly address: string }
  | { readonly transport: 'http'; readonly baseUrl: string };

/**
 * The endpoint the flags and the environment select. A flag wins over both variables
 * (`--base-url` with `LONGRUNNING_ADDRESS` set is HTTP/JSON); two flags, or two
 * variables and no flag, are a usage error.
 *
 * @throws {@link UsageError} for none or both.
 * @internal
 */
export function resolveEndpoint(
  flags: { readonly address?: string | undefined; readonly baseUrl?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Endpoint {
  const given = (value: string | undefined): value is string => value !== undefined && value !== '';
  if (flags.address !== undefined && flags.baseUrl !== undefined) {
    throw new UsageError('--address and --base-url exclude each other: --address is gRPC, --base-url is HTTP/JSON');
  }
  if (flags.address !== undefined || flags.baseUrl !== undefined) {
    if (flags.baseUrl !== undefined) {
      if (!given(flags.baseUrl)) throw new UsageError('--base-url expects a URL such as https://api.example.com');
      return { transport: 'http', baseUrl: flags.baseUrl };
    }
    if (!given(flags.address)) throw new UsageError('--address expects host:port');
    return { transport: 'grpc', address: flags.address };
  }
  const address = env.LONGRUNNING_ADDRESS;
  const baseUrl = env.LONGRUNNING_BASE_URL;
  if (given(address) && given(baseUrl)) {
    throw new UsageError('LONGRUNNING_ADDRESS and LONGRUNNING_BASE_URL are both set: unset one, or pass --address or --base-url');
  }
  if (given(baseUrl)) return { transport: 'http', baseUrl };
  if (given(address)) return { transport: 'grpc', address };
  throw new UsageError('missing --address host:port or --base-url URL (or set LONGRUNNING_ADDRESS or LONGRUNNING_BASE_URL)');
}


/**
 * Parses `--header` values (`name: value` or `name=value`). Error messages name the
 * header but never echo its value: it is usually a credential.
 *
 * @throws {@link UsageError} for a malformed header.
 * @internal
 */
export function parseHeaders(entries: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const separator = entry.search(/[:=]/);
    const name = (separator < 0 ? entry : entry.slice(0, separator)).trim().toLowerCase();
    if (separator <= 0 || !isHeaderName(name)) throw new UsageError(`--header expects "name: value" with ${HEADER_NAME_EXPECTATION}`);
    const value = entry.slice(separator + 1).trim();
    if (!isHeaderValue(value)) throw new UsageError(`--header ${name}: the value must be printable ASCII`);
    headers[name] = value;
  }
  return headers;
}

/**
 * Loads the `--proto` files into a TypeRegistry; without any, the well-known types only.
 *
 * @throws {@link UsageError} when `--include` is given without `--proto`, or a file
 *   cannot be read or parsed.
 * @internal
 */
export async function loadTypes(protos: readonly string[], includes: readonly string[]): Promise<TypeRegistry> {
  if (protos.length === 0) {
    if (includes.length > 0) throw new UsageError('--include needs --proto: it says where the --proto files and their imports are');
    return TypeRegistry.empty();
  }
  try {
    return await TypeRegistry.fromProtoFiles([...protos], { includeDirs: [...includes] });
  } catch (error) {
    // The SDK's advice names its option; on the command line that is --include.
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/`(options\.)?includeDirs`/g, '--include');
    throw new UsageError(`cannot load --proto ${protos.join(', ')}: ${message}`, { cause: error });
  }
}

/**
 * The interceptor that adds the `--header` values to every attempt's headers (over any
 * the call already has).
 *
 * @internal
 */
export function headerInterceptor(headers: Readonly<Record<string, string>>): Interceptor {
  return (next) => (context) => {
    Object.assign(context.headers, headers);
    return next(context);
  };
}

/**
 * Builds the client for the flags.
 *
 * @param onSkippedRules - Told how many rules of other APIs `--http-rules` held (skipped).
 * @throws {@link UsageError} for a missing, doubled or malformed address or base URL,
 *   `--insecure` with `--ca`, a flag of the other transport, an unreadable CA file, a
 *   bad `--http-rules` file or a malformed header.
 * @internal
 */
export async function connect(
  flags: ConnectionFlags, types: TypeRegistry, env: Readonly<Record<string, string | undefined>> = {},
  onSkippedRules?: (count: number) => void,
): Promise<OperationsClient> {
  const endpoint = resolveEndpoint(flags, env);
  if (endpoint.transport === 'http' && flags.ca !== undefined) {
    throw new UsageError('--ca is for gRPC TLS (--address); over --base-url, https:// trusts the system roots ' +
      '(and NODE_EXTRA_CA_CERTS)');
  }
  if (endpoint.transport === 'grpc' && flags.httpRules !== undefined) {
    throw new UsageError('--http-rules needs --base-url: the rules bind the RPCs to HTTP/JSON URLs, not gRPC');
  }
  if (flags.insecure && flags.ca !== undefined) {
    throw new UsageError('--insecure and --ca exclude each other: --ca is for TLS');
  }
  const headers = parseHeaders(flags.headers);
  // As in the SDK: no credentials over plaintext by accident (headers bypass its check).
  const credentialHeader = Object.keys(headers).find((name) => CREDENTIAL_METADATA_KEYS.has(name));
  if (flags.insecure && credentialHeader !== undefined) {
    throw new UsageError('--header: credential headers are not sent over --insecure (plaintext); use TLS');
  }
  // Every attempt, the handle's polls and retries included, on either transport.
  const interceptors = Object.keys(headers).length === 0 ? {} : { interceptors: [headerInterceptor(headers)] };
  if (endpoint.transport === 'http') {
    let httpRules: HttpRule[] | undefined;
    if (flags.httpRules !== undefined) {
      const loaded = await loadHttpRules(flags.httpRules);
      if (loaded.skipped > 0) onSkippedRules?.(loaded.skipped);
      httpRules = loaded.rules;
    }
    return httpClient(endpoint.baseUrl, flags.insecure, httpRules, types, interceptors);
  }
  const { address } = endpoint;
  let credentials: grpc.ChannelCredentials | undefined;
  if (!flags.insecure) {
    let rootCerts: Buffer | undefined;
    if (flags.ca !== undefined) {
      try {
        rootCerts = await readFile(flags.ca);
      } catch (error) {
        throw new UsageError(`cannot read --ca ${flags.ca}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    credentials = grpc.credentials.createSsl(rootCerts ?? null);
  }
  try {
    return new OperationsClient({
      address,
      ...(credentials === undefined ? { insecure: true } : { credentials }),
      types,
      ...interceptors,
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError && error.argument === 'address') {
      throw new UsageError(`--address expects host:port (port 1-65535), got ${JSON.stringify(address)}`);
    }
    throw error;
  }
}

/** The HTTP/JSON client; the SDK's refusals of the URL become lines about the flags. */
function httpClient(
  baseUrl: string, insecure: boolean, httpRules: HttpRule[] | undefined, types: TypeRegistry,
  interceptors: { interceptors?: Interceptor[] },
): OperationsClient {
  try {
    return new OperationsClient({
      baseUrl,
      ...(insecure ? { insecure: true } : {}),
      ...(httpRules === undefined ? {} : { httpRules }),
      types,
      ...interceptors,
    });
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    if (error.argument === 'options.insecure') {
      throw new UsageError('--insecure is for a plaintext http:// --base-url; an https:// URL always uses TLS');
    }
    if (error.argument === 'options.baseUrl') {
      // The SDK redacts a URL with a password in it: so does the line.
      if (error.value !== baseUrl) throw new UsageError('--base-url must not carry a user name or password: send credentials with --header');
      if (/^http:/i.test(baseUrl) && !insecure) {
        throw new UsageError(`--base-url ${JSON.stringify(baseUrl)} is plaintext http://: pass --insecure, or use https://`);
      }
      throw new UsageError('--base-url expects an https:// URL (or http:// with --insecure): scheme, host, optional port ' +
        `and path prefix, no query or fragment; got ${JSON.stringify(baseUrl)}`);
    }
    throw error;
  }
}
