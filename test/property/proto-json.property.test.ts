/**
 * Differential property: our proto3 JSON codec against proto3-json-serializer (what
 * google-gax's REST fallback uses), in both directions, comparing decoded values (the
 * bytes may differ: map order, explicit zeros). The message type covers what both
 * implement alike: scalars, enums, repeated, string-keyed maps, nested messages,
 * non-negative Durations, Timestamps, Struct, wrappers and Anys of ordinary messages.
 * (proto3-json-serializer writes 64-bit map keys as protobufjs' internal hashes, reads
 * no negative Duration and no sint32/sint64 field, so those stay in the unit tests.)
 */
import { expect } from 'chai';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { fromProto3JSON, toProto3JSON, type JSONValue } from 'proto3-json-serializer';
import { ProtoJsonCodec } from '../../src/http/proto-json.js';

function commonRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ['any', 'duration', 'timestamp', 'struct', 'wrappers', 'empty']) {
    root.addJSON(protobuf.common.get(`google/protobuf/${file}.proto`)!.nested!);
  }
  return root;
}

const ROOT = protobuf.parse(`
syntax = "proto3";
package diff.v1;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
message Sub { string label = 1; int64 count = 2; repeated bool flags = 3; }
message Sample {
  int32 small = 1;
  int64 big = 2;
  uint64 unsigned_big = 3;
  fixed32 unsigned_small = 4;
  string text = 5;
  bool on = 6;
  bytes blob = 7;
  double ratio = 8;
  Color color = 9;
  repeated string tags = 10;
  repeated int64 ids = 11;
  map<string, int32> counts = 12;
  Sub sub = 13;
  repeated Sub subs = 14;
  google.protobuf.Duration elapsed = 15;
  google.protobuf.Timestamp at = 16;
  google.protobuf.Struct labels = 17;
  google.protobuf.StringValue note = 18;
  google.protobuf.Int64Value limit = 19;
  google.protobuf.Any extra = 20;
  repeated Color palette = 21;
}
`, commonRoot()).root;
ROOT.resolveAll();
const SAMPLE = ROOT.lookupType('diff.v1.Sample');
const SUB = ROOT.lookupType('diff.v1.Sub');
const URL = 'type.googleapis.com/diff.v1.Sample';

const codec = new ProtoJsonCodec({ resolveType: (name) => { try { return ROOT.lookupType(name); } catch { return undefined; } } });

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const text = fc.string({ maxLength: 8 });
const sub = fc.record({ label: text, count: int64, flags: fc.array(fc.boolean(), { maxLength: 3 }) }, { requiredKeys: [] });
/** A JSON value for a Struct: no -0, no non-finite number (JSON cannot hold them). */
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), text, fc.integer({ min: -1e6, max: 1e6 }),
    fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
})).value;

/** The protobufjs object form of a google.protobuf.Value. */
function valueObject(json: unknown): Record<string, unknown> {
  if (json === null) return { nullValue: 0 };
  if (typeof json === 'number') return { numberValue: json };
  if (typeof json === 'string') return { stringValue: json };
  if (typeof json === 'boolean') return { boolValue: json };
  if (Array.isArray(json)) return { listValue: { values: json.map(valueObject) } };
  return { structValue: structObject(json as Record<string, unknown>) };
}
function structObject(json: Record<string, unknown>): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, valueObject(v)])) };
}

const sample = fc.record({
  small: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  big: int64,
  unsignedBig: uint64,
  unsignedSmall: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  text,
  on: fc.boolean(),
  blob: fc.uint8Array({ maxLength: 8 }),
  ratio: fc.double({ noDefaultInfinity: true, noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
  color: fc.constantFrom(0, 1, 2),
  tags: fc.array(text, { maxLength: 3 }),
  ids: fc.array(int64, { maxLength: 3 }),
  counts: fc.dictionary(text, fc.integer({ min: -1000, max: 1000 }), { maxKeys: 3 }),
  sub,
  subs: fc.array(sub, { maxLength: 2 }),
  elapsed: fc.record({ seconds: fc.integer({ min: 0, max: 315_576_000_000 }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
  at: fc.record({ seconds: fc.integer({ min: 0, max: 253_402_300_799 }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
  labels: fc.dictionary(text, jsonValue, { maxKeys: 3 }).map(structObject),
  note: fc.record({ value: text }),
  limit: fc.record({ value: int64 }),
  extra: sub.map((s) => ({ type_url: 'type.googleapis.com/diff.v1.Sub', value: SUB.encode(SUB.fromObject(s)).finish() })),
  palette: fc.array(fc.constantFrom(0, 1, 2), { maxLength: 3 }),
}, { requiredKeys: [] });

/** A decoded message as a comparable plain object (defaults filled in, Any values decoded). */
function plain(message: protobuf.Message): Record<string, unknown> {
  const object = SAMPLE.toObject(message, { longs: String, enums: String, bytes: Array, defaults: true, arrays: true, objects: true });
  const extra = object.extra as { type_url: string; value: number[] } | undefined;
  if (extra !== undefined && extra !== null) {
    object.extra = { type_url: extra.type_url, value: SUB.toObject(SUB.decode(Uint8Array.from(extra.value)), { longs: String, defaults: true, arrays: true }) };
  }
  return object;
}

describe('property: proto3 JSON codec vs proto3-json-serializer', () => {
  it('proto3-json-serializer reads what we write as the same values', () => {
    fc.assert(fc.property(sample, (object) => {
      const bytes = SAMPLE.encode(SAMPLE.fromObject(object)).finish();
      const { '@type': type, ...json } = codec.anyToJson({ typeUrl: URL, value: bytes });
      expect(type).to.equal(URL);
      const theirs = fromProto3JSON(SAMPLE, JSON.parse(JSON.stringify(json)) as JSONValue);
      expect(theirs).to.not.equal(null);
      expect(plain(theirs!)).to.deep.equal(plain(SAMPLE.decode(bytes)));
    }), { numRuns: 200 });
  });

  it('we read what proto3-json-serializer writes as the same values', () => {
    fc.assert(fc.property(sample, (object) => {
      const bytes = SAMPLE.encode(SAMPLE.fromObject(object)).finish();
      const json = toProto3JSON(SAMPLE.decode(bytes)) as Record<string, unknown>;
      const ours = codec.anyFromJson({ '@type': URL, ...JSON.parse(JSON.stringify(json)) });
      expect(ours.json).to.equal(undefined);
      expect(plain(SAMPLE.decode(ours.value))).to.deep.equal(plain(SAMPLE.decode(bytes)));
    }), { numRuns: 200 });
  });
});
