/**
 * The regression guard's logic (bench/lib/compare.ts, bench/lib/key-ratios.ts) on
 * hand-made numbers: no benchmark runs here.
 */
import { expect } from 'chai';
import { compareKeyRatios, DEFAULT_THRESHOLD, thresholdFor, THRESHOLDS } from '../../bench/lib/compare.js';
import { keyRatiosOf, type KeyRatio, type KeyRatios } from '../../bench/lib/key-ratios.js';

const lower = (value: number): KeyRatio => ({ value, better: 'lower', what: 'a lower-is-better ratio' });
const higher = (value: number): KeyRatio => ({ value, better: 'higher', what: 'a higher-is-better ratio' });
const flaggedNames = (oldRatios: KeyRatios, newRatios: KeyRatios, thresholds?: Record<string, number>) =>
  compareKeyRatios(oldRatios, newRatios, thresholds).filter((row) => row.flagged).map((row) => row.name);

describe('bench regression guard', () => {
  describe('compareKeyRatios', () => {
    const thresholds = { 'a.': 0.1, 'a.b.': 0.02 };

    it('flags a lower-is-better ratio that rose by more than its threshold, not one within it', () => {
      const rows = compareKeyRatios({ 'a.x': lower(1), 'a.y': lower(1) }, { 'a.x': lower(1.12), 'a.y': lower(1.08) }, thresholds);
      expect(rows.map((row) => [row.name, row.flagged])).to.deep.equal([['a.x', true], ['a.y', false]]);
      expect(rows[0].worse).to.be.closeTo(0.12, 1e-9);
      expect(rows[0].threshold).to.equal(0.1);
    });

    it('flags a higher-is-better ratio that fell, measuring the change in the worse direction', () => {
      const rows = compareKeyRatios({ 'a.x': higher(1.2) }, { 'a.x': higher(1) }, thresholds);
      // 1.2 -> 1.0 is the inverse ratio 0.833 -> 1.0: 20% worse.
      expect(rows[0].worse).to.be.closeTo(0.2, 1e-9);
      expect(rows[0].flagged).to.equal(true);
    });

    it('never flags an improvement, however large', () => {
      expect(flaggedNames({ 'a.x': lower(2), 'a.y': higher(1) }, { 'a.x': lower(1), 'a.y': higher(3) }, thresholds)).to.deep.equal([]);
      const [row] = compareKeyRatios({ 'a.x': lower(2) }, { 'a.x': lower(1) }, thresholds);
      expect(row.worse).to.be.closeTo(-0.5, 1e-9);
    });

    it('uses the longest matching prefix, then the default', () => {
      expect(flaggedNames({ 'a.b.x': lower(1), 'a.x': lower(1) }, { 'a.b.x': lower(1.05), 'a.x': lower(1.05) }, thresholds))
        .to.deep.equal(['a.b.x']);
      expect(thresholdFor('a.b.x', thresholds)).to.equal(0.02);
      expect(thresholdFor('zzz', thresholds)).to.equal(DEFAULT_THRESHOLD);
    });

    it('lists a ratio present in one run only, unflagged, and sorts by name', () => {
      const rows = compareKeyRatios({ 'a.z': lower(1), 'a.x': lower(1) }, { 'a.y': lower(9), 'a.x': lower(1) }, thresholds);
      expect(rows.map((row) => [row.name, row.old, row.new, row.worse, row.flagged])).to.deep.equal([
        ['a.x', 1, 1, 0, false],
        ['a.y', undefined, 9, undefined, false],
        ['a.z', 1, undefined, undefined, false],
      ]);
    });

    it('has a threshold for every key ratio the benchmarks produce', () => {
      const ratios = keyRatiosOf(SECTIONS);
      for (const name of Object.keys(ratios)) {
        expect(Object.keys(THRESHOLDS).some((prefix) => name.startsWith(prefix)), name).to.equal(true);
      }
    });
  });

  describe('keyRatiosOf', () => {
    it('derives the named ratios from the sections\' data, each with its direction', () => {
      const ratios = keyRatiosOf(SECTIONS);
      expect(ratios['simulated.auto.rpcsVsGax.1s']).to.include({ value: 0.5, better: 'lower' });
      expect(ratios['simulated.auto.rpcsVsGax.1h']).to.include({ value: 0.1, better: 'lower' });
      expect(ratios['simulated.progress.linear.rpcsVsGax']).to.include({ value: 0.25, better: 'lower' });
      expect(ratios['list.oursVsRaw']).to.include({ value: 0.9, better: 'higher' });
      expect(ratios['list.oursVsGax']).to.include({ value: 1.5, better: 'higher' });
      expect(ratios['call.oursVsRaw']).to.include({ value: 1.1, better: 'lower' });
      expect(ratios['http.call.oursVsRawFetch']).to.include({ value: 1.2, better: 'lower' });
      expect(ratios['http.call.cpuVsRawFetch']).to.include({ value: 2, better: 'lower' });
      expect(ratios['http.list.oursVsGax']).to.include({ value: 3, better: 'higher' });
    });

    it('skips what a run lacks: sections not run, missing numbers, a zero denominator', () => {
      expect(keyRatiosOf([])).to.deep.equal({});
      expect(keyRatiosOf([{ name: 'list', data: { itemsPerSecond: { ours: 5 } } }])).to.deep.equal({});
      expect(keyRatiosOf([{ name: 'overhead', data: { stats: { ours: { median: 1 }, 'raw-codec': { median: 0 } } } }])).to.deep.equal({});
      expect(keyRatiosOf([{ name: 'simulated', data: null }])).to.deep.equal({});
    });
  });
});

const sim = (who: string, finishAfterMs: number, median: number, workload?: string, mean = median) =>
  ({ who, workload, finishAfterMs, spread: workload !== undefined, rpcs: { median, mean } });

/** Hand-made section data in the shapes the sections write. */
const SECTIONS = [
  {
    name: 'simulated' as const,
    data: {
      rows: [
        sim('ours-auto', 1_000, 1), sim('ours-poll', 1_000, 2), sim('gax', 1_000, 2),
        sim('ours-auto', 3_600_000, 7), sim('ours-poll', 3_600_000, 60), sim('gax', 3_600_000, 70),
        sim('ours-poll', 120_000, 0, 'linear', 2), sim('gax', 120_000, 0, 'linear', 8),
      ],
    },
  },
  { name: 'list' as const, data: { itemsPerSecond: { ours: 90, 'raw-codec': 100, gax: 60 } } },
  { name: 'overhead' as const, data: { stats: { ours: { median: 110 }, 'raw-codec': { median: 100 }, gax: { median: 200 } } } },
  { name: 'http-list' as const, data: { itemsPerSecond: { ours: 90, 'raw-codec': 100, gax: 30 } } },
  {
    name: 'http-overhead' as const,
    data: { stats: { ours: { median: 120 }, 'raw-codec': { median: 100 }, gax: { median: 240 } }, cpuUsPerCall: { ours: 40, 'raw-codec': 20 } },
  },
];
