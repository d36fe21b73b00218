import { expect } from 'chai';
import { clampFraction, detectProgress, FRACTION_FIELDS, PERCENT_FIELDS } from '../../../src/operation/progress-fields.js';

describe('detectProgress', () => {
  for (const field of PERCENT_FIELDS) {
    it(`reads ${field} as a percentage`, () => {
      expect(detectProgress({ [field]: 40 })).to.equal(0.4);
    });
  }
  for (const field of FRACTION_FIELDS) {
    it(`reads ${field} as a fraction`, () => {
      expect(detectProgress({ [field]: 0.4 })).to.equal(0.4);
    });
  }

  it('reads `progress` as a fraction up to 1 and a percentage above', () => {
    expect(detectProgress({ progress: 0.25 })).to.equal(0.25);
    expect(detectProgress({ progress: 1 })).to.equal(1);
    expect(detectProgress({ progress: 40 })).to.equal(0.4);
  });

  it('reads a message one level down (Bigtable/Spanner OperationProgress, Firestore Progress with int64 strings)', () => {
    expect(detectProgress({ name: 'x', progress: { progressPercent: 30, startTime: {} } })).to.equal(0.3);
    expect(detectProgress({ progressDocuments: { completedWork: '25', estimatedWork: '100' } })).to.equal(0.25);
    expect(detectProgress({ a: { b: { progressPercent: 30 } } }), 'not two levels down').to.equal(undefined);
  });

  it('accepts decimal strings, clamps to [0, 1], and ignores what is not a number', () => {
    expect(detectProgress({ progressPercent: '55' })).to.equal(0.55);
    expect(detectProgress({ percentComplete: 140 })).to.equal(1);
    expect(detectProgress({ percentComplete: -3 })).to.equal(0);
    for (const value of [undefined, null, 'x', '', Number.NaN, Infinity, {}, true]) {
      expect(detectProgress({ progressPercent: value }), JSON.stringify(value) ?? 'undefined').to.equal(undefined);
    }
    expect(detectProgress({ completedWork: '5', estimatedWork: '0' })).to.equal(undefined);
    for (const metadata of [undefined, null, 3, 'x', [], new Uint8Array(2), { typeUrl: 'x', value: new Uint8Array(1) }]) {
      expect(detectProgress(metadata)).to.equal(undefined);
    }
  });

  it('clampFraction: numbers to [0, 1], anything else undefined', () => {
    expect([clampFraction(0.5), clampFraction(-1), clampFraction(2), clampFraction(Number.NaN), clampFraction('0.5')])
      .to.deep.equal([0.5, 0, 1, undefined, undefined]);
  });
});
