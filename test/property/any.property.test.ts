/**
 * Property tests of Any packing (src/any): `unpack(pack(T, v), T)` gives `v` back for
 * google.protobuf.Struct, Duration, Timestamp and google.rpc.ErrorInfo, with
 * TypeRegistry.empty() (well-known types need no registration).
 *
 * Decisions, for Struct (whose numbers are IEEE doubles on the wire):
 * - every double survives bit for bit, -0, NaN and the infinities included: the binary
 *   encoding has no JSON restriction, so nothing is normalized (-0 stays -0);
 * - strings survive when they are well-formed Unicode; a lone surrogate cannot be
 *   encoded as UTF-8: protobufjs writes its three WTF-8 bytes, which decode as three
 *   U+FFFD replacement characters;
 * - a Struct comes back as a plain object (Object.prototype), whatever prototype the
 *   packed object had;
 * - keys are any strings, `__proto__` included (an own key, never the prototype).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { TypeRegistry } from '../../src/any/type-registry.js';

const RUNS = { numRuns: 200 };
const types = TypeRegistry.empty();

function roundTrip<T>(typeName: string, value: unknown): T {
  const any = types.pack(typeName, value);
  expect(any.typeUrl).to.equal(`type.googleapis.com/${typeName}`);
  return types.unpack<T>(any, typeName);
}

/** Struct objects from JSON values, with keys and strings of well-formed Unicode. */
const structOf = (strings: fc.Arbitrary<string>) =>
  fc.dictionary(strings, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8, noNullPrototype: true });
const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

describe('Any pack/unpack round trips (property)', () => {
  it('google.protobuf.Struct: JSON objects come back deeply equal (ASCII and well-formed Unicode)', () => {
    fc.assert(fc.property(fc.oneof(structOf(fc.string({ maxLength: 12 })), fc.dictionary(unicode, fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }), { maxKeys: 8, noNullPrototype: true })), (value) => {
      // isDeepStrictEqual tells -0 from 0; fc.jsonValue produces -0 now and then.
      expect(isDeepStrictEqual(roundTrip('google.protobuf.Struct', value), value), JSON.stringify(value)).to.equal(true);
    }), RUNS);
  });

  it('google.protobuf.Struct: every double, -0, NaN and the infinities included, survives bit for bit', () => {
    fc.assert(fc.property(fc.array(fc.double(), { maxLength: 8 }), (numbers) => {
      const value = Object.fromEntries(numbers.map((n, i) => [`n${i}`, n]));
      const back = roundTrip<Record<string, number>>('google.protobuf.Struct', { ...value, list: numbers });
      numbers.forEach((n, i) => expect(Object.is(back[`n${i}`], n), `n${i}: ${n}`).to.equal(true));
      expect(isDeepStrictEqual(back.list, numbers)).to.equal(true);
    }), { ...RUNS, examples: [[[-0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE]]] });
  });

  it('google.protobuf.Struct: a `__proto__` key is an own key, and the prototype stays Object.prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    const back = roundTrip<Record<string, unknown>>('google.protobuf.Struct', value);
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.keys(back)).to.have.members(['__proto__', 'x']);
    expect(isDeepStrictEqual(back, value)).to.equal(true);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('google.protobuf.Struct: a lone surrogate comes back as replacement characters (not UTF-8 encodable)', () => {
    expect(roundTrip('google.protobuf.Struct', { s: 'a\ud800b' })).to.deep.equal({ s: 'a\ufffd\ufffd\ufffdb' });
  });

  it('google.protobuf.Duration: any int64 seconds and int32 nanos, exactly (64-bit as decimal strings)', () => {
    fc.assert(fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (seconds, nanos) => {
      expect(roundTrip('google.protobuf.Duration', { seconds: seconds.toString(), nanos })).to.deep.equal({ seconds: seconds.toString(), nanos });
      // bigint and number inputs too, as pack documents
      expect(roundTrip('google.protobuf.Duration', { seconds, nanos })).to.deep.equal({ seconds: seconds.toString(), nanos });
    }), RUNS);
  });

  it('google.protobuf.Timestamp: { seconds, nanos } exactly, and a Date as its seconds and nanos', () => {
    fc.assert(fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanos) => {
      expect(roundTrip('google.protobuf.Timestamp', { seconds: seconds.toString(), nanos })).to.deep.equal({ seconds: seconds.toString(), nanos });
    }), RUNS);
    fc.assert(fc.property(fc.date({ noInvalidDate: true }), (date) => {
      const ms = date.getTime();
      const seconds = Math.floor(ms / 1000);
      expect(roundTrip('google.protobuf.Timestamp', date)).to.deep.equal({ seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 });
    }), RUNS);
  });

  it('google.rpc.ErrorInfo: reason, domain and any string map (`__proto__` keys included)', () => {
    const info = fc.record({
      reason: fc.string({ maxLength: 16 }),
      domain: fc.string({ maxLength: 16 }),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), unicode, { maxKeys: 6, noNullPrototype: true }),
    }, { noNullPrototype: true });
    fc.assert(fc.property(info, (value) => {
      const back = roundTrip<typeof value>('google.rpc.ErrorInfo', value);
      expect(isDeepStrictEqual(back, value), JSON.stringify(value)).to.equal(true);
      expect(Object.keys(back.metadata)).to.have.members(Object.keys(value.metadata));
    }), {
      ...RUNS,
      examples: [[{ reason: 'R', domain: 'd', metadata: JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string> }]],
    });
  });
});
