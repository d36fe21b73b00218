#!/usr/bin/env node
/**
 * `npm run test:pack`: checks the package as a user receives it, packed from a clean tree.
 *
 * 1. Exports the repository's tracked files into a temp dir, without `dist/` or anything
 *    ignored: `git archive HEAD` when the working tree is clean (what CI and a fresh
 *    clone pack), otherwise the working tree's tracked and untracked-but-not-ignored
 *    files (`git ls-files -co --exclude-standard`), so a developer mid-change tests their
 *    own code; the report says which. The export's `node_modules` is a symlink to the
 *    repository's. There, `npm pack` must build the package itself (the `prepare`
 *    script): nothing of the repository's own `dist/` can leak into the tarball.
 *    The tarball must hold the entry points, the CLI, the docs a user reads, and nothing
 *    of the repository's internals (tests, sources, maps).
 * 2. Installs it into a temp app WITHOUT the network: the tarball is unpacked into
 *    `app/node_modules/longrunning-client` and each of its runtime `dependencies` is a
 *    symlink to the repository's `node_modules/<dep>` (exactly what `npm ci` installed
 *    from the lockfile; Node follows the symlink, so transitive dependencies resolve
 *    from the repository too). `npm rebuild` then links the bin as `npm install` would.
 *    Every npm child runs with `--offline` and a registry of `http://127.0.0.1:9`, so an
 *    accidental fetch fails at once instead of leaving the machine.
 * 3. In the app: ESM and CommonJS (`require(esm)`) scripts await an operation and follow
 *    progress against the embedded server; a consumer is type-checked with the repo's
 *    TypeScript under `nodenext` and `bundler` resolution.
 * 4. Runs the installed `longrunning` binary: `--help`, `get` against an embedded server,
 *    `demo`, and `demo --web`, which must say that it is a repository demo (exit 2).
 * 5. publint and @arethetypeswrong/cli (esm-only profile) on the tarball.
 * 6. Every link of the README resolves: a relative one to a file of the repository, one
 *    into the published package (unpkg) to a file of the tarball.
 *
 * Prints a report and exits 1 on any failure. Temp dirs are removed in all cases
 * (`TEST_PACK_KEEP=1` keeps them for debugging; `TEST_PACK_VERBOSE=1` lists every packed
 * file). Every child has a timeout.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO_MODULES = path.join(ROOT, 'node_modules');
const TSC = path.join(REPO_MODULES, 'typescript', 'bin', 'tsc');
const KEEP = process.env.TEST_PACK_KEEP === '1';
const VERBOSE = process.env.TEST_PACK_VERBOSE === '1';
const ts = existsSync(TSC) ? createRequire(import.meta.url)(path.join(REPO_MODULES, 'typescript')) : undefined;

const REQUIRED_FILES = [
  'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md',
  'dist/index.js', 'dist/index.d.ts', 'dist/testing.js', 'dist/testing.d.ts',
];
const CLI_FILE = 'dist/cli/main.js';
const CLI_COMMANDS = ['get', 'list', 'wait', 'watch', 'cancel', 'delete', 'demo'];
/** Repository internals a user must never download. */
const FORBIDDEN = [
  [/^(test|src|bench|scripts|coverage|test-results|node_modules|\.ci|\.github)\//, 'repository internals'],
  [/^docs\/api\//, 'generated API docs'],
  [/\.tsbuildinfo$/, 'build cache'],
  [/\.map$/, 'source map (its sources, src/, are not shipped)'],
  [/\.tgz$/, 'a packed tarball'],
  [/(^|\/)\.env/, 'an env file'],
];

/**
 * Children inherit nothing of the `npm run` that started us (no npm_* config, no
 * INIT_CWD): npm gets only the settings below, which keep it offline.
 */
const CHILD_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$/i.test(key))),
  METADATA_SERVER_DETECTION: 'none',
  NO_COLOR: '1',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_ignore_scripts: 'true',
  npm_config_loglevel: 'error',
};

/**
 * `npm pack` in the exported tree must run the package's own lifecycle scripts: the
 * build they run is what is under test. Still offline.
 */
const PACK_ENV = { ...CHILD_ENV, npm_config_ignore_scripts: 'false' };

// ---------------------------------------------------------------------------------------
// Child processes: each in its own process group, killed as a group on timeout or signal.

const running = new Set();

/**
 * Runs a command to completion; never rejects. `timedOut` is set when it was killed.
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean, ms: number }>}
 */
function run(command, args, { cwd = ROOT, timeoutMs, env = CHILD_ENV } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => { timedOut = true; killGroup(child); }, timeoutMs);
    let settled = false;
    const done = (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    };
    child.on('error', (error) => { stderr += `spawn failed: ${error.message}`; done(null, null); });
    child.on('close', done);
  });
}

function killGroup(child) {
  try {
    if (process.platform === 'win32' || child.pid === undefined) child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch { /* already gone */ }
}

/** Throws with the command's output when it did not exit 0. */
function expectSuccess(label, result) {
  if (result.code === 0) return result;
  const why = result.timedOut
    ? `was killed after ${result.ms} ms (timeout): it hung, or left a socket or timer keeping it alive`
    : `exited ${result.code ?? result.signal}`;
  throw new Error(`${label} ${why}\n${indent(tail(result.stdout + result.stderr))}`);
}

const npm = (args, options) => run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, options);
const node = (args, options) => run(process.execPath, args, options);

// ---------------------------------------------------------------------------------------
// The report.

const results = [];
const warnings = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, detail, ms: Date.now() - started });
    return true;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, detail, ms: Date.now() - started });
    return false;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const tail = (text, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');
const indent = (text) => text.split('\n').map((line) => `    ${line}`).join('\n');
const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

// ---------------------------------------------------------------------------------------
// The tarball: a minimal reader for what `npm pack` writes (ustar, pax/GNU long names).

function readTarball(gzipped) {
  const tar = zlib.gunzipSync(gzipped);
  const files = new Map();
  let offset = 0;
  let longName;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0[\s\S]*$/, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0[\s\S]*$/, '');
    } else if (type === '0' || type === '7') {
      if (!name.startsWith('package/')) throw new Error(`tarball entry outside package/: ${name}`);
      const relative = name.slice('package/'.length);
      if (relative.split('/').includes('..') || path.isAbsolute(relative)) throw new Error(`unsafe tarball entry: ${name}`);
      files.set(relative, Buffer.from(body));
    } else if (type !== '5' && type !== 'g') {
      throw new Error(`unexpected tarball entry type '${type}' for ${name}`);
    }
  }
  return files;
}

/**
 * The module specifiers a .js or .d.ts file imports (static, dynamic, require, and
 * `/// <reference types>`), found by TypeScript's own scanner rather than a regex, so
 * strings and comments that merely look like imports are not counted.
 */
function importedSpecifiers(source) {
  const info = ts.preProcessFile(source, true, true);
  return new Set([...info.importedFiles, ...info.typeReferenceDirectives].map((ref) => ref.fileName));
}

const packageNameOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

// ---------------------------------------------------------------------------------------
// The clean tree that is packed.

const git = (args, options) => run('git', args, { timeoutMs: 60_000, ...options });

/**
 * Writes the files a fresh clone would have into `dest`, never `dist/` (nor anything
 * ignored): HEAD when the working tree is clean, the working tree otherwise.
 * @returns {Promise<{ source: string, count: number }>}
 */
async function exportCleanTree(dest) {
  const status = expectSuccess('git status', await git(['status', '--porcelain', '--untracked-files=normal']));
  const changes = status.stdout.split('\n').filter((line) => line.trim() !== '');
  const built = (file) => file === 'dist' || file.startsWith('dist/');
  if (changes.length === 0) {
    const head = expectSuccess('git rev-parse', await git(['rev-parse', '--short', 'HEAD'])).stdout.trim();
    const archive = path.join(path.dirname(dest), 'head.tar.gz');
    expectSuccess('git archive', await git(['archive', '--format=tar.gz', '--prefix=package/', '-o', archive, 'HEAD']));
    const files = readTarball(await fs.readFile(archive));
    for (const [file, data] of files) {
      if (built(file)) continue;
      await fs.mkdir(path.dirname(path.join(dest, file)), { recursive: true });
      await fs.writeFile(path.join(dest, file), data);
    }
    return { source: `HEAD (${head}, clean working tree)`, count: files.size };
  }
  // Mid-change: the tracked and new (not ignored) files as they are now, deletions applied.
  const listed = expectSuccess('git ls-files', await git(['ls-files', '-z', '-co', '--exclude-standard']));
  let count = 0;
  for (const file of new Set(listed.stdout.split('\0').filter((f) => f !== '' && !built(f)))) {
    if (!existsSync(path.join(ROOT, file))) continue;
    await fs.mkdir(path.dirname(path.join(dest, file)), { recursive: true });
    await fs.copyFile(path.join(ROOT, file), path.join(dest, file));
    count++;
  }
  warnings.push(`packed the working tree with ${changes.length} uncommitted change(s), not HEAD (CI packs HEAD of a fresh clone)`);
  return { source: `working tree (${changes.length} uncommitted change(s))`, count };
}

// ---------------------------------------------------------------------------------------
// What runs inside the temp app.

/** One scenario, run from ESM and from CommonJS; `sdk`/`testing` are the loaded entry points. */
const SCENARIO = String.raw`
async function scenario(sdk, testing, assert) {
  const { OperationsClient, TypeRegistry, LongRunningError, OperationFailedError } = sdk;
  const { InMemoryOperationsServer } = testing;
  for (const name of ['OperationsClient', 'TypeRegistry', 'LongRunningOperation', 'OperationFailedError', 'RpcError']) {
    assert.equal(typeof sdk[name], 'function', 'longrunning-client exports ' + name);
  }
  const types = TypeRegistry.empty();
  const struct = (value) => types.pack('google.protobuf.Struct', value);
  const server = await InMemoryOperationsServer.start();
  const client = new OperationsClient({ address: server.address, insecure: true });
  try {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);

    // One awaited operation.
    const awaited = server.createOperation({ name: 'operations/pack-awaited' });
    server.script(awaited, [{ afterMs: 30, done: true, response: struct({ rows: 42, table: 'users' }) }]);
    const response = await client.operation(awaited).promise({ timeoutMs: 15000 });
    assert.deepStrictEqual(response, { rows: 42, table: 'users' });

    // One progress subscription: metadata$ over a scripted timeline.
    const watched = server.createOperation({ name: 'operations/pack-progress', metadata: struct({ percent: 0 }) });
    server.script(watched, [
      { afterMs: 200, metadata: struct({ percent: 25 }) },
      { afterMs: 200, metadata: struct({ percent: 50 }) },
      { afterMs: 200, metadata: struct({ percent: 75 }) },
      { afterMs: 200, done: true, metadata: struct({ percent: 100 }), response: struct({ ok: true }) },
    ]);
    const handle = client.operation(watched, { polling: { progressIntervalMs: 50, totalTimeoutMs: 15000 } });
    const progress = await new Promise((resolve, reject) => {
      const seen = [];
      handle.metadata$.subscribe({ next: (m) => seen.push(m.percent), error: reject, complete: () => resolve(seen) });
    });
    assert.equal(progress[0], 0, 'first progress value: ' + JSON.stringify(progress));
    assert.equal(progress.at(-1), 100, 'last progress value: ' + JSON.stringify(progress));
    assert.ok(progress.length >= 3, 'saw intermediate progress: ' + JSON.stringify(progress));
    assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]), 'distinct, increasing: ' + JSON.stringify(progress));
    assert.deepStrictEqual(await handle.promise(), { ok: true });

    // A typed failure: one class identity across both entry points.
    const failing = server.createOperation({ name: 'operations/pack-failing' });
    server.fail(failing, { code: 8, message: 'quota exhausted', details: [] });
    const error = await client.operation(failing).promise().then(() => undefined, (e) => e);
    assert.ok(error instanceof OperationFailedError && error instanceof LongRunningError, 'typed error: ' + error);
    assert.equal(error.code, 8);
    return { response, progress };
  } finally {
    await client.close();
    await server.stop();
  }
}
`;

const ESM_CHECK = `import assert from 'node:assert/strict';
import * as sdk from 'longrunning-client';
import * as testing from 'longrunning-client/testing';
${SCENARIO}
const result = await scenario(sdk, testing, assert);
console.log(JSON.stringify(result));
// No process.exit(): the process must end by itself (nothing left alive).
`;

const CJS_CHECK = `'use strict';
const assert = require('node:assert/strict');
const sdk = require('longrunning-client');
const testing = require('longrunning-client/testing');
${SCENARIO}
(async () => {
  // require() and import() share one module instance: no dual-package hazard.
  assert.equal((await import('longrunning-client')).OperationsClient, sdk.OperationsClient);
  const result = await scenario(sdk, testing, assert);
  console.log(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exitCode = 1; });
`;

/**
 * Issue 11's "done means": a user with only `baseUrl` + `httpRules` for `users/*` gets,
 * lists (all pages), cancels, deletes, waits on and awaits an operation with progress.
 */
const HTTP_CHECK = String.raw`import assert from 'node:assert/strict';
import { OperationCancelledError, OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const OPS = 'google.longrunning.Operations.';
const httpRules = [
  { selector: OPS + 'ListOperations', get: '/v1/{name=users/*}/operations' },
  { selector: OPS + 'GetOperation', get: '/v1/{name=users/*/operations/*}' },
  { selector: OPS + 'DeleteOperation', delete: '/v1/{name=users/*/operations/*}' },
  { selector: OPS + 'CancelOperation', post: '/v1/{name=users/*/operations/*}:cancel', body: '*' },
  { selector: OPS + 'WaitOperation', post: '/v1/{name=users/*/operations/*}:wait', body: '*' },
];
const types = TypeRegistry.empty();
const struct = (value) => types.pack('google.protobuf.Struct', value);
const server = await InMemoryOperationsServer.start({ http: true, httpRules });
const client = new OperationsClient({ baseUrl: server.httpUrl, insecure: true, httpRules });
try {
  assert.match(server.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  const names = [];
  for (let i = 0; i < 5; i++) names.push(server.createOperation({ name: 'users/alice/operations/' + i }));
  server.createOperation({ name: 'users/bob/operations/0' });

  const got = await client.getOperation({ name: names[0] });
  assert.equal(got.name, names[0]);
  const listed = [];
  for await (const operation of client.listOperationsAsync({ name: 'users/alice', pageSize: 2 })) listed.push(operation.name);
  assert.deepEqual(listed.sort(), [...names].sort(), 'all pages of users/alice');
  const pages = server.calls.filter((call) => call.method === 'ListOperations' && call.transport === 'http').length;
  assert.equal(pages, 3, 'five operations in pages of two');

  const cancelled = client.operation(names[1]);
  const outcome = cancelled.promise({ timeoutMs: 15000 }).then(() => 'resolved', (error) => error);
  await cancelled.cancel();
  assert.ok((await outcome) instanceof OperationCancelledError, 'cancel(): OperationCancelledError');

  await client.deleteOperation({ name: names[2] });
  assert.equal(server.get(names[2]), undefined, 'deleted');

  server.script(names[3], [{ afterMs: 100, done: true, response: struct({ waited: true }) }]);
  const waited = await client.waitOperation({ name: names[3], timeoutMs: 10000 });
  assert.equal(waited.done, true, 'WaitOperation answered when done');

  // Progress driven by what the client saw (no timing): 0 -> 50 -> 100 and done.
  server.setMetadata(names[4], struct({ percent: 0 }));
  const handle = client.operation(names[4], { polling: { progressIntervalMs: 50, totalTimeoutMs: 15000 } });
  const progress = [];
  handle.metadata$.subscribe((metadata) => {
    progress.push(metadata.percent);
    if (metadata.percent === 0) server.setMetadata(names[4], struct({ percent: 50 }));
    if (metadata.percent === 50) {
      server.setMetadata(names[4], struct({ percent: 100 }));
      server.complete(names[4], struct({ rows: 7 }));
    }
  });
  const response = await handle.promise();
  assert.deepEqual(response, { rows: 7 });
  assert.deepEqual(progress, [0, 50, 100], 'every progress step, in order');
  const waits = server.calls.filter((call) => call.method === 'WaitOperation' && call.transport === 'http').length;
  console.log(JSON.stringify({ listed: listed.length, pages, response, progress, waits }));
} finally {
  await client.close();
  await server.stop();
}
`;

/** Type-checked, not run: the published declarations as a strict consumer uses them. */
const TS_CONSUMER = `import {
  LongRunningError, OperationCancelledError, OperationFailedError, OperationsClient, PollTimeoutError,
  RpcError, TypeMismatchError, TypeRegistry,
} from 'longrunning-client';
import type {
  Any, CallOptions, ListOperationsResponse, LongRunningOperation, Operation, OperationSnapshot,
  PollingOptions, ResumeToken, Status,
} from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';
import type { CallRecord, TimelineStep } from 'longrunning-client/testing';
import type { Observable } from 'rxjs';

interface Job { rows: number }
interface Progress { percent: number }

export async function consume(signal: AbortSignal): Promise<number> {
  const server: InMemoryOperationsServer = await InMemoryOperationsServer.start({ waitOperation: true });
  const types = TypeRegistry.empty();
  const response: Any = types.pack('google.protobuf.Struct', { rows: 1 });
  const steps: TimelineStep[] = [{ afterMs: 10, done: true, response }];
  const name: string = server.createOperation();
  server.script(name, steps);
  const polling: PollingOptions = { strategy: 'auto', initialDelayMs: 10, totalTimeoutMs: 1000 };
  const client = new OperationsClient({ address: server.address, insecure: true, types, polling });
  const call: CallOptions = { signal, timeoutMs: 500, metadata: { 'x-test': '1' } };

  const op: LongRunningOperation<Job, Progress> = client.operation<Job, Progress>(name, { polling });
  const progress: Observable<Progress> = op.metadata$;
  const states: Observable<OperationSnapshot<Job, Progress>> = op.state$;
  progress.subscribe((m) => m.percent.toFixed(0)).unsubscribe();
  states.subscribe((s) => s.raw.done).unsubscribe();
  const token: ResumeToken = op.toJSON();
  const resumed: LongRunningOperation<Job, Progress> = client.resume<Job, Progress>(JSON.parse(JSON.stringify(token)));
  const job: Job = await resumed.promise({ signal, timeoutMs: 1000 });

  const raw: Operation = await client.getOperation({ name }, call);
  const page: ListOperationsResponse = await client.listOperations({ name: 'operations', pageSize: 10 });
  for await (const listed of client.listOperationsAsync({ name: 'operations', filter: 'done=true' })) listed.name.trim();
  for await (const each of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) each.unreachable.join();
  await client.waitOperation({ name, timeoutMs: 100 });
  await client.cancelOperation({ name });
  await client.deleteOperation({ name });
  try {
    await op.promise();
  } catch (error) {
    if (error instanceof OperationCancelledError) error.operationName.trim();
    if (error instanceof OperationFailedError) { const status: Status = error.status; status.details.length.toFixed(); error.code.toFixed(); }
    if (error instanceof PollTimeoutError) error.operationName.trim();
    if (error instanceof RpcError) error.code.toFixed();
    if (error instanceof TypeMismatchError) error.typeUrl.trim();
    if (error instanceof LongRunningError) error.name.trim();
  }
  const calls: readonly CallRecord[] = server.calls;
  await client.close();
  await server.stop();
  return job.rows + calls.length + page.operations.length + (raw.done ? 1 : 0);
}
`;

/** CommonJS TypeScript consumer (nodenext only): require() of the ESM package. */
const TS_CJS_CONSUMER = `import sdk = require('longrunning-client');
import testing = require('longrunning-client/testing');
export const make = (address: string): InstanceType<typeof sdk.OperationsClient> =>
  new sdk.OperationsClient({ address, insecure: true });
export const start = (): Promise<testing.InMemoryOperationsServer> =>
  testing.InMemoryOperationsServer.start();
`;

const tsconfig = (compilerOptions, files) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, exactOptionalPropertyTypes: true,
    noEmit: true, skipLibCheck: false, ...compilerOptions,
  },
  files,
}, null, 2);

/** Starts the embedded server from the installed package and drives the installed binary. */
const CLI_CHECK = `import { spawn } from 'node:child_process';
import { TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const bin = process.argv[2];
const run = (args) => new Promise((resolve) => {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  let stdout = ''; let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  child.on('close', (code, signal) => { clearTimeout(timer); resolve({ args, code, signal, stdout, stderr }); });
});

const server = await InMemoryOperationsServer.start();
try {
  const types = TypeRegistry.empty();
  const name = server.createOperation({ name: 'operations/pack-cli', response: types.pack('google.protobuf.Struct', { rows: 7 }) });
  const common = ['--address', server.address, '--insecure'];
  const found = await run(['get', name, ...common, '--json']);
  const missing = await run(['get', 'operations/pack-cli-missing', ...common]);
  console.log(JSON.stringify({ found, missing }));
} finally {
  await server.stop();
}
`;

// ---------------------------------------------------------------------------------------

async function main() {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'longrunning-pack-'));
  const stop = (signal) => {
    for (const child of running) killGroup(child);
    if (!KEEP) void fs.rm(tmp, { recursive: true, force: true }).finally(() => process.exit(128 + os.constants.signals[signal]));
    else process.exit(128 + os.constants.signals[signal]);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await steps(tmp);
  } finally {
    for (const child of running) killGroup(child);
    if (KEEP) console.log(`\n(kept ${tmp})`);
    else await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function steps(tmp) {
  const app = path.join(tmp, 'app');
  const installed = path.join(app, 'node_modules', 'longrunning-client');
  let tarball;
  let files;
  let pkg;

  const prerequisites = await check('prerequisites', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    assert(major > 20 || (major === 20 && minor >= 19), `node ${process.versions.node}: the package needs >= 20.19`);
    assert(existsSync(TSC), 'node_modules/typescript is missing: run `npm ci` first');
    return `node ${process.versions.node}`;
  });
  if (!prerequisites) return;

  const clean = path.join(tmp, 'clean');
  const exported = await check('clean tree: no dist/, the repository\'s node_modules', async () => {
    await fs.mkdir(clean);
    const { source, count } = await exportCleanTree(clean);
    assert(existsSync(path.join(clean, 'package.json')), `the export of ${source} has no package.json`);
    assert(!existsSync(path.join(clean, 'dist')), 'the export has a dist/ directory');
    await fs.symlink(REPO_MODULES, path.join(clean, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
    return `${count} files of ${source}`;
  });
  if (!exported) return;

  const packed = await check('npm pack (builds the package itself)', async () => {
    const packDir = path.join(tmp, 'pack');
    await fs.mkdir(packDir);
    // Lifecycle scripts write to stderr under --json; stdout is the JSON report.
    const result = expectSuccess('npm pack', await npm(['pack', '--json', '--pack-destination', packDir], { cwd: clean, env: PACK_ENV, timeoutMs: 180_000 }));
    const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
    tarball = path.join(packDir, info.filename);
    files = readTarball(await fs.readFile(tarball));
    const listed = info.files.map((f) => f.path).sort();
    const read = [...files.keys()].sort();
    assert(JSON.stringify(listed) === JSON.stringify(read),
      `npm pack --json and the tarball disagree:\n  json: ${listed.join(' ')}\n  tar:  ${read.join(' ')}`);
    pkg = JSON.parse(files.get('package.json').toString('utf8'));
    const summary = `${info.filename}: ${info.entryCount} files, ${kB(info.size)} packed, ${kB(info.unpackedSize)} unpacked`;
    if (VERBOSE) return `${summary}\n${indent(info.files.map((f) => `${String(f.size).padStart(7)}  ${f.path}`).join('\n'))}`;
    const groups = new Map();
    for (const file of read) {
      const group = file.includes('/') ? `${file.split('/').slice(0, file.startsWith('dist/') && file.split('/').length > 2 ? 2 : 1).join('/')}/` : file;
      groups.set(group, (groups.get(group) ?? 0) + 1);
    }
    return `${summary}\n${indent([...groups].map(([group, count]) => (group.endsWith('/') ? `${group} (${count})` : group)).join(', '))}`;
  });
  if (!packed) return;

  await check('tarball contents', () => {
    const problems = [];
    if (![...files.keys()].some((file) => file.startsWith('dist/'))) {
      problems.push('no dist/ at all: packing a clean tree did not build the package (the `prepare` script of package.json runs the build)');
    }
    for (const file of REQUIRED_FILES) if (!files.has(file)) problems.push(`missing ${file}`);
    for (const [pattern, why] of FORBIDDEN) {
      const shipped = [...files.keys()].filter((file) => pattern.test(file));
      if (shipped.length > 0) problems.push(`ships ${shipped.length} x ${why}: ${shipped.slice(0, 3).join(', ')}${shipped.length > 3 ? ', ...' : ''}`);
    }
    // Every file package.json points at is in the tarball.
    const targets = new Set();
    const collect = (value) => {
      if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(pkg.exports); collect(pkg.bin); collect(pkg.main); collect(pkg.types);
    targets.delete(CLI_FILE); // reported on its own below
    for (const target of targets) if (!target.includes('*') && !files.has(target)) problems.push(`package.json points at ${target}, not in the tarball`);
    // Imports: relative ones resolve inside the tarball, bare ones are declared dependencies.
    const danglingMaps = [];
    const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    for (const [file, data] of files) {
      const isDts = file.endsWith('.d.ts');
      if (!isDts && !file.endsWith('.js')) continue;
      for (const specifier of importedSpecifiers(data.toString('utf8'))) {
        if (specifier.startsWith('.')) {
          let target = path.posix.join(path.posix.dirname(file), specifier);
          if (isDts) target = target.replace(/\.js$/, '.d.ts');
          if (!files.has(target)) problems.push(`${file} imports ${specifier}: ${target} is not in the tarball`);
        } else if (!isBuiltin(specifier) && !(isDts && specifier === 'node') && !declared.has(packageNameOf(specifier))) {
          problems.push(`${file} imports '${specifier}', not a declared dependency`);
        }
      }
      const map = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(data.toString('utf8'))?.[1];
      if (map && !map.startsWith('data:') && !files.has(path.posix.join(path.posix.dirname(file), map))) {
        danglingMaps.push(file);
      }
    }
    if (danglingMaps.length > 0) {
      warnings.push(`${danglingMaps.length} shipped files end with a sourceMappingURL comment to a .map that is not shipped (e.g. ${danglingMaps[0]})`);
    }
    if (!files.has(CLI_FILE)) {
      problems.push(`${CLI_FILE} is missing (bin 'longrunning' points at it): the CLI (src/cli/main.ts) is not built yet`);
    }
    assert(problems.length === 0, problems.join('\n'));
    return `${REQUIRED_FILES.length + 1} required files present, nothing internal, every import resolves`;
  });

  const install = await check('offline install into a temp app', async () => {
    await fs.mkdir(path.join(app, 'node_modules'), { recursive: true });
    await fs.writeFile(path.join(app, 'package.json'), JSON.stringify({
      name: 'pack-consumer', version: '0.0.0', private: true, type: 'module',
      dependencies: { [pkg.name]: `file:${tarball}` },
    }, null, 2));
    for (const [file, data] of files) {
      await fs.mkdir(path.dirname(path.join(installed, file)), { recursive: true });
      await fs.writeFile(path.join(installed, file), data);
    }
    // Runtime dependencies and the consumer's own @types/node: what `npm ci` installed.
    const links = [...Object.keys(pkg.dependencies ?? {}), '@types/node'];
    for (const dependency of links) {
      const source = path.join(REPO_MODULES, dependency);
      assert(existsSync(path.join(source, 'package.json')), `${dependency} is not in ${REPO_MODULES}: run \`npm ci\``);
      const target = path.join(app, 'node_modules', dependency);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.symlink(source, target, process.platform === 'win32' ? 'junction' : 'dir');
    }
    // Links the bin exactly as `npm install` does; offline, reads only node_modules.
    expectSuccess('npm rebuild', await npm(['rebuild', pkg.name, '--prefix', app], { cwd: app, timeoutMs: 30_000 }));
    return `unpacked + ${links.length} dependencies linked from ${path.relative(ROOT, REPO_MODULES)}/ (${links.join(', ')})`;
  });
  if (!install) return;

  await check('ESM import + awaited operation + metadata$', async () => {
    await fs.writeFile(path.join(app, 'esm-check.mjs'), ESM_CHECK);
    const result = expectSuccess('node esm-check.mjs', await node(['esm-check.mjs'], { cwd: app, timeoutMs: 20_000 }));
    return `${result.stdout.trim()} (${result.ms} ms, exited by itself)`;
  });

  await check('CommonJS require() + awaited operation + metadata$', async () => {
    assert(process.features.require_module === true,
      `node ${process.versions.node} has no unflagged require(esm) (needs 20.19+ or 22.12+; older lines need --experimental-require-module)`);
    await fs.writeFile(path.join(app, 'cjs-check.cjs'), CJS_CHECK);
    const result = expectSuccess('node cjs-check.cjs', await node(['cjs-check.cjs'], { cwd: app, timeoutMs: 20_000 }));
    const warning = result.stderr.split('\n').find((line) => /ExperimentalWarning/.test(line));
    if (warning) warnings.push(`require(esm): ${warning.trim()}`);
    return `${result.stdout.trim()} (${result.ms} ms)`;
  });

  await check('HTTP/JSON, users/* bindings: get, list (all pages), cancel, delete, wait, await with progress', async () => {
    await fs.writeFile(path.join(app, 'http-check.mjs'), HTTP_CHECK);
    const result = expectSuccess('node http-check.mjs', await node(['http-check.mjs'], { cwd: app, timeoutMs: 30_000 }));
    return `${result.stdout.trim()} (${result.ms} ms, exited by itself)`;
  });

  const typecheck = async (label, config, consumers) => {
    await fs.writeFile(path.join(app, `tsconfig.${label}.json`), tsconfig(config, consumers));
    const result = await node([TSC, '-p', `tsconfig.${label}.json`, '--pretty', 'false'], { cwd: app, timeoutMs: 60_000 });
    if (result.code === 0) return `${label}: no errors (${result.ms} ms)`;
    // Errors inside third-party declarations are reported, but only ours fail the check.
    const lines = (result.stdout + result.stderr).split('\n').filter((line) => /error TS\d+/.test(line));
    const thirdParty = (line) => /node_modules\/(?!longrunning-client\/)/.test(line.split('(')[0]);
    const ours = lines.filter((line) => !thirdParty(line));
    for (const line of lines.filter((l) => !ours.includes(l))) warnings.push(`tsc ${label} (third-party): ${line}`);
    assert(ours.length === 0 && !result.timedOut, `tsc ${label}:\n${indent(tail(ours.join('\n') || result.stdout + result.stderr))}`);
    return `${label}: only third-party errors (see warnings)`;
  };
  await check('TypeScript consumer (nodenext, bundler)', async () => {
    await fs.writeFile(path.join(app, 'consumer.ts'), TS_CONSUMER);
    await fs.writeFile(path.join(app, 'consumer-cjs.cts'), TS_CJS_CONSUMER);
    const outcomes = await Promise.allSettled([
      typecheck('nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, ['consumer.ts', 'consumer-cjs.cts']),
      typecheck('bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['consumer.ts']),
    ]);
    const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason.message);
    assert(failures.length === 0, failures.join('\n'));
    return outcomes.map((o) => o.value).join('; ');
  });

  const bin = path.join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'longrunning.cmd' : 'longrunning');
  const cliMissing = `node_modules/.bin/longrunning does not exist: the tarball has no ${CLI_FILE} (CLI not built yet)`;
  await check('CLI: longrunning --help', async () => {
    assert(existsSync(bin), cliMissing);
    const result = expectSuccess('longrunning --help', await run(bin, ['--help'], { cwd: app, timeoutMs: 15_000 }));
    const text = result.stdout + result.stderr;
    const absent = CLI_COMMANDS.filter((command) => !new RegExp(`^\\s+${command}\\b`, 'm').test(text));
    assert(absent.length === 0, `--help does not list: ${absent.join(', ')}\n${indent(tail(text))}`);
    return `exit 0, lists ${CLI_COMMANDS.join(', ')}`;
  });

  await check('CLI: longrunning get against the embedded server', async () => {
    assert(existsSync(bin), cliMissing);
    await fs.writeFile(path.join(app, 'cli-check.mjs'), CLI_CHECK);
    const result = expectSuccess('node cli-check.mjs', await node(['cli-check.mjs', bin], { cwd: app, timeoutMs: 40_000 }));
    const { found, missing } = JSON.parse(result.stdout.trim().split('\n').at(-1));
    const show = (r) => `longrunning ${r.args.join(' ')} -> exit ${r.code ?? r.signal}\n${indent(tail(r.stdout + r.stderr, 10))}`;
    assert(found.code === 0, show(found));
    let json;
    try { json = JSON.parse(found.stdout); } catch { throw new Error(`--json output is not one JSON document\n${show(found)}`); }
    assert(JSON.stringify(json).includes('operations/pack-cli') && JSON.stringify(json).includes('true'),
      `--json output lacks the operation's name or done state\n${show(found)}`);
    assert(typeof missing.code === 'number' && missing.code !== 0, `get of an unknown operation should fail\n${show(missing)}`);
    assert(!/^\s+at .+:\d+:\d+\)?$/m.test(missing.stderr), `an error printed a stack trace without --debug\n${show(missing)}`);
    return `get --json: exit 0, one JSON document; unknown name: exit ${missing.code}, "${missing.stderr.trim().split('\n')[0]}"`;
  });

  await check('CLI: longrunning demo', async () => {
    assert(existsSync(bin), cliMissing);
    const result = expectSuccess('longrunning demo', await run(bin, ['demo'], { cwd: app, timeoutMs: 45_000 }));
    assert(result.stdout.trim().length > 0, 'demo printed nothing');
    return `exit 0 in ${result.ms} ms (non-TTY)`;
  });

  await check('CLI: longrunning demo --web says it is a repository demo', async () => {
    assert(existsSync(bin), cliMissing);
    const result = await run(bin, ['demo', '--web'], { cwd: app, timeoutMs: 15_000 });
    const shown = `exit ${result.code ?? result.signal}\n${indent(tail(result.stdout + result.stderr))}`;
    assert(result.code === 2 && /repository demo/.test(result.stderr), `expected exit 2 naming the repository demo, got ${shown}`);
    return `exit 2: "${result.stderr.trim().split('\n')[0]}"`;
  });

  await check('publint', async () => {
    const { publint } = await import(pathToFileURL(path.join(REPO_MODULES, 'publint', 'src', 'index-node.js')).href);
    const { formatMessage } = await import(pathToFileURL(path.join(REPO_MODULES, 'publint', 'src', 'utils.js')).href);
    const data = await fs.readFile(tarball);
    const lint = publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'suggestion' });
    const { messages, pkg: linted } = await Promise.race([lint, new Promise((_, reject) => setTimeout(() => reject(new Error('publint timed out')), 30_000).unref())]);
    const lines = messages.map((m) => `${m.type}: ${formatMessage(m, linted, { color: false }) ?? m.code}`);
    for (const line of lines.filter((l) => !l.startsWith('error'))) warnings.push(`publint ${line}`);
    const errors = lines.filter((l) => l.startsWith('error'));
    assert(errors.length === 0, errors.join('\n'));
    return `0 errors, ${lines.length - errors.length} warnings/suggestions`;
  });

  await check('README links resolve (relative: in the repository; package: in the tarball)', async () => {
    const readme = files.get('README.md').toString('utf8');
    const major = pkg.version.split('.')[0];
    // Where the published package's files are served: the README's links into the package.
    const packageUrl = /^https:\/\/unpkg\.com\/((?:@[^/]+\/)?[^/@]+)@([^/]+)\/(.+)$/;
    const problems = [];
    let relative = 0;
    let packaged = 0;
    for (const [, target] of readme.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const url = target.replace(/#.*$/, '');
      if (url === '') continue; // an anchor on the same page
      const inPackage = packageUrl.exec(url);
      if (inPackage) {
        const [, name, range, file] = inPackage;
        if (name !== pkg.name) problems.push(`${target}: links into package ${name}, not ${pkg.name}`);
        else if (range !== major) problems.push(`${target}: version range @${range}, expected @${major} (the major of ${pkg.version})`);
        else if (!files.has(file)) problems.push(`${target}: ${file} is not in the tarball (add it to "files" in package.json)`);
        packaged++;
      } else if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
        continue; // another site: not checked offline
      } else {
        if (!existsSync(path.join(clean, url))) problems.push(`${target}: no such file in the repository`);
        // npm resolves a README's relative links against package.json's repository only.
        else if (!pkg.repository) problems.push(`${target}: a relative link dies on the npm registry page (package.json has no repository): link to https://unpkg.com/${pkg.name}@${major}/<file>`);
        relative++;
      }
    }
    assert(problems.length === 0, problems.join('\n'));
    return `${packaged} links into the package, ${relative} relative`;
  });

  await check('attw (esm-only profile)', async () => {
    const attwPackage = JSON.parse(await fs.readFile(path.join(REPO_MODULES, '@arethetypeswrong', 'cli', 'package.json'), 'utf8'));
    const attw = path.join(REPO_MODULES, '@arethetypeswrong', 'cli', attwPackage.bin.attw);
    // A local tarball is analysed offline; --no-definitely-typed keeps it so should flags change.
    const args = [attw, tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'table-flipped', '--no-emoji', '--no-color'];
    const result = expectSuccess('attw', await node(args, { cwd: app, timeoutMs: 60_000 }));
    return `no problems\n${indent(result.stdout.trim())}`;
  });
}

const started = Date.now();
await main().catch((error) => {
  results.push({ name: 'test-pack.mjs', ok: false, detail: error instanceof Error ? error.stack ?? error.message : String(error) });
});

const failed = results.filter((r) => !r.ok);
console.log('\ntest:pack: the packed package, installed offline into a temp app\n');
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ms === undefined ? '' : ` (${r.ms} ms)`}`);
  if (r.detail) console.log(indent(String(r.detail)));
}
if (warnings.length > 0) {
  console.log('\nwarnings:');
  for (const warning of warnings) console.log(indent(`- ${warning}`));
}
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exitCode = failed.length > 0 ? 1 : 0;
