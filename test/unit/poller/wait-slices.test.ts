/**
 * The slice schedule of one poll loop, driven by hand: answers and failures are fed in
 * with their hold times, and the slices asked for next are asserted exactly.
 */
import { expect } from 'chai';
import { FULL_HOLD_FRACTION, WAIT_SLICE_GROWTH, WaitSliceSchedule } from '../../../src/poller/wait-slices.js';

/** Feeds full holds of whatever is asked (no limit) and returns the slices asked, in order. */
function fullHolds(schedule: WaitSliceSchedule, count: number): number[] {
  const asked: number[] = [];
  for (let i = 0; i < count; i++) {
    const slice = schedule.next(Infinity);
    asked.push(slice);
    schedule.held(slice, slice, false);
  }
  return asked;
}

describe('WaitSliceSchedule', () => {
  it(`grows x${WAIT_SLICE_GROWTH} per slice held in full, up to the maximum`, () => {
    expect(fullHolds(new WaitSliceSchedule(10_000, 290_000), 6)).to.deep.equal([10_000, 50_000, 250_000, 290_000, 290_000, 290_000]);
    expect(fullHolds(new WaitSliceSchedule(1_000, 1_000), 3), 'max = first: constant').to.deep.equal([1_000, 1_000, 1_000]);
    expect(fullHolds(new WaitSliceSchedule(10_000, Infinity), 4)).to.deep.equal([10_000, 50_000, 250_000, 1_250_000]);
  });

  it(`a hold of at least ${FULL_HOLD_FRACTION * 100}% of the slice counts as full`, () => {
    const schedule = new WaitSliceSchedule(10_000, 300_000);
    schedule.held(10_000, 10_000 * FULL_HOLD_FRACTION, false);
    expect(schedule.next(Infinity)).to.equal(50_000);
  });

  it('a slice cut short by the limit (a progress watcher, the total timeout) does not grow the next one', () => {
    const schedule = new WaitSliceSchedule(10_000, 300_000);
    expect(schedule.next(2_000)).to.equal(2_000);
    schedule.held(2_000, 2_000, false);
    schedule.held(2_000, 2_000, false);
    expect(schedule.next(Infinity)).to.equal(10_000);
    expect(schedule.next(0), 'never below 1 ms').to.equal(1);
  });

  it("learns the server's cap from two unchanged answers at the same point, and asks for it from then on", () => {
    const schedule = new WaitSliceSchedule(10_000, 300_000);
    fullHolds(schedule, 2); // 10 s, 50 s held
    expect(schedule.next(Infinity)).to.equal(250_000);
    schedule.held(250_000, 60_000, false);
    expect(schedule.next(Infinity), 'one early answer changes nothing').to.equal(250_000);
    schedule.held(250_000, 60_050, false);
    expect(schedule.next(Infinity)).to.equal(60_050);
    // Held in full at the cap: it stays there, no growth past it.
    expect(fullHolds(schedule, 3)).to.deep.equal([60_050, 60_050, 60_050]);
  });

  it('early answers with a new state (progress), or at different points, teach nothing', () => {
    const schedule = new WaitSliceSchedule(10_000, 300_000);
    schedule.held(10_000, 3_000, true);
    schedule.held(10_000, 3_000, true);
    expect(schedule.next(Infinity)).to.equal(10_000);
    schedule.held(10_000, 3_000, false);
    schedule.held(10_000, 7_000, false); // 4 s apart: not the same point
    expect(schedule.next(Infinity)).to.equal(10_000);
    schedule.held(10_000, 3_000, true); // progress between two early answers at 7 s: no pair
    schedule.held(10_000, 7_000, false);
    expect(schedule.next(Infinity)).to.equal(10_000);
    schedule.held(10_000, 7_500, false); // within 1 s of 7 s: the cap
    expect(schedule.next(Infinity)).to.equal(7_500);
  });

  it('a transient failure after a longer hold than any full one is a cut: back to the longest slice held in full', () => {
    const schedule = new WaitSliceSchedule(10_000, 300_000);
    fullHolds(schedule, 2); // 10 s and 50 s held
    schedule.failed(60_000); // the 250 s slice cut at 60 s (a proxy's idle timeout)
    expect(fullHolds(schedule, 3)).to.deep.equal([50_000, 50_000, 50_000]);
    expect(schedule.state).to.deep.equal({ currentMs: 50_000, capMs: 50_000, provenMs: 50_000 });
  });

  it('a cut before any full hold falls back to the first slice; failures within what was held are blips', () => {
    const first = new WaitSliceSchedule(10_000, 300_000);
    first.failed(12_000);
    expect(fullHolds(first, 2)).to.deep.equal([10_000, 10_000]);
    const blips = new WaitSliceSchedule(10_000, 300_000);
    blips.failed(5); // an immediate failure
    fullHolds(blips, 2);
    blips.failed(30_000); // within the 50 s already held in full
    expect(blips.next(Infinity)).to.equal(250_000);
  });
});
