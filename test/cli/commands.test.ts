/**
 * The `longrunning` commands against the embedded server (127.0.0.1), asserting output
 * and exit codes. Every case runs twice: as a child process, exactly as users run the
 * CLI, and in process through `run(argv, io)` (fast, and counted for coverage). A few
 * cases run one way only (noted on the case).
 *
 * Child processes cost ~0.5 s of start-up each, so the runs of all cases start
 * together in `before` (a few at a time) and each `it` checks its own result. Cases
 * whose timing matters start their server-side timeline when the CLI's first RPC for
 * the operation arrives, not on a guess of how long start-up takes.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TypeRegistry, type Any } from '../../src/index.js';
import { InMemoryOperationsServer, type TimelineStep } from '../../src/testing.js';
import { closedPort } from '../helpers/network.js';
import { makeTestCertificate, tlsServerCredentials, type TestCertificate } from '../helpers/tls.js';
import {
  describeCliCases, expectOneErrorLine, REPO_ROOT, whenCalled, type CliCase, type CliMode, type CliResult, type Runner,
} from './harness.js';

type Mode = CliMode;

interface Context {
  readonly mode: Mode;
  readonly server: InMemoryOperationsServer;
  readonly tls: InMemoryOperationsServer;
  /** PEM file of the TLS server's self-signed certificate. */
  readonly caFile: string;
  /** The flags that reach the plaintext server. */
  readonly base: readonly string[];
  /** Runs the CLI; every run is also checked for leaked secrets. */
  readonly cli: Runner;
  /** A name unique to this case. */
  readonly name: (id: string) => string;
}

/** A case; `only`: in this mode alone (e.g. a check of code paths, not of process behaviour). */
type Case<T> = CliCase<Context, T>;

const PROTO_FLAGS = ['--proto', 'example/v1/service.proto', '--include', path.join('test', 'fixtures', 'protos')];
const SECRET = 's3cret-token';

const wkt = TypeRegistry.empty();
let types: TypeRegistry;
/** Made once for both suites: a 2048-bit key takes a moment. */
let certificate: Promise<TestCertificate> | undefined;
const struct = (value: Record<string, unknown>): Any => wkt.pack('google.protobuf.Struct', value);
const progress = (afterMs: number, percent: number): TimelineStep =>
  ({ afterMs, metadata: struct({ progressPercent: percent, state: 'RUNNING' }) });

function json<T = any>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

function lines(text: string): string[] {
  return text.split('\n');
}

const cases: Array<Case<any>> = [];
function add<T>(testCase: Case<T>): void {
  cases.push(testCase);
}

// ---- get ------------------------------------------------------------------------------

add({
  title: 'get prints an operation for people',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('done'), metadata: struct({ progressPercent: 100 }), response: struct({ rows: 5 }) });
    return { op, result: await cli([...base, 'get', op]) };
  },
  check: ({ op, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
    expect(lines(result.stdout)).to.deep.equal([
      `name:      ${op}`,
      'state:     SUCCEEDED',
      'metadata:  google.protobuf.Struct {"progressPercent":100}',
      'response:  google.protobuf.Struct {"rows":5}',
      '',
    ]);
  },
});

add({
  title: 'get --json prints exactly one JSON document',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('running'), metadata: struct({ progressPercent: 42, state: 'RUNNING' }) });
    return { op, result: await cli([...base, 'get', op, '--json']) };
  },
  check: ({ op, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(json(result)).to.deep.equal({
      name: op,
      done: false,
      state: 'RUNNING',
      metadata: { typeUrl: 'type.googleapis.com/google.protobuf.Struct', value: { progressPercent: 42, state: 'RUNNING' } },
    });
  },
});

add({
  title: 'get without --proto shows an unknown type as its type URL and base64 bytes',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const response = types.pack('example.v1.ExportResponse', { destination: 'gs://bucket/out' });
    const op = server.createOperation({ name: name('typed'), response });
    const [human, machine] = await Promise.all([cli([...base, 'get', op]), cli([...base, 'get', op, '--json'])]);
    return { response, human, machine };
  },
  check: ({ response, human, machine }) => {
    const base64 = Buffer.from((response).value).toString('base64');
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.include(`response:  example.v1.ExportResponse (unknown type, ${(response).value.byteLength} bytes; ` +
      `load its .proto with --proto) base64:${base64}`);
    expect(machine.code).to.equal(0);
    expect(json(machine).response).to.deep.equal({ typeUrl: 'type.googleapis.com/example.v1.ExportResponse', bytes: base64 });
  },
});

add({
  title: 'get --proto/--include decodes the service\'s own response and metadata types',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({
      name: name('export'),
      metadata: types.pack('example.v1.ExportMetadata', { state: 'FINISHING', processedBytes: '1024', cursor: new Uint8Array([9]) }),
      response: types.pack('example.v1.ExportResponse', {
        destination: 'gs://bucket/out',
        totalBytes: '1024',
        chunks: [{ uri: 'gs://bucket/out-0', checksum: new Uint8Array([1, 2]), sizeBytes: '512' }],
      }),
    });
    return cli([...base, ...PROTO_FLAGS, 'get', op, '--json']);
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    const { metadata, response } = json(result);
    expect(metadata.typeUrl).to.equal('type.googleapis.com/example.v1.ExportMetadata');
    expect(metadata.value).to.include({ state: 'FINISHING', processedBytes: '1024', cursor: 'CQ==' });
    expect(response.value).to.include({ destination: 'gs://bucket/out', totalBytes: '1024' });
    expect(response.value.chunks).to.deep.equal([{ uri: 'gs://bucket/out-0', checksum: 'AQI=', sizeBytes: '512' }]);
  },
});

add({
  title: 'get --method enforces the types of its operation_info: a mismatch exits 6',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    // Export declares ExportResponse; this response holds an ExportMetadata.
    const op = server.createOperation({ name: name('mismatch'), response: types.pack('example.v1.ExportMetadata', {}) });
    return cli([...base, ...PROTO_FLAGS, 'get', op, '--method', 'example.v1.ExportService.Export']);
  },
  check: (result: CliResult) => {
    expect(result.code).to.equal(6);
    expect(result.stdout).to.equal('');
    expectOneErrorLine(result, /example\.v1\.ExportResponse/);
  },
});

add({
  title: 'get of an unknown operation is an RPC error: exit 5, one line',
  start: ({ base, cli, name }) => cli([...base, 'get', name('missing')]),
  check: (result: CliResult) => {
    expect(result.code).to.equal(5);
    expect(result.stdout).to.equal('');
    expectOneErrorLine(result, /^longrunning: GetOperation failed with NOT_FOUND/);
  },
});

add({
  title: 'get --json of an unknown operation prints the error as a JSON document',
  only: 'in process',
  start: ({ base, cli, name }) => cli([...base, 'get', name('missing'), '--json']),
  check: (result: CliResult) => {
    expect(result.code).to.equal(5);
    expect(json(result).error).to.include({ kind: 'RpcError', method: 'GetOperation', code: 5, codeName: 'NOT_FOUND', exitCode: 5 });
    expect(json(result)).not.to.have.property('operation');
  },
});

// ---- list -----------------------------------------------------------------------------

/** Creates `count` operations under a fresh collection; the first `done` of them are done. */
function collection(server: InMemoryOperationsServer, parent: string, count: number, done = 0): string[] {
  return Array.from({ length: count }, (_, i) =>
    server.createOperation({ name: `${parent}/op-${i}`, ...(i < done ? { response: struct({ i }) } : {}) }));
}

add({
  title: 'list prints one page and its next page token; --page-token continues from it',
  start: async ({ server, base, cli, name }) => {
    const parent = name('list-pages');
    const ops = collection(server, parent, 5);
    const first = await cli([...base, 'list', parent, '--page-size', '2']);
    const token = /^Next page token: (\S+)$/m.exec(first.stdout)?.[1] ?? '';
    const second = await cli([...base, 'list', parent, '--page-size', '2', '--page-token', token, '--json']);
    return { ops, first, second };
  },
  check: ({ ops, first, second }) => {
    expect(first.code, first.stderr).to.equal(0);
    const names = lines(first.stdout).filter((line: string) => line.startsWith(ops[0].slice(0, -1))).map((line: string) => line.split(' ')[0]);
    expect(names).to.deep.equal(ops.slice(0, 2));
    expect(first.stdout).to.match(/^NAME\s+STATE$/m);
    expect(first.stdout).to.match(/^Next page token: \S+$/m);
    expect(second.code, second.stderr).to.equal(0);
    const page = json(second);
    expect(page.operations.map((op: { name: string }) => op.name)).to.deep.equal(ops.slice(2, 4));
    expect(page.nextPageToken).to.be.a('string').and.not.equal('');
    expect(page.unreachable).to.deep.equal([]);
  },
});

add({
  title: 'list --all iterates every page with listOperationsAsync',
  start: async ({ server, base, cli, name }) => {
    const parent = name('list-all');
    const ops = collection(server, parent, 5);
    return { ops, result: await cli([...base, 'list', parent, '--all', '--page-size', '2']) };
  },
  check: ({ ops, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    for (const op of ops) expect(result.stdout).to.match(new RegExp(`^${op}\\s+RUNNING$`, 'm'));
    expect(result.stdout).not.to.include('Next page token');
  },
});

add({
  title: 'list --filter sends the filter to the server',
  start: async ({ server, base, cli, name }) => {
    const parent = name('list-filter');
    const ops = collection(server, parent, 4, 2);
    return { ops, result: await cli([...base, 'list', parent, '--filter', 'done = true', '--all', '--json']) };
  },
  check: ({ ops, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    const listing = json(result);
    expect(listing.operations.map((op: { name: string }) => op.name)).to.deep.equal(ops.slice(0, 2));
    expect(listing.operations.map((op: { state: string }) => op.state)).to.deep.equal(['SUCCEEDED', 'SUCCEEDED']);
    expect(listing.nextPageToken).to.equal('');
  },
});

add({
  title: 'list with a filter the server rejects is an RPC error (exit 5)',
  only: 'in process',
  start: ({ base, cli, name }) => cli([...base, 'list', name('x'), '--filter', 'nonsense ~ 1']),
  check: (result: CliResult) => {
    expect(result.code).to.equal(5);
    expectOneErrorLine(result, /ListOperations failed with INVALID_ARGUMENT/);
  },
});

add({
  title: 'list prints "No operations." for an empty collection',
  only: 'in process',
  start: ({ base, cli, name }) => cli([...base, 'list', name('empty'), '--partial']),
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('No operations.\n');
  },
});

// ---- wait -----------------------------------------------------------------------------

add({
  title: 'wait on a done operation prints its response and exits 0',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('done'), response: struct({ rows: 5 }) });
    return cli([...base, 'wait', op]);
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('response:  google.protobuf.Struct {"rows":5}');
    expect(result.stderr).to.equal('');
  },
});

add({
  title: 'wait waits until the operation completes',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('later') });
    void whenCalled(server, op).then(() => server.script(op, [{ afterMs: 150, done: true, response: struct({ rows: 7 }) }]));
    return cli([...base, 'wait', op, '--json']);
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(json(result)).to.deep.include({ done: true, state: 'SUCCEEDED' });
    expect(json(result).response.value).to.deep.equal({ rows: 7 });
  },
});

add({
  title: 'wait on a failed operation exits 1 and prints its error with the details',
  start: async ({ mode, server, base, cli, name }) => {
    const op = server.createOperation({
      name: name('failed'),
      error: { code: 8, message: 'GPU quota exhausted', details: [wkt.pack('google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'example.com' })] },
    });
    const [human, machine] = await Promise.all([
      cli([...base, 'wait', op]),
      mode === 'in process' ? cli([...base, 'wait', op, '--json']) : undefined,
    ]);
    return { op, human, machine };
  },
  check: ({ op, human, machine }) => {
    expect(human.code).to.equal(1);
    expect(human.stdout).to.include('error:     RESOURCE_EXHAUSTED (8): GPU quota exhausted');
    expect(human.stdout).to.include('detail:    google.rpc.ErrorInfo {"reason":"QUOTA","domain":"example.com","metadata":{}}');
    expectOneErrorLine(human, new RegExp(`^longrunning: Operation ${op} failed with RESOURCE_EXHAUSTED: GPU quota exhausted$`));
    if (machine === undefined) return; // in process only
    expect(machine.code).to.equal(1);
    const document = json(machine);
    expect(document.state).to.equal('FAILED');
    expect(document.error).to.deep.equal({
      code: 8,
      codeName: 'RESOURCE_EXHAUSTED',
      message: 'GPU quota exhausted',
      details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: { reason: 'QUOTA', domain: 'example.com', metadata: {} } }],
    });
  },
});

add({
  title: 'wait on a cancelled operation exits 3',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('cancelled'), error: { code: 1, message: 'cancelled by the user' } });
    return cli([...base, 'wait', op]);
  },
  check: (result: CliResult) => {
    expect(result.code).to.equal(3);
    expect(result.stdout).to.include('state:     CANCELLED');
    expectOneErrorLine(result, /failed with CANCELLED: cancelled by the user/);
  },
});

add({
  title: 'wait --timeout 200ms on a running operation exits 4',
  start: async ({ mode, server, base, cli, name }) => {
    const op = server.createOperation({ name: name('slow'), metadata: struct({ progressPercent: 5 }) });
    const [human, machine] = await Promise.all([
      cli([...base, 'wait', op, '--timeout', '200ms']),
      // Long enough to have seen the operation once (one RPC, even on a loaded machine),
      // whose state the error document then carries.
      mode === 'in process' ? cli([...base, 'wait', op, '--timeout', '5s', '--json']) : undefined,
    ]);
    return { op, human, machine };
  },
  check: ({ op, human, machine }) => {
    expect(human.code).to.equal(4);
    expect(human.stdout).to.equal('');
    expectOneErrorLine(human, new RegExp(`Stopped waiting for operation ${op} after 200 ms; the operation may still be running`));
    if (machine === undefined) return; // in process only
    expect(machine.code).to.equal(4);
    const document = json(machine);
    expect(document.error).to.include({ kind: 'PollTimeoutError', exitCode: 4 });
    expect(document.operation).to.include({ name: op, state: 'RUNNING' });
  },
});

add({
  title: 'get --timeout is the RPC deadline: a slower server exits 4',
  only: 'in process',
  start: async ({ cli, name }) => {
    const slow = await InMemoryOperationsServer.start({ faults: { unavailableRate: 0, latencyMs: 2_000, methods: ['GetOperation'] } });
    try {
      const op = slow.createOperation({ name: name('slow') });
      return await cli(['--address', slow.address, '--insecure', 'get', op, '--timeout', '150ms']);
    } finally {
      await slow.stop();
    }
  },
  check: (result: CliResult) => {
    expect(result.code).to.equal(4);
    expectOneErrorLine(result, /GetOperation failed with DEADLINE_EXCEEDED/);
  },
});

add({
  title: 'wait on an unknown operation exits 5',
  start: ({ base, cli, name }) => cli([...base, 'wait', name('missing')]),
  check: (result: CliResult) => {
    expect(result.code).to.equal(5);
    expectOneErrorLine(result, /NOT_FOUND/);
  },
});

add({
  title: 'wait is interrupted by SIGINT: exit 130, no hang',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('forever') });
    return cli([...base, 'wait', op], { interruptAfter: whenCalled(server, op) });
  },
  check: (result: CliResult) => {
    expect(result.signal).to.equal(null);
    expect(result.code).to.equal(130);
    expectOneErrorLine(result, /^longrunning: interrupted$/);
  },
});

add({
  title: 'wait on an address where nothing listens exits 5 with one UNAVAILABLE line instead of waiting forever',
  start: async ({ cli, name }) => {
    const port = await closedPort();
    return cli(['--address', `127.0.0.1:${port}`, '--insecure', 'wait', name('nowhere')]);
  },
  check: (result: CliResult) => {
    expect(result.signal, 'not killed by the harness').to.equal(null);
    expect(result.code).to.equal(5);
    expectOneErrorLine(result, /UNAVAILABLE/);
  },
});

add({
  title: 'wait --debug says what it waits for, where, and each state it receives',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('debug'), metadata: struct({ progressPercent: 10 }) });
    void whenCalled(server, op).then(() => server.complete(op, struct({ rows: 1 })));
    return { op, address: server.address, result: await cli([...base, '--debug', 'wait', op]) };
  },
  check: ({ op, address, result }: { op: string; address: string; result: CliResult }) => {
    expect(result.code, result.stderr).to.equal(0);
    const stderr = lines(result.stderr).filter((line) => line !== '');
    expect(stderr[0]).to.match(new RegExp(`^longrunning: waiting for ${op} at ${address.replace(/\./g, '\\.')} `));
    expect(stderr[1]).to.equal(`longrunning: ${op}: running, metadata type.googleapis.com/google.protobuf.Struct (${struct({ progressPercent: 10 }).value.length} bytes)`);
    expect(stderr[stderr.length - 1]).to.match(new RegExp(`^longrunning: ${op}: done`));
  },
});

// ---- watch ----------------------------------------------------------------------------

add({
  title: 'watch prints plain progress lines from metadata$ when stdout is not a TTY, then the result',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('progress') });
    void whenCalled(server, op).then(() => server.script(op, [
      progress(400, 25), progress(400, 50), progress(400, 75),
      { afterMs: 400, done: true, response: struct({ rows: 3 }) },
    ]));
    return { op, result: await cli([...base, 'watch', op, '--interval', '100ms']) };
  },
  check: ({ op, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    // metadata$ samples the server: how many of the intermediate values a run sees depends
    // on timing. Guaranteed: at least one progress line, only values the server had, in
    // the order they happened, each once, ending with the last one (the done state's),
    // then the done line.
    const output = lines(result.stdout);
    const progressLines = output.filter((line) => /^\S+ {2}\d+% RUNNING$/.test(line));
    expect(progressLines, result.stdout).to.not.be.empty;
    for (const line of progressLines) expect(line, result.stdout).to.match(new RegExp(`^${op}  (25|50|75)% RUNNING$`));
    const percents = progressLines.map((line) => Number(/(\d+)%/.exec(line)![1]));
    expect(percents, 'increasing, each value once').to.deep.equal([...new Set(percents)].sort((a, b) => a - b));
    expect(progressLines.at(-1), 'the last progress value').to.equal(`${op}  75% RUNNING`);
    const doneLine = output.indexOf(`${op}  SUCCEEDED`);
    expect(doneLine, `the done line in\n${result.stdout}`).to.be.greaterThan(output.lastIndexOf(progressLines.at(-1)!));
    expect(result.stdout).to.include('response:  google.protobuf.Struct {"rows":3}');
    expect(result.stdout).not.to.include('\u001b['); // no terminal control sequences
  },
});

add({
  title: 'watch --json prints only the final operation, no progress',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('json'), metadata: struct({ progressPercent: 10 }) });
    void whenCalled(server, op).then(() => server.script(op, [progress(100, 60), { afterMs: 100, done: true }]));
    return cli([...base, 'watch', op, '--json', '--interval', '50ms']);
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    const document = json(result);
    expect(document).to.include({ done: true, state: 'SUCCEEDED' });
    expect(document.metadata.value).to.deep.equal({ progressPercent: 60, state: 'RUNNING' });
  },
});

add({
  title: 'watch shows the state text when the metadata has no percentage',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('stage'), metadata: struct({ stage: 'COPYING' }) });
    void whenCalled(server, op).then(() => server.script(op, [{ afterMs: 300, done: true }]));
    return { op, result: await cli([...base, 'watch', op, '--interval', '100ms']) };
  },
  check: ({ op, result }) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(lines(result.stdout)).to.include.members([`${op}  COPYING`, `${op}  SUCCEEDED`]);
    expect(result.stdout).to.include('response:  (none)');
  },
});

add({
  title: 'watch shows typed metadata: its enum state with --proto, its type name without',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('typed'), metadata: types.pack('example.v1.ExportMetadata', { state: 'FINISHING' }) });
    void whenCalled(server, op).then(() => server.script(op, [{ afterMs: 500, done: true }]));
    const [typed, untyped] = await Promise.all([
      cli([...base, ...PROTO_FLAGS, 'watch', op, '--interval', '100ms']),
      cli([...base, 'watch', op, '--interval', '100ms']),
    ]);
    return { op, typed, untyped };
  },
  check: ({ op, typed, untyped }) => {
    expect(typed.code, typed.stderr).to.equal(0);
    expect(lines(typed.stdout)).to.include(`${op}  FINISHING`);
    expect(untyped.code, untyped.stderr).to.equal(0);
    expect(lines(untyped.stdout)).to.include(`${op}  example.v1.ExportMetadata`);
  },
});

add({
  title: 'watch of an operation that fails exits 1 with a FAILED line',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('fails'), metadata: struct({ progressPercent: 10, state: 'RUNNING' }) });
    void whenCalled(server, op).then(() => server.script(op, [{ afterMs: 200, error: { code: 13, message: 'boom' } }]));
    return { op, result: await cli([...base, 'watch', op, '--interval', '100ms']) };
  },
  check: ({ op, result }) => {
    expect(result.code).to.equal(1);
    expect(lines(result.stdout)).to.include.members([`${op}  10% RUNNING`, `${op}  FAILED: boom`]);
    expectOneErrorLine(result, /failed with INTERNAL: boom/);
  },
});

add({
  title: 'watch --metadata-type ends with exit 6 when the metadata is of another type',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('wrong-meta'), metadata: struct({ progressPercent: 10 }) });
    return cli([...base, ...PROTO_FLAGS, 'watch', op, '--metadata-type', 'example.v1.ExportMetadata']);
  },
  check: (result: CliResult) => {
    expect(result.code).to.equal(6);
    expectOneErrorLine(result, /example\.v1\.ExportMetadata/);
  },
});

add({
  title: 'watch is interrupted by SIGINT: the bar stops, exit 130, no hang',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('endless'), metadata: struct({ progressPercent: 10, state: 'RUNNING' }) });
    return cli([...base, 'watch', op], { interruptOn: (stdout) => stdout.includes('10% RUNNING') });
  },
  check: (result: CliResult) => {
    expect(result.signal).to.equal(null);
    expect(result.code).to.equal(130);
    expect(result.stdout).to.match(/10% RUNNING\n$/);
    expectOneErrorLine(result, /^longrunning: interrupted$/);
  },
});

// ---- cancel, delete -------------------------------------------------------------------

add({
  title: 'cancel asks the server to cancel; a later wait exits 3',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('to-cancel') });
    const cancelled = await cli([...base, 'cancel', op]);
    const code = server.get(op)?.error?.code;
    const waited = await cli([...base, 'wait', op, '--json']);
    return { op, cancelled, code, waited };
  },
  check: ({ op, cancelled, code, waited }) => {
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(cancelled.stdout).to.include(`Cancellation requested for ${op}`);
    expect(code).to.equal(1);
    expect(waited.code).to.equal(3);
    expect(json(waited)).to.include({ state: 'CANCELLED' });
  },
});

add({
  title: 'delete removes the operation; a later get exits 5',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('to-delete'), response: struct({}) });
    const deleted = await cli([...base, 'delete', op, '--json']);
    const present = server.get(op) !== undefined;
    const got = await cli([...base, 'get', op]);
    return { op, deleted, present, got };
  },
  check: ({ op, deleted, present, got }) => {
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(json(deleted)).to.deep.equal({ name: op, deleted: true });
    expect(present).to.equal(false);
    expect(got.code).to.equal(5);
  },
});

add({
  title: 'cancel and delete of unknown operations exit 5; cancel --json prints one document',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('c') });
    return Promise.all([
      cli([...base, 'cancel', name('missing')]),
      cli([...base, 'delete', name('missing')]),
      cli([...base, 'cancel', op, '--json']),
    ]);
  },
  check: ([cancel, remove, cancelJson]: CliResult[]) => {
    expect(cancel.code).to.equal(5);
    expectOneErrorLine(cancel, /CancelOperation failed with NOT_FOUND/);
    expect(remove.code).to.equal(5);
    expectOneErrorLine(remove, /DeleteOperation failed with NOT_FOUND/);
    expect(cancelJson.code).to.equal(0);
    expect(json(cancelJson)).to.have.property('cancelRequested', true);
  },
});

// ---- connection, TLS, headers ---------------------------------------------------------

add({
  title: 'connects over TLS by default (--ca trusts a custom root) and sends --header values without printing them',
  start: async ({ mode, tls, caFile, cli, name }) => {
    const op = tls.createOperation({ name: name('tls'), response: struct({ secure: true }) });
    // A child connects to the IP address: the TLS server name is then an IP, which Node warns
    // about (DEP0123) and the CLI must not print. In process, that warning would go to the
    // test run's own stderr, so the host name is used.
    const address = mode === 'child process' ? tls.address : `localhost:${tls.port}`;
    const flags = ['--address', address, '--ca', caFile, '--header', `authorization: Bearer ${SECRET}`, '--header', 'x-api-key=k3y'];
    const ok = await cli([...flags, 'get', op]);
    const call = tls.calls.find((record) => record.name === op);
    // wait: the handle's polls (an initial GetOperation, then waits or polls) carry them too.
    const later = tls.createOperation({ name: name('tls-later') });
    void whenCalled(tls, later).then(() => tls.script(later, [{ afterMs: 150, done: true, response: struct({ rows: 7 }) }]));
    const waited = await cli([...flags, 'wait', later]);
    const polls = tls.calls.filter((record) => record.name === later);
    return { ok, headers: call?.metadata, waited, polls };
  },
  check: ({ ok, headers, waited, polls }) => {
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stderr).to.equal('');
    expect(ok.stdout).to.include('{"secure":true}');
    expect(headers).to.include({ authorization: `Bearer ${SECRET}`, 'x-api-key': 'k3y' });
    expect(waited.code, waited.stderr).to.equal(0);
    expect(waited.stderr).to.equal('');
    expect(waited.stdout).to.not.include(SECRET);
    expect(polls.length, 'the initial GetOperation and at least one poll').to.be.at.least(2);
    expect(polls.map((record) => record.method)).to.include.members(['GetOperation']);
    for (const record of polls) {
      expect(record.metadata, record.method).to.include({ authorization: `Bearer ${SECRET}`, 'x-api-key': 'k3y' });
    }
  },
});

add({
  title: '--debug adds the stack trace to the error line, still without header values',
  only: 'in process',
  start: ({ tls, caFile, cli, name }) =>
    cli(['--address', `localhost:${tls.port}`, '--ca', caFile, '--header', `authorization: Bearer ${SECRET}`, 'get', name('missing'), '--debug']),
  check: (result: CliResult) => {
    expect(result.code).to.equal(5);
    expect(result.stderr).to.match(/^longrunning: GetOperation failed with NOT_FOUND.*\nRpcError: .*\n\s+at /);
  },
});

add({
  title: 'without --insecure against a plaintext server: one clean line that says to pass --insecure, exit 5',
  // As users run it, at the IP address (not "localhost", which may also resolve to an ::1
  // that refuses): the CLI silences Node's DEP0123 warning about an IP as TLS server name,
  // which in process would reach the test run's own stderr.
  only: 'child process',
  start: ({ server, cli, name }) => cli(['--address', server.address, 'get', name('plaintext')]),
  check: (result: CliResult, { server }) => {
    expect(result.code, result.stderr).to.equal(5);
    expect(result.stdout).to.equal('');
    expectOneErrorLine(result, new RegExp(`^longrunning: GetOperation failed with UNAVAILABLE: the server at ${server.address.replace(/\./g, '\\.')} ` +
      'does not speak TLS \\(the TLS handshake failed: wrong version number\\)\\. For a plaintext server pass `insecure: true` \\(`--insecure` in the CLI\\)$'));
    expect(result.stderr).not.to.include('Resolution note');
  },
});

add({
  title: 'LONGRUNNING_ADDRESS supplies the address',
  only: 'in process',
  start: async ({ server, cli, name }) => {
    const op = server.createOperation({ name: name('env'), response: struct({}) });
    return cli(['--insecure', 'get', op], { env: { LONGRUNNING_ADDRESS: server.address } });
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('state:     SUCCEEDED');
  },
});

// ---- usage errors ---------------------------------------------------------------------

const usage = (title: string, args: (ctx: Context) => string[], pattern: RegExp, only?: Mode): void => add({
  title: `usage error (exit 2): ${title}`,
  ...(only === undefined ? {} : { only }),
  start: (ctx) => ctx.cli(args(ctx)),
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stdout).to.equal('');
    expectOneErrorLine(result, pattern);
  },
});

usage('unknown command', ({ base }) => [...base, 'frobnicate'], /^longrunning: unknown command 'frobnicate'/);
usage('missing --address', () => ['--insecure', 'get', 'operations/x'],
  /^longrunning: missing --address host:port or --base-url URL \(or set LONGRUNNING_ADDRESS or LONGRUNNING_BASE_URL\)$/);
usage('bad --timeout', ({ base }) => [...base, 'wait', 'operations/x', '--timeout', '5parsecs'],
  /'--timeout <duration>' argument '5parsecs' is invalid. Expected a duration such as 500ms, 30s, 5m/);
usage('bad --page-size', ({ base }) => [...base, 'list', '--page-size', 'ten'],
  /'--page-size <n>' argument 'ten' is invalid. Expected a whole number from 1 to 2147483647/);
usage('zero --timeout', ({ base }) => [...base, 'get', 'operations/x', '--timeout', '0'], /at least 1ms/, 'in process');
usage('negative --page-size', ({ base }) => [...base, 'list', '--page-size', '-3'], /whole number/, 'in process');
usage('bad --interval', ({ base }) => [...base, 'watch', 'x', '--interval', 'often'], /--interval/, 'in process');
usage('missing operation name', ({ base }) => [...base, 'get'], /missing required argument 'name'/, 'in process');
usage('too many arguments', ({ base }) => [...base, 'get', 'a', 'b'], /too many arguments/, 'in process');
usage('unknown option', ({ base }) => [...base, 'get', 'a', '--frobnicate'], /unknown option '--frobnicate'/, 'in process');
usage('malformed --address', () => ['--address', 'localhost:99999', '--insecure', 'get', 'a'],
  /^longrunning: --address expects host:port/, 'in process');
usage('--insecure with --ca', ({ base, caFile }) => [...base, '--ca', caFile, 'get', 'a'], /exclude each other/, 'in process');
usage('unreadable --ca', ({ server }) => ['--address', server.address, '--ca', 'no/such/ca.pem', 'get', 'a'], /cannot read --ca/, 'in process');
usage('malformed --header', ({ base }) => [...base, '--header', 'no separator', 'get', 'a'], /--header expects "name: value"/, 'in process');
usage('a credential --header over --insecure', ({ base }) => [...base, '--header', 'authorization: Bearer plain-secret', 'get', 'a'],
  /--header: credential headers are not sent over --insecure/, 'in process');
usage('--include without --proto', ({ base }) => [...base, '--include', 'protos', 'get', 'a'], /--include needs --proto/, 'in process');
usage('missing --proto file', ({ base }) => [...base, '--proto', 'no/such.proto', 'get', 'a'],
  /cannot load --proto no\/such\.proto: .*looked for .*no\/such\.proto\); pass the directory its path is relative to in --include/, 'in process');
usage('unknown --response-type', ({ base }) => [...base, 'get', 'a', '--response-type', 'pkg.Nope'], /--response-type pkg\.Nope/, 'in process');
usage('--method without --proto', ({ base }) => [...base, 'get', 'a', '--method', 'a.B.C'], /--method needs --proto/, 'in process');
usage('--method that is not long-running', ({ base }) => [...base, ...PROTO_FLAGS, 'get', 'a', '--method', 'example.v1.ExportService.Describe'],
  /operation_info/, 'in process');
usage('an operation name the SDK refuses', ({ base }) => [...base, 'get', 'bad\u0001name'],
  /^longrunning: name "bad\\u0001name" contains the control character U\+0001 at index 3 \(expected a non-empty operation name of at most 4096 UTF-8 bytes/, 'in process');
usage('a C1 control character in a name, by the SDK\'s one rule, escaped in the line', ({ base }) => [...base, 'wait', 'operations/a\u0085b'],
  /^longrunning: name "operations\/a\\u0085b" contains the control character U\+0085 at index 12 \(expected/);
usage('a collection name over the length bound', ({ base }) => [...base, 'list', 'x'.repeat(4097)],
  /^longrunning: parent "x{64}\.\.\." is 4097 bytes long in UTF-8; at most 4096 are allowed/, 'in process');
usage('an empty name, refused before connecting', () => ['cancel', ''], /^longrunning: name "" is empty \(expected/, 'in process');

add({
  title: 'usage error with --json: the error document on stdout too',
  only: 'in process',
  start: ({ cli }) => cli(['get', 'a', '--json', '--timeout', 'soon']),
  check: (result: CliResult) => {
    expect(result.code).to.equal(2);
    expectOneErrorLine(result, /--timeout/);
    expect(json(result).error).to.include({ kind: 'UsageError', exitCode: 2 });
  },
});

add({
  title: 'no command prints the help to stderr and exits 2',
  only: 'in process',
  start: ({ cli }) => cli([]),
  check: (result: CliResult) => {
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.include('Usage: longrunning');
  },
});

// ---- help, version, demo --------------------------------------------------------------

add({
  title: '--help lists the commands, the flags and the exit codes',
  only: 'in process',
  start: ({ cli }) => Promise.all([cli(['--help']), cli(['watch', '--help'])]),
  check: ([main, watch]: CliResult[]) => {
    expect(main.code).to.equal(0);
    for (const word of ['get', 'list', 'wait', 'watch', 'cancel', 'delete', 'demo', '--address', '--base-url', '--http-rules',
      '--insecure', '--proto', '--include', '--json', '--timeout', '--debug', 'LONGRUNNING_ADDRESS', 'LONGRUNNING_BASE_URL']) {
      expect(main.stdout).to.include(word);
    }
    expect(main.stdout).to.include('Exit codes:');
    expect(main.stdout).to.match(/^ {2}4 {4}timeout/m);
    expect(watch.code).to.equal(0);
    expect(watch.stdout).to.include('--interval <duration>');
    expect(watch.stdout).to.include('Global Options:');
    expect(watch.stdout).to.include('Exit codes:');
  },
});

add({
  title: 'list --help states the default of [parent] once; list without it lists everything',
  only: 'in process',
  start: async ({ server, base, cli, name }) => {
    const op = server.createOperation({ name: name('anywhere') });
    return { op, help: await cli(['list', '--help']), listed: await cli([...base, 'list', '--all', '--json']) };
  },
  check: ({ op, help, listed }: { op: string; help: CliResult; listed: CliResult }) => {
    expect(help.code).to.equal(0);
    const parent = /^ {2}parent\b[\s\S]*?(?=\n\n)/m.exec(help.stdout)?.[0] ?? '';
    expect(parent, help.stdout).to.include('default');
    expect(parent.match(/\(default:/g), parent).to.have.length(1);
    expect(help.stdout).not.to.include('(default: "")');
    expect(listed.code, listed.stderr).to.equal(0);
    expect(json(listed).operations.map((o: { name: string }) => o.name)).to.include(op);
  },
});

add({
  title: 'demo --help offers only the flags demo uses, and demo refuses connection flags',
  only: 'in process',
  start: async ({ cli }) => ({
    help: await cli(['demo', '--help']),
    refused: await cli(['demo', '--address', '127.0.0.1:1', '--insecure']),
  }),
  check: ({ help, refused }: { help: CliResult; refused: CliResult }) => {
    expect(help.code).to.equal(0);
    for (const flag of ['--address', '--base-url', '--insecure', '--ca', '--http-rules', '--header', '--proto', '--include', '--timeout']) {
      expect(help.stdout, `demo --help offers ${flag}`).not.to.match(new RegExp(`^\\s+${flag}\\b`, 'm'));
    }
    expect(help.stdout).to.match(/^\s+--json\b/m);
    expect(help.stdout).to.match(/^\s+--debug\b/m);
    expect(refused.code).to.equal(2);
    expect(refused.stdout).to.equal('');
    expectOneErrorLine(refused, /demo .*does not use --address, --insecure/);
  },
});

add({
  title: '--version prints the package version',
  only: 'in process',
  start: ({ cli }) => cli(['--version']),
  check: (result: CliResult) => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(result.code).to.equal(0);
    expect(result.stdout.trim()).to.equal(version);
  },
});

add({
  title: 'demo runs the simulated jobs and prints the summary, exiting 0 by itself',
  start: ({ cli }) => cli(['demo']),
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
    expect(result.stdout).to.match(/^operations\/long-import\s+\d+% (READING|WRITING)$/m);
    expect(result.stdout).to.include('cancelling through the SDK');
    expect(result.stdout).to.match(/^ {2}page 1: \S+, \S+$/m);
    expect(result.stdout).to.include('Summary:');
    expect(result.stdout).to.match(/^ {2}operations\/fast-export\s+SUCCEEDED/m);
    expect(result.stdout).to.match(/^ {2}operations\/long-import\s+SUCCEEDED/m);
    expect(result.stdout).to.match(/^ {2}operations\/failing-train\s+FAILED\s+RESOURCE_EXHAUSTED: GPU quota exhausted; details: google\.rpc\.ErrorInfo/m);
    expect(result.stdout).to.match(/^ {2}operations\/cancelled-scan\s+CANCELLED/m);
    expect(result.stdout).to.match(/^4 jobs finished in [\d.]+ s with \d+ RPCs \(.*WaitOperation \d+/m);
  },
});

add({
  title: 'demo --json prints one document with each job\'s outcome, the pages and the RPC count',
  only: 'in process',
  start: ({ cli }) => cli(['demo', '--json']),
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    const document = json(result);
    expect(document.jobs.map((job: { name: string; state: string }) => `${job.name} ${job.state}`)).to.deep.equal([
      'operations/fast-export SUCCEEDED',
      'operations/long-import SUCCEEDED',
      'operations/failing-train FAILED',
      'operations/cancelled-scan CANCELLED',
    ]);
    expect(document.jobs[2].operation.error.details[0].value).to.include({ reason: 'GPU_QUOTA_EXCEEDED' });
    expect(document.pages).to.have.length(2);
    expect(document.rpcs.total).to.be.above(4);
    expect(document.rpcs.byMethod).to.have.property('CancelOperation', 1);
  },
});

/** What the web demo served while it ran, fetched as the page would. */
interface WebDemoServed {
  readonly page: string;
  readonly bundle: string;
  readonly started: { baseUrl: string; operations: Array<{ name: string; title: string }> };
  /** GetOperation of the first scripted operation over the embedded server's HTTP/JSON front-end. */
  readonly operation: { name?: string };
}

async function fetchWebDemo(url: string): Promise<WebDemoServed> {
  const text = async (response: Response) => {
    expect(response.status, response.url).to.equal(200);
    return response.text();
  };
  const page = await text(await fetch(url));
  const bundle = await text(await fetch(new URL('/client.js', url)));
  const started = JSON.parse(await text(await fetch(new URL('/start', url), { method: 'POST' }))) as WebDemoServed['started'];
  const first = started.operations[0]?.name ?? '';
  const operation = JSON.parse(await text(await fetch(`${started.baseUrl}/v1/${first}`))) as WebDemoServed['operation'];
  return { page, bundle, started, operation };
}

add({
  title: 'demo --web serves the page, the browser bundle and scripted operations until Ctrl-C, then stops and exits 0',
  start: async ({ cli }) => {
    let served: Promise<WebDemoServed> | undefined;
    let onServed!: (done: Promise<WebDemoServed>) => void;
    const servedOnce = new Promise<Promise<WebDemoServed>>((resolve) => { onServed = resolve; });
    const result = await cli(['demo', '--web'], {
      interruptOn: (stdout) => {
        const url = /Open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
        if (url !== undefined && served === undefined) {
          served = fetchWebDemo(url);
          onServed(served);
        }
        return false; // interrupted once the fetches are done (interruptAfter)
      },
      interruptAfter: servedOnce.then((done) => done),
    });
    const url = /Open (\S+)/.exec(result.stdout)?.[1];
    const afterStop = url === undefined ? 'no url' : await fetch(url).then(() => 'answered', () => 'refused');
    return { result, served: await (served ?? Promise.reject(new Error(`no URL printed: ${result.stdout}${result.stderr}`))), afterStop };
  },
  check: ({ result, served, afterStop }: { result: CliResult; served: WebDemoServed; afterStop: string }) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
    expect(result.stdout).to.match(/Open http:\/\/127\.0\.0\.1:\d+\//);
    expect(result.stdout).to.match(/Stopped\.\n$/);
    expect(served.page).to.include('<script type="module" src="/page.mjs">');
    expect(served.bundle).to.include('OperationsClient');
    expect(served.started.baseUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.started.operations.map((op) => op.name.split('/').pop())).to.deep.equal([
      'export-orders', 'export-customers', 'reindex-search', 'backup-warehouse', 'scan-archive',
    ]);
    expect(served.operation.name).to.equal(served.started.operations[0].name);
    expect(afterStop, 'the page\'s site is closed after Ctrl-C').to.equal('refused');
  },
});

// ---- the suites -----------------------------------------------------------------------

for (const mode of ['child process', 'in process'] as const) {
  let server: InMemoryOperationsServer | undefined;
  let tls: InMemoryOperationsServer | undefined;
  let dir: string | undefined;
  describeCliCases<Context>(`longrunning CLI (${mode})`, mode, cases, {
    async setUp(cli) {
      types ??= await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [path.join(REPO_ROOT, 'test', 'fixtures', 'protos')] });
      certificate ??= makeTestCertificate();
      const { cert, key } = await certificate;
      dir = mkdtempSync(path.join(tmpdir(), 'longrunning-cli-'));
      const caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, cert);
      const plaintext = await InMemoryOperationsServer.start();
      const secure = await InMemoryOperationsServer.start({ credentials: tlsServerCredentials({ cert, key }) });
      server = plaintext;
      tls = secure;
      const base = ['--address', plaintext.address, '--insecure'];
      return (index) => ({ mode, server: plaintext, tls: secure, caFile, base, cli, name: (id) => `cli/c${index}/${id}` });
    },
    async tearDown() {
      await server?.stop();
      await tls?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    outputs: {
      title: 'never prints credentials or authorization metadata',
      check(everything) {
        expect(everything).not.to.match(/authorization/i);
        expect(everything).not.to.match(/bearer/i);
        expect(everything).not.to.include(SECRET);
        expect(everything).not.to.include('k3y');
      },
    },
  });
}
