/**
 * The resume token: a small JSON-safe description of a handle, enough to rebuild it in
 * another process with `client.resume(token)`.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { POLLING_DEFAULTS, resolvePolling } from '../options/polling.js';
import type { PollingOptions } from '../types.js';

/**
 * What `LongRunningOperation.toJSON()` returns and `OperationsClient.resume()` accepts:
 * the operation's name, the resolved message types and the handle's own polling
 * options. It holds no credentials and no operation state.
 *
 * @example
 * ```ts
 * import type { ResumeToken } from 'longrunning-client';
 * const token: ResumeToken = JSON.parse(saved);
 * const op = client.resume(token);
 * ```
 */
export interface ResumeToken {
  /** The token format; this SDK writes and reads version 1. */
  version: 1;
  /** The operation's name. */
  name: string;
  /** The fully qualified response type, when one was set or resolved. */
  responseType?: string;
  /** The fully qualified metadata type, when one was set or resolved. */
  metadataType?: string;
  /** The handle's own polling options (not the client's defaults). */
  polling?: PollingOptions;
  /** Present (false) when the handle keeps raw Anys instead of unpacking them. */
  unpack?: false;
}

const TOKEN_KEYS = new Set(['version', 'name', 'responseType', 'metadataType', 'polling', 'unpack']);

/**
 * Reads a token given as an object or as its JSON text.
 *
 * @throws {@link InvalidArgumentError} naming what is wrong with it.
 * @internal
 */
export function parseResumeToken(value: unknown): ResumeToken {
  let token: unknown = value;
  if (typeof value === 'string') {
    try {
      token = JSON.parse(value);
    } catch {
      throw new InvalidArgumentError('token', value, 'a ResumeToken object or its JSON text');
    }
  }
  if (typeof token !== 'object' || token === null || Array.isArray(token)) {
    throw new InvalidArgumentError('token', value, 'a ResumeToken object or its JSON text');
  }
  const record = token as Record<string, unknown>;
  if (record.version !== 1) throw new InvalidArgumentError('token.version', record.version, 'version 1');
  const unknownKey = Object.keys(record).find((key) => !TOKEN_KEYS.has(key));
  if (unknownKey !== undefined) throw new InvalidArgumentError('token', unknownKey, 'only the ResumeToken fields');
  if (typeof record.name !== 'string' || record.name.length === 0) {
    throw new InvalidArgumentError('token.name', record.name, 'a non-empty operation name');
  }
  for (const key of ['responseType', 'metadataType'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'string') {
      throw new InvalidArgumentError(`token.${key}`, record[key], 'a fully qualified message name');
    }
  }
  if (record.unpack !== undefined && record.unpack !== false) {
    throw new InvalidArgumentError('token.unpack', record.unpack, 'false or absent');
  }
  // Checked here so a bad field is blamed on the token, not on options the caller never passed.
  if (record.polling !== undefined) resolvePolling(record.polling as PollingOptions, POLLING_DEFAULTS, 'token.polling');
  return record as unknown as ResumeToken;
}
