/**
 * Decodes protobuf bytes straight into the plain objects `TypeRegistry.unpack`
 * returns, without the detour through protobufjs message instances and `toObject`.
 *
 * One decoder function is generated per message type (as protobufjs does for its own
 * `decode`), so unpacking costs about as much as a bare protobufjs decode while
 * already applying the documented conversions: camelCase keys, 64-bit integers as
 * decimal strings, enums as names, bytes as `Uint8Array`, well-known types as plain
 * JavaScript values. Decoders are cached per protobufjs `Type` for the life of the type.
 *
 * @internal
 * @module
 */
import protobuf from 'protobufjs';
import { isType, LIST_VALUE, LONGS, MAX_DEPTH, outputName, STRUCT, VALUE, WRAPPERS } from './plain-form.js';

/**
 * A generated decoder: reads one message of `l` bytes (or, with `l < 0`, a group up
 * to the end tag `e`) at nesting depth `n`.
 */
type MessageDecoder = (r: protobuf.Reader, l: number, n: number, e: number | undefined) => unknown;

/** Decodes one serialized message into its plain JavaScript form. */
export type PlainDecoder = (bytes: Uint8Array) => unknown;

/**
 * The value of empty `bytes` fields. Shared, and harmless to share: a zero-length
 * view has no elements to mutate.
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

const decoders = new WeakMap<protobuf.Type, MessageDecoder>();
const plainDecoders = new WeakMap<protobuf.Type, PlainDecoder>();

/** Wire types by scalar type; length-delimited (2) for everything else. */
const WIRE_TYPES: Readonly<Record<string, number>> = {
  double: 1, float: 5, int32: 0, uint32: 0, sint32: 0, fixed32: 5, sfixed32: 5,
  int64: 0, uint64: 0, sint64: 0, fixed64: 1, sfixed64: 1, bool: 0, string: 2, bytes: 2,
};

/** Scalars that may be sent packed (all but string and bytes). */
const PACKABLE = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32',
  'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool']);

/** Default value literals of fields without presence. */
const DEFAULT_LITERALS: Readonly<Record<string, string>> = {
  double: '0', float: '0', int32: '0', uint32: '0', sint32: '0', fixed32: '0', sfixed32: '0',
  int64: '"0"', uint64: '"0"', sint64: '"0"', fixed64: '"0"', sfixed64: '"0"',
  bool: 'false', string: '""', bytes: 'Z',
};

/**
 * What a decoder returns for the well-known types that have a natural JavaScript
 * form (the proto3 JSON mapping's choices); `o` is the decoded message.
 */
function resultExpression(fullName: string): string {
  if (fullName === STRUCT) return 'o["fields"]';
  if (fullName === LIST_VALUE) return 'o["values"]';
  if (fullName === VALUE) {
    return 'o["kind"] === undefined || o["kind"] === "nullValue" ? null : o[o["kind"]]';
  }
  if (WRAPPERS.has(fullName)) return 'o["value"]';
  return 'o';
}

/** Whether a reflection object is an enum. */
function isEnum(value: unknown): value is protobuf.Enum {
  return typeof value === 'object' && value !== null &&
    typeof (value as protobuf.Enum).valuesById === 'object';
}

interface Utf8Sliceable { utf8Slice(start: number, end: number): string }
// Looked up on globalThis: browsers have no Buffer (and then protobufjs' decoder serves).
const nativeUtf8Slice = (globalThis as { Buffer?: { prototype: Partial<Utf8Sliceable> } }).Buffer?.prototype.utf8Slice;
const textDecoder = new TextDecoder();

/**
 * Moves past a length-prefixed value and returns where its bytes start (they end at
 * `r.pos`); refuses one that runs past the message.
 */
function skipLengthPrefixed(r: protobuf.Reader): number {
  const length = r.uint32();
  const start = r.pos;
  const end = start + length;
  if (end > r.len) throw new RangeError(`index out of range: ${start} + ${length} > ${r.len}`);
  r.pos = end;
  return start;
}

/** Reads a length-prefixed UTF-8 string. */
function readString(r: protobuf.Reader): string {
  const start = skipLengthPrefixed(r);
  const end = r.pos;
  if (start === end) return '';
  // Node's native slice beats protobufjs' JavaScript UTF-8 decoder from ~8 bytes on.
  return nativeUtf8Slice !== undefined
    ? nativeUtf8Slice.call(r.buf, start, end)
    : textDecoder.decode(r.buf.subarray(start, end));
}

/** Reads a length-prefixed `bytes` value as a plain `Uint8Array` view (no copy). */
function readBytes(r: protobuf.Reader): Uint8Array {
  const start = skipLengthPrefixed(r);
  const length = r.pos - start;
  if (length === 0) return EMPTY_BYTES;
  const buf = r.buf;
  return new Uint8Array(buf.buffer, buf.byteOffset + start, length);
}

/** What protobufjs' readers return for 64-bit fields: a `long` instance (or a number without it). */
interface LongLike { high: number; low: number; unsigned: boolean; toString(radix?: number): string }

/** Formats a 64-bit integer as a decimal string, exactly. */
function longToString(value: LongLike | number): string {
  if (typeof value === 'number') return String(value);
  const high = value.high;
  if (value.unsigned) {
    // Below 2^53 the double arithmetic is exact and much faster than Long#toString.
    if (high >>> 0 <= 0x1fffff) return String((high >>> 0) * 4294967296 + (value.low >>> 0));
  } else if (high >= -0x200000 && high <= 0x1fffff) {
    return String(high * 4294967296 + (value.low >>> 0));
  }
  return value.toString();
}

/** Defines an own property, for keys such as `__proto__` that plain assignment would not create. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Signature of the factory `new Function` builds: helpers in, decoder out. */
type DecoderFactory = (
  d: MessageDecoder[], E: Record<number, string>[], S: typeof readString, B: typeof readBytes,
  L: typeof longToString, P: typeof defineOwn, Z: Uint8Array,
) => MessageDecoder;

/**
 * Returns the decoder that turns one serialized message of `type` into its plain
 * form; built on first use and cached per type.
 */
export function plainDecoderFor(type: protobuf.Type): PlainDecoder {
  let plain = plainDecoders.get(type);
  if (plain === undefined) {
    const decode = messageDecoderFor(type);
    plain = (bytes) => {
      const reader = new protobuf.Reader(bytes);
      return decode(reader, reader.len, 0, undefined);
    };
    plainDecoders.set(type, plain);
  }
  return plain;
}

function messageDecoderFor(type: protobuf.Type): MessageDecoder {
  const cached = decoders.get(type);
  if (cached !== undefined) return cached;
  const deps: MessageDecoder[] = [];
  const enums: Record<number, string>[] = [];
  const depTypes: protobuf.Type[] = [];
  const source = generateSource(type, depTypes, enums);
  // Generated per message type like protobufjs' own decoders: a straight-line switch
  // is what makes unpacking as fast as a bare decode. The source is built only from
  // the schema (field numbers, JSON-quoted names), never from decoded data.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('d', 'E', 'S', 'B', 'L', 'P', 'Z', source) as DecoderFactory;
  const decoder = factory(deps, enums, readString, readBytes, longToString, defineOwn, EMPTY_BYTES);
  // Registered before the dependencies so that recursive types find themselves.
  decoders.set(type, decoder);
  for (const dep of depTypes) deps.push(messageDecoderFor(dep));
  return decoder;
}

/** How one value of a field (or map key/value) is read, as a JavaScript expression. */
interface ValueReader {
  /** The expression reading one value; may use the temporary `y`. */
  read: string;
  /** The wire type of one value. */
  wireType: number;
  /** Whether repeated values may also arrive packed. */
  packable: boolean;
}

function generateSource(type: protobuf.Type, depTypes: protobuf.Type[], enums: Record<number, string>[]): string {
  const depIndex = (dep: protobuf.Type): number => {
    let i = depTypes.indexOf(dep);
    if (i < 0) i = depTypes.push(dep) - 1;
    return i;
  };
  const enumIndex = (en: protobuf.Enum): number => {
    const byId: Record<number, string> = Object.create(null) as Record<number, string>;
    for (const [id, name] of Object.entries(en.valuesById)) byId[Number(id)] = name;
    return enums.push(byId) - 1;
  };
  const valueReader = (fieldType: string, resolved: unknown, group: boolean, fieldId: number): ValueReader => {
    if (isType(resolved)) {
      const i = depIndex(resolved);
      return group
        ? { read: `d[${i}](r, -1, n + 1, ${(fieldId << 3) | 4})`, wireType: 3, packable: false }
        : { read: `d[${i}](r, r.uint32(), n + 1, undefined)`, wireType: 2, packable: false };
    }
    if (isEnum(resolved)) {
      return { read: `(y = r.int32(), E[${enumIndex(resolved)}][y] ?? y)`, wireType: 0, packable: true };
    }
    const wireType = WIRE_TYPES[fieldType];
    if (wireType === undefined) throw new TypeError(`Unsupported field type ${fieldType} in ${type.fullName}`);
    const read = fieldType === 'string' ? 'S(r)'
      : fieldType === 'bytes' ? 'B(r)'
        : LONGS.has(fieldType) ? `L(r.${fieldType}())` : `r.${fieldType}()`;
    return { read, wireType, packable: PACKABLE.has(fieldType) };
  };
  const defaultLiteral = (fieldType: string, resolved: unknown): string | undefined => {
    if (isType(resolved)) return undefined;
    if (isEnum(resolved)) {
      const first = Object.values(resolved.values)[0] ?? 0;
      return JSON.stringify(resolved.valuesById[first] ?? first);
    }
    return DEFAULT_LITERALS[fieldType];
  };
  const assign = (key: string, expr: string): string =>
    key === '__proto__' ? `P(o, ${JSON.stringify(key)}, ${expr});` : `o[${JSON.stringify(key)}] = ${expr};`;

  const defaults: string[] = [];
  const lateDefaults: string[] = [];
  const cases: string[] = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    const key = outputName(field);
    const k = JSON.stringify(key);
    const id = Number(field.id);
    if (!Number.isInteger(id) || id <= 0) throw new TypeError(`Invalid field number ${field.id} in ${type.fullName}`);
    const resolved: unknown = field.resolvedType;
    const skip = 'r.skipType(t & 7, n); break;';
    cases.push(`case ${id}:`);
    if (field.map) {
      const keyType = (field as unknown as protobuf.MapField).keyType;
      const keyReader = valueReader(keyType, null, false, 1);
      const valReader = valueReader(field.type, resolved, false, 2);
      const keyDefault = DEFAULT_LITERALS[keyType] ?? '""';
      const valueDefault = isType(resolved) ? 'undefined' : defaultLiteral(field.type, resolved) ?? 'undefined';
      pushDefault(key, '{}');
      cases.push(
        `  if ((t & 7) !== 2) { ${skip} }`,
        '  c2 = r.uint32() + r.pos;',
        '  if (c2 > r.len) throw RangeError("index out of range");',
        '  L1 = r.len; r.len = c2;',
        `  k = ${keyDefault}; v = ${valueDefault};`,
        '  while (r.pos < c2) {',
        '    x = r.uint32();',
        `    if (x === ${(1 << 3) | keyReader.wireType}) k = ${keyReader.read};`,
        `    else if (x === ${(2 << 3) | valReader.wireType}) v = ${valReader.read};`,
        '    else r.skipType(x & 7, n);',
        '  }',
        '  r.len = L1;',
        '  if (r.pos !== c2) throw RangeError("index out of range");',
      );
      if (isType(resolved)) cases.push(`  if (v === undefined) v = d[${depIndex(resolved)}](r, 0, n + 1, undefined);`);
      cases.push(keyType === 'string'
        ? `  if (k === "__proto__") P(o[${k}], k, v); else o[${k}][k] = v;`
        : `  o[${k}][k] = v;`);
      cases.push('  break;');
      continue;
    }
    const reader = valueReader(field.type, resolved, field.delimited, id);
    if (field.repeated) {
      pushDefault(key, '[]');
      if (reader.packable) {
        cases.push(
          '  if ((t & 7) === 2) {',
          '    c2 = r.uint32() + r.pos;',
          '    if (c2 > r.len) throw RangeError("index out of range");',
          `    a = o[${k}];`,
          `    while (r.pos < c2) a.push(${reader.read});`,
          '    if (r.pos !== c2) throw RangeError("index out of range");',
          `  } else if ((t & 7) === ${reader.wireType}) o[${k}].push(${reader.read});`,
          '  else r.skipType(t & 7, n);',
          '  break;',
        );
      } else {
        cases.push(`  if ((t & 7) !== ${reader.wireType}) { ${skip} }`, `  o[${k}].push(${reader.read});`, '  break;');
      }
      continue;
    }
    cases.push(`  if ((t & 7) !== ${reader.wireType}) { ${skip} }`);
    const oneof = field.partOf;
    const synthetic = oneof !== null && oneof.oneof.length === 1 &&
      (field.options?.['proto3_optional'] === true || oneof.name.startsWith('_'));
    if (oneof !== null && !synthetic) {
      // Like protobufjs' `oneofs: true`: the oneof's name holds the key of the member
      // that is set; the last member on the wire wins, as the protobuf spec says.
      const o = JSON.stringify(protobuf.util.camelCase(oneof.name));
      cases.push(
        `  if (o[${o}] !== undefined && o[${o}] !== ${k}) delete o[o[${o}]];`,
        `  o[${o}] = ${k};`,
      );
    }
    cases.push(`  ${assign(key, reader.read)}`, '  break;');
    if (!field.hasPresence && !isType(resolved)) {
      const literal = defaultLiteral(field.type, resolved);
      if (literal !== undefined) pushDefault(key, literal);
    }
  }

  function pushDefault(key: string, literal: string): void {
    if (key === '__proto__') lateDefaults.push(`P(o, "__proto__", ${literal});`);
    else defaults.push(`${JSON.stringify(key)}: ${literal}`);
  }

  return [
    'return function decode(r, l, n, e) {',
    `  if (n > ${MAX_DEPTH}) throw Error("maximum nesting depth exceeded");`,
    '  var L0 = r.len, c, t = 0, x, y, k, v, a, c2, L1;',
    '  if (l < 0) c = L0;',
    '  else { c = r.pos + l; if (c > L0) throw RangeError("index out of range"); r.len = c; }',
    `  var o = {${defaults.join(', ')}};`,
    ...lateDefaults.map((line) => `  ${line}`),
    '  while (r.pos < c) {',
    '    t = r.uint32();',
    '    if (t === e) break;',
    '    switch (t >>> 3) {',
    ...cases.map((line) => `    ${line}`),
    '    default:',
    '      if (t < 8) throw Error("invalid field number 0 at offset " + r.pos);',
    '      r.skipType(t & 7, n);',
    '    }',
    '  }',
    '  if (l < 0) { if (t !== e) throw Error("missing end of group"); }',
    '  else { r.len = L0; if (r.pos !== c) throw RangeError("index out of range"); }',
    `  return ${resultExpression(type.fullName)};`,
    '};',
  ].join('\n');
}
