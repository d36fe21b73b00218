/**
 * Validation rules shared by the client, the embedded server and the CLI: one rule, in
 * one place, so the package's own server never rejects what its client accepts. A leaf:
 * it imports only `errors.ts`, and everything may import it.
 *
 * The name rule (also in DEVELOPERS.md): an operation name is a non-empty string, a
 * collection name (ListOperations) may be empty; either is at most
 * {@link MAX_NAME_BYTES} bytes of UTF-8 (what the wire carries), is well-formed Unicode
 * (no unpaired surrogate: proto3 strings must be valid UTF-8) and contains no control
 * character: C0 (U+0000-U+001F), DEL (U+007F) or C1 (U+0080-U+009F). C1 characters are
 * valid Unicode, but AIP-122 names are URI paths of DNS-like characters, so no real
 * service hands one out. Everything else (spaces, `%`, non-ASCII letters) is left to
 * the server: names come from servers, and a client must not reject one it was given.
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from './errors.js';

/**
 * The longest name accepted, in UTF-8 bytes: four times the 1 KiB that resource-name
 * limits of real services (Cloud Storage objects, for example) stay within, so no name
 * a server hands out is refused, while a runaway string is.
 *
 * @internal
 */
export const MAX_NAME_BYTES = 4096;

/** Operation names must not be empty; collection names (ListOperations) may be. @internal */
export type NameKind = 'operation' | 'collection';

// A code point class under the `u` flag: a surrogate in it can only be an unpaired one.
// eslint-disable-next-line no-control-regex -- control characters are what names must not contain
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

/** The UTF-8 length of a string without unpaired surrogates. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a pair: one code point above U+FFFF
      index++;
    } else bytes += 3;
  }
  return bytes;
}

const hex = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * What is wrong with `name` as a name of `kind`, as a phrase that follows the name
 * (`contains the control character U+0085 at index 3`), or undefined when it is valid.
 *
 * @internal
 */
export function nameProblem(name: unknown, kind: NameKind): string | undefined {
  if (typeof name !== 'string') return 'is not a string';
  if (name.length === 0) return kind === 'operation' ? 'is empty' : undefined;
  const forbidden = FORBIDDEN_CHARACTER.exec(name);
  if (forbidden) {
    const unit = forbidden[0].charCodeAt(0);
    return unit >= 0xd800
      ? `contains the unpaired surrogate ${hex(unit)} at index ${forbidden.index}`
      : `contains the control character ${hex(unit)} at index ${forbidden.index}`;
  }
  // Each UTF-16 unit is 1 to 3 bytes: most names are decided without counting.
  if (name.length * 3 <= MAX_NAME_BYTES) return undefined;
  const bytes = utf8Length(name);
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long in UTF-8; at most ${MAX_NAME_BYTES} are allowed`;
  return undefined;
}

/** The rule in words, after "name": for expectations and docs. @internal */
export const NAME_RULE =
  `of at most ${MAX_NAME_BYTES} UTF-8 bytes, without control characters (C0, DEL, C1) or unpaired surrogates`;

/**
 * What a valid name of `kind` is, for `InvalidArgumentError` expectations and help text.
 *
 * @internal
 */
export function nameExpectation(kind: NameKind): string {
  return kind === 'operation' ? `a non-empty operation name ${NAME_RULE}` : `a collection name (possibly empty) ${NAME_RULE}`;
}

/**
 * The name as it appears in a message: JSON-quoted, long values shortened, and DEL and
 * C1 escaped too (JSON leaves them raw; U+0085 would break the line in a terminal).
 *
 * @internal
 */
export function quoteName(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value)
    .replace(/[\u007f-\u009f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A message for a name that breaks the rule, naming the field and the value
 * (`name "a\u0085" contains the control character U+0085 at index 1`), or undefined.
 * The embedded server sends it as the INVALID_ARGUMENT message.
 *
 * @internal
 */
export function describeNameProblem(name: unknown, kind: NameKind, field: string): string | undefined {
  const problem = nameProblem(name, kind);
  if (problem === undefined) return undefined;
  return typeof name === 'string' && name.length > 0 ? `${field} ${quoteName(name)} ${problem}` : `${field} ${problem}`;
}

/**
 * Checks a name given to the SDK.
 *
 * @throws {@link InvalidArgumentError} naming `argument`, the value and what is wrong.
 * @internal
 */
export function checkName(value: unknown, argument: string, kind: NameKind): string {
  const problem = nameProblem(value, kind);
  if (problem !== undefined) {
    throw new InvalidArgumentError(argument, value,
      typeof value === 'string' ? `${nameExpectation(kind)} (this one ${problem})` : nameExpectation(kind));
  }
  return value as string;
}

/** The range a number option must fall in; see {@link checkNumber}. @internal */
export interface NumberRange {
  readonly min: number;
  /** @defaultValue `Number.MAX_SAFE_INTEGER`, or `Infinity` with `allowInfinity` */
  readonly max?: number;
  readonly integer?: boolean;
  /** Timeouts accept `Infinity` (and any huge number) as "no limit". */
  readonly allowInfinity?: boolean;
}

/** Whether `value` is a number in `range` (never NaN; finite unless `allowInfinity`). @internal */
export function isNumberIn(value: unknown, range: NumberRange): value is number {
  const { min, integer = false, allowInfinity = false } = range;
  const max = range.max ?? (allowInfinity ? Infinity : Number.MAX_SAFE_INTEGER);
  return typeof value === 'number' && !Number.isNaN(value) && (allowInfinity || Number.isFinite(value)) &&
    value >= min && value <= max && (!integer || Number.isInteger(value) || value === Infinity);
}

/**
 * A number in `range`, or undefined: the one number validator of the package, for
 * every option and argument. The error names the option and the bad value.
 * @internal
 */
export function checkNumber(value: unknown, argument: string, range: NumberRange): number | undefined {
  if (value === undefined) return undefined;
  if (!isNumberIn(value, range)) {
    const { min, integer = false, allowInfinity = false } = range;
    const max = range.max ?? (allowInfinity ? Infinity : Number.MAX_SAFE_INTEGER);
    throw new InvalidArgumentError(argument, value, allowInfinity
      ? `${integer ? 'an integer' : 'a number'} from ${min} to Infinity (no limit)`
      : `${integer ? 'an integer' : 'a finite number'} from ${min} to ${max}`);
  }
  return value;
}

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

/** Stands in for a header value in errors. @internal */
export const REDACTED = '[redacted]';

/** Call metadata keys that carry credentials. @internal */
export const CREDENTIAL_METADATA_KEYS: ReadonlySet<string> = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'x-goog-api-key', 'x-api-key',
]);
/**
 * The header rule, for call metadata and the CLI's `--header`: a lowercase name of
 * `[0-9a-z_.-]`, not reserved by gRPC (`grpc-`) and not binary (`-bin`).
 * @internal
 */
export function isHeaderName(name: string): boolean {
  return /^[0-9a-z_.-]+$/.test(name) && !name.startsWith('grpc-') && !name.endsWith('-bin');
}

/** What {@link isHeaderName} accepts, for error messages. @internal */
export const HEADER_NAME_EXPECTATION = 'a lowercase header name of [0-9a-z_.-], not starting with "grpc-" nor ending with "-bin"';

/** A header value gRPC accepts in a non-binary header: printable ASCII. @internal */
export function isHeaderValue(value: string): boolean {
  return /^[\u0020-\u007e]*$/.test(value);
}

/**
 * gRPC request metadata: lowercase keys, not reserved (`grpc-`) and not binary
 * (`-bin`), with printable ASCII values. @internal
 */
export function checkMetadata(value: unknown, argument: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const entries = checkObject<Record<string, unknown>>(value, argument);
  for (const [key, entry] of Object.entries(entries)) {
    if (!isHeaderName(key)) throw new InvalidArgumentError(`${argument} key`, key, HEADER_NAME_EXPECTATION);
    if (typeof entry !== 'string' || !isHeaderValue(entry)) {
      // Header values may be credentials: never echoed into messages or error fields.
      throw new InvalidArgumentError(`${argument}.${key}`, REDACTED, 'a string of printable ASCII characters');
    }
  }
  return entries as Record<string, string>;
}
