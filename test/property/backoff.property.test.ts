/**
 * Property tests of the pure backoff function (src/time/backoff.ts): for any policy,
 * attempt, random draw and bounds, the delay is a whole number of milliseconds (or
 * Infinity, only for an uncapped maxDelayMs), never NaN, never above maxDelayMs (or the
 * floor when a server's RetryInfo raises it) nor the remaining budget, and never below
 * the floor when the budget allows it. It is not capped at what one setTimeout accepts:
 * the clock's sleep chains timers.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { backoffDelay, type BackoffPolicy } from '../../src/time/backoff.js';

const RUNS = { numRuns: 200 };

/** Milliseconds as users and servers give them: whole numbers. */
const wholePolicy: fc.Arbitrary<BackoffPolicy> = fc.record({
  initialDelayMs: fc.integer({ min: 0, max: 1e6 }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  maxDelayMs: fc.integer({ min: 0, max: 1e7 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Any value validation lets through: fractional milliseconds too. */
const anyPolicy: fc.Arbitrary<BackoffPolicy> = fc.record({
  initialDelayMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  maxDelayMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});

const attempt = fc.integer({ min: 1, max: 100 });
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

interface Bounds { floorMs?: number; remainingMs?: number }
const wholeBounds: fc.Arbitrary<Bounds> = fc.record(
  { floorMs: fc.integer({ min: 0, max: 1e7 }), remainingMs: fc.integer({ min: -1e3, max: 1e7 }) },
  { requiredKeys: [] },
);
/** Floors come from RetryInfo, decoded to whole ms; the budget derives from user timeouts, which may be fractional. */
const anyBounds: fc.Arbitrary<Bounds> = fc.record(
  { floorMs: fc.integer({ min: 0, max: 1e7 }), remainingMs: fc.double({ min: -1e3, max: 1e7, noNaN: true }) },
  { requiredKeys: [] },
);

/** The contract, as one predicate; throws a descriptive assertion error. */
function checkDelay(delay: number, policy: BackoffPolicy, bounds: Bounds): void {
  expect(Number.isNaN(delay), 'NaN').to.equal(false);
  expect(Number.isInteger(delay) || (delay === Infinity && policy.maxDelayMs === Infinity), `an integer, got ${delay}`).to.equal(true);
  expect(delay).to.be.at.least(0);
  // A server's RetryInfo (the floor) may ask for more than maxDelayMs; the budget caps both.
  let upper = Math.max(policy.maxDelayMs, bounds.floorMs ?? 0);
  if (bounds.remainingMs !== undefined) upper = Math.min(upper, Math.max(0, bounds.remainingMs));
  expect(delay, `at most min(max(maxDelayMs, floorMs), remainingMs) = ${upper}`).to.be.at.most(upper);
  if (bounds.floorMs !== undefined && (bounds.remainingMs === undefined || bounds.floorMs <= bounds.remainingMs)) {
    expect(delay, `at least the floor ${bounds.floorMs}`).to.be.at.least(bounds.floorMs);
  }
}

describe('backoffDelay (property)', () => {
  it('stays an integer within [0, min(maxDelayMs, remainingMs)], at least the floor the budget allows (whole ms)', () => {
    fc.assert(fc.property(wholePolicy, attempt, random, wholeBounds, (policy, n, r, bounds) => {
      checkDelay(backoffDelay(n, policy, r, bounds), policy, bounds);
    }), RUNS);
  });

  it('the same for fractional milliseconds, which validation accepts (rounding must not cross a bound)', () => {
    fc.assert(fc.property(anyPolicy, attempt, random, anyBounds, (policy, n, r, bounds) => {
      checkDelay(backoffDelay(n, policy, r, bounds), policy, bounds);
    }), {
      ...RUNS,
      // Random doubles rarely land on these; they are where rounding meets a bound.
      examples: [
        [{ initialDelayMs: 10, multiplier: 1, maxDelayMs: 2.5, jitter: 0 }, 1, 0, {}],
        [{ initialDelayMs: 10, multiplier: 1, maxDelayMs: 100, jitter: 0 }, 1, 0, { remainingMs: 2.5 }],
      ],
    });
  });

  it('without jitter: min(maxDelayMs, initialDelayMs * multiplier^(attempt-1)), never decreasing with the attempt', () => {
    fc.assert(fc.property(wholePolicy, attempt, random, (policy, n, r) => {
      const steady = { ...policy, jitter: 0 };
      const delay = backoffDelay(n, steady, r);
      expect(delay).to.equal(Math.round(Math.min(steady.maxDelayMs, steady.initialDelayMs * steady.multiplier ** (n - 1))));
      expect(backoffDelay(n + 1, steady, r)).to.be.at.least(delay);
    }), RUNS);
  });

  it('jitter only shortens: within [d * (1 - jitter), d] of the jitter-free delay d (to the rounding)', () => {
    fc.assert(fc.property(wholePolicy, attempt, random, (policy, n, r) => {
      const d = backoffDelay(n, { ...policy, jitter: 0 }, r);
      const delay = backoffDelay(n, policy, r);
      expect(delay).to.be.at.most(d);
      expect(delay).to.be.at.least(Math.floor(d * (1 - policy.jitter)) - 1);
    }), RUNS);
  });

  it('never NaN or out of range at the extremes validation allows (multiplier 100, attempt 10,000, delays 0, no cap)', () => {
    const extreme = fc.record({
      initialDelayMs: fc.constantFrom(0, 1, 1e9),
      multiplier: fc.constantFrom(1, 2, 100),
      maxDelayMs: fc.constantFrom(0, 1, 1e12, Infinity),
      jitter: fc.constantFrom(0, 0.5, 1),
    });
    fc.assert(fc.property(extreme, fc.integer({ min: 1, max: 10_000 }), random, wholeBounds, (policy, n, r, bounds) => {
      checkDelay(backoffDelay(n, policy, r), policy, {});
      checkDelay(backoffDelay(n, policy, r, bounds), policy, bounds);
    }), RUNS);
  });
});
