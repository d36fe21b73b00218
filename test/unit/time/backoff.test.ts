import { expect } from 'chai';
import { backoffDelay, type BackoffPolicy } from '../../../src/time/backoff.js';

const policy: BackoffPolicy = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 };

describe('backoffDelay', () => {
  it('grows exponentially from initialDelayMs and caps at maxDelayMs', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, 0.5));
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitter only shortens a delay, within [d * (1 - jitter), d]', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelay(3, jittered, 0)).to.equal(400);
    expect(backoffDelay(3, jittered, 0.999999)).to.equal(200);
    expect(backoffDelay(3, jittered, 0.5)).to.equal(300);
  });

  it('is raised to a floor (a server RetryInfo) and clamped to the remaining budget', () => {
    expect(backoffDelay(1, policy, 0, { floorMs: 750 })).to.equal(750);
    expect(backoffDelay(4, policy, 0, { remainingMs: 120 })).to.equal(120);
    expect(backoffDelay(4, policy, 0, { remainingMs: -5 })).to.equal(0);
  });

  it('is not capped at what one setTimeout accepts (the clock chains timers), and never NaN or negative', () => {
    const huge = { initialDelayMs: 1e12, multiplier: 10, maxDelayMs: 1e15, jitter: 0 };
    expect(backoffDelay(5, huge, 0)).to.equal(1e15);
    const uncapped = { initialDelayMs: 100, multiplier: 2, maxDelayMs: Infinity, jitter: 0.5 };
    expect(backoffDelay(3, uncapped, 0)).to.equal(400);
    expect(backoffDelay(2000, uncapped, 0.5)).to.equal(Infinity);
    expect(backoffDelay(2000, uncapped, 0.5, { remainingMs: 5000 })).to.equal(5000);
    // 0 x Infinity once the growth overflows: still no delay, and a floor still applies.
    const zero = { initialDelayMs: 0, multiplier: 100, maxDelayMs: Infinity, jitter: 0 };
    expect(backoffDelay(1000, zero, 0)).to.equal(0);
    expect(backoffDelay(1000, zero, 0, { floorMs: 3000 })).to.equal(3000);
    expect(backoffDelay(1, policy, 0, { remainingMs: Number.NaN })).to.equal(0);
  });
});
