/**
 * The progress of an operation, read from its unpacked metadata: by the user's
 * `polling.progress` function, or from the numeric fields APIs commonly use.
 *
 * @internal
 * @module
 */

/** Fields holding a percentage (0-100). @internal */
export const PERCENT_FIELDS: readonly string[] = Object.freeze([
  'progressPercent', 'progress_percent', 'progressPercentage', 'progress_percentage',
  'percentComplete', 'percent_complete', 'percentDone', 'percent_done',
  'completionPercent', 'completion_percent', 'percentage', 'percent',
]);

/** Fields holding a fraction (0-1). @internal */
export const FRACTION_FIELDS: readonly string[] = Object.freeze([
  'progressFraction', 'progress_fraction', 'fractionComplete', 'fraction_complete', 'fractionDone', 'fraction_done',
]);

/**
 * Pairs of fields holding work done and work expected (Firestore's `completedWork` /
 * `estimatedWork`, often as int64 decimal strings). @internal
 */
export const WORK_PAIRS: ReadonlyArray<readonly [done: string, total: string]> = Object.freeze([
  ['completedWork', 'estimatedWork'], ['completed_work', 'estimated_work'],
]);

/** A number, or an int64/double as its decimal string; anything else is not one. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A fraction in [0, 1], or undefined for a value that is not a number. */
export function clampFraction(value: unknown): number | undefined {
  return typeof value === 'number' && !Number.isNaN(value) ? Math.min(1, Math.max(0, value)) : undefined;
}

/** The progress fields of one object (not nested). */
function fromFields(record: Record<string, unknown>): number | undefined {
  for (const key of PERCENT_FIELDS) {
    const value = numeric(record[key]);
    if (value !== undefined) return clampFraction(value / 100);
  }
  for (const key of FRACTION_FIELDS) {
    const value = numeric(record[key]);
    if (value !== undefined) return clampFraction(value);
  }
  // `progress` alone: a fraction up to 1, a percentage above (so 1 means done, not 1%).
  const progress = numeric(record.progress);
  if (progress !== undefined) return clampFraction(progress <= 1 ? progress : progress / 100);
  for (const [doneKey, totalKey] of WORK_PAIRS) {
    const done = numeric(record[doneKey]);
    const total = numeric(record[totalKey]);
    if (done !== undefined && total !== undefined && total > 0) return clampFraction(done / total);
  }
  return undefined;
}

/**
 * The progress fraction found in unpacked metadata: the fields above at the top level,
 * else in a message one level down (e.g. Bigtable's and Spanner's
 * `progress: { progressPercent }`, Firestore's `progressDocuments: { completedWork,
 * estimatedWork }`), the first in field order; undefined when there is none.
 *
 * @internal
 */
export function detectProgress(metadata: unknown): number | undefined {
  if (!isRecord(metadata)) return undefined;
  const top = fromFields(metadata);
  if (top !== undefined) return top;
  for (const value of Object.values(metadata)) {
    if (isRecord(value)) {
      const nested = fromFields(value);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}
