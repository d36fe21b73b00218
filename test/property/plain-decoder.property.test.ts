/**
 * Differential property test of the generated decoder (src/any/plain-decoder.ts):
 * random schemas, random messages, and on every one `TypeRegistry.unpack` must equal
 * what the SDK documents (docs/any-unpacking.md, "Conversions"), computed here the slow
 * and obvious way: protobufjs `decode` + `toObject` (longs and enums as strings,
 * defaults, oneofs: the options that give the plain shape), then the documented
 * conversions that `toObject` does not make.
 *
 * Schemas are protobufjs Roots built in code: proto3 and proto2 messages with scalars of
 * every type, enums (aliases, undeclared numbers), repeated fields packed or not, maps
 * of every key type, oneofs, proto3 `optional`, nested and recursive messages and every
 * well-known type. Each schema has a twin the messages are encoded with, so that the
 * bytes hold what a newer or older peer would send: unknown fields; fields of another
 * type with the same wire type (int64 read as int32, bytes read as string...); repeated
 * fields packed where the schema says not and vice versa; a singular field sent several
 * times; a field with a wire type that does not match its declaration.
 *
 * Where the documented shape is not `toObject`'s, the reference applies the documented
 * rule explicitly (see `documented`):
 * - keys are camelCase whatever the Root's field names; 64-bit map keys are decimal
 *   strings (protobufjs keys them by an 8-character hash); bytes are plain `Uint8Array`s,
 *   never `Buffer`s;
 * - fields with presence (message fields, oneof members, proto3 `optional`, proto2
 *   fields) appear only when sent; the synthetic oneof of a proto3 `optional` field is
 *   not reported;
 * - of several members of one oneof on the wire, the last wins (protobufjs keeps them
 *   all): the reference keeps the one with the highest field number, since protobufjs
 *   writes fields in field-number order;
 * - Struct, Value, ListValue and the wrappers are JavaScript values;
 * - a field whose wire type does not match its declaration is skipped as unknown (the
 *   protobuf runtimes do; protobufjs misreads it), so the reference decodes the message
 *   without those fields.
 * Strings are decoded as Node (and WHATWG) decode UTF-8: an invalid sequence becomes
 * U+FFFD; the reference decodes from a Buffer, so protobufjs does the same.
 *
 * Not generated: a 64-bit varint (int64, uint64, sint64) read as a 32-bit varint type
 * (int32, uint32, sint32, bool, enum). The protobuf spec truncates it to 32 bits;
 * protobufjs' `Reader#uint32`, which the SDK's decoder shares, takes any varint longer
 * than 5 bytes for a 10-byte one, so a 6 to 9-byte one (a non-negative value of 2^35 or
 * more) makes both misread the rest of the message.
 *
 * The run is seeded and bounded (a few seconds); `DECODER_RUNS=5000` runs that many
 * cases from a random seed instead, for a longer search.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { inspect, isDeepStrictEqual } from 'node:util';
import { TypeMismatchError } from '../../src/errors.js';
import { loadProtoFiles } from '../../src/any/proto-files.js';
import { TypeRegistry } from '../../src/any/type-registry.js';

const SCALARS = ['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64',
  'fixed64', 'sfixed64', 'bool', 'string', 'bytes'] as const;
type Scalar = typeof SCALARS[number];
const KEY_TYPES = SCALARS.filter((t) => t !== 'double' && t !== 'float' && t !== 'bytes');
const LONGS = new Set<string>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_LONGS = new Set<string>(['uint64', 'fixed64']);

/** Wire classes: types in one class share a wire type, so one may be read as another. */
type WireClass = 'varint' | 'i64' | 'i32' | 'len';
const WIRE_CLASS: Record<Scalar, WireClass> = {
  int32: 'varint', uint32: 'varint', sint32: 'varint', int64: 'varint', uint64: 'varint', sint64: 'varint', bool: 'varint',
  fixed64: 'i64', sfixed64: 'i64', double: 'i64', fixed32: 'i32', sfixed32: 'i32', float: 'i32', string: 'len', bytes: 'len',
};

const WRAPPERS = ['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue',
  'StringValue', 'BytesValue'].map((name) => `google.protobuf.${name}`);
const WELL_KNOWN = [...WRAPPERS, 'google.protobuf.Timestamp', 'google.protobuf.Duration', 'google.protobuf.Struct',
  'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.Any', 'google.protobuf.Empty',
  'google.protobuf.FieldMask'];

/** The well-known types as the SDK loads them (protobufjs' bundled definitions), as JSON. */
const WELL_KNOWN_JSON = loadProtoFiles(['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers']
  .map((file) => `google/protobuf/${file}.proto`)).toJSON() as { nested: Record<string, unknown> };

const MESSAGES = 3;
const ENUMS = 2;
/** Nesting of generated values; the depth limit itself has its own test below. */
const MAX_VALUE_DEPTH = 4;

// ---------------------------------------------------------------------------------
// Schemas

type FieldType =
  | { kind: 'scalar'; scalar: Scalar }
  | { kind: 'enum'; index: number }
  | { kind: 'message'; index: number }
  | { kind: 'wkt'; name: string };

/** How the twin schema (the sender's) declares a field. */
interface WireSpec {
  change: 'same' | 'drift' | 'mismatch';
  /** Which candidate type, for a drift or a mismatch. */
  pick: number;
  /** Whether the sender packs a repeated scalar. */
  packed: boolean;
  /** Whether the sender declares a singular field repeated (sends it several times). */
  repeated: boolean;
}

interface FieldSpec {
  label: 'singular' | 'optional' | 'repeated' | 'map';
  type: FieldType;
  keyType: Scalar;
  /** The declared `packed` option of a repeated field. */
  packed: boolean;
  /** The oneof it belongs to, for a singular field. */
  oneof: number | null;
  snake: boolean;
  wire: WireSpec;
}

interface MessageSpec {
  proto2: boolean;
  fields: FieldSpec[];
  /** Fields only the sender knows: unknown fields to the receiver. */
  unknown: FieldSpec[];
  ids: number[];
  /** Per oneof: whether the sender declares its members as plain fields (sending several). */
  plainOneofs: boolean[];
}

interface EnumSpec { values: number[]; alias: boolean }

interface SchemaSpec { enums: EnumSpec[]; messages: MessageSpec[] }

const scalarArb = fc.constantFrom(...SCALARS);
const fieldTypeArb: fc.Arbitrary<FieldType> = fc.oneof(
  { weight: 6, arbitrary: scalarArb.map((scalar) => ({ kind: 'scalar' as const, scalar })) },
  { weight: 2, arbitrary: fc.nat(ENUMS - 1).map((index) => ({ kind: 'enum' as const, index })) },
  { weight: 2, arbitrary: fc.nat(MESSAGES - 1).map((index) => ({ kind: 'message' as const, index })) },
  { weight: 3, arbitrary: fc.constantFrom(...WELL_KNOWN).map((name) => ({ kind: 'wkt' as const, name })) },
);
const wireArb: fc.Arbitrary<WireSpec> = fc.record({
  change: fc.constantFrom('same', 'same', 'drift', 'mismatch'),
  pick: fc.nat(20),
  packed: fc.boolean(),
  repeated: fc.boolean(),
});
const fieldArb: fc.Arbitrary<FieldSpec> = fc.record({
  label: fc.constantFrom('singular', 'singular', 'optional', 'repeated', 'map'),
  type: fieldTypeArb,
  keyType: fc.constantFrom(...KEY_TYPES),
  packed: fc.boolean(),
  oneof: fc.option(fc.nat(1), { nil: null, freq: 3 }),
  snake: fc.boolean(),
  wire: wireArb,
});
/** Field numbers: small ones (one-byte tags) and any up to the maximum, 2^29 - 1. */
const fieldIdArb = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2 ** 29 - 1 }));
const messageArb: fc.Arbitrary<MessageSpec> = fc.record({
  proto2: fc.boolean(),
  fields: fc.array(fieldArb, { maxLength: 8 }),
  unknown: fc.array(fieldArb, { maxLength: 3 }),
  ids: fc.uniqueArray(fieldIdArb, { minLength: 11, maxLength: 11 }),
  plainOneofs: fc.tuple(fc.boolean(), fc.boolean()),
});
const enumArb: fc.Arbitrary<EnumSpec> = fc.record({
  values: fc.uniqueArray(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 4 }),
  alias: fc.boolean(),
});
const schemaArb: fc.Arbitrary<SchemaSpec> = fc.record({
  enums: fc.tuple(...Array.from({ length: ENUMS }, () => enumArb)),
  messages: fc.tuple(...Array.from({ length: MESSAGES }, () => messageArb)),
});

function typeName(type: FieldType): string {
  switch (type.kind) {
    case 'scalar': return type.scalar;
    case 'enum': return `gen.E${type.index}`;
    case 'message': return `gen.M${type.index}`;
    case 'wkt': return type.name;
  }
}

function wireClassOf(type: FieldType): WireClass {
  if (type.kind === 'scalar') return WIRE_CLASS[type.scalar];
  return type.kind === 'enum' ? 'varint' : 'len';
}

/** The wire types the receiver accepts for a field (a packable repeated field takes both). */
function acceptedClasses(field: FieldSpec): Set<WireClass> {
  const own = field.label === 'map' ? 'len' : wireClassOf(field.type);
  return new Set(field.label === 'repeated' ? [own, 'len'] : [own]);
}

interface FieldJson {
  type: string;
  id: number;
  rule?: 'repeated';
  keyType?: string;
  options?: Record<string, unknown>;
}

interface Sender {
  json: FieldJson;
  /** The receiver must skip this field: the reference decodes without it. */
  mismatch: boolean;
}

/** How the sender declares a field: the same, or a type of the same wire class, or of another. */
function senderField(field: FieldSpec, json: FieldJson, oneofOnWire: boolean): Sender {
  const { wire } = field;
  const out: FieldJson = { ...json };
  delete out.options;
  if (field.label === 'optional') out.options = { proto3_optional: true };
  if (field.label === 'repeated' && field.type.kind !== 'message' && field.type.kind !== 'wkt') {
    out.options = { packed: wire.packed };
  }
  if (wire.change === 'drift' && field.label !== 'map' && (field.type.kind === 'scalar' || field.type.kind === 'enum')) {
    const own = wireClassOf(field.type);
    const narrow = !LONGS.has(typeName(field.type)) && own === 'varint';
    const candidates = SCALARS.filter((s) => WIRE_CLASS[s] === own && s !== typeName(field.type) &&
      // protobufjs' reader, which the SDK shares, takes a 6 to 9-byte varint read as a
      // 32-bit one for a 10-byte one (see the header): not generated.
      !(narrow && LONGS.has(s)));
    if (candidates.length > 0) out.type = candidates[wire.pick % candidates.length]!;
  } else if (wire.change === 'mismatch') {
    const accepted = acceptedClasses(field);
    const candidates = SCALARS.filter((s) => !accepted.has(WIRE_CLASS[s]));
    if (candidates.length > 0) {
      delete out.keyType;
      out.type = candidates[wire.pick % candidates.length]!;
      // Unpacked: a packed run is wire type 2, which a repeated scalar field accepts.
      if (out.rule === 'repeated') out.options = { packed: false };
      return { json: out, mismatch: true };
    }
  }
  // A singular field sent several times (the last occurrence wins).
  if (wire.repeated && field.label === 'singular' && !oneofOnWire) {
    out.rule = 'repeated';
    out.options = { packed: false };
  }
  return { json: out, mismatch: false };
}

interface BuiltSchema {
  receiver: protobuf.Root;
  sender: protobuf.Root;
  /** `gen.Mi.fieldName` of the sender's fields the receiver must skip. */
  mismatched: Set<string>;
}

function buildSchema(schema: SchemaSpec): BuiltSchema {
  const receiverNested: Record<string, unknown> = {};
  const senderNested: Record<string, unknown> = {};
  const mismatched = new Set<string>();
  schema.enums.forEach((spec, e) => {
    const values: Record<string, number> = {};
    spec.values.forEach((n, j) => { values[`E${e}_V${j}`] = n; });
    if (spec.alias) values[`E${e}_ALIAS`] = spec.values[0]!;
    const json = { values, ...(spec.alias ? { options: { allow_alias: true } } : {}) };
    receiverNested[`E${e}`] = json;
    senderNested[`E${e}`] = json;
  });
  schema.messages.forEach((spec, m) => {
    const receiverFields: Record<string, FieldJson> = {};
    const senderFields: Record<string, FieldJson> = {};
    const receiverOneofs: Record<string, { oneof: string[] }> = {};
    const senderOneofs: Record<string, { oneof: string[] }> = {};
    const oneofName = (k: number): string => (k === 0 ? 'o0_kind' : `o${k}`);
    spec.fields.forEach((field, i) => {
      const name = field.snake ? `f${i}_snake_name` : `f${i}`;
      const label = spec.proto2 && field.label === 'optional' ? 'singular' : field.label;
      const json: FieldJson = { type: typeName(field.type), id: spec.ids[i] };
      if (label === 'map') json.keyType = field.keyType;
      if (label === 'repeated') {
        json.rule = 'repeated';
        if (field.type.kind !== 'message' && field.type.kind !== 'wkt') json.options = { packed: field.packed };
      }
      let oneofOnWire = false;
      if (label === 'optional') {
        json.options = { proto3_optional: true };
        receiverOneofs[`_${name}`] = { oneof: [name] };
        senderOneofs[`_${name}`] = { oneof: [name] };
        oneofOnWire = true;
      } else if (label === 'singular' && field.oneof !== null) {
        (receiverOneofs[oneofName(field.oneof)] ??= { oneof: [] }).oneof.push(name);
        if (!spec.plainOneofs[field.oneof]) {
          (senderOneofs[oneofName(field.oneof)] ??= { oneof: [] }).oneof.push(name);
          oneofOnWire = true;
        }
      }
      receiverFields[name] = json;
      const sender = senderField({ ...field, label }, json, oneofOnWire);
      if (sender.mismatch) {
        mismatched.add(`gen.M${m}.${name}`);
        // A oneof member the receiver skips must not make the sender's oneof hold two.
        if (oneofOnWire && label !== 'optional') {
          const members = senderOneofs[oneofName(field.oneof!)].oneof;
          members.splice(members.indexOf(name), 1);
          if (members.length === 0) delete senderOneofs[oneofName(field.oneof!)];
        } else if (label === 'optional') {
          delete senderOneofs[`_${name}`];
          delete sender.json.options?.['proto3_optional'];
        }
      }
      senderFields[name] = sender.json;
    });
    spec.unknown.forEach((field, i) => {
      const json: FieldJson = { type: typeName(field.type), id: spec.ids[spec.fields.length + i] };
      if (field.label === 'map') json.keyType = field.keyType;
      if (field.label === 'repeated') json.rule = 'repeated';
      senderFields[`u${i}`] = json;
    });
    const edition = spec.proto2 ? { edition: 'proto2' } : {};
    receiverNested[`M${m}`] = { ...edition, fields: receiverFields, oneofs: receiverOneofs };
    senderNested[`M${m}`] = { ...edition, fields: senderFields, oneofs: senderOneofs };
  });
  const root = (nested: Record<string, unknown>): protobuf.Root => {
    const built = protobuf.Root.fromJSON({ nested: { ...WELL_KNOWN_JSON.nested, gen: { nested } } } as protobuf.INamespace);
    built.resolveAll();
    return built;
  };
  return { receiver: root(receiverNested), sender: root(senderNested), mismatched };
}

// ---------------------------------------------------------------------------------
// Messages, as protobufjs `fromObject` takes them, from the sender's schema

const int32Arb = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0, -1));
const uint32Arb = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 2 ** 31, 2 ** 32 - 1));
const int64Arb = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n, -1n)).map(String);
const uint64Arb = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n)).map(String);
const stringArb = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', '__proto__', 'constructor', 'a\ud800b', '\udc00', '\ufeffbom', 'é日本🎉'));

function scalarValue(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'double': case 'float': return fc.double();
    case 'int32': case 'sint32': case 'sfixed32': return int32Arb;
    case 'uint32': case 'fixed32': return uint32Arb;
    case 'int64': case 'sint64': case 'sfixed64': return int64Arb;
    case 'uint64': case 'fixed64': return uint64Arb;
    case 'bool': return fc.boolean();
    case 'string': return stringArb;
    case 'bytes': return fc.uint8Array({ maxLength: 8 });
    default: throw new Error(`not a scalar: ${type}`);
  }
}

function mapKey(type: string): fc.Arbitrary<string> {
  return type === 'string' ? stringArb : (scalarValue(type)).map(String);
}

function isMessageType(value: unknown): value is protobuf.Type {
  return value instanceof protobuf.Type;
}

function isSynthetic(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0].options?.['proto3_optional'] === true;
}

type Plain = Record<string, unknown>;

/** Values of one message type at one depth; cached, since types refer to each other. */
function messageValue(type: protobuf.Type, depth: number, cache: Map<string, fc.Arbitrary<Plain>>): fc.Arbitrary<Plain> {
  const key = `${type.fullName}@${depth}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const single = (field: protobuf.Field): fc.Arbitrary<unknown> | undefined => {
    const resolved = field.resolvedType;
    if (isMessageType(resolved)) return depth >= MAX_VALUE_DEPTH ? undefined : messageValue(resolved, depth + 1, cache);
    if (resolved instanceof protobuf.Enum) {
      return fc.oneof(fc.constantFrom(...Object.values(resolved.values)), int32Arb);
    }
    return scalarValue(field.type);
  };
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    if (field.partOf !== null && !isSynthetic(field.partOf)) continue;
    const value = single(field);
    if (value === undefined) continue;
    parts[field.name] = field.map
      ? fc.dictionary(mapKey((field as unknown as protobuf.MapField).keyType), value, { maxKeys: 3 })
      : field.repeated ? fc.array(value, { maxLength: 3 }) : value;
  }
  const oneofs = type.oneofsArray.filter((oneof) => !isSynthetic(oneof)).map((oneof) => {
    const members = oneof.fieldsArray.flatMap((field) => {
      const value = single(field);
      return value === undefined ? [] : [value.map((v): Plain => ({ [field.name]: v }))];
    });
    return fc.oneof(fc.constant<Plain>({}), ...members);
  });
  const arbitrary = fc.tuple(fc.record(parts, { requiredKeys: [] }), ...oneofs)
    .map(([base, ...chosen]) => Object.assign({}, base, ...chosen) as Plain);
  cache.set(key, arbitrary);
  return arbitrary;
}

/** The message without the fields the receiver skips, at every depth. */
function withoutMismatched(type: protobuf.Type, value: Plain, mismatched: Set<string>): Plain {
  const out: Plain = {};
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key];
    if (mismatched.has(`${type.fullName.slice(1)}.${key}`)) continue;
    const resolved = field.resolvedType;
    if (!isMessageType(resolved) || !resolved.fullName.startsWith('.gen.')) {
      out[key] = item;
    } else if (field.map) {
      out[key] = Object.fromEntries(Object.entries(item as Plain).map(([k, v]) => [k, withoutMismatched(resolved, v as Plain, mismatched)]));
    } else if (field.repeated) {
      out[key] = (item as Plain[]).map((v) => withoutMismatched(resolved, v, mismatched));
    } else {
      out[key] = withoutMismatched(resolved, item as Plain, mismatched);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// The documented result, from protobufjs decode + toObject

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };
const SENT_ONLY: protobuf.IConversionOptions = { longs: String, enums: String, oneofs: true };

function setOwn(target: Plain, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The documented plain form of a message, from toObject with defaults (`full`) and
 * without (`sent`: which fields were on the wire).
 */
function documented(type: protobuf.Type, full: Plain, sent: Plain | undefined): unknown {
  const out: Plain = {};
  const single = (field: protobuf.Field, value: unknown, sentValue: unknown): unknown => {
    const resolved = field.resolvedType;
    if (isMessageType(resolved)) return documented(resolved, value as Plain, sentValue as Plain | undefined);
    if (field.type === 'bytes') return new Uint8Array(value as Uint8Array); // a plain Uint8Array, never a Buffer
    return value;
  };
  for (const field of type.fieldsArray) {
    const key = protobuf.util.camelCase(field.name);
    const value = full[field.name];
    const sentValue = sent?.[field.name];
    if (field.map) {
      const keyType = (field as unknown as protobuf.MapField).keyType;
      const entries: Plain = {};
      for (const [k, v] of Object.entries(value as Plain)) {
        // protobufjs keys 64-bit maps by the 8-character hash of the bits.
        const decimal = LONGS.has(keyType) && k.length === 8 ? hashToDecimal(k, UNSIGNED_LONGS.has(keyType)) : k;
        setOwn(entries, decimal, single(field, v, (sentValue as Plain | undefined)?.[k]));
      }
      out[key] = entries;
    } else if (field.repeated) {
      out[key] = (value as unknown[]).map((v, i) => single(field, v, (sentValue as unknown[] | undefined)?.[i]));
    } else if (isMessageType(field.resolvedType) || field.hasPresence) {
      // Fields with presence: only when sent.
      if (sent !== undefined && Object.hasOwn(sent, field.name)) out[key] = single(field, value, sentValue);
    } else {
      out[key] = single(field, value, sentValue);
    }
  }
  for (const oneof of type.oneofsArray) {
    if (isSynthetic(oneof)) continue;
    const set = oneof.fieldsArray.filter((f) => sent !== undefined && Object.hasOwn(sent, f.name)).sort((a, b) => a.id - b.id);
    const last = set.pop();
    for (const dropped of set) delete out[protobuf.util.camelCase(dropped.name)];
    if (last !== undefined) out[protobuf.util.camelCase(oneof.name)] = protobuf.util.camelCase(last.name);
  }
  switch (type.fullName) {
    case '.google.protobuf.Struct': return out['fields'];
    case '.google.protobuf.ListValue': return out['values'];
    case '.google.protobuf.Value': {
      const kind = out['kind'] as string | undefined;
      return kind === undefined || kind === 'nullValue' ? null : out[kind];
    }
    default: return WRAPPERS.includes(type.fullName.slice(1)) ? out['value'] : out;
  }
}

/** The decimal form of protobufjs' 64-bit map key hash. */
function hashToDecimal(hash: string, unsigned: boolean): string {
  const bits = protobuf.util.LongBits.fromHash(hash);
  const value = (BigInt(bits.hi >>> 0) << 32n) | BigInt(bits.lo >>> 0);
  return String(unsigned ? value : BigInt.asIntN(64, value));
}

/** What unpack must return for these bytes, per the documentation. */
function expected(type: protobuf.Type, bytes: Uint8Array): unknown {
  // From a Buffer, protobufjs decodes strings with Node's UTF-8 decoder, as the SDK does.
  const message = type.decode(Buffer.from(bytes));
  return documented(type, type.toObject(message, TO_OBJECT), type.toObject(message, SENT_ONLY));
}

/**
 * The bytes as a view at an odd offset of a larger buffer: a `Buffer`, as grpc-js hands
 * them over, or a plain `Uint8Array`.
 */
function embedded(bytes: Uint8Array, asBuffer: boolean): Uint8Array {
  const backing = new Uint8Array(bytes.byteLength + 7).fill(0xff);
  backing.set(bytes, 3);
  return asBuffer ? Buffer.from(backing.buffer, 3, bytes.byteLength) : backing.subarray(3, 3 + bytes.byteLength);
}

interface Case { schema: SchemaSpec; values: Plain[] }

const caseArb: fc.Arbitrary<Case> = schemaArb.chain((schema) => {
  const { sender } = buildSchema(schema);
  const values = fc.array(messageValue(sender.lookupType('gen.M0'), 0, new Map()), { minLength: 1, maxLength: 4 });
  return values.map((vs) => ({ schema, values: vs }));
});

function check({ schema, values }: Case): void {
  const { receiver, sender, mismatched } = buildSchema(schema);
  const types = TypeRegistry.fromRoot(receiver);
  const receiverType = receiver.lookupType('gen.M0');
  const senderType = sender.lookupType('gen.M0');
  for (const [i, value] of values.entries()) {
    const bytes = senderType.encode(senderType.fromObject(value)).finish();
    const reference = senderType.encode(senderType.fromObject(withoutMismatched(senderType, value, mismatched))).finish();
    const any = { typeUrl: 'type.googleapis.com/gen.M0', value: embedded(bytes, i % 2 === 0) };
    let want: unknown;
    try {
      want = expected(receiverType, reference);
    } catch (error) {
      // Bytes protobufjs cannot read either (e.g. a 64-bit varint read as a 32-bit one,
      // see the header): unpack must refuse them too, with its typed error.
      expect(() => types.unpack(any, 'gen.M0'), `protobufjs: ${String(error)}`).to.throw(TypeMismatchError);
      continue;
    }
    const got = types.unpack(any, 'gen.M0');
    if (!isDeepStrictEqual(got, want)) {
      expect.fail(`unpack differs from the documented result\n  value: ${inspect(value, { depth: 8 })}\n` +
        `  unpack:   ${inspect(got, { depth: 8 })}\n  expected: ${inspect(want, { depth: 8 })}`);
    }
  }
}

describe('the generated decoder against protobufjs decode + toObject (differential property)', () => {
  it('unpacks every generated message of every generated schema as documented', function () {
    this.timeout(60_000);
    const runs = process.env['DECODER_RUNS'];
    fc.assert(fc.property(caseArb, check), runs === undefined ? { numRuns: 150, seed: 20261204 } : { numRuns: Number(runs) });
  });

  it('rejects nesting deeper than 100 levels, as documented, and decodes 100 levels like protobufjs', () => {
    const root = protobuf.Root.fromJSON({
      nested: { gen: { nested: { R: { fields: { child: { type: 'R', id: 1 }, n: { type: 'int32', id: 2 } } } } } },
    });
    root.resolveAll();
    const type = root.lookupType('gen.R');
    const types = TypeRegistry.fromRoot(root);
    // Written by hand: protobufjs' fromObject refuses to build that deep.
    const nested = (levels: number): Uint8Array => {
      let bytes = type.encode({ n: levels }).finish();
      for (let i = levels - 1; i >= 0; i--) bytes = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(bytes).uint32(2 << 3).int32(i).finish();
      return bytes;
    };
    const at100 = nested(100);
    expect(isDeepStrictEqual(types.unpack({ typeUrl: 'gen.R', value: at100 }), expected(type, at100))).to.equal(true);
    const at101 = nested(101);
    expect(() => types.unpack({ typeUrl: 'gen.R', value: at101 })).to.throw(TypeMismatchError, /maximum nesting depth/);
    // protobufjs' decode has the same limit.
    expect(() => expected(type, at101)).to.throw(/maximum nesting depth/);
  });
});
