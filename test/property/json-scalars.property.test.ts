/**
 * The proto3 JSON scalars that have a fast path (src/http/json-scalars.ts) against a
 * plain reference: RFC 3339 timestamps against `Date`, integers against BigInt.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { JsonMappingError } from '../../src/http/json-error.js';
import { integerFromJson, timestampFromJson } from '../../src/http/json-scalars.js';

const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

/** `Date#toISOString` for years 0001-9999 (it writes a 6-digit year outside 0000-9999). */
function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

describe('json-scalars (properties)', () => {
  it('timestampFromJson reads every second from 0001 to 9999 as Date does, with offsets and fractions', () => {
    fc.assert(fc.property(
      fc.integer({ min: MIN_SECONDS, max: MAX_SECONDS }),
      fc.integer({ min: 0, max: 999_999_999 }),
      fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      (seconds, nanos, offsetMinutes) => {
        const local = seconds + offsetMinutes * 60;
        fc.pre(local >= MIN_SECONDS && local <= MAX_SECONDS);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const fraction = String(nanos).padStart(9, '0');
        const text = `${rfc3339(local).slice(0, -1)}.${fraction}${offset}`;
        expect(timestampFromJson(text, 't')).to.deep.equal({ seconds: BigInt(seconds), nanos });
      },
    ), { numRuns: 500 });
  });

  it('timestampFromJson refuses what the calendar does not have', () => {
    for (const text of ['2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z', '2024-01-00T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z', '2024-01-01T00:00:60Z',
      '0000-12-31T23:59:59Z']) {
      expect(() => timestampFromJson(text, 't'), text).to.throw(JsonMappingError);
    }
    expect(timestampFromJson('2000-02-29T00:00:00Z', 't').seconds).to.equal(951_782_400n);
    expect(timestampFromJson('2024-02-29T23:59:59Z', 't').seconds).to.equal(1_709_251_199n);
  });

  it('integerFromJson agrees with BigInt for every type, as numbers and as strings', () => {
    const ranges: Record<string, [bigint, bigint]> = {
      int32: [-(2n ** 31n), 2n ** 31n - 1n], uint32: [0n, 2n ** 32n - 1n],
      int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n],
    };
    fc.assert(fc.property(
      fc.constantFrom('int32', 'uint32', 'int64', 'uint64'),
      fc.oneof(fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }), fc.integer().map(BigInt)),
      fc.boolean(),
      (type, value, asString) => {
        const [min, max] = ranges[type];
        const json: unknown = asString || !Number.isSafeInteger(Number(value)) ? value.toString() : Number(value);
        if (value < min || value > max) {
          expect(() => integerFromJson(type, json, 'v')).to.throw(JsonMappingError);
          return;
        }
        const expected = type.endsWith('64') ? value.toString() : Number(value);
        expect(integerFromJson(type, json, 'v')).to.equal(expected);
      },
    ), { numRuns: 1000 });
  });
});
