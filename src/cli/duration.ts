/**
 * Durations on the command line (`--timeout 30s`) and other numeric flags, parsed and
 * validated in one place with messages that name the accepted forms.
 *
 * @internal
 * @module
 */

/**
 * The longest duration accepted, in milliseconds: the largest whole number a double
 * holds exactly (about 285,000 years). The SDK honours any timeout (its timers chain
 * past what one `setTimeout` accepts), so this only keeps the value exact; without
 * `--timeout`, `wait` and `watch` have no limit at all.
 *
 * @internal
 */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 });

const PLAIN_MS = /^\d+$/;
/** One or more `<number><unit>` parts, e.g. `1m30s`, `1.5s`, `500ms`. */
const WITH_UNITS = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** What the error messages say is accepted. */
const ACCEPTED = 'a duration such as 500ms, 30s, 5m, 1h, 1m30s or a number of milliseconds';

/**
 * A rejected duration or number; the message says what was expected.
 *
 * @internal
 */
export class FlagValueError extends Error {
  /** Always `'FlagValueError'`. */
  override name = 'FlagValueError';
}

/**
 * Parses a duration: a whole number of milliseconds (`1500`) or number-unit parts
 * with the units `ms`, `s`, `m`, `h` (`500ms`, `30s`, `1.5s`, `5m`, `1m30s`). Case and
 * surrounding spaces are ignored; the result is rounded to whole milliseconds.
 *
 * @returns The duration in milliseconds, from 1 to {@link MAX_DURATION_MS}.
 * @throws {@link FlagValueError} for anything else: empty, negative, zero, unknown
 *   units, garbage, or longer than {@link MAX_DURATION_MS}.
 *
 * @internal
 */
export function parseDuration(text: string): number {
  const input = text.trim().toLowerCase();
  let ms: number;
  if (PLAIN_MS.test(input)) {
    ms = Number(input);
  } else if (WITH_UNITS.test(input)) {
    ms = 0;
    for (const [, amount, unit] of input.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
    ms = Math.round(ms);
  } else {
    throw new FlagValueError(`Expected ${ACCEPTED}, got ${JSON.stringify(text)}.`);
  }
  if (!(ms >= 1)) throw new FlagValueError(`Expected a duration of at least 1ms, got ${JSON.stringify(text)}.`);
  if (ms > MAX_DURATION_MS) {
    throw new FlagValueError(`Expected a duration of at most ${MAX_DURATION_MS}ms (about 285,000 years), got ${JSON.stringify(text)}.`);
  }
  return ms;
}

/**
 * Formats milliseconds for people: `500ms`, `30s`, `1.5s`, `5m`, `1m30s`.
 *
 * @internal
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(3))}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m${formatDuration(rest)}`;
}

/**
 * Parses a positive whole number (a page size): digits only, from 1 to 2^31 - 1.
 *
 * @throws {@link FlagValueError} for anything else.
 * @internal
 */
export function parsePositiveInteger(text: string): number {
  const input = text.trim();
  const value = Number(input);
  if (!/^\d+$/.test(input) || !Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new FlagValueError(`Expected a whole number from 1 to 2147483647, got ${JSON.stringify(text)}.`);
  }
  return value;
}
