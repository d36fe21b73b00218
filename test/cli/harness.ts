/**
 * Runs the `longrunning` CLI for tests, two ways with one result shape:
 * - as a child process (`node --import tsx src/cli/main.ts ...`), exactly as a user runs
 *   it: real exit codes, real SIGINT, nothing shared with the test process;
 * - in process through `run(argv, io)`: fast, and it counts for coverage (children do
 *   not report coverage).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.js';
import type { InMemoryOperationsServer } from '../../src/testing.js';
import { CHILD_CONCURRENCY, CHILD_DEADLINE_MS, childrenTimeoutMs } from '../helpers/children.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What one CLI run produced. */
export interface CliResult {
  /** The exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  /** The signal that killed the child, if one did. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** How to run. */
export interface RunOptions {
  /** Extra environment; a value of undefined removes the variable. */
  readonly env?: Record<string, string | undefined>;
  /** Interrupt (SIGINT, or abort in process) once stdout so far satisfies this. */
  readonly interruptOn?: (stdout: string) => boolean;
  /** Interrupt once this settles. */
  readonly interruptAfter?: Promise<unknown>;
  /** Kill after this long: a hang is a failure, not a stuck test run. @defaultValue CHILD_DEADLINE_MS */
  readonly timeoutMs?: number;
}

export type Runner = (args: readonly string[], options?: RunOptions) => Promise<CliResult>;

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // Children do not report coverage (c8 would merge their partial runs into the
  // parent's); Node re-adds NODE_V8_COVERAGE unless the key is present, so it is ''.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' };
  delete env.LONGRUNNING_ADDRESS;
  delete env.LONGRUNNING_BASE_URL;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs the CLI as a child process; never rejects. */
export const runChild: Runner = (args, options = {}) => {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', path.join('src', 'cli', 'main.ts'), ...args], {
      cwd: REPO_ROOT,
      env: childEnv(options.env),
      timeout: options.timeoutMs ?? CHILD_DEADLINE_MS,
      killSignal: 'SIGKILL',
    }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
      resolve({
        code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
        signal: failure?.signal ?? null,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    });
    let interrupted = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      child.kill('SIGINT');
    };
    const { interruptOn, interruptAfter } = options;
    if (interruptOn !== undefined) {
      let seen = '';
      child.stdout!.on('data', (chunk: Buffer | string) => {
        seen += String(chunk);
        if (interruptOn(seen)) interrupt();
      });
    }
    void interruptAfter?.then(interrupt, interrupt);
  });
};

/** A writable that keeps what is written. */
export function collector(onChunk?: (chunk: string) => void): Writable & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = String(chunk);
      chunks.push(text);
      onChunk?.(text);
      callback();
    },
  }) as Writable & { text(): string };
  stream.text = () => chunks.join('');
  return stream;
}

/** Runs the CLI in this process through run(argv, io); never rejects. */
export const runInProcess: Runner = async (args, options = {}) => {
  const started = Date.now();
  const interrupt = new AbortController();
  const { interruptOn, interruptAfter } = options;
  let seen = '';
  const stdout = collector((chunk) => {
    seen += chunk;
    if (interruptOn?.(seen) === true) interrupt.abort();
  });
  const stderr = collector();
  void interruptAfter?.then(() => interrupt.abort(), () => interrupt.abort());
  const env: Record<string, string | undefined> = { ...options.env };
  const code = await run(args, { stdout, stderr, isTTY: false, env, signal: interrupt.signal });
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text(), ms: Date.now() - started };
};

/** Runs tasks with at most `limit` in flight. */
export function pool(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (active >= limit) return;
    const start = queue.shift();
    if (start === undefined) return;
    active++;
    start();
  };
  return <T>(task: () => Promise<T>) => new Promise<T>((resolve, reject) => {
    queue.push(() => {
      task().then(resolve, reject).finally(() => {
        active--;
        next();
      });
    });
    next();
  });
}

/** The watchers of {@link whenCalled} still waiting; {@link stopWatchers} ends them. */
const watchers = new Set<() => void>();

/**
 * Resolves once the server received an RPC for `name`. No time limit: a CLI run may
 * wait long for a free slot on a loaded machine, and a timeline started on a guess
 * would run before it. A suite's `after` calls {@link stopWatchers} (so none hangs).
 */
export function whenCalled(server: InMemoryOperationsServer, name: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      clearInterval(timer);
      watchers.delete(stop);
      resolve();
    };
    const timer = setInterval(() => {
      if (server.calls.some((call) => call.name === name)) stop();
    }, 10);
    watchers.add(stop);
  });
}

/** Ends the watchers of {@link whenCalled} still waiting (resolving them). */
export function stopWatchers(): void {
  for (const stop of [...watchers]) stop();
}

/** An error exit: exactly one `longrunning: ...` line on stderr, no stack trace. */
export function expectOneErrorLine(result: CliResult, pattern?: RegExp): void {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^longrunning: \S/);
  expect(result.stderr).not.to.match(/^\s+at /m);
  if (pattern) expect(lines[0]).to.match(pattern);
}

/** How a suite runs the CLI. */
export type CliMode = 'child process' | 'in process';

/**
 * One case of a CLI suite: `start` runs the CLI (and whatever the case needs around it)
 * and resolves with what `check` asserts on. `only` limits it to one mode.
 */
export interface CliCase<C, T> {
  readonly title: string;
  readonly only?: CliMode;
  readonly start: (ctx: C) => Promise<T>;
  readonly check: (value: T, ctx: C) => void;
}

/** What a suite provides around its cases. */
export interface CliSuite<C> {
  /**
   * Sets the suite's servers and files up, then returns the context of case number
   * `index`; `cli` runs the CLI in the suite's mode, through its pool.
   */
  setUp(cli: Runner): Promise<(index: number) => C>;
  tearDown(): Promise<void>;
  /** A last test, given every output of every run (stdout and stderr). */
  outputs: { title: string; check(everything: string): void };
}

/**
 * Registers a CLI suite: `before` starts every case at once (children through a pool of
 * one per CPU: each is CPU-bound at start-up, so more at once would make each slower
 * than any budget on a loaded machine), one test per case checks its outcome, and a
 * last test checks all the output together.
 */
export function describeCliCases<C>(title: string, mode: CliMode, cases: ReadonlyArray<CliCase<C, any>>, suite: CliSuite<C>): void {
  describe(title, function () {
    const selected = cases.filter((testCase) => testCase.only === undefined || testCase.only === mode);
    // A case's runs queue behind the other cases' (a case's second run behind every
    // first run), so a test may wait for most of the children of the suite. A hang is
    // still caught: a child is killed after CHILD_DEADLINE_MS.
    this.timeout(mode === 'child process' ? childrenTimeoutMs(2 * selected.length) : 60_000);
    const started: Array<Promise<{ value?: unknown; error?: unknown }>> = [];
    const outputs: string[] = [];
    const contexts: C[] = [];

    before(async () => {
      const runner = mode === 'child process' ? runChild : runInProcess;
      const limit = pool(mode === 'child process' ? CHILD_CONCURRENCY : 16);
      const cli: Runner = (args, options) => limit(() => runner(args, options)).then((result) => {
        outputs.push(result.stdout, result.stderr);
        return result;
      });
      const contextOf = await suite.setUp(cli);
      selected.forEach((testCase, index) => {
        const ctx = contextOf(index);
        contexts.push(ctx);
        started.push(testCase.start(ctx).then((value) => ({ value }), (error: unknown) => ({ error })));
      });
    });

    after(async () => {
      stopWatchers();
      await Promise.all(started);
      await suite.tearDown();
    });

    selected.forEach((testCase, index) => {
      it(testCase.title, async () => {
        const outcome = await started[index];
        if ('error' in outcome) throw outcome.error;
        testCase.check(outcome.value, contexts[index]);
      });
    });

    it(suite.outputs.title, async () => {
      await Promise.all(started);
      suite.outputs.check(outputs.join('\n'));
    });
  });
}

