/**
 * The proto3 JSON forms of scalars and of the string-valued well-known types
 * (Duration, Timestamp, FieldMask), and JSON field names. Pure functions; each reader
 * throws {@link JsonMappingError} naming the path of the bad value.
 *
 * @internal
 * @module
 */
import { base64Decode, base64Encode } from './base64.js';
import { JsonMappingError } from './json-error.js';

/** A JSON object as parsed by `JSON.parse`. @internal */
export type JsonObject = Record<string, unknown>;

/** Whether a JSON value is an object (not an array, not null). @internal */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value for an error message: short, one line. */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The error of a value of the wrong form: "expected <expected>, got <the value>". @internal */
export function mismatch(expected: string, json: unknown, path: string): JsonMappingError {
  return new JsonMappingError(`expected ${expected}, got ${describe(json)}`, path, expected);
}

/**
 * protoc's JSON name of a field: underscores dropped, the letter after each one
 * upper-cased (`page_token` -> `pageToken`).
 *
 * @internal
 */
export function jsonNameOf(fieldName: string): string {
  let out = '';
  let upper = false;
  for (const char of fieldName) {
    if (char === '_') {
      upper = true;
    } else {
      out += upper ? char.toUpperCase() : char;
      upper = false;
    }
  }
  return out;
}

const INT32 = { min: -2147483648n, max: 2147483647n };
const UINT32 = { min: 0n, max: 4294967295n };
const INT64 = { min: -9223372036854775808n, max: 9223372036854775807n };
const UINT64 = { min: 0n, max: 18446744073709551615n };
const FLOAT_MAX = 3.4028234663852886e38;

/** The range of each integer type of the .proto language. */
const INTEGER_RANGES: Readonly<Record<string, { min: bigint; max: bigint }>> = {
  int32: INT32, sint32: INT32, sfixed32: INT32,
  uint32: UINT32, fixed32: UINT32,
  int64: INT64, sint64: INT64, sfixed64: INT64,
  uint64: UINT64, fixed64: UINT64,
};

/** Whether a .proto scalar type is a 64-bit integer (a JSON string). @internal */
export function is64Bit(type: string): boolean {
  return type.endsWith('64') && type !== 'double';
}

/** Whether a .proto type name is a scalar (not a message or enum). @internal */
export function isScalarType(type: string): boolean {
  return type in INTEGER_RANGES || type === 'double' || type === 'float' || type === 'bool' ||
    type === 'string' || type === 'bytes';
}

/**
 * An integer of a .proto integer type from JSON (a number or a decimal string): a
 * number for 32-bit types, a decimal string for 64-bit ones.
 *
 * @internal
 */
export function integerFromJson(type: string, json: unknown, path: string): number | string {
  const range = INTEGER_RANGES[type];
  // Fast path, without BigInt: the values of nearly every message (15 digits are exact in a double).
  const small = typeof json === 'number' ? (Number.isSafeInteger(json) ? json : undefined)
    : typeof json === 'string' && /^-?\d{1,15}$/.test(json) ? Number(json) : undefined;
  if (small !== undefined && small >= range.min && small <= range.max) {
    return is64Bit(type) ? String(small) : small;
  }
  let value: bigint | undefined;
  if (typeof json === 'number' && Number.isInteger(json)) value = BigInt(json);
  else if (typeof json === 'string' && /^-?\d+$/.test(json)) value = BigInt(json);
  else if (typeof json === 'string' && /^-?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(json) && Number.isSafeInteger(Number(json))) {
    value = BigInt(Number(json));
  }
  if (value === undefined) throw mismatch(`an integer (${type})`, json, path);
  if (value < range.min || value > range.max) {
    throw new JsonMappingError(`${describe(json)} is out of the range of ${type}`, path);
  }
  return is64Bit(type) ? value.toString() : Number(value);
}

/** A float or double from JSON: a number, a numeric string, or "NaN", "Infinity", "-Infinity". @internal */
export function floatFromJson(type: string, json: unknown, path: string): number {
  let value: number | undefined;
  if (typeof json === 'number') value = json;
  else if (json === 'NaN') value = NaN;
  else if (json === 'Infinity') value = Infinity;
  else if (json === '-Infinity') value = -Infinity;
  else if (typeof json === 'string' && /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(json)) value = Number(json);
  if (value === undefined) throw mismatch(`a number (${type})`, json, path);
  if (type === 'float' && Number.isFinite(value) && Math.abs(value) > FLOAT_MAX) {
    throw new JsonMappingError(`${describe(json)} is out of the range of float`, path);
  }
  return value;
}

/** A float or double in JSON: special values as strings; a float in its shortest form. @internal */
export function floatToJson(type: string, value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (type === 'float') {
    // protobufjs widens a float to the nearest double (0.1f -> 0.10000000149011612);
    // json_format prints the shortest decimal that reads back as the same float.
    const target = Math.fround(value);
    for (let digits = 1; digits < 10; digits++) {
      const candidate = Number(value.toPrecision(digits));
      if (Math.fround(candidate) === target) return candidate;
    }
  }
  return value;
}

/** A scalar field's value from JSON, in the shape protobufjs' `fromObject` takes. @internal */
export function scalarFromJson(type: string, json: unknown, path: string): unknown {
  switch (type) {
    case 'double':
    case 'float':
      return floatFromJson(type, json, path);
    case 'bool':
      if (typeof json !== 'boolean') throw mismatch('a boolean', json, path);
      return json;
    case 'string':
      if (typeof json !== 'string') throw mismatch('a string', json, path);
      return json;
    case 'bytes': {
      const bytes = typeof json === 'string' ? base64Decode(json) : undefined;
      if (bytes === undefined) throw mismatch('base64 bytes', json, path);
      return bytes;
    }
    default:
      return integerFromJson(type, json, path);
  }
}

/** A decoded integer (number, Long, bigint or string) as decimal text; a Long prints with its own sign. @internal */
export function integerText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return String(value);
  if (typeof value === 'object' && value !== null) return (value as { toString(): string }).toString();
  return '0';
}

/** A decoded scalar in JSON. Longs print with their own sign; bytes as base64. @internal */
export function scalarToJson(type: string, value: unknown): unknown {
  if (type === 'double' || type === 'float') return floatToJson(type, Number(value));
  if (type === 'bytes') return base64Encode(value as Uint8Array);
  if (is64Bit(type)) return integerText(value);
  return value;
}

/** Whether a decoded scalar is its type's zero value (left out of the JSON). @internal */
export function isZeroScalar(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return value === 0 && !Object.is(value, -0);
  if (typeof value === 'string') return value === '';
  if (typeof value === 'boolean') return !value;
  // Bytes: a Uint8Array, or protobufjs' shared empty array as the prototype default.
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length === 0;
  // A protobufjs Long.
  const long = value as { low?: unknown; high?: unknown };
  return long.low === 0 && long.high === 0;
}

/** The longest Duration either way: 10,000 years, as protobuf defines it. */
const MAX_DURATION_SECONDS = 315_576_000_000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;

/** 0, 3, 6 or 9 fractional digits, as json_format writes them. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

/** A Duration's JSON string, e.g. `"7.500s"`, `"-0.000001s"`. @internal */
export function durationToJson(seconds: bigint, nanos: number, path: string): string {
  if (seconds < -MAX_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS || !Number.isInteger(nanos) ||
    Math.abs(nanos) > 999_999_999 || (seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) {
    throw new JsonMappingError(`invalid google.protobuf.Duration { seconds: ${seconds}, nanos: ${nanos} }`, path);
  }
  const negative = seconds < 0n || nanos < 0;
  const absSeconds = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${absSeconds}${fraction(Math.abs(nanos))}s`;
}

/** A Duration from its JSON string. @internal */
export function durationFromJson(json: unknown, path: string): { seconds: bigint; nanos: number } {
  const match = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
  if (match === null) {
    throw mismatch('a google.protobuf.Duration such as "1.5s"', json, path);
  }
  const sign = match[1] === undefined ? 1 : -1;
  const seconds = BigInt(match[2]);
  if (seconds > MAX_DURATION_SECONDS) {
    throw new JsonMappingError(`${describe(json)} is longer than the longest google.protobuf.Duration`, path);
  }
  const nanos = match[3] === undefined ? 0 : Number(match[3].padEnd(9, '0'));
  return { seconds: sign < 0 ? -seconds : seconds, nanos: sign < 0 && nanos !== 0 ? -nanos : nanos };
}

/** A Timestamp's JSON string: RFC 3339 in UTC with a `Z`. @internal */
export function timestampToJson(seconds: bigint, nanos: number, path: string): string {
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || !Number.isInteger(nanos) ||
    nanos < 0 || nanos > 999_999_999) {
    throw new JsonMappingError(`invalid google.protobuf.Timestamp { seconds: ${seconds}, nanos: ${nanos} }`, path);
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

/** A Timestamp from RFC 3339 (any offset; a `Z` or an offset is required). @internal */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil):
 * plain arithmetic, where a Date's setters and getters cost more than the whole parse.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function timestampFromJson(json: unknown, path: string): { seconds: bigint; nanos: number } {
  const match = typeof json === 'string'
    ? /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(json)
    : null;
  const bad = (): JsonMappingError => new JsonMappingError(
    `expected an RFC 3339 google.protobuf.Timestamp such as "2024-05-01T12:00:00Z", got ${describe(json)}`, path);
  if (match === null) throw bad();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as
    [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw bad();
  }
  let seconds = BigInt(daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second);
  if (match[9] !== undefined) {
    const offset = BigInt(Number(match[10]) * 3600 + Number(match[11]) * 60);
    seconds += match[9] === '+' ? -offset : offset;
  }
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    throw new JsonMappingError(`${describe(json)} is outside 0001-01-01 to 9999-12-31`, path);
  }
  return { seconds, nanos: match[7] === undefined ? 0 : Number(match[7].padEnd(9, '0')) };
}

/** A FieldMask's JSON string: lowerCamel paths joined by commas. @internal */
export function fieldMaskToJson(paths: readonly string[]): string {
  return paths.map((p) => p.split('.').map(jsonNameOf).join('.')).join(',');
}

/** A FieldMask's paths from its JSON string (lowerCamel back to snake_case). @internal */
export function fieldMaskFromJson(json: unknown, path: string): string[] {
  if (typeof json !== 'string') {
    throw mismatch('a google.protobuf.FieldMask string such as "a,b.c"', json, path);
  }
  if (json === '') return [];
  return json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}
