/**
 * The comparison behind `npm run bench:compare`: two runs' key ratios, and which got
 * worse by more than the noise measured between two runs of the same commit.
 * Pure functions; bench/compare.ts reads the files and prints.
 */
import type { KeyRatio, KeyRatios } from './key-ratios.js';

/**
 * How much worse (a fraction: 0.1 = 10% worse) a key ratio may get before it is
 * flagged, by name prefix; the longest matching prefix wins.
 *
 * From two `npm run bench -- --quick` runs of the same commit (2 CPUs, load average
 * about 3 from other work; docs/performance.md, "Regression guard"), the largest
 * change seen in each group, then about twice that, rounded up:
 * - simulated: fake clock and seeded workloads; medians of 100 operations barely move
 *   (largest change seen: 0%), so 2% is a real change in the schedule;
 * - measured in real time (list, call, http): provisional until measured.
 */
export const THRESHOLDS: Readonly<Record<string, number>> = {
  'simulated.': 0.02,
  'list.': 0.25,
  'call.': 0.25,
  'http.list.': 0.25,
  'http.call.': 0.25,
};

/** For a name that matches no prefix above. */
export const DEFAULT_THRESHOLD = 0.25;

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
