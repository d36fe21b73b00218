/**
 * The proto3 JSON mapping of any message, by protobufjs reflection: the rules
 * protobufjs lacks (default values left out, JSON names, the well-known types' JSON
 * forms, Any with `@type`). Writing starts from a decoded message (`Type.decode`);
 * reading builds the plain object `Type.fromObject` takes, then protobufjs encodes it.
 *
 * Known limitation: protobufjs encodes every key of a `map<bool, ...>` as true, so
 * such maps do not survive reading from JSON.
 *
 * @internal
 * @module
 */
import protobuf from 'protobufjs';
import { JsonMappingError, UnknownAnyTypeError } from './json-error.js';
import {
  describe, durationFromJson, durationToJson, fieldMaskFromJson, fieldMaskToJson, isJsonObject, isScalarType,
  integerText, is64Bit, isZeroScalar, jsonNameOf, scalarFromJson, scalarToJson, timestampFromJson, timestampToJson,
  type JsonObject,
} from './json-scalars.js';

/** The well-known types whose JSON is not an object: nested under `"value"` in an Any. */
const VALUE_NESTED = new Set([
  'google.protobuf.Any', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.FieldMask',
  'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);

/** The fully qualified name a type URL refers to: its last `/` segment. @internal */
export function typeNameOfUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1).replace(/^\./, '');
}

/** Full names by type: protobufjs rebuilds `fullName` from the parent chain on every read. */
const FULL_NAMES = new WeakMap<protobuf.ReflectionObject, string>();

/** A type's (or an enum's) full name without protobufjs' leading dot. */
function fullNameOf(type: protobuf.ReflectionObject): string {
  let name = FULL_NAMES.get(type);
  if (name === undefined) {
    name = type.fullName.replace(/^\./, '');
    FULL_NAMES.set(type, name);
  }
  return name;
}

/**
 * The most type URLs a mapper remembers the type of. Services use a handful; the bound
 * only keeps a server that invents URLs from growing the cache without end.
 */
const MAX_CACHED_URLS = 1024;

/** A field, and the other JSON keys that name it (a message must not give two of them). */
interface FieldKey {
  readonly field: protobuf.Field;
  readonly aliases: readonly string[];
}

/** Duck-typed (a Root from another copy of protobufjs works too): a message type. */
function isMessageType(value: unknown): value is protobuf.Type {
  return typeof value === 'object' && value !== null && Array.isArray((value as protobuf.Type).fieldsArray);
}

function isEnumType(value: unknown): value is protobuf.Enum {
  return typeof value === 'object' && value !== null && typeof (value as protobuf.Enum).valuesById === 'object' &&
    !isMessageType(value);
}

/** A field of a well-known type by number: field names differ between keepCase and camelCase roots. */
function fieldById(type: protobuf.Type, id: number): protobuf.Field {
  const field = type.fieldsById[id];
  if (field === undefined) throw new JsonMappingError(`type ${fullNameOf(type)} has no field ${id}`, fullNameOf(type));
  return field;
}

/** Whether a field is written when set to its zero value (it tracks presence). */
function hasPresence(field: protobuf.Field): boolean {
  if (field.repeated || field.map) return false;
  return field.partOf !== null || isMessageType(field.resolvedType) || field.hasPresence;
}

/** A 64-bit decoded value (a Long or a number) as a bigint. */
function toBigInt(value: unknown): bigint {
  return BigInt(integerText(value));
}

/** Reading JSON: whether unknown fields are an error (requests) or ignored (responses). */
export interface ReadMode {
  /** Unknown fields and enum names are a {@link JsonMappingError}. */
  strict: boolean;
}

/**
 * Maps messages to and from proto3 JSON, resolving the types of Anys with `resolve`.
 *
 * @internal
 */
export class MessageJsonMapper {
  /** JSON key -> field, per type: JSON names, original names. */
  readonly #keys = new WeakMap<protobuf.Type, Map<string, FieldKey>>();
  /** Type URL -> message type, for the URLs resolved so far (resolving walks the Roots by name). */
  readonly #urlTypes = new Map<string, protobuf.Type>();

  /** @param resolve - The message type of a fully qualified name, or undefined. */
  constructor(private readonly resolve: (typeName: string) => protobuf.Type | undefined) {}

  /** The message type an Any's type URL names, or undefined. */
  typeOfUrl(typeUrl: string): protobuf.Type | undefined {
    const cached = this.#urlTypes.get(typeUrl);
    if (cached !== undefined) return cached;
    const name = typeNameOfUrl(typeUrl);
    const type = name === '' ? undefined : this.resolve(name);
    // Only what resolved: a type added to the registry later is still found.
    if (type !== undefined && this.#urlTypes.size < MAX_CACHED_URLS) this.#urlTypes.set(typeUrl, type);
    return type;
  }

  // ---- writing --------------------------------------------------------------------

  /** The JSON of an Any given its URL and bytes (`{}` for an empty Any). */
  anyToJson(typeUrl: string, bytes: Uint8Array, path: string): JsonObject {
    if (typeUrl === '' && bytes.length === 0) return {};
    const type = this.typeOfUrl(typeUrl);
    if (type === undefined) throw new UnknownAnyTypeError(typeNameOfUrl(typeUrl) || JSON.stringify(typeUrl), path, 'write');
    let message: protobuf.Message;
    try {
      message = type.decode(bytes);
    } catch (error) {
      throw new JsonMappingError(`the Any's bytes do not decode as ${fullNameOf(type)}: ${error instanceof Error ? error.message : String(error)}`, path);
    }
    const json = this.messageToJson(type, message, path);
    if (VALUE_NESTED.has(fullNameOf(type))) return { '@type': typeUrl, value: json };
    return { '@type': typeUrl, ...(json as JsonObject) };
  }

  /** The JSON of a decoded message (a string, number, array... for some well-known types). */
  messageToJson(type: protobuf.Type, message: protobuf.Message, path: string): unknown {
    const special = this.#wellKnownToJson(type, message as unknown as Record<string, unknown>, path);
    if (special !== undefined) return special.json;
    const values = message as unknown as Record<string, unknown>;
    const out: JsonObject = {};
    for (const field of type.fieldsArray) {
      field.resolve();
      const value = values[field.name];
      const fieldPath = `${path}.${jsonNameOf(field.name)}`;
      if (field.map) {
        const keyType = (field as unknown as protobuf.MapField).keyType;
        const entries = Object.entries((value ?? {}) as Record<string, unknown>);
        if (entries.length === 0) continue;
        const map: JsonObject = {};
        for (const [key, entry] of entries) {
          // protobufjs keys a decoded 64-bit map by an 8-character hash of the Long.
          const jsonKey = is64Bit(keyType) && key.length === 8 && !/^-?\d+$/.test(key)
            ? integerText(protobuf.util.longFromHash(key, keyType === 'uint64' || keyType === 'fixed64'))
            : key;
          map[jsonKey] = this.#valueToJson(field, entry, `${fieldPath}[${JSON.stringify(jsonKey)}]`);
        }
        out[jsonNameOf(field.name)] = map;
      } else if (field.repeated) {
        const list = (value ?? []) as unknown[];
        if (list.length === 0) continue;
        out[jsonNameOf(field.name)] = list.map((item, i) => this.#valueToJson(field, item, `${fieldPath}[${i}]`));
      } else if (hasPresence(field)) {
        if (value === undefined || value === null || !Object.hasOwn(values, field.name)) continue;
        out[jsonNameOf(field.name)] = this.#valueToJson(field, value, fieldPath);
      } else {
        if (isZeroScalar(value)) continue;
        out[jsonNameOf(field.name)] = this.#valueToJson(field, value, fieldPath);
      }
    }
    return out;
  }

  /** One value of a field (an element of a repeated or map field, or the field's value). */
  #valueToJson(field: protobuf.Field, value: unknown, path: string): unknown {
    const resolved: unknown = field.resolvedType;
    if (isMessageType(resolved)) return this.messageToJson(resolved, value as protobuf.Message, path);
    if (isEnumType(resolved)) {
      if (fullNameOf(resolved) === 'google.protobuf.NullValue') return null;
      return resolved.valuesById[value as number] ?? value;
    }
    return scalarToJson(field.type, value);
  }

  /** The JSON of a well-known type with its own form; undefined for ordinary messages. */
  #wellKnownToJson(type: protobuf.Type, m: Record<string, unknown>, path: string): { json: unknown } | undefined {
    const get = (id: number): unknown => m[fieldById(type, id).name];
    switch (fullNameOf(type)) {
      case 'google.protobuf.Duration':
        return { json: durationToJson(toBigInt(get(1)), Number(get(2) ?? 0), path) };
      case 'google.protobuf.Timestamp':
        return { json: timestampToJson(toBigInt(get(1)), Number(get(2) ?? 0), path) };
      case 'google.protobuf.FieldMask':
        return { json: fieldMaskToJson((get(1) ?? []) as string[]) };
      case 'google.protobuf.Any':
        return { json: this.anyToJson(typeof get(1) === 'string' ? get(1) as string : '', (get(2) ?? new Uint8Array(0)) as Uint8Array, path) };
      case 'google.protobuf.Struct': {
        const valueType = fieldById(type, 1).resolvedType as protobuf.Type;
        const out: JsonObject = {};
        for (const [key, value] of Object.entries((get(1) ?? {}) as Record<string, protobuf.Message>)) {
          out[key] = this.messageToJson(valueType, value, `${path}[${JSON.stringify(key)}]`);
        }
        return { json: out };
      }
      case 'google.protobuf.ListValue': {
        const valueType = fieldById(type, 1).resolvedType as protobuf.Type;
        return { json: ((get(1) ?? []) as protobuf.Message[]).map((v, i) => this.messageToJson(valueType, v, `${path}[${i}]`)) };
      }
      case 'google.protobuf.Value':
        return { json: this.#valueKindToJson(type, m, path) };
      default:
        if (/^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/.test(fullNameOf(type))) {
          const field = fieldById(type, 1);
          // Unset, the prototype holds the zero value.
          return { json: scalarToJson(field.type, m[field.name]) };
        }
        return undefined;
    }
  }

  #valueKindToJson(type: protobuf.Type, m: Record<string, unknown>, path: string): unknown {
    for (const field of type.fieldsArray) {
      if (!Object.hasOwn(m, field.name) || m[field.name] === null || m[field.name] === undefined) continue;
      field.resolve();
      const value = m[field.name];
      switch (field.id) {
        case 1: return null;
        case 2: {
          const number = Number(value);
          if (!Number.isFinite(number)) {
            throw new JsonMappingError(`a google.protobuf.Value cannot hold ${String(number)} in JSON`, path);
          }
          return number;
        }
        case 3: case 4: return value;
        default: return this.messageToJson(field.resolvedType as protobuf.Type, value as protobuf.Message, path);
      }
    }
    // A Value with no kind set: json_format refuses it; null is the closest JSON.
    return null;
  }

  // ---- reading --------------------------------------------------------------------

  /** An Any from JSON: its URL and bytes. Throws {@link UnknownAnyTypeError} for an unknown type. */
  anyFromJson(json: unknown, path: string, mode: ReadMode): { typeUrl: string; value: Uint8Array } {
    if (!isJsonObject(json)) throw new JsonMappingError(`expected a google.protobuf.Any object, got ${describe(json)}`, path);
    const typeUrl = json['@type'];
    if (typeUrl === undefined && Object.keys(json).length === 0) return { typeUrl: '', value: new Uint8Array(0) };
    if (typeof typeUrl !== 'string' || typeNameOfUrl(typeUrl) === '') {
      throw new JsonMappingError(`expected "@type" to be a type URL such as "type.googleapis.com/google.protobuf.Empty", got ${describe(typeUrl)}`, `${path}["@type"]`);
    }
    const type = this.typeOfUrl(typeUrl);
    if (type === undefined) throw new UnknownAnyTypeError(typeNameOfUrl(typeUrl), path, 'read');
    let payload: unknown;
    if (VALUE_NESTED.has(fullNameOf(type))) {
      payload = json.value;
      if (mode.strict) this.#rejectExtraKeys(json, ['@type', 'value'], path);
    } else {
      const fields = { ...json };
      delete fields['@type'];
      payload = fields;
    }
    return { typeUrl, value: this.encode(type, payload, path, mode) };
  }

  /** A message's bytes from its JSON. */
  encode(type: protobuf.Type, json: unknown, path: string, mode: ReadMode): Uint8Array {
    const object = this.messageFromJson(type, json, path, mode);
    try {
      const bytes = type.encode(type.fromObject(object)).finish();
      // A plain Uint8Array view: in Node protobufjs hands out Buffers.
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw new JsonMappingError(`does not encode as ${fullNameOf(type)}: ${error instanceof Error ? error.message : String(error)}`, path);
    }
  }

  /** The plain object (`Type.fromObject` input) of a message's JSON. */
  messageFromJson(type: protobuf.Type, json: unknown, path: string, mode: ReadMode): Record<string, unknown> {
    const special = this.#wellKnownFromJson(type, json, path, mode);
    if (special !== undefined) return special;
    if (!isJsonObject(json)) {
      throw new JsonMappingError(`expected a ${fullNameOf(type)} object, got ${describe(json)}`, path);
    }
    const keys = this.#keysOf(type);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(json)) {
      const value = json[key];
      const entry = keys.get(key) ?? keys.get(jsonNameOf(key));
      const fieldPath = `${path}.${key}`;
      if (entry === undefined) {
        if (mode.strict) throw new JsonMappingError(`unknown field ${JSON.stringify(key)} of ${fullNameOf(type)}`, fieldPath);
        continue;
      }
      const { field } = entry;
      // Keys are unique, so a field is given twice only under two of its names.
      if (entry.aliases.some((alias) => alias !== key && Object.hasOwn(json, alias))) {
        throw new JsonMappingError(`field ${field.name} of ${fullNameOf(type)} is given twice`, fieldPath);
      }
      field.resolve();
      // null is the default value, except for a google.protobuf.Value (JSON null).
      if (value === null && !(isMessageType(field.resolvedType) && fullNameOf(field.resolvedType) === 'google.protobuf.Value' &&
        !field.repeated && !field.map)) continue;
      if (field.map) {
        if (!isJsonObject(value)) throw new JsonMappingError(`expected an object (map), got ${describe(value)}`, fieldPath);
        const map: Record<string, unknown> = {};
        for (const [mapKey, entry] of Object.entries(value)) {
          const entryPath = `${fieldPath}[${JSON.stringify(mapKey)}]`;
          map[this.#mapKeyFromJson((field as unknown as protobuf.MapField).keyType, mapKey, entryPath)] = this.#valueFromJson(field, entry, entryPath, mode);
        }
        out[field.name] = map;
      } else if (field.repeated) {
        if (!Array.isArray(value)) throw new JsonMappingError(`expected an array, got ${describe(value)}`, fieldPath);
        const list: unknown[] = [];
        value.forEach((item: unknown, i) => {
          const v = this.#valueFromJson(field, item, `${fieldPath}[${i}]`, mode);
          if (v !== undefined) list.push(v);
        });
        out[field.name] = list;
      } else {
        const v = this.#valueFromJson(field, value, fieldPath, mode);
        // A zero without presence is left out, so the bytes are canonical.
        if (v !== undefined && (hasPresence(field) || !(isZeroScalar(v) || (v === '0' && is64Bit(field.type))))) out[field.name] = v;
      }
    }
    return out;
  }

  /** JSON key -> field: the JSON name and the field's own name. */
  #keysOf(type: protobuf.Type): Map<string, FieldKey> {
    let keys = this.#keys.get(type);
    if (keys === undefined) {
      keys = new Map();
      for (const field of type.fieldsArray) {
        const declared = (field.options as Record<string, unknown> | undefined)?.['json_name'];
        const names = [...new Set([typeof declared === 'string' ? declared : jsonNameOf(field.name), field.name])];
        for (const name of names) keys.set(name, { field, aliases: names.length > 1 ? names : [] });
      }
      this.#keys.set(type, keys);
    }
    return keys;
  }

  #mapKeyFromJson(keyType: string, key: string, path: string): string {
    if (keyType === 'string') return key;
    if (keyType === 'bool') {
      if (key !== 'true' && key !== 'false') throw new JsonMappingError(`expected a bool map key, got ${JSON.stringify(key)}`, path);
      return key;
    }
    if (!/^-?\d+$/.test(key)) throw new JsonMappingError(`expected an integer map key (${keyType}), got ${JSON.stringify(key)}`, path);
    return String(scalarFromJson(keyType, key, path));
  }

  /** One value of a field from JSON; undefined to leave it out (an unknown enum name in a response). */
  #valueFromJson(field: protobuf.Field, json: unknown, path: string, mode: ReadMode): unknown {
    const resolved: unknown = field.resolvedType;
    if (isMessageType(resolved)) return this.messageFromJson(resolved, json, path, mode);
    if (isEnumType(resolved)) {
      if (fullNameOf(resolved) === 'google.protobuf.NullValue') {
        if (json !== null && json !== 'NULL_VALUE' && json !== 0) {
          throw new JsonMappingError(`expected null, got ${describe(json)}`, path);
        }
        return 0;
      }
      if (typeof json === 'string') {
        const number = resolved.values[json];
        if (number !== undefined) return number;
        if (mode.strict) throw new JsonMappingError(`unknown value ${JSON.stringify(json)} of enum ${fullNameOf(resolved)}`, path);
        return undefined;
      }
      return scalarFromJson('int32', json, path);
    }
    if (json === null) throw new JsonMappingError(`expected a ${field.type}, got null`, path);
    if (!isScalarType(field.type)) throw new JsonMappingError(`field type ${field.type} is not resolved`, path);
    return scalarFromJson(field.type, json, path);
  }

  /** The plain object of a well-known type from its JSON form; undefined for ordinary messages. */
  #wellKnownFromJson(type: protobuf.Type, json: unknown, path: string, mode: ReadMode): Record<string, unknown> | undefined {
    const name = (id: number): string => fieldById(type, id).name;
    switch (fullNameOf(type)) {
      case 'google.protobuf.Duration': {
        const { seconds, nanos } = durationFromJson(json, path);
        return { ...(seconds === 0n ? {} : { [name(1)]: seconds.toString() }), ...(nanos === 0 ? {} : { [name(2)]: nanos }) };
      }
      case 'google.protobuf.Timestamp': {
        const { seconds, nanos } = timestampFromJson(json, path);
        return { ...(seconds === 0n ? {} : { [name(1)]: seconds.toString() }), ...(nanos === 0 ? {} : { [name(2)]: nanos }) };
      }
      case 'google.protobuf.FieldMask':
        return { [name(1)]: fieldMaskFromJson(json, path) };
      case 'google.protobuf.Any': {
        const any = this.anyFromJson(json, path, mode);
        return { [name(1)]: any.typeUrl, [name(2)]: any.value };
      }
      case 'google.protobuf.Struct': {
        if (!isJsonObject(json)) throw new JsonMappingError(`expected a google.protobuf.Struct object, got ${describe(json)}`, path);
        const valueType = fieldById(type, 1).resolvedType as protobuf.Type;
        const fields: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(json)) {
          fields[key] = this.messageFromJson(valueType, value, `${path}[${JSON.stringify(key)}]`, mode);
        }
        return { [name(1)]: fields };
      }
      case 'google.protobuf.ListValue': {
        if (!Array.isArray(json)) throw new JsonMappingError(`expected a google.protobuf.ListValue array, got ${describe(json)}`, path);
        const valueType = fieldById(type, 1).resolvedType as protobuf.Type;
        return { [name(1)]: json.map((v: unknown, i) => this.messageFromJson(valueType, v, `${path}[${i}]`, mode)) };
      }
      case 'google.protobuf.Value':
        if (json === null) return { [name(1)]: 0 };
        if (typeof json === 'number') return { [name(2)]: json };
        if (typeof json === 'string') return { [name(3)]: json };
        if (typeof json === 'boolean') return { [name(4)]: json };
        if (Array.isArray(json)) {
          return { [name(6)]: this.messageFromJson(fieldById(type, 6).resolvedType as protobuf.Type, json, path, mode) };
        }
        if (isJsonObject(json)) {
          return { [name(5)]: this.messageFromJson(fieldById(type, 5).resolvedType as protobuf.Type, json, path, mode) };
        }
        throw new JsonMappingError(`expected a JSON value, got ${describe(json)}`, path);
      default:
        if (/^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/.test(fullNameOf(type))) {
          const field = fieldById(type, 1);
          return { [field.name]: scalarFromJson(field.type, json, path) };
        }
        return undefined;
    }
  }

  #rejectExtraKeys(json: JsonObject, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(json)) {
      if (!allowed.includes(key)) throw new JsonMappingError(`unknown field ${JSON.stringify(key)}`, `${path}.${key}`);
    }
  }
}
