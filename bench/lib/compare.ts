/**
 * The comparison behind `npm run bench:compare`: two runs' key ratios, and which got
 * worse by more than the noise measured between two runs of the same commit.
 * Pure functions; bench/compare.ts reads the files and prints.
 */
import type { KeyRatio, KeyRatios } from './key-ratios.js';

/**
 * How much worse (a fraction: 0.1 = 10% worse) a key ratio may get before it is
 * flagged, by name or name prefix; the longest match wins.
 *
 * Measured noise: four `npm run bench -- --quick --only simulated,list,overhead,http-list,http-overhead`
 * runs of the same commit (35d1e41; 2 vCPUs, load average 2.6-4.7 from other work, one
 * run beside a typecheck), largest change between any two runs in the comment of each
 * line; the threshold is about 1.5x that, rounded up to 5 points. These are for
 * `--quick` on a busy small machine: a full run (more rounds) moves less, and on a quiet
 * machine they could be tighter (docs/performance.md, "Regression guard").
 */
export const THRESHOLDS: Readonly<Record<string, number>> = {
  // Fake clock: RPC medians did not move at all (0.0%), so any change is the schedule's.
  'simulated.auto.': 0.01,
  'simulated.poll.': 0.01,
  // A mean over jittered (Math.random) schedules: 1.7%.
  'simulated.progress.': 0.04,
  'list.oursVsRaw': 0.6, // 37.9% (3 rounds of 20,000 items; the raw loop's median moves most)
  'list.oursVsGax': 0.3, // 18.8%
  'call.oursVsRaw': 0.35, // 21.9%
  'call.oursVsGax': 0.2, // 13.1%
  'call.concurrent.cpuVsRaw': 0.35, // 21.4%
  'http.list.oursVsRawFetch': 0.2, // 12.1%
  'http.list.oursVsGax': 0.9, // 58.1% (gax's REST listing varies most)
  'http.call.oursVsRawFetch': 0.3, // 17.8%
  'http.call.cpuVsRawFetch': 0.35, // 22.8%
  'http.call.oursVsGax': 0.1, // 3.8%
};

/** For a name that matches nothing above (a ratio not measured yet): the usual real-time bound. */
export const DEFAULT_THRESHOLD = 0.35;

/** The threshold of one key ratio: its longest matching entry in `thresholds`, else DEFAULT_THRESHOLD. */
export function thresholdFor(name: string, thresholds: Readonly<Record<string, number>> = THRESHOLDS): number {
  let best: string | undefined;
  for (const prefix of Object.keys(thresholds)) {
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? DEFAULT_THRESHOLD : thresholds[best];
}

/** One key ratio in both runs (or in one only). */
export interface ComparedRatio {
  name: string;
  what: string;
  better: KeyRatio['better'];
  old: number | undefined;
  new: number | undefined;
  /**
   * How much worse the new value is, as a fraction (0.1 = 10% worse, -0.1 = 10%
   * better), whichever way is better; undefined when a run lacks the ratio.
   */
  worse: number | undefined;
  threshold: number;
  /** Worse by more than the threshold. */
  flagged: boolean;
}

/**
 * Compares two runs' key ratios, by name, sorted by name. A ratio in only one run is
 * listed but never flagged (a section not run is not a regression).
 */
export function compareKeyRatios(
  oldRatios: KeyRatios,
  newRatios: KeyRatios,
  thresholds: Readonly<Record<string, number>> = THRESHOLDS,
): ComparedRatio[] {
  const names = [...new Set([...Object.keys(oldRatios), ...Object.keys(newRatios)])].sort();
  return names.map((name) => {
    const before = oldRatios[name];
    const after = newRatios[name];
    const better = (after ?? before).better;
    const threshold = thresholdFor(name, thresholds);
    let worse: number | undefined;
    if (before !== undefined && after !== undefined && before.value > 0 && after.value > 0) {
      // Relative, in the direction that is worse: 1.10x -> 1.21x lower-is-better is 10% worse.
      worse = better === 'lower' ? after.value / before.value - 1 : before.value / after.value - 1;
    }
    return {
      name,
      what: (after ?? before).what,
      better,
      old: before?.value,
      new: after?.value,
      worse,
      threshold,
      flagged: worse !== undefined && worse > threshold,
    };
  });
}
