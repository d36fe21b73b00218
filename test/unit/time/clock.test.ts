/**
 * Unit tests of the clock (src/time/clock.ts) under sinon fake timers: sleeps longer
 * than one setTimeout allows chain timers and last exactly as long as asked, an
 * infinite sleep sets no timer, and an abort clears whatever timer is armed.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { MAX_TIMER_DELAY_MS, startTimer, systemClock } from '../../../src/time/clock.js';

const DAY_MS = 86_400_000;

/** Whether `promise` has settled, and how, without waiting for it. */
function track(promise: Promise<void>): { settled: () => 'pending' | 'resolved' | 'rejected'; reason: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let reason: unknown;
  promise.then(() => {
    state = 'resolved';
  }, (error: unknown) => {
    state = 'rejected';
    reason = error;
  });
  return { settled: () => state, reason: () => reason };
}

describe('clock', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    clock.restore();
  });

  describe('systemClock.sleep', () => {
    it('a 30-day sleep resolves after exactly 30 days, not after 24.8 (one setTimeout\'s limit)', async () => {
      const sleep = track(systemClock.sleep(30 * DAY_MS));
      await clock.tickAsync(MAX_TIMER_DELAY_MS + 1);
      expect(sleep.settled(), 'still asleep past 2^31 - 1 ms').to.equal('pending');
      await clock.tickAsync(30 * DAY_MS - (MAX_TIMER_DELAY_MS + 1) - 1);
      expect(sleep.settled(), '1 ms before 30 days').to.equal('pending');
      expect(clock.countTimers(), 'one timer armed at a time').to.equal(1);
      await clock.tickAsync(1);
      expect(sleep.settled()).to.equal('resolved');
      expect(clock.countTimers()).to.equal(0);
    });

    it('no single timer is longer than what setTimeout accepts', async () => {
      const delays: number[] = [];
      const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
      try {
        const sleep = track(systemClock.sleep(100 * DAY_MS));
        await clock.tickAsync(100 * DAY_MS);
        expect(sleep.settled()).to.equal('resolved');
        for (const call of setTimeoutSpy.getCalls()) delays.push(call.args[1] as number);
      } finally {
        setTimeoutSpy.restore();
      }
      expect(delays.every((ms) => ms >= 0 && ms <= MAX_TIMER_DELAY_MS), delays.join(', ')).to.equal(true);
      expect(delays.reduce((a, b) => a + b, 0)).to.equal(100 * DAY_MS);
      expect(delays).to.have.length(Math.ceil((100 * DAY_MS) / MAX_TIMER_DELAY_MS));
    });

    it('an infinite sleep never resolves and sets no timer; its signal still ends it', async () => {
      const controller = new AbortController();
      const sleep = track(systemClock.sleep(Infinity, controller.signal));
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(1000 * 365 * DAY_MS);
      expect(sleep.settled()).to.equal('pending');
      const reason = new Error('stop');
      controller.abort(reason);
      await clock.tickAsync(0);
      expect(sleep.settled()).to.equal('rejected');
      expect(sleep.reason()).to.equal(reason);
    });

    it('an abort mid-chain clears the armed timer and rejects with the reason', async () => {
      const controller = new AbortController();
      const sleep = track(systemClock.sleep(60 * DAY_MS, controller.signal));
      await clock.tickAsync(MAX_TIMER_DELAY_MS + 10); // into the second timer of the chain
      expect(clock.countTimers()).to.equal(1);
      controller.abort('gone');
      await clock.tickAsync(0);
      expect(sleep.settled()).to.equal('rejected');
      expect(sleep.reason()).to.equal('gone');
      expect(clock.countTimers(), 'no timer left behind').to.equal(0);
      await clock.tickAsync(60 * DAY_MS);
      expect(sleep.settled()).to.equal('rejected');
    });

    it('an already aborted signal rejects at once without a timer', async () => {
      const sleep = track(systemClock.sleep(1000, AbortSignal.abort('early')));
      await clock.tickAsync(0);
      expect(sleep.settled()).to.equal('rejected');
      expect(sleep.reason()).to.equal('early');
      expect(clock.countTimers()).to.equal(0);
    });

    it('NaN and negative sleeps end at once (0 ms); ordinary ones on time', async () => {
      const nan = track(systemClock.sleep(Number.NaN));
      const negative = track(systemClock.sleep(-5));
      const short = track(systemClock.sleep(250));
      await clock.tickAsync(0);
      expect([nan.settled(), negative.settled(), short.settled()]).to.deep.equal(['resolved', 'resolved', 'pending']);
      await clock.tickAsync(249);
      expect(short.settled()).to.equal('pending');
      await clock.tickAsync(1);
      expect(short.settled()).to.equal('resolved');
    });
  });

  describe('startTimer', () => {
    it('unrefs every timer of the chain when asked, and cancel() clears the armed one', async () => {
      const fired = sinon.spy();
      const timers: Array<{ hasRef(): boolean }> = [];
      const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
      const cancel = startTimer(fired, 2 * MAX_TIMER_DELAY_MS + 5, { unref: true });
      await clock.tickAsync(MAX_TIMER_DELAY_MS);
      timers.push(...setTimeoutSpy.returnValues as unknown as Array<{ hasRef(): boolean }>);
      setTimeoutSpy.restore();
      expect(timers).to.have.length(2);
      expect(timers.map((timer) => timer.hasRef())).to.deep.equal([false, false]);
      cancel();
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(3 * MAX_TIMER_DELAY_MS);
      expect(fired.called).to.equal(false);
    });

    it('fires once, after the whole delay', async () => {
      const fired = sinon.spy();
      startTimer(fired, 3 * MAX_TIMER_DELAY_MS);
      await clock.tickAsync(3 * MAX_TIMER_DELAY_MS - 1);
      expect(fired.called).to.equal(false);
      await clock.tickAsync(1);
      expect(fired.callCount).to.equal(1);
      await clock.tickAsync(10 * MAX_TIMER_DELAY_MS);
      expect(fired.callCount).to.equal(1);
    });
  });
});
