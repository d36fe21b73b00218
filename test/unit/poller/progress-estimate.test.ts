/**
 * The progress estimate, fed by hand with (time, fraction) samples: the estimated
 * finish and the delays it picks are asserted exactly.
 */
import { expect } from 'chai';
import {
  CHECKPOINT_BELOW, FINISH_SLACK, MIN_PROGRESS_SPAN, PROGRESS_DROP, ProgressEstimate,
} from '../../../src/poller/progress-estimate.js';

const MIN = 220;
const MAX = 60_000;

describe('ProgressEstimate', () => {
  it(`has no estimate until progress moved by ${MIN_PROGRESS_SPAN}: the plain delay stands`, () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(1_000, MIN_PROGRESS_SPAN / 2);
    expect(estimate.finishAt()).to.equal(undefined);
    expect(estimate.delay(1_000, 374, MIN, MAX)).to.equal(374);
  });

  it('estimates a linear finish from the first sample of the phase to the latest', () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(6_000, 0.1);
    expect(estimate.finishAt()).to.equal(60_000);
    estimate.add(30_000, 0.6); // faster than it looked: the estimate follows
    expect(estimate.finishAt()).to.equal(50_000);
  });

  it(`below ${CHECKPOINT_BELOW * 100}% progress, checks in halfway to the finish (never sooner than the plain poll)`, () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(6_000, 0.1);
    const target = 60_000 * (1 + FINISH_SLACK);
    expect(estimate.delay(6_000, 1_000, MIN, MAX)).to.equal(Math.round((target - 6_000) / 2));
    expect(estimate.delay(6_000, 40_000, MIN, MAX), 'the plain poll is later').to.equal(40_000);
  });

  it('from halfway on, polls just after the estimated finish, skipping the plain polls in between', () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(30_000, 0.5);
    const target = 60_000 * (1 + FINISH_SLACK);
    expect(estimate.delay(30_000, 5_000, MIN, MAX)).to.equal(target - 30_000);
  });

  it('polls at the finish when it comes before the plain poll; never sooner than the minimum, never later than the maximum', () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(1_000, 0.5);
    const target = 2_000 * (1 + FINISH_SLACK);
    expect(estimate.delay(1_000, 5_000, MIN, MAX)).to.equal(target - 1_000);
    expect(estimate.delay(3_000, 5_000, MIN, MAX), 'past the estimate').to.equal(MIN);
    const slow = new ProgressEstimate();
    slow.add(0, 0);
    slow.add(60_000, 0.5);
    expect(slow.delay(60_000, 1_000, MIN, MAX)).to.equal(MAX);
  });

  it(`a drop by more than ${PROGRESS_DROP} starts a new phase; a smaller one is noise`, () => {
    const estimate = new ProgressEstimate();
    estimate.add(0, 0);
    estimate.add(10_000, 0.5);
    estimate.add(11_000, 0.48); // noise
    expect(estimate.finishAt()).to.be.closeTo(11_000 + (0.52 * 11_000) / 0.48, 1e-6);
    estimate.add(12_000, 0.1); // a reset: the estimate waits for the new phase to move
    expect(estimate.finishAt()).to.equal(undefined);
    estimate.add(14_000, 0.2);
    expect(estimate.finishAt()).to.equal(14_000 + (0.8 * 2_000) / 0.1);
  });
});
