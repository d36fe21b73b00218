/**
 * Turns the common flags into an {@link OperationsClient}: the address, TLS or
 * plaintext, a custom CA, request headers, and a TypeRegistry from `--proto` files.
 *
 * Transport security is explicit, as in the SDK: TLS with the system's root
 * certificates (or `--ca`) unless `--insecure`. The CLI always passes its own channel
 * credentials, so it never takes the SDK's Application Default Credentials path and
 * never contacts a Google auth or metadata endpoint.
 *
 * @internal
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, OperationsClient, TypeRegistry } from '../index.js';
import { CREDENTIAL_METADATA_KEYS, HEADER_NAME_EXPECTATION, isHeaderName, isHeaderValue } from '../validation.js';
import { UsageError } from './exit-codes.js';

/** The common flags that say how to connect (types are loaded by {@link loadTypes}). @internal */
export interface ConnectionFlags {
  /** `host:port`, from `--address` or `LONGRUNNING_ADDRESS`. */
  readonly address: string | undefined;
  readonly insecure: boolean;
  /** `--ca FILE`: PEM root certificates to trust instead of the system's. */
  readonly ca: string | undefined;
  /** `--header 'name: value'`, repeatable. */
  readonly headers: readonly string[];
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
 * Builds the client for the flags.
 *
 * @throws {@link UsageError} for a missing or malformed address, `--insecure` with
 *   `--ca`, an unreadable CA file or a malformed header.
 * @internal
 */
export async function connect(flags: ConnectionFlags, types: TypeRegistry): Promise<OperationsClient> {
  const { address } = flags;
  if (address === undefined || address === '') {
    throw new UsageError('missing --address host:port (or set LONGRUNNING_ADDRESS)');
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
      // The client's default metadata: every call, the handle's polls included.
      ...(Object.keys(headers).length === 0 ? {} : { metadata: headers }),
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError && error.argument === 'address') {
      throw new UsageError(`--address expects host:port (port 1-65535), got ${JSON.stringify(address)}`);
    }
    throw error;
  }
}
