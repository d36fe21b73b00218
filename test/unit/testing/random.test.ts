import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { seededRandom } from '../../../src/testing/random.js';

describe('seededRandom', () => {
  const take = (random: () => number, n: number): number[] => Array.from({ length: n }, () => random());

  it('replays the same sequence for the same seed, in [0, 1)', () => {
    const first = take(seededRandom(42), 1000);
    expect(take(seededRandom(42), 1000)).to.deep.equal(first);
    expect(first.every((x) => x >= 0 && x < 1)).to.equal(true);
    // Spread, not constant: both halves of the interval are hit often.
    expect(first.filter((x) => x < 0.5).length).to.be.within(400, 600);
  });

  it('gives other seeds other sequences, using the low 32 bits', () => {
    expect(take(seededRandom(1), 5)).to.not.deep.equal(take(seededRandom(2), 5));
    expect(take(seededRandom(2 ** 32 + 7), 5)).to.deep.equal(take(seededRandom(7), 5));
  });

  for (const seed of [Number.NaN, Infinity, '7', 7n, undefined]) {
    it(`rejects the seed ${String(seed)} with an InvalidArgumentError naming it`, () => {
      expect(() => seededRandom(seed as never)).to.throw(InvalidArgumentError, 'seed');
    });
  }
});
