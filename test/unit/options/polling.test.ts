import { expect } from 'chai';
import { createDefaultBackoffSettings } from 'google-gax';
import { InvalidArgumentError } from '../../../src/errors.js';
import { POLLING_DEFAULTS, resolvePolling, type ResolvedPolling } from '../../../src/options/polling.js';
import { backoffDelay } from '../../../src/time/backoff.js';
import { thrown } from '../../helpers/thrown.js';

describe('POLLING_DEFAULTS', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(POLLING_DEFAULTS)).to.equal(true);
  });

  it('is itself a valid resolved policy (resolving it over itself changes nothing)', () => {
    const { totalTimeoutMs, ...rest } = POLLING_DEFAULTS;
    expect(totalTimeoutMs).to.equal(undefined);
    expect(resolvePolling(rest, POLLING_DEFAULTS, 'options.polling')).to.deep.equal(POLLING_DEFAULTS);
  });
});

describe('resolvePolling', () => {
  const base: ResolvedPolling = {
    strategy: 'wait',
    initialDelayMs: 500,
    multiplier: 2,
    maxDelayMs: 8_000,
    jitter: 0.5,
    totalTimeoutMs: 90_000,
    waitSliceMs: 4_000,
    maxWaitSliceMs: 40_000,
    progressIntervalMs: 1_000,
    maxOutageMs: 30_000,
  };

  it('returns the base when no options are given', () => {
    expect(resolvePolling(undefined, base, 'options.polling')).to.equal(base);
    expect(resolvePolling({}, base, 'options.polling')).to.deep.equal(base);
  });

  it('merges field by field: given fields win, absent ones come from the base', () => {
    expect(resolvePolling({ multiplier: 3 }, base, 'options.polling')).to.deep.equal({ ...base, multiplier: 3 });
    expect(resolvePolling({ strategy: 'poll', maxDelayMs: 100, waitSliceMs: 7 }, base, 'options.polling'))
      .to.deep.equal({ ...base, strategy: 'poll', maxDelayMs: 100, waitSliceMs: 7, maxWaitSliceMs: 7 });
    const full = {
      strategy: 'auto', initialDelayMs: 1, multiplier: 1, maxDelayMs: 2, jitter: 0.1,
      totalTimeoutMs: 3, waitSliceMs: 4, maxWaitSliceMs: 8, progressIntervalMs: 5, maxOutageMs: 6,
    } as const satisfies ResolvedPolling;
    expect(resolvePolling(full, base, 'options.polling')).to.deep.equal(full);
  });

  it('explicit undefined fields inherit, as if absent', () => {
    expect(resolvePolling({ jitter: undefined, strategy: undefined } as never, base, 'options.polling')).to.deep.equal(base);
  });

  it('an explicit 0 stays 0 (?? , not truthiness)', () => {
    expect(resolvePolling({ initialDelayMs: 0, jitter: 0, maxDelayMs: 0, totalTimeoutMs: 0 }, base, 'options.polling'))
      .to.deep.equal({ ...base, initialDelayMs: 0, jitter: 0, maxDelayMs: 0, totalTimeoutMs: 0 });
  });

  it('layers: client options over the defaults, then per-operation options over the client', () => {
    const client = resolvePolling({ totalTimeoutMs: 60_000, maxDelayMs: 5_000 }, POLLING_DEFAULTS, 'options.polling');
    const handle = resolvePolling({ strategy: 'poll', jitter: 0 }, client, 'options.polling');
    expect(handle).to.deep.equal({ ...POLLING_DEFAULTS, totalTimeoutMs: 60_000, maxDelayMs: 5_000, strategy: 'poll', jitter: 0 });
  });

  it('accepts the bounds of each range', () => {
    const low = { initialDelayMs: 0, multiplier: 1, maxDelayMs: 0, jitter: 0, totalTimeoutMs: 0, waitSliceMs: 1, maxWaitSliceMs: 1, progressIntervalMs: 1 };
    expect(resolvePolling(low, base, 'p')).to.deep.equal({ ...base, ...low });
    expect(resolvePolling({ multiplier: 100, jitter: 1 }, base, 'p')).to.deep.equal({ ...base, multiplier: 100, jitter: 1 });
    for (const strategy of ['auto', 'wait', 'poll'] as const) {
      expect(resolvePolling({ strategy }, base, 'p').strategy).to.equal(strategy);
    }
  });

  it('accepts Infinity (no limit) for every duration that is a limit: maxDelayMs, totalTimeoutMs, waitSliceMs, maxWaitSliceMs, progressIntervalMs', () => {
    const unlimited = { maxDelayMs: Infinity, totalTimeoutMs: Infinity, waitSliceMs: Infinity, maxWaitSliceMs: Infinity, progressIntervalMs: Infinity };
    expect(resolvePolling(unlimited, base, 'p')).to.deep.equal({ ...base, ...unlimited });
    const huge = { maxDelayMs: Number.MAX_VALUE, totalTimeoutMs: Number.MAX_VALUE, waitSliceMs: Number.MAX_VALUE };
    expect(resolvePolling(huge, base, 'p')).to.deep.equal({ ...base, ...huge, maxWaitSliceMs: Number.MAX_VALUE });
  });

  it('progress: a function, inherited from the base like any field; anything else is an InvalidArgumentError naming it', () => {
    const progress = () => 0.5;
    expect(resolvePolling({ progress }, base, 'p').progress).to.equal(progress);
    expect(resolvePolling({ jitter: 0 }, resolvePolling({ progress }, base, 'p'), 'p').progress).to.equal(progress);
    expect(resolvePolling({}, base, 'p')).to.not.have.property('progress');
    for (const bad of [3, 'x', {}, null]) {
      const error = thrown(() => resolvePolling({ progress: bad } as never, base, 'options.polling'));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('options.polling.progress');
    }
  });

  it('maxWaitSliceMs: 290 s by default (under undici\'s 300 s wait for headers); an explicit waitSliceMs alone keeps slices at it; never below waitSliceMs', () => {
    expect(POLLING_DEFAULTS.maxWaitSliceMs).to.equal(290_000);
    expect(resolvePolling({}, POLLING_DEFAULTS, 'p').maxWaitSliceMs).to.equal(290_000);
    expect(resolvePolling({ waitSliceMs: 2_000 }, POLLING_DEFAULTS, 'p').maxWaitSliceMs).to.equal(2_000);
    expect(resolvePolling({ waitSliceMs: 2_000, maxWaitSliceMs: 60_000 }, POLLING_DEFAULTS, 'p').maxWaitSliceMs).to.equal(60_000);
    expect(resolvePolling({ maxWaitSliceMs: 60_000 }, POLLING_DEFAULTS, 'p')).to.include({ waitSliceMs: 10_000, maxWaitSliceMs: 60_000 });
    expect(resolvePolling({ maxWaitSliceMs: 1_000 }, POLLING_DEFAULTS, 'p').maxWaitSliceMs, 'raised to waitSliceMs').to.equal(10_000);
    // A handle inherits the client's resolved pair.
    const client = resolvePolling({ waitSliceMs: 3_000 }, POLLING_DEFAULTS, 'p');
    expect(resolvePolling({ jitter: 0 }, client, 'p')).to.include({ waitSliceMs: 3_000, maxWaitSliceMs: 3_000 });
  });

  const bad: [label: string, options: unknown, argument: string][] = [
    ["strategy 'fast'", { strategy: 'fast' }, 'options.polling.strategy'],
    ["strategy 'AUTO' (case matters)", { strategy: 'AUTO' }, 'options.polling.strategy'],
    ['strategy 1', { strategy: 1 }, 'options.polling.strategy'],
    ['negative initialDelayMs', { initialDelayMs: -1 }, 'options.polling.initialDelayMs'],
    ["initialDelayMs '250' (a string)", { initialDelayMs: '250' }, 'options.polling.initialDelayMs'],
    ['multiplier 0.5 (would shrink)', { multiplier: 0.5 }, 'options.polling.multiplier'],
    ['multiplier 101', { multiplier: 101 }, 'options.polling.multiplier'],
    ['negative maxDelayMs', { maxDelayMs: -10 }, 'options.polling.maxDelayMs'],
    ['-Infinity maxDelayMs', { maxDelayMs: -Infinity }, 'options.polling.maxDelayMs'],
    ['Infinity initialDelayMs (a delay, not a limit)', { initialDelayMs: Infinity }, 'options.polling.initialDelayMs'],
    ['NaN waitSliceMs', { waitSliceMs: Number.NaN }, 'options.polling.waitSliceMs'],
    ['jitter 1.5', { jitter: 1.5 }, 'options.polling.jitter'],
    ['jitter -0.1', { jitter: -0.1 }, 'options.polling.jitter'],
    ['NaN totalTimeoutMs', { totalTimeoutMs: Number.NaN }, 'options.polling.totalTimeoutMs'],
    ['null totalTimeoutMs', { totalTimeoutMs: null }, 'options.polling.totalTimeoutMs'],
    ['waitSliceMs 0', { waitSliceMs: 0 }, 'options.polling.waitSliceMs'],
    ['maxWaitSliceMs 0', { maxWaitSliceMs: 0 }, 'options.polling.maxWaitSliceMs'],
    ['NaN maxWaitSliceMs', { maxWaitSliceMs: Number.NaN }, 'options.polling.maxWaitSliceMs'],
    ['progressIntervalMs -1', { progressIntervalMs: -1 }, 'options.polling.progressIntervalMs'],
    ['a string', 'fast', 'options.polling'],
    ['a number', 250, 'options.polling'],
    ['null', null, 'options.polling'],
    ['an array', [{ strategy: 'poll' }], 'options.polling'],
    ['a boolean', true, 'options.polling'],
  ];
  for (const [label, options, argument] of bad) {
    it(`rejects ${label}, naming \`${argument}\``, () => {
      const error = thrown(() => resolvePolling(options as never, base, 'options.polling'));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      const invalid = error as InvalidArgumentError;
      expect(invalid.argument).to.equal(argument);
      expect(invalid.message).to.include(`\`${argument}\``);
      const field = argument.split('.').slice(2)[0];
      const given = field === undefined ? options : (options as Record<string, unknown>)[field];
      expect(Object.is(invalid.value, given), 'the rejected value is kept').to.equal(true);
    });
  }

  it('names the argument it is given (client vs handle options)', () => {
    const error = thrown(() => resolvePolling({ jitter: 2 }, base, 'token.polling'));
    expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'token.polling.jitter');
  });
});

describe('the default schedule against google-gax', () => {
  // google-gax's LRO poller (longrunning.js startPolling_): a GetOperation at once, then
  // sleep `delay` and poll, with delay = min(delay * multiplier, max) after each sleep.
  const gax = createDefaultBackoffSettings();
  const gaxInitial = gax.initialRetryDelayMillis;
  const gaxMultiplier = gax.retryDelayMultiplier;
  const gaxMax = gax.maxRetryDelayMillis;

  it("reads gax's documented defaults: 100 ms, x1.3, 60 s cap", () => {
    expect([gaxInitial, gaxMultiplier, gaxMax]).to.deep.equal([100, 1.3, 60_000]);
  });

  /** Poll times (ms from start) until one is at or after `until`. */
  function gaxPollTimes(until: number): number[] {
    const times = [0];
    let delay = gaxInitial;
    while (times[times.length - 1] < until) {
      times.push(times[times.length - 1] + delay);
      delay = Math.min(delay * gaxMultiplier, gaxMax);
    }
    return times;
  }

  /** Our poll times: a GetOperation at once (no initial state), then backoffDelay(n) with the given draw. */
  function ourPollTimes(until: number, random: () => number): number[] {
    const times = [0];
    for (let n = 1; times[times.length - 1] < until; n++) {
      times.push(times[times.length - 1] + backoffDelay(n, POLLING_DEFAULTS, random()));
    }
    return times;
  }

  /** When a poll first sees an operation that finished at `finishMs`, and how many RPCs that took. */
  function detection(times: number[], finishMs: number): { at: number; rpcs: number } {
    const index = times.findIndex((time) => time >= finishMs);
    return { at: times[index], rpcs: index + 1 };
  }

  for (const finishMs of [1_000, 10_000]) {
    it(`an operation finishing at ${finishMs / 1000} s: ours (without jitter) detects it no later and with fewer RPCs`, () => {
      const ours = detection(ourPollTimes(finishMs, () => 0), finishMs);
      const theirs = detection(gaxPollTimes(finishMs), finishMs);
      expect(ours.at).to.be.at.most(theirs.at);
      expect(ours.rpcs).to.be.below(theirs.rpcs);
    });

    it(`an operation finishing at ${finishMs / 1000} s: still no later and with fewer RPCs for any jitter draw`, () => {
      // Jitter only shortens delays: poll k lies between the schedule drawn with
      // random = 1 (every delay at its shortest) and with random = 0 (its longest). The
      // first poll certain to be past the finish is the first whose earliest time is.
      const earliest = ourPollTimes(finishMs * 3, () => 1);
      const latest = ourPollTimes(finishMs * 3, () => 0);
      const k = earliest.findIndex((time) => time >= finishMs);
      const theirs = detection(gaxPollTimes(finishMs), finishMs);
      expect(latest[k], 'worst-case detection').to.be.at.most(theirs.at);
      expect(k + 1, 'worst-case RPCs').to.be.below(theirs.rpcs);
    });
  }

  it('at 60 s: the median and p95 detection over seeded jitter draws are no later than gax, with fewer RPCs', () => {
    const finishMs = 60_000;
    let state = 7;
    const random = () => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state / 2 ** 32;
    };
    const draws = Array.from({ length: 2_001 }, () => detection(ourPollTimes(finishMs, random), finishMs));
    const at = draws.map((draw) => draw.at).sort((a, b) => a - b);
    const theirs = detection(gaxPollTimes(finishMs), finishMs);
    expect(at[Math.floor(at.length / 2)], 'median').to.be.at.most(theirs.at);
    expect(at[Math.floor(at.length * 0.95)], 'p95').to.be.at.most(theirs.at);
    expect(Math.max(...draws.map((draw) => draw.rpcs))).to.be.below(theirs.rpcs);
  });

  for (const finishMs of [10 * 60_000, 60 * 60_000]) {
    it(`an operation finishing after ${finishMs / 60_000} min costs fewer RPCs than with gax`, () => {
      const ours = detection(ourPollTimes(finishMs, () => 0), finishMs);
      const theirs = detection(gaxPollTimes(finishMs), finishMs);
      expect(ours.rpcs).to.be.below(theirs.rpcs);
      expect(ours.at).to.be.at.most(theirs.at);
    });
  }

  it('the documented counts match the simulation (4 vs 7 RPCs at 1 s, 8 vs 15 at 10 s, 11 vs 21 at 60 s)', () => {
    // These are the numbers written in POLLING_DEFAULTS' comment and docs/polling.md.
    const rows = [1_000, 10_000, 60_000].map((finishMs) => [
      detection(ourPollTimes(finishMs, () => 0), finishMs).rpcs,
      detection(gaxPollTimes(finishMs), finishMs).rpcs,
    ]);
    expect(rows).to.deep.equal([[4, 7], [8, 15], [11, 21]]);
  });
});
