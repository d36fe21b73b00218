/**
 * Eager validation of everything a user passes in. Each check names the option and
 * the bad value and runs before any RPC is sent.
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { RetryOptions } from '../types.js';
import { checkName, checkNumber } from '../validation.js';
import { CLIENT_DEFAULTS, type ResolvedRetryOptions } from './defaults.js';

/** A non-empty operation name, by the one name rule of `src/validation.ts`. @internal */
export function checkOperationName(value: unknown, argument: string): string {
  return checkName(value, argument, 'operation');
}

/** A collection name for ListOperations: may be empty. @internal */
export function checkCollectionName(value: unknown, argument: string): string {
  return checkName(value, argument, 'collection');
}

/** A plain object (the request or options argument itself). @internal */
export function checkObject<T extends object>(value: unknown, argument: string, optional: true): T | undefined;
export function checkObject<T extends object>(value: unknown, argument: string, optional?: false): T;
export function checkObject<T extends object>(value: unknown, argument: string, optional = false): T | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, value, optional ? 'an object or undefined' : 'an object');
  }
  return value as T;
}

/** A string or undefined. @internal */
export function checkString(value: unknown, argument: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(argument, value, 'a string');
  return value;
}

/** A boolean or undefined. @internal */
export function checkBoolean(value: unknown, argument: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, value, 'a boolean');
  return value;
}

/** An AbortSignal or undefined. @internal */
export function checkSignal(value: unknown, argument: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw new InvalidArgumentError(argument, value, 'an AbortSignal');
  return value;
}

const METADATA_KEY = /^[0-9a-z_.-]+$/;
/** Stands in for a header value in errors. @internal */
export const REDACTED = '[redacted]';

/** Call metadata keys that carry credentials. @internal */
export const CREDENTIAL_METADATA_KEYS: ReadonlySet<string> = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'x-goog-api-key', 'x-api-key',
]);
// Printable ASCII: what gRPC allows in a non-binary header value.
const METADATA_VALUE = /^[\u0020-\u007e]*$/;

/**
 * gRPC request metadata: lowercase keys, not reserved (`grpc-`) and not binary
 * (`-bin`), with printable ASCII values. @internal
 */
export function checkMetadata(value: unknown, argument: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const entries = checkObject<Record<string, unknown>>(value, argument);
  for (const [key, entry] of Object.entries(entries)) {
    if (!METADATA_KEY.test(key) || key.startsWith('grpc-') || key.endsWith('-bin')) {
      throw new InvalidArgumentError(`${argument} key`, key,
        'a lowercase header name of [0-9a-z_.-], not starting with "grpc-" nor ending with "-bin"');
    }
    if (typeof entry !== 'string' || !METADATA_VALUE.test(entry)) {
      // Header values may be credentials: never echoed into messages or error fields.
      throw new InvalidArgumentError(`${argument}.${key}`, REDACTED, 'a string of printable ASCII characters');
    }
  }
  return entries as Record<string, string>;
}

/**
 * Resolves a retry option against the defaults: `false` disables retries, an object
 * overrides field by field.
 *
 * @internal
 */
export function resolveRetry(value: unknown, argument: string, defaults: ResolvedRetryOptions | false): ResolvedRetryOptions | false {
  if (value === undefined) return defaults;
  if (value === false) return false;
  const options = checkObject<RetryOptions>(value, argument);
  // A call that re-enables retries the client disabled starts from the SDK defaults.
  const base = defaults === false ? CLIENT_DEFAULTS.retry : defaults;
  return {
    retries: checkNumber(options.retries, `${argument}.retries`, { min: 0, max: 1000, integer: true }) ?? base.retries,
    initialDelayMs: checkNumber(options.initialDelayMs, `${argument}.initialDelayMs`, { min: 0 }) ?? base.initialDelayMs,
    multiplier: checkNumber(options.multiplier, `${argument}.multiplier`, { min: 1, max: 100 }) ?? base.multiplier,
    maxDelayMs: checkNumber(options.maxDelayMs, `${argument}.maxDelayMs`, { min: 0, allowInfinity: true }) ?? base.maxDelayMs,
    jitter: checkNumber(options.jitter, `${argument}.jitter`, { min: 0, max: 1 }) ?? base.jitter,
    attemptTimeoutMs: checkNumber(options.attemptTimeoutMs, `${argument}.attemptTimeoutMs`, { min: 1, allowInfinity: true }) ?? base.attemptTimeoutMs,
  };
}

