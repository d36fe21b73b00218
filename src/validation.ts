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

/**
 * A number >= min (and <= max), or undefined. Finite unless `allowInfinity`: timeouts
 * accept `Infinity` (and any huge number) as "no limit"; NaN never passes.
 * @internal
 */
export function checkNumber(
  value: unknown,
  argument: string,
  range: { min: number; max?: number; integer?: boolean; allowInfinity?: boolean },
): number | undefined {
  if (value === undefined) return undefined;
  const { min, integer = false, allowInfinity = false } = range;
  const max = range.max ?? (allowInfinity ? Infinity : Number.MAX_SAFE_INTEGER);
  if (typeof value !== 'number' || Number.isNaN(value) || (!allowInfinity && !Number.isFinite(value)) ||
    value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError(argument, value, allowInfinity
      ? `a number from ${min} to Infinity (no limit)`
      : `${integer ? 'an integer' : 'a finite number'} from ${min} to ${max}`);
  }
  return value;
}
