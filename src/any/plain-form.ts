/**
 * What the plain form of a message is, for the decoder (bytes to plain objects) and
 * the encoder (plain objects to bytes) alike: the well-known types that have a
 * JavaScript form, the 64-bit integer types (decimal strings), the nesting limit, and
 * the key of a field. One table, so that `pack` and `unpack` cannot drift apart.
 *
 * @internal
 * @module
 */
import protobuf from 'protobufjs';

/**
 * Messages (and Struct values) nested deeper than this are refused: the limit
 * protobuf's C++ parser and protobufjs use by default. The encoder takes deeper
 * nesting for a cycle.
 */
export const MAX_DEPTH = 100;

/** `google.protobuf.Struct`: a plain object. */
export const STRUCT = '.google.protobuf.Struct';
/** `google.protobuf.Value`: `null`, a number, a string, a boolean, an array or an object. */
export const VALUE = '.google.protobuf.Value';
/** `google.protobuf.ListValue`: an array. */
export const LIST_VALUE = '.google.protobuf.ListValue';
/** `google.protobuf.Any`: `{ typeUrl, value }`, never unpacked on its own. */
export const ANY = '.google.protobuf.Any';
/** `google.protobuf.Timestamp`: `{ seconds, nanos }` (the encoder also takes a `Date`). */
export const TIMESTAMP = '.google.protobuf.Timestamp';

/** The wrapper types, which stand for their `value` field: a nullable scalar. */
export const WRAPPERS: ReadonlySet<string> = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value',
  'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((name) => `.google.protobuf.${name}`));

/** The 64-bit integer types, whose plain form is a decimal string. */
export const LONGS: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** The plain-object key of a field: camelCase, whatever the Root's `keepCase` was. */
export function outputName(field: protobuf.Field): string {
  return protobuf.util.camelCase(field.name);
}

/** Whether a reflection object is a message type (duck-typed: Roots may come from another protobufjs copy). */
export function isType(value: unknown): value is protobuf.Type {
  return typeof value === 'object' && value !== null && Array.isArray((value as protobuf.Type).fieldsArray);
}
