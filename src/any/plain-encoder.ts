/**
 * Encodes the plain objects `TypeRegistry.unpack` produces back into protobuf
 * bytes: the inverse conversions (JavaScript values to Struct/Value/ListValue,
 * primitives to wrappers, `{ typeUrl, value }` to Any, `Date` to Timestamp), then
 * protobufjs' `fromObject` and `encode`. Not on a hot path; clarity over speed.
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import { InvalidArgumentError } from '../errors.js';
import { ANY, isType, LIST_VALUE, LONGS, MAX_DEPTH, outputName, STRUCT, TIMESTAMP, VALUE, WRAPPERS } from './plain-form.js';

type Dict = Record<string, unknown>;

/**
 * Serializes a plain value of `type` (the shape `unpack` returns) to protobuf bytes.
 *
 * @throws InvalidArgumentError when the value does not fit the type; the
 *   error's `argument` is the path of the offending field, e.g. `value.chunks[0]`.
 * @internal
 */
export function encodePlain(type: protobuf.Type, value: unknown): Uint8Array {
  const object = toProtobufjsObject(type, value, 'value', 0);
  let message: protobuf.Message;
  try {
    message = type.fromObject(object as Dict);
  } catch (error) {
    throw new InvalidArgumentError('value', value,
      `a plain ${type.fullName.slice(1)} object (${error instanceof Error ? error.message : String(error)})`);
  }
  // A copy: protobufjs writes into a pooled Buffer whose memory is shared.
  return new Uint8Array(type.encode(message).finish());
}

function toProtobufjsObject(type: protobuf.Type, value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new InvalidArgumentError(path, value, `nested at most ${MAX_DEPTH} levels deep (is it cyclic?)`);
  const name = type.fullName;
  if (name === STRUCT) return structObject(value, path, depth);
  if (name === VALUE) return valueObject(value, path, depth);
  if (name === LIST_VALUE) return listObject(value, path, depth);
  if (name === ANY) return anyObject(value, path);
  if (name === TIMESTAMP && value instanceof Date) return dateObject(value, path);
  if (WRAPPERS.has(name) && !(isRecord(value) && !(value instanceof Uint8Array) && 'value' in value)) {
    const field = type.fieldsArray[0];
    return { value: field !== undefined && LONGS.has(field.type) && typeof value === 'bigint' ? value.toString() : value };
  }
  if (!isRecord(value)) throw new InvalidArgumentError(path, value, `an object of message ${name.slice(1)}`);
  const out: Dict = Object.create(null) as Dict;
  for (const field of type.fieldsArray) {
    field.resolve();
    const key = outputName(field);
    let fieldValue = value[key];
    if (fieldValue === undefined && key !== field.name) fieldValue = value[field.name];
    const fieldPath = `${path}.${key}`;
    const resolved: unknown = field.resolvedType;
    if (fieldValue === undefined) continue;
    // null means "absent", except for a singular Value, where it is JSON null.
    if (fieldValue === null && !(isType(resolved) && resolved.fullName === VALUE && !field.repeated && !field.map)) {
      continue;
    }
    if (field.map) {
      if (!isRecord(fieldValue)) throw new InvalidArgumentError(fieldPath, fieldValue, 'an object (a map)');
      const entries: Dict = Object.create(null) as Dict;
      for (const [entryKey, entryValue] of Object.entries(fieldValue)) {
        entries[entryKey] = convertSingle(field, resolved, entryValue, `${fieldPath}.${entryKey}`, depth);
      }
      out[field.name] = entries;
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue)) throw new InvalidArgumentError(fieldPath, fieldValue, 'an array');
      out[field.name] = fieldValue.map((item, i) => convertSingle(field, resolved, item, `${fieldPath}[${i}]`, depth));
    } else {
      out[field.name] = convertSingle(field, resolved, fieldValue, fieldPath, depth);
    }
  }
  return out;
}

function convertSingle(field: protobuf.Field, resolved: unknown, value: unknown, path: string, depth: number): unknown {
  if (isType(resolved)) return toProtobufjsObject(resolved, value, path, depth + 1);
  if (typeof value === 'bigint' && LONGS.has(field.type)) return value.toString();
  return value;
}

function structObject(value: unknown, path: string, depth: number): Dict {
  if (!isRecord(value) || value instanceof Uint8Array) {
    throw new InvalidArgumentError(path, value, 'a plain object (google.protobuf.Struct)');
  }
  const fields: Dict = Object.create(null) as Dict;
  for (const [key, item] of Object.entries(value)) fields[key] = valueObject(item, `${path}.${key}`, depth + 1);
  return { fields };
}

function listObject(value: unknown, path: string, depth: number): Dict {
  if (!Array.isArray(value)) throw new InvalidArgumentError(path, value, 'an array (google.protobuf.ListValue)');
  return { values: value.map((item, i) => valueObject(item, `${path}[${i}]`, depth + 1)) };
}

function valueObject(value: unknown, path: string, depth: number): Dict {
  if (depth > MAX_DEPTH) throw new InvalidArgumentError(path, value, `nested at most ${MAX_DEPTH} levels deep (is it cyclic?)`);
  if (value === null) return { nullValue: 0 };
  switch (typeof value) {
    case 'number': return { numberValue: value };
    case 'string': return { stringValue: value };
    case 'boolean': return { boolValue: value };
    case 'object':
      return Array.isArray(value)
        ? { listValue: listObject(value, path, depth) }
        : { structValue: structObject(value, path, depth) };
    default:
      throw new InvalidArgumentError(path, value, 'a JSON value: null, a number, a string, a boolean, an array or a plain object');
  }
}

function anyObject(value: unknown, path: string): Dict {
  if (isRecord(value)) {
    const typeUrl = value['typeUrl'] ?? value['type_url'];
    const bytes = value['value'] ?? new Uint8Array(0);
    if (typeof typeUrl === 'string' && bytes instanceof Uint8Array) return { type_url: typeUrl, value: bytes };
  }
  throw new InvalidArgumentError(path, value, 'an Any: `{ typeUrl: string; value: Uint8Array }`');
}

function dateObject(value: Date, path: string): Dict {
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(path, value, 'a valid Date');
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function isRecord(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
