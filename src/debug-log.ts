/**
 * The debug log: one line per RPC attempt, retry decision, poll decision and state
 * change, switched on without code changes (docs/observability.md, "Debug log").
 *
 * Where the switch is read, in order: `LONGRUNNING_DEBUG` in the environment
 * (`process.env`, where there is one), `globalThis.LONGRUNNING_DEBUG`, then
 * `localStorage.LONGRUNNING_DEBUG`; any value but empty, `0`, `false`, `off` or `no`
 * switches it on, and `0` (or the others) switches it off. When none is set, the
 * `debug` package's convention applies: `DEBUG=longrunning` (or `longrunning*`, `*`).
 * It is read once, on first use, so a log that is off costs one branch per attempt.
 *
 * Lines go to stderr in Node, to `console.debug` elsewhere. They never carry header
 * values, credentials or server messages: method, operation name, attempt, duration,
 * status code names, delays and progress.
 *
 * A browser-safe leaf: no `node:` import and no Node global (reached through
 * `globalThis`, guarded).
 *
 * @internal
 * @module
 */

/** Where debug lines go. @internal */
export type DebugSink = (line: string) => void;

/** The setting's name, in the environment, on `globalThis` and in `localStorage`. @internal */
export const DEBUG_SETTING = 'LONGRUNNING_DEBUG';

/** What every line starts with, so the lines can be found among an application's. @internal */
export const DEBUG_PREFIX = '[longrunning]';

/** The values of {@link DEBUG_SETTING} that mean off. */
const OFF_VALUES: ReadonlySet<string> = new Set(['', '0', 'false', 'off', 'no']);

/** Undefined until first read; then the sink, or null when the log is off. */
let current: DebugSink | null | undefined;

/** What this module reads from the global object, none of which may exist. */
interface GlobalLike {
  process?: { env?: Record<string, string | undefined>; stderr?: { write(text: string): unknown } };
  localStorage?: { getItem(key: string): string | null };
  console?: { debug?(text: string): void };
  [key: string]: unknown;
}

/** A setting by name: the environment, then a global, then `localStorage`; each read may throw (sandboxes). */
function readSetting(name: string, global: GlobalLike): string | undefined {
  try {
    const fromEnv = global.process?.env?.[name];
    if (typeof fromEnv === 'string') return fromEnv;
  } catch { /* no environment access (Deno without --allow-env) */ }
  const own = global[name];
  if (typeof own === 'string') return own;
  if (typeof own === 'boolean' || typeof own === 'number') return String(own);
  try {
    const stored = global.localStorage?.getItem(name);
    if (typeof stored === 'string') return stored;
  } catch { /* storage blocked (privacy settings, opaque origins) */ }
  return undefined;
}

/**
 * Whether a `DEBUG` value of the `debug` package's form (names or globs separated by
 * commas or spaces, `-name` to exclude) selects `longrunning`.
 */
function debugSelects(value: string): boolean {
  let selected = false;
  for (const entry of value.split(/[\s,]+/)) {
    if (entry === '') continue;
    const exclude = entry.startsWith('-');
    const pattern = exclude ? entry.slice(1) : entry;
    const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (!regex.test('longrunning')) continue;
    if (exclude) return false;
    selected = true;
  }
  return selected;
}

/**
 * Whether the settings visible through `global` switch the debug log on. Pure but for
 * what it reads; exported for tests.
 *
 * @internal
 */
export function debugEnabledIn(global: object): boolean {
  const own = readSetting(DEBUG_SETTING, global as GlobalLike);
  if (own !== undefined) return !OFF_VALUES.has(own.trim().toLowerCase());
  const debug = readSetting('DEBUG', global as GlobalLike);
  return debug !== undefined && debugSelects(debug);
}

/** stderr where there is a `process.stderr`, `console.debug` otherwise. */
function defaultSink(global: GlobalLike): DebugSink {
  const stderr = global.process?.stderr;
  if (stderr !== undefined && typeof stderr.write === 'function') return (line) => void stderr.write(`${line}\n`);
  return (line) => global.console?.debug?.(line);
}

/**
 * The debug log's sink when it is on, else undefined. The settings are read on the
 * first call only.
 *
 * @internal
 */
export function debugLog(): DebugSink | undefined {
  if (current === undefined) {
    const global = globalThis as unknown as GlobalLike;
    current = debugEnabledIn(global) ? defaultSink(global) : null;
  }
  return current ?? undefined;
}

/**
 * Replaces the debug log's sink (tests): a function turns it on, `null` off, and
 * `undefined` goes back to reading the settings on the next use. Clients and poll
 * runs already made keep what they read.
 *
 * @internal
 */
export function setDebugLog(sink: DebugSink | null | undefined): void {
  current = sink;
}

/** Writes one line, `[longrunning] <kind> <text>`, when the sink is given. @internal */
export function debugLine(sink: DebugSink | undefined, kind: string, text: string): void {
  if (sink !== undefined) sink(`${DEBUG_PREFIX} ${kind} ${text}`);
}

/** A progress fraction as a percentage for a line, e.g. `42.5%`. @internal */
export function percentText(fraction: number | undefined): string {
  return fraction === undefined ? 'unknown' : `${Math.round(fraction * 1000) / 10}%`;
}
