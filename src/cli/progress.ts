/**
 * Progress rendering shared by `longrunning watch` and `longrunning demo`: reading a
 * percentage and a state out of an operation's metadata, and drawing one live bar per
 * operation (cli-progress) on a terminal, or plain lines when stdout is not a TTY.
 *
 * @internal
 * @module
 */
import cliProgress from 'cli-progress';

/**
 * Metadata fields read as a percentage from 0 to 100, in this order of preference.
 *
 * @internal
 */
export const PERCENT_FIELDS = Object.freeze(['progressPercent', 'progress_percent', 'percentComplete', 'percent_complete']);

/**
 * Metadata field read as progress: a fraction when from 0 to 1 (`0.42`, and `1` is
 * done), a percentage when above 1 and up to 100.
 *
 * @internal
 */
export const FRACTION_OR_PERCENT_FIELD = 'progress';

/**
 * Metadata fields read as the state text shown next to the bar or the spinner, in this
 * order of preference.
 *
 * @internal
 */
export const STATE_FIELDS = Object.freeze(['state', 'stage', 'status', 'phase']);

/** What the metadata says about progress; either part may be missing. @internal */
export interface Progress {
  /** From 0 to 100. */
  percent?: number;
  /** The state or stage text, e.g. `RUNNING`. */
  state?: string;
}

/** A number from a metadata field: a JSON number, or a decimal string (int64 fields). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Reads progress from unpacked metadata: the first of {@link PERCENT_FIELDS} that holds
 * a number (or a numeric string), else {@link FRACTION_OR_PERCENT_FIELD}; the state
 * from the first of {@link STATE_FIELDS} that holds a string (an enum's value name) or
 * a number. Percentages are clamped to [0, 100]; a value that is not a finite number is
 * ignored.
 *
 * @internal
 */
export function extractProgress(metadata: unknown): Progress {
  const progress: Progress = {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return progress;
  const fields = metadata as Record<string, unknown>;
  let percent: number | undefined;
  for (const key of PERCENT_FIELDS) {
    percent = numeric(fields[key]);
    if (percent !== undefined) break;
  }
  if (percent === undefined) {
    const value = numeric(fields[FRACTION_OR_PERCENT_FIELD]);
    if (value !== undefined) percent = value >= 0 && value <= 1 ? value * 100 : value;
  }
  if (percent !== undefined) progress.percent = Math.min(100, Math.max(0, percent));
  for (const key of STATE_FIELDS) {
    const value = fields[key];
    if ((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value))) {
      progress.state = String(value).trim();
      break;
    }
  }
  return progress;
}

/** One operation's line on a {@link ProgressBoard}. @internal */
export interface ProgressTask {
  /**
   * Shows new progress. `label` replaces the state text when the metadata has none
   * (e.g. the type name of metadata that could not be decoded).
   */
  update(progress: Progress, label?: string): void;
  /** Shows the outcome (`SUCCEEDED`, `FAILED: ...`); the task draws no more updates. */
  finish(outcome: string, succeeded: boolean): void;
}

/** Live progress of one or more operations. @internal */
export interface ProgressBoard {
  /** Adds a line for an operation. */
  task(name: string): ProgressTask;
  /** Writes a line of text without breaking the bars (above them on a terminal). */
  log(line: string): void;
  /** Stops drawing (restores the cursor on a terminal). Idempotent. */
  stop(): void;
}

/** Where a board writes: a stream with `write`; a terminal stream when `tty` is true. @internal */
export interface BoardOptions {
  readonly stream: NodeJS.WritableStream;
  /** Draw live bars (stdout is a terminal); otherwise plain lines. */
  readonly tty: boolean;
  /** Width of the name column; names are padded to it. */
  readonly nameWidth?: number;
}

/**
 * A progress board: live cli-progress bars on a terminal, plain lines otherwise.
 *
 * @internal
 */
export function createProgressBoard(options: BoardOptions): ProgressBoard {
  return options.tty ? new BarBoard(options) : new PlainBoard(options);
}

/**
 * The plain-line form: one line each time an operation's progress text changes,
 * `operations/x  42% RUNNING`, and one with the outcome, `operations/x  SUCCEEDED`.
 *
 * @internal
 */
export function progressLine(name: string, progress: Progress, label?: string): string {
  const parts: string[] = [];
  if (progress.percent !== undefined) parts.push(formatPercent(progress.percent));
  const state = progress.state ?? label;
  if (state !== undefined) parts.push(state);
  return `${name}  ${parts.length === 0 ? 'RUNNING' : parts.join(' ')}`;
}

/** A percentage for people: `42%`, `42.5%`. @internal */
export function formatPercent(percent: number): string {
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}

class PlainBoard implements ProgressBoard {
  readonly #options: BoardOptions;

  constructor(options: BoardOptions) {
    this.#options = options;
  }

  task(name: string): ProgressTask {
    const { stream, nameWidth = 0 } = this.#options;
    const shown = name.padEnd(nameWidth);
    let last: string | undefined;
    let finished = false;
    return {
      update: (progress, label) => {
        if (finished) return;
        const line = progressLine(shown, progress, label);
        // Unchanged text (e.g. metadata that differs only in fields not shown) is not repeated.
        if (line === last) return;
        last = line;
        stream.write(`${line}\n`);
      },
      finish: (outcome) => {
        if (finished) return;
        finished = true;
        stream.write(`${shown}  ${outcome}\n`);
      },
    };
  }

  log(line: string): void {
    this.#options.stream.write(`${line}\n`);
  }

  stop(): void {
    // Plain lines need no clean-up.
  }
}

/** The payload each bar renders. */
interface BarPayload {
  name: string;
  /** Whether the metadata gave a percentage: a bar; otherwise a spinner. */
  hasPercent: boolean;
  text: string;
  /** Set when done: the outcome text; the spinner stops. */
  outcome: string | undefined;
}

const SPINNER = ['|', '/', '-', '\\'];
const BAR_SIZE = 24;
const SPINNER_FRAME_MS = 120;

class BarBoard implements ProgressBoard {
  readonly #multi: cliProgress.MultiBar;
  readonly #nameWidth: number;
  readonly #stream: NodeJS.WritableStream;
  #stopped = false;

  constructor({ stream, nameWidth = 0 }: BoardOptions) {
    this.#nameWidth = nameWidth;
    this.#stream = stream;
    this.#multi = new cliProgress.MultiBar({
      stream,
      format: (options, params, payload: BarPayload) => formatBar(options, params, payload),
      barsize: BAR_SIZE,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      hideCursor: true,
      // Redraw every frame so spinners turn while the metadata does not change.
      forceRedraw: true,
      fps: 1000 / SPINNER_FRAME_MS,
      // The CLI handles SIGINT itself: it stops the board, then exits 130.
      gracefulExit: false,
      clearOnComplete: false,
      linewrap: false,
    });
  }

  task(name: string): ProgressTask {
    const payload: BarPayload = { name: name.padEnd(this.#nameWidth), hasPercent: false, text: 'waiting', outcome: undefined };
    const bar = this.#multi.create(100, 0, payload);
    let value = 0;
    return {
      update: (progress, label) => {
        if (payload.outcome !== undefined) return;
        payload.hasPercent = progress.percent !== undefined;
        value = progress.percent ?? value;
        payload.text = progress.state ?? label ?? 'RUNNING';
        bar.update(value, payload);
      },
      finish: (outcome, succeeded) => {
        if (payload.outcome !== undefined) return;
        payload.outcome = outcome;
        payload.text = outcome;
        if (succeeded && payload.hasPercent) value = 100;
        bar.update(value, payload);
      },
    };
  }

  log(line: string): void {
    if (this.#stopped) this.#stream.write(`${line}\n`);
    else this.#multi.log(`${line}\n`);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#multi.stop();
  }
}

/** One bar line: `name [#####.....]  42% RUNNING`, or `name  / RUNNING` as a spinner. */
function formatBar(options: cliProgress.Options, params: cliProgress.Params, payload: BarPayload): string {
  if (payload.hasPercent) {
    const size = options.barsize ?? BAR_SIZE;
    const filled = Math.round(Math.min(1, Math.max(0, params.progress)) * size);
    const bar = `${(options.barCompleteChar ?? '#').repeat(filled)}${(options.barIncompleteChar ?? '.').repeat(size - filled)}`;
    const percent = formatPercent(Math.round(params.progress * 1000) / 10).padStart(4);
    return `${payload.name}  [${bar}] ${percent} ${payload.text}`;
  }
  const frame = payload.outcome === undefined ? SPINNER[Math.floor(Date.now() / SPINNER_FRAME_MS) % SPINNER.length] : ' ';
  return `${payload.name}  ${frame} ${payload.text}`;
}
