/**
 * The long-running operation handle over real loopback gRPC and HTTP/JSON (the suite
 * runs once per client transport) against the embedded server: every member of API.md's handle table, the typed errors, the polling
 * strategies and deadlines, sharing of the poll loop, and the google-gax LRO bugs this
 * SDK must not repeat (hangs, second loops, lost details, unhandled rejections, timers
 * that keep the process alive).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observable, Subscription } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import {
  ClientClosedError, LongRunningError, OperationCancelledError, OperationFailedError, PollTimeoutError, RpcError,
  TypeMismatchError,
} from '../../src/errors.js';
import type { InMemoryOperationsServer, OperationsMethod } from '../../src/testing/in-memory-server.js';
import type { Any, PollingOptions } from '../../src/types.js';
import { CHILD_DEADLINE_MS, childrenTimeoutMs } from '../helpers/children.js';
import { heldClock } from '../helpers/held-clock.js';
import {
  TRANSPORTS, connectionTo, startServerAndClient, withServerAndClient,
} from '../helpers/server-and-client.js';
import { afterPolls } from '../helpers/after-polls.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROTOS = path.join(here, '..', 'fixtures', 'protos');
const EXPORT = 'example.v1.ExportService.Export';
const EXPORT_RESPONSE = 'example.v1.ExportResponse';
const EXPORT_METADATA = 'example.v1.ExportMetadata';

const CANCELLED = 1;
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const FAILED_PRECONDITION = 9;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;

/** Polls fast, so GetOperation-based tests take tens of milliseconds. */
const FAST_POLL: PollingOptions = { strategy: 'poll', initialDelayMs: 5, maxDelayMs: 10, jitter: 0 };

const wkt = TypeRegistry.empty();
const struct = (value: Record<string, unknown>): Any => wkt.pack('google.protobuf.Struct', value);
const errorInfo = (reason: string): Any => wkt.pack('google.rpc.ErrorInfo', { reason, domain: 'example.com', metadata: { zone: 'a' } });

interface Progress { percent: number }

const delay = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms);
});

/**
 * Waits (in real time) until `predicate` holds; fails the test after `timeoutMs`, a
 * hang guard far above what any wait here needs on an idle machine.
 */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) expect.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(2);
  }
}

/** The rejection of `promise`; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  return expect.fail(`expected a rejection, got a resolution with ${JSON.stringify(value)}`);
}

/** `promise`, or a failure when it has not settled within `ms` (it hangs): a hang guard, not a speed check. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Everything an observable delivers; `ended` settles at its completion or error. */
interface Recording<T> {
  values: T[];
  completed: boolean;
  error: unknown;
  errored: boolean;
  ended: Promise<void>;
  subscription: Subscription;
}

/** Records `source`; `onFirst` runs synchronously with the first value (before the loop's next RPC). */
function record<T>(source: Observable<T>, onFirst?: (value: T) => void): Recording<T> {
  let end!: () => void;
  const recording = {
    values: [] as T[],
    completed: false,
    error: undefined,
    errored: false,
    ended: new Promise<void>((resolve) => {
      end = resolve;
    }),
  } as Recording<T>;
  recording.subscription = source.subscribe({
    next: (value) => {
      recording.values.push(value);
      if (recording.values.length === 1) onFirst?.(value);
    },
    error: (error: unknown) => {
      recording.errored = true;
      recording.error = error;
      end();
    },
    complete: () => {
      recording.completed = true;
      end();
    },
  });
  return recording;
}

/**
 * The wait-for-exit bound of the child tests: far above any exit on a loaded machine,
 * far below the 60 s timers (a poll delay, a call deadline) a leak would leave.
 */
const EXIT_LAG_MS = 20_000;

/** Runs a TypeScript child script with tsx; resolves its stdout lines (JSON) and when it exited. */
function runChild(script: string, args: string[]): Promise<{ lines: Record<string, unknown>[]; exitedAt: number }> {
  // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage (see transport-security).
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(here, '..', 'helpers', script), ...args], {
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      // A child that never exits on its own is killed here and fails the test.
      timeout: CHILD_DEADLINE_MS,
    }, (error, stdout, stderr) => {
      const exitedAt = Date.now();
      if (error) {
        reject(new Error(`${script} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
        return;
      }
      const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ lines, exitedAt });
    });
  });
}

function refedTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

for (const transport of TRANSPORTS) describe(`LongRunningOperation (integration, ${transport})`, function () {
  // A hang guard: the waits below are bounded by waitFor/within first.
  this.timeout(20_000);
  let types: TypeRegistry;
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;

  before(async () => {
    types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
  });

  beforeEach(async () => {
    ({ server, client, stop } = await startServerAndClient({
      transport,
      // Over HTTP/JSON the server renders the example types' Anys as JSON: it needs them too.
      server: transport === 'http' ? { types } : {},
      client: {
        types,
        polling: { initialDelayMs: 10, maxDelayMs: 50 },
        retry: { initialDelayMs: 5, maxDelayMs: 20 },
      },
    }));
  });

  afterEach(() => stop());

  const callsFor = (name: string, method?: OperationsMethod) =>
    server.calls.filter((call) => call.name === name && (method === undefined || call.method === method));
  const pendingWait = (what = 'a WaitOperation to be pending') => waitFor(() => server.pendingWaits === 1, what);
  const waitTimeouts = (name: string) =>
    callsFor(name, 'WaitOperation').map((call) => (call.request as { timeoutMs?: number }).timeoutMs);
  /** The WaitOperation with this slice is held (not a shorter one before it, such as a probe). */
  const longWaitHeld = (name: string, sliceMs: number, what: string) =>
    waitFor(() => server.pendingWaits === 1 && waitTimeouts(name).at(-1) === sliceMs, what);

  describe('an Operation that is already done (the first response)', () => {
    it('resolves with the unpacked response without any RPC', async () => {
      const op = client.operation<Record<string, unknown>, Progress>({
        name: 'operations/first-done',
        done: true,
        metadata: struct({ percent: 100 }),
        response: struct({ rows: 7 }),
      });
      expect(op.name).to.equal('operations/first-done');
      expect(op.latest).to.deep.include({ name: 'operations/first-done', done: true, metadata: { percent: 100 }, response: { rows: 7 } });
      expect(await op.promise()).to.deep.equal({ rows: 7 });
      const states = record(op.state$);
      const metadata = record(op.metadata$);
      expect(states.values.map((s) => s.done)).to.deep.equal([true]);
      expect(states.completed).to.equal(true);
      expect(metadata.values).to.deep.equal([{ percent: 100 }]);
      expect(metadata.completed).to.equal(true);
      expect((await op.poll()).response).to.deep.equal({ rows: 7 });
      expect(server.calls).to.have.length(0);
    });

    it('done with an error rejects OperationFailedError with the full status, details kept, and no RPC', async () => {
      const status = { code: FAILED_PRECONDITION, message: 'bucket is gone', details: [errorInfo('BUCKET_DELETED')] };
      const op = client.operation({ name: 'operations/first-failed', done: true, error: status });
      const error = await rejection(op.promise()) as OperationFailedError;
      expect(error).to.be.instanceOf(OperationFailedError).and.instanceOf(LongRunningError);
      expect(error).to.not.be.instanceOf(OperationCancelledError);
      expect(error.name).to.equal('OperationFailedError');
      expect(error.code).to.equal(FAILED_PRECONDITION);
      expect(error.operationName).to.equal('operations/first-failed');
      expect(error.status).to.deep.equal(status);
      expect(wkt.unpack(error.status.details[0], 'google.rpc.ErrorInfo')).to.deep.include({ reason: 'BUCKET_DELETED' });
      expect(await rejection(op.promise()), 'the same error on every call').to.equal(error);
      expect(server.calls).to.have.length(0);
    });

    it('done with code 1 rejects OperationCancelledError, which is an OperationFailedError', async () => {
      const op = client.operation({ name: 'operations/first-cancelled', done: true, error: { code: CANCELLED, message: 'stop', details: [] } });
      const error = await rejection(op.promise()) as OperationCancelledError;
      expect(error).to.be.instanceOf(OperationCancelledError).and.instanceOf(OperationFailedError);
      expect(error.name).to.equal('OperationCancelledError');
      expect(error.code).to.equal(CANCELLED);
      expect(error.status).to.deep.equal({ code: CANCELLED, message: 'stop', details: [] });
      expect(server.calls).to.have.length(0);
    });

    it('done without a result resolves undefined, given up front or seen on the server', async () => {
      const given = client.operation({ name: 'operations/empty-result', done: true });
      expect(await given.promise()).to.equal(undefined);
      expect(server.calls).to.have.length(0);

      const name = server.createOperation();
      const op = client.operation(name);
      const waiting = op.promise();
      await pendingWait();
      server.complete(name);
      expect(await waiting).to.equal(undefined);
      expect(op.latest).to.deep.include({ done: true });
      expect(op.latest).to.not.have.property('response');
    });

    it('accepts the Operation shape google-gax produces (type_url, Buffer, result marker, nulls)', async () => {
      const packed = struct({ rows: 3, table: 'sales' });
      const gaxOperation = {
        name: 'operations/from-gax',
        done: true,
        result: 'response' as const,
        response: { type_url: packed.typeUrl, value: Buffer.from(packed.value) },
        metadata: null,
        error: null,
      };
      const op = client.operation(gaxOperation);
      expect(await op.promise()).to.deep.equal({ rows: 3, table: 'sales' });
      expect(op.latest?.raw).to.deep.equal({ name: 'operations/from-gax', done: true, response: packed });
      expect(server.calls).to.have.length(0);
    });
  });

  describe('promise()', () => {
    it('5 callers before completion and 3 after share one poll loop and one value, and never hang', async () => {
      const single = server.createOperation();
      const alone = client.operation(single);
      const aloneResult = alone.promise();
      await pendingWait();
      server.complete(single, struct({ rows: 1 }));
      await aloneResult;
      const singleCalls = callsFor(single).length;

      const name = server.createOperation();
      const op = client.operation(name);
      const early = [op.promise(), op.promise(), op.promise(), op.promise(), op.promise()];
      await pendingWait();
      server.complete(name, struct({ rows: 1 }));
      const earlyValues = await within(Promise.all(early), 5_000, 'the early promise() calls');
      const callsAtCompletion = callsFor(name).length;
      const lateValues = await within(Promise.all([op.promise(), op.promise(), op.promise()]), 5_000, 'promise() after completion');

      expect(callsAtCompletion, 'one loop, as for a single caller').to.equal(singleCalls);
      expect(callsFor(name, 'WaitOperation')).to.have.length(1);
      const first = earlyValues[0];
      expect(first).to.deep.equal({ rows: 1 });
      for (const value of [...earlyValues, ...lateValues]) expect(value).to.equal(first);
      expect(callsFor(name), 'promise() after completion sends nothing').to.have.length(callsAtCompletion);
    });

    it("the client's default metadata reaches every RPC of a handle, its polls included", async () => {
      await withServerAndClient({ transport, client: { metadata: { 'x-tenant': 'blue' } } }, async ({ server: own, client: tenant }) => {
        const name = own.createOperation();
        const op = tenant.operation(name);
        const result = op.promise();
        await waitFor(() => own.pendingWaits === 1, 'a WaitOperation to be pending');
        own.complete(name, struct({ rows: 1 }));
        await within(result, 5_000, 'the promise');
        await tenant.deleteOperation({ name }, { metadata: { 'x-why': 'cleanup' } });
        const calls = own.calls.filter((call) => call.name === name);
        expect(calls.map((call) => call.method)).to.include.members(['GetOperation', 'WaitOperation', 'DeleteOperation']);
        for (const call of calls.slice(0, -1)) expect(call.metadata, call.method).to.include({ 'x-tenant': 'blue' });
        expect(calls.at(-1)!.metadata).to.include({ 'x-tenant': 'blue', 'x-why': 'cleanup' });
      });
    });

    it("one caller's timeoutMs does not affect another caller without one", async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const patient = op.promise();
      const started = Date.now();
      const hasty = await rejection(op.promise({ timeoutMs: 150 })) as PollTimeoutError;
      expect(hasty).to.be.instanceOf(PollTimeoutError);
      expect(hasty.operationName).to.equal(name);
      // Not before its time (how much later depends on the machine's load).
      expect(Date.now() - started).to.be.at.least(140);
      await pendingWait('the shared wait to go on');
      server.complete(name, struct({ ok: true }));
      expect(await patient).to.deep.equal({ ok: true });
      expect(callsFor(name, 'WaitOperation'), 'the loop was not restarted').to.have.length(1);
    });
  });

  describe('unpacking response and metadata', () => {
    it('unpacks to plain objects with the types of the method\'s operation_info', async () => {
      const name = server.createOperation({ metadata: types.pack(EXPORT_METADATA, { state: 'RUNNING', processedBytes: '1024' }) });
      const op = client.operation<Record<string, unknown>, Record<string, unknown>>(name, { method: EXPORT });
      const waiting = op.promise();
      await pendingWait();
      expect(op.latest?.metadata).to.deep.include({ state: 'RUNNING', processedBytes: '1024', paused: false });
      server.setMetadata(name, types.pack(EXPORT_METADATA, { state: 'FINISHING', processedBytes: '2048' }));
      server.complete(name, types.pack(EXPORT_RESPONSE, {
        destination: 'gs://bucket/out', totalBytes: '42', chunks: [{ uri: 'gs://bucket/out/0', sizeBytes: '42' }], counts: { rows: 3 },
      }));
      const response = await waiting;
      expect(response).to.deep.include({ destination: 'gs://bucket/out', totalBytes: '42', counts: { rows: 3 } });
      expect(response.chunks).to.have.length(1);
      expect((response.chunks as Record<string, unknown>[])[0]).to.deep.include({ uri: 'gs://bucket/out/0', sizeBytes: '42' });
      expect(op.latest?.metadata).to.deep.include({ state: 'FINISHING', processedBytes: '2048' });
      expect(op.latest?.response).to.equal(response);
    });

    it('an undecodable done Operation given up front rejects only when asked, with zero RPCs', async () => {
      const garbage = { typeUrl: `type.googleapis.com/${EXPORT_RESPONSE}`, value: new Uint8Array([0x0a, 0x05, 0x61]) };
      const op = client.operation({ name: 'operations/garbage', done: true, response: garbage }, { method: EXPORT });
      // Nobody listens yet: the decode error must not surface as an unhandled rejection.
      await delay(20);
      const error = await rejection(op.promise());
      expect(error).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', garbage.typeUrl);
      expect(server.calls).to.have.length(0);
    });

    it('a response of another type than responseType rejects TypeMismatchError naming both types', async () => {
      const name = server.createOperation();
      const op = client.operation(name, { responseType: EXPORT_RESPONSE });
      const waiting = op.promise();
      await pendingWait();
      server.complete(name, struct({ destination: 'gs://bucket/out' }));
      const error = await rejection(waiting) as TypeMismatchError;
      expect(error).to.be.instanceOf(TypeMismatchError);
      expect(error.typeUrl).to.equal('type.googleapis.com/google.protobuf.Struct');
      expect(error.expected).to.equal(EXPORT_RESPONSE);
      expect(error.message).to.include(EXPORT_RESPONSE).and.include('google.protobuf.Struct');
    });

    it('metadata of the wrong type on a running operation errors metadata$ alone; promise() still resolves', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 1 }) });
      const op = client.operation(name, { method: EXPORT, polling: FAST_POLL });
      const waiting = op.promise();
      const metadata = record(op.metadata$);
      await metadata.ended;
      expect(metadata.error).to.be.instanceOf(TypeMismatchError).with.property('expected', EXPORT_METADATA);
      server.complete(name, types.pack(EXPORT_RESPONSE, { destination: 'gs://bucket/out' }));
      expect(await waiting).to.deep.include({ destination: 'gs://bucket/out' });
    });

    it('unpack: false gives the raw Anys', async () => {
      const metadata = types.pack(EXPORT_METADATA, { state: 'RUNNING' });
      const response = types.pack(EXPORT_RESPONSE, { destination: 'gs://bucket/raw' });
      const name = server.createOperation({ metadata });
      const op = client.operation<Any, Any>(name, { method: EXPORT, unpack: false });
      const waiting = op.promise();
      await pendingWait();
      server.complete(name, response);
      expect(await waiting).to.deep.equal(response);
      expect(op.latest?.metadata).to.deep.equal(metadata);
      expect(op.latest?.response).to.deep.equal(response);
    });
  });

  describe('RPC failures while polling', () => {
    it('GetOperation answering UNAVAILABLE mid-poll does not end the wait', async () => {
      const noRetry = new OperationsClient({ ...connectionTo(server, transport), retry: false, polling: FAST_POLL });
      try {
        const name = server.createOperation();
        const op = noRetry.operation(name);
        // Armed on the first state, before the next poll is sent: the next three polls fail.
        const states = record(op.state$, () => server.failNext('GetOperation', { code: UNAVAILABLE, message: 'try again' }, 3));
        const waiting = op.promise();
        await waitFor(() => callsFor(name, 'GetOperation').length >= 5, 'the failed polls and one more');
        server.complete(name, struct({ survived: true }));
        expect(await waiting).to.deep.equal({ survived: true });
        await states.ended;
        expect(states.completed).to.equal(true);
      } finally {
        await noRetry.close();
      }
    });

    for (const code of [PERMISSION_DENIED, NOT_FOUND]) {
      it(`GetOperation answering code ${code} mid-poll rejects RpcError ${code} at once, everywhere`, async () => {
        const noRetry = new OperationsClient({ ...connectionTo(server, transport), retry: false, polling: FAST_POLL });
        try {
          const name = server.createOperation({ metadata: struct({ percent: 5 }) });
          const op = noRetry.operation(name);
          // Armed on the first state, before the next poll is sent.
          const states = record(op.state$, () => server.failNext('GetOperation', { code, message: 'nope', details: [errorInfo('DENIED')] }));
          const metadata = record(op.metadata$);
          const waiting = op.promise();
          const error = await within(rejection(waiting), 5_000, 'the rejection') as RpcError;
          expect(error).to.be.instanceOf(RpcError).and.instanceOf(LongRunningError);
          expect(error.code).to.equal(code);
          expect(error.method).to.equal('GetOperation');
          expect(error.details).to.deep.equal([errorInfo('DENIED')]);
          await Promise.all([states.ended, metadata.ended]);
          expect(states.error).to.equal(error);
          expect(metadata.error, 'metadata$ errors on a failed wait').to.equal(error);
          expect(metadata.values).to.deep.equal([{ percent: 5 }]);
          expect(callsFor(name, 'GetOperation'), 'the initial poll and the failed one, nothing more').to.have.length(2);
          await delay(60);
          expect(callsFor(name)).to.have.length(2);
        } finally {
          await noRetry.close();
        }
      });
    }
  });

  describe('state$ and metadata$', () => {
    it('state$ emits each distinct state, the first included, and completes after the done one', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 0 }) });
      // Every state is polled twice (a repeat, not to be emitted), then the next one comes.
      afterPolls(server, name, {
        2: () => server.setMetadata(name, struct({ percent: 1 })),
        4: () => server.setMetadata(name, struct({ percent: 2 })),
        6: () => server.complete(name, struct({ rows: 9 })),
      });
      const op = client.operation<Record<string, unknown>, Progress>(name, { polling: FAST_POLL });
      const states = record(op.state$);
      await within(states.ended, 5_000, 'state$');
      expect(states.completed).to.equal(true);
      expect(states.values.map((s) => [s.done, s.metadata?.percent])).to.deep.equal([[false, 0], [false, 1], [false, 2], [true, 2]]);
      const last = states.values.at(-1)!;
      expect(last).to.deep.include({ name, done: true, response: { rows: 9 } });
      expect(last.raw.response).to.deep.equal(struct({ rows: 9 }));
      expect(callsFor(name, 'GetOperation'), 'repeated states were polled but not emitted').to.have.length(7);
      expect(op.latest).to.equal(last);

      const late = record(op.state$);
      expect(late.values, 'a late subscriber gets the done state and completion').to.deep.equal([last]);
      expect(late.completed).to.equal(true);
    });

    it('state$ of a failed operation emits the done state, then errors with the instance promise() rejects with', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const states = record(op.state$);
      const waiting = op.promise();
      await pendingWait();
      const status = { code: FAILED_PRECONDITION, message: 'no quota', details: [errorInfo('QUOTA')] };
      server.fail(name, status);
      const error = await rejection(waiting) as OperationFailedError;
      await states.ended;
      expect(states.errored).to.equal(true);
      expect(states.error).to.equal(error);
      expect(error).to.be.instanceOf(OperationFailedError);
      expect(error.status).to.deep.equal(status);
      const last = states.values.at(-1)!;
      expect(last).to.deep.include({ done: true, error: status });
      const late = record(op.state$);
      expect(late.values).to.deep.equal([last]);
      expect(late.error).to.equal(error);
    });

    it('metadata$ emits each distinct metadata value of a timeline and completes when done', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 0 }) });
      // The timeline advances after each poll answer (the first wait answers a repeat).
      afterPolls(server, name, {
        2: () => server.setMetadata(name, struct({ percent: 30 })),
        3: () => server.setMetadata(name, struct({ percent: 60 })),
        4: () => {
          server.setMetadata(name, struct({ percent: 100 }));
          server.complete(name, struct({ rows: 1 }));
        },
      });
      const op = client.operation<Record<string, unknown>, Progress>(name, { polling: { progressIntervalMs: 50 } });
      const metadata = record(op.metadata$);
      await within(metadata.ended, 5_000, 'metadata$');
      expect(metadata.completed).to.equal(true);
      expect(metadata.values.map((m) => m.percent)).to.deep.equal([0, 30, 60, 100]);
      const waits = callsFor(name, 'WaitOperation');
      expect(waits.length).to.be.at.least(3);
      for (const wait of waits) expect((wait.request as { timeoutMs?: number }).timeoutMs).to.be.at.most(50);
    });

    it('a metadata$ subscriber joining a running promise() sees new progress within progressIntervalMs', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 0 }) });
      // A slice far longer than waitFor's limit: the progress can only arrive in time
      // if the joining subscriber cut the long wait short.
      const op = client.operation<unknown, Progress>(name, { polling: { waitSliceMs: 60_000, progressIntervalMs: 100 } });
      const waiting = op.promise();
      waiting.catch(() => undefined); // awaited below; a failed assertion must not leave it unhandled
      await longWaitHeld(name, 60_000, 'the result-only wait (60 s slice)');
      const longWait = waitTimeouts(name).length - 1;
      const metadata = record(op.metadata$);
      expect(metadata.values, 'the latest metadata at once').to.deep.equal([{ percent: 0 }]);
      server.setMetadata(name, struct({ percent: 40 }));
      // progressIntervalMs: "while anyone subscribes to metadata$, the longest a single
      // WaitOperation holds, so progress refreshes at least this often".
      await waitFor(() => metadata.values.length >= 2, 'the new progress, long before the 60 s slice ends');
      expect(metadata.values).to.deep.equal([{ percent: 0 }, { percent: 40 }]);
      const joined = waitTimeouts(name).slice(longWait + 1);
      expect(joined, 'the waits after the subscriber joined').to.not.be.empty;
      for (const timeoutMs of joined) expect(timeoutMs).to.be.at.most(100);
      server.complete(name);
      await waiting;
    });

    it('metadata$ completes (does not error) when the operation failed', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 10 }) });
      // Fails (with new metadata) once the first poll saw it running.
      afterPolls(server, name, {
        1: () => {
          server.setMetadata(name, struct({ percent: 20 }));
          server.fail(name, { code: FAILED_PRECONDITION, message: 'broken' });
        },
      });
      const op = client.operation<unknown, Progress>(name, { polling: FAST_POLL });
      const metadata = record(op.metadata$);
      const failure = await rejection(op.promise());
      await metadata.ended;
      expect(failure).to.be.instanceOf(OperationFailedError);
      expect(metadata.completed).to.equal(true);
      expect(metadata.values.map((m) => m.percent)).to.deep.equal([10, 20]);
    });

    it('promise() with 3 state$ and 3 metadata$ subscribers share one loop: as many RPCs as a single promise()', async () => {
      const single = server.createOperation({ metadata: struct({ percent: 0 }) });
      const alone = client.operation(single).promise();
      await pendingWait();
      server.complete(single, struct({ rows: 2 }));
      await alone;
      const singleCalls = callsFor(single).length;

      const name = server.createOperation({ metadata: struct({ percent: 0 }) });
      const op = client.operation<Record<string, unknown>, Progress>(name);
      const waiting = op.promise();
      const states = [record(op.state$), record(op.state$), record(op.state$)];
      const metadata = [record(op.metadata$), record(op.metadata$), record(op.metadata$)];
      await pendingWait();
      server.complete(name, struct({ rows: 2 }));
      expect(await waiting).to.deep.equal({ rows: 2 });
      await Promise.all([...states, ...metadata].map((r) => r.ended));
      expect(callsFor(name).length).to.equal(singleCalls);
      expect(callsFor(name, 'WaitOperation')).to.have.length(1);
      for (const s of states) {
        expect(s.completed).to.equal(true);
        expect(s.values.map((v) => v.done)).to.deep.equal([false, true]);
      }
      for (const m of metadata) {
        expect(m.completed).to.equal(true);
        expect(m.values).to.deep.equal([{ percent: 0 }]);
      }
    });

    it('unsubscribing and resubscribing never runs two loops, and the last unsubscribe stops all RPCs', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 0 }) });
      let pending = 0;
      let maxPending = 0;
      server.override('WaitOperation', async (_request, context) => {
        pending++;
        maxPending = Math.max(maxPending, pending);
        try {
          return await context.next();
        } finally {
          pending--;
        }
      });
      const op = client.operation<unknown, Progress>(name);
      const waitsArrived = () => callsFor(name, 'WaitOperation').length;
      let subscription = op.state$.subscribe();
      for (let round = 1; round <= 5; round++) {
        // The loop of this round is in its WaitOperation (and the previous one is gone).
        await waitFor(() => waitsArrived() === round && pending === 1, `the wait of round ${round}`);
        subscription.unsubscribe();
        subscription = round % 2 === 0 ? op.state$.subscribe() : op.metadata$.subscribe();
      }
      await waitFor(() => waitsArrived() === 6 && pending === 1, 'the last wait');
      // A second subscriber joins the running loop, then both leave.
      const both = op.state$.subscribe();
      subscription.unsubscribe();
      await delay(20);
      expect(waitsArrived(), 'joining a running loop sends nothing').to.equal(6);
      both.unsubscribe();
      // Over HTTP/1.1 a cancel (a closed socket) and the next request (another socket) reach the server in either order.
      if (transport === 'grpc') expect(maxPending, 'at most one WaitOperation pending at any time').to.equal(1);

      await waitFor(() => server.pendingWaits === 0 && pending === 0, 'the last wait to be cancelled');
      const sent = callsFor(name).length;
      await delay(200);
      expect(callsFor(name), 'no RPC after the last unsubscribe').to.have.length(sent);
      expect(callsFor(name, 'GetOperation'), 'only the first loop needed an initial state').to.have.length(1);
    });
  });

  describe('polling strategies', () => {
    it("'auto' against a server without WaitOperation: one WaitOperation, then GetOperation polling; a second handle sends none", async () => {
      const fallback = { transport, server: { waitOperation: false }, client: { polling: { initialDelayMs: 10, maxDelayMs: 20 } } };
      await withServerAndClient(fallback, async ({ server: bare, client: bareClient }) => {
        const first = bare.createOperation();
        const op = bareClient.operation(first);
        const waiting = op.promise();
        await waitFor(() => bare.calls.filter((c) => c.method === 'GetOperation').length >= 3, 'the fallback polls');
        bare.complete(first, struct({ n: 1 }));
        expect(await waiting).to.deep.equal({ n: 1 });
        const methods = bare.calls.map((c) => c.method);
        expect(methods.filter((m) => m === 'WaitOperation')).to.have.length(1);
        const waitAt = methods.indexOf('WaitOperation');
        expect(methods.slice(waitAt + 1).length).to.be.at.least(2);
        expect(methods.slice(waitAt + 1).every((m) => m === 'GetOperation')).to.equal(true);

        bare.clearCalls();
        const second = bare.createOperation();
        const other = bareClient.operation(second);
        const otherWaiting = other.promise();
        await waitFor(() => bare.calls.length >= 2, 'the second handle to poll');
        bare.complete(second, struct({ n: 2 }));
        expect(await otherWaiting).to.deep.equal({ n: 2 });
        expect(bare.calls.filter((c) => c.method === 'WaitOperation'), 'the client remembers').to.have.length(0);
      });
    });

    it("'poll' never calls WaitOperation", async () => {
      const name = server.createOperation();
      const op = client.operation(name, { polling: FAST_POLL });
      const waiting = op.promise();
      await waitFor(() => callsFor(name, 'GetOperation').length >= 3, 'a few polls');
      server.complete(name, struct({ polled: true }));
      expect(await waiting).to.deep.equal({ polled: true });
      expect(callsFor(name, 'WaitOperation')).to.have.length(0);
    });

    it("'wait' against a server without WaitOperation rejects RpcError UNIMPLEMENTED", async () => {
      await withServerAndClient({ transport, server: { waitOperation: false } }, async ({ server: bare, client: bareClient }) => {
        const name = bare.createOperation();
        const error = await rejection(bareClient.operation(name, { polling: { strategy: 'wait' } }).promise()) as RpcError;
        expect(error).to.be.instanceOf(RpcError);
        expect(error.code).to.equal(UNIMPLEMENTED);
        expect(error.method).to.equal('WaitOperation');
        expect(bare.calls.filter((c) => c.method === 'WaitOperation')).to.have.length(1);
      });
    });
  });

  describe('totalTimeoutMs', () => {
    it('fires on time even while a long WaitOperation is in flight, and nothing is sent afterwards', async () => {
      // The deadline's sleep is held until the wait is in flight, then fired: it must
      // end the wait then, not when the wait's 60 s slice would. (The deadline is long:
      // a slice never asks for more than the total timeout leaves.)
      const totalTimeoutMs = 3_600_000;
      const clock = heldClock([totalTimeoutMs]);
      const timed = new OperationsClient({ ...connectionTo(server, transport), types, clock });
      try {
        const name = server.createOperation({ metadata: struct({ percent: 3 }) });
        const op = timed.operation<unknown, Progress>(name, { polling: { waitSliceMs: 60_000, totalTimeoutMs } });
        const waiting = rejection(op.promise());
        await longWaitHeld(name, 60_000, 'the long wait');
        expect(clock.pending, 'the deadline is one sleep of totalTimeoutMs').to.equal(1);
        clock.fire();
        const error = await within(waiting, 5_000, 'the rejection at the deadline') as PollTimeoutError;
        expect(error).to.be.instanceOf(PollTimeoutError).and.instanceOf(LongRunningError);
        expect(error.operationName).to.equal(name);
        expect(error.message).to.include(name).and.match(/may still be running/);
        expect(error.latest).to.deep.include({ name, done: false, metadata: { percent: 3 } });
        // (A fresh client may send a short probe first.)
        expect(waitTimeouts(name).filter((ms) => ms === 60_000), 'the deadline cut a single long wait').to.have.length(1);
        await waitFor(() => server.pendingWaits === 0, 'the wait to be cancelled');
        const sent = callsFor(name).length;
        await delay(200);
        expect(callsFor(name)).to.have.length(sent);
      } finally {
        await timed.close();
      }
    });
  });

  describe('signal', () => {
    it('rejects with signal.reason, cancels the in-flight WaitOperation and sends nothing afterwards', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const controller = new AbortController();
      const waiting = op.promise({ signal: controller.signal });
      await pendingWait();
      const reason = new Error('user gave up');
      controller.abort(reason);
      expect(await within(rejection(waiting), 5_000, 'the abort')).to.equal(reason);
      await waitFor(() => server.pendingWaits === 0, 'the wait to be cancelled');
      const sent = callsFor(name).length;
      await delay(200);
      expect(callsFor(name)).to.have.length(sent);
    });

    it('rejects with a reason that is not an Error, as given', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const controller = new AbortController();
      const waiting = op.promise({ signal: controller.signal });
      await pendingWait();
      const reason = { why: 'navigation' };
      controller.abort(reason);
      expect(await rejection(waiting)).to.equal(reason);
      await waitFor(() => server.pendingWaits === 0, 'the wait to be cancelled');

      const text = new AbortController();
      const waitingText = op.promise({ signal: text.signal });
      await pendingWait('the second wait');
      text.abort('plain string');
      expect(await rejection(waitingText)).to.equal('plain string');
      await waitFor(() => server.pendingWaits === 0, 'the second wait to be cancelled');
    });

    it('an abort right after promise() started leaves no WaitOperation held on the server', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      await op.poll(); // the state is known: the loop starts with WaitOperation
      const controller = new AbortController();
      const waiting = op.promise({ signal: controller.signal });
      const reason = new Error('changed my mind');
      controller.abort(reason);
      expect(await rejection(waiting)).to.equal(reason);
      // Whether the call left before the abort or not, the server must not be left holding it.
      // Give a call that left anyway time to arrive, then its cancel time to follow (long
      // before the 10 s slice would end it).
      await delay(150);
      await waitFor(() => server.pendingWaits === 0, 'no WaitOperation held on the server after the abort');
    });

    it('unsubscribing from state$ right after subscribing leaves no WaitOperation held on the server', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      await op.poll();
      op.state$.subscribe().unsubscribe();
      await delay(150);
      await waitFor(() => server.pendingWaits === 0, 'no WaitOperation held on the server after the unsubscribe');
    });

    it('an already aborted signal sends nothing', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const reason = new Error('too late');
      expect(await rejection(op.promise({ signal: AbortSignal.abort(reason) }))).to.equal(reason);
      await delay(30);
      expect(server.calls).to.have.length(0);
    });
  });

  describe('poll(), cancel(), delete()', () => {
    it('poll() sends one GetOperation and returns the snapshot; after done it sends nothing', async () => {
      const name = server.createOperation({ metadata: struct({ percent: 10 }) });
      const op = client.operation<Record<string, unknown>, Progress>(name);
      expect(op.latest).to.equal(undefined);
      const first = await op.poll();
      expect(first).to.deep.include({ name, done: false, metadata: { percent: 10 } });
      expect(op.latest).to.equal(first);
      expect(server.calls.map((c) => c.method)).to.deep.equal(['GetOperation']);

      server.setMetadata(name, struct({ percent: 50 }));
      const second = await op.poll();
      expect(second.metadata).to.deep.equal({ percent: 50 });
      expect(op.latest).to.equal(second);

      server.complete(name, struct({ rows: 4 }));
      const done = await op.poll();
      expect(done).to.deep.include({ done: true, response: { rows: 4 } });
      expect(await op.promise()).to.deep.equal({ rows: 4 });
      expect(await op.poll()).to.equal(done);
      expect(server.calls.map((c) => c.method)).to.deep.equal(['GetOperation', 'GetOperation', 'GetOperation']);
    });

    it('cancel() sends CancelOperation and the waiting handle rejects OperationCancelledError', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const waiting = rejection(op.promise());
      const states = record(op.state$);
      await pendingWait();
      await op.cancel();
      expect(callsFor(name, 'CancelOperation')).to.have.length(1);
      const error = await waiting as OperationCancelledError;
      expect(error).to.be.instanceOf(OperationCancelledError).and.instanceOf(OperationFailedError);
      expect(error.code).to.equal(CANCELLED);
      expect(error.operationName).to.equal(name);
      await states.ended;
      expect(states.error).to.equal(error);
    });

    it('delete() sends DeleteOperation; a handle waiting on it rejects RpcError NOT_FOUND', async () => {
      const name = server.createOperation();
      const op = client.operation(name);
      const waiting = rejection(op.promise());
      await pendingWait();
      await op.delete();
      expect(callsFor(name, 'DeleteOperation')).to.have.length(1);
      expect(server.get(name)).to.equal(undefined);
      const error = await waiting;
      expect(error).to.be.instanceOf(RpcError).with.property('code', NOT_FOUND);
    });
  });

  describe('toJSON() and resume()', () => {
    it('a JSON round trip rebuilds a handle that resolves with the same unpacked response', async () => {
      const name = server.createOperation({ metadata: types.pack(EXPORT_METADATA, { state: 'RUNNING' }) });
      const op = client.operation<Record<string, unknown>>(name, { method: EXPORT });
      const text = JSON.stringify(op);
      const token = JSON.parse(text) as Record<string, unknown>;
      expect(token).to.deep.equal({ version: 1, name, responseType: EXPORT_RESPONSE, metadataType: EXPORT_METADATA });
      expect(text).to.not.include(String(server.port));
      expect(text).to.not.match(/insecure|credential|auth|token|address/i);

      const other = new OperationsClient({ ...connectionTo(server, transport), types });
      try {
        const resumed = other.resume<Record<string, unknown>>(token as never);
        const fromText = other.resume<Record<string, unknown>>(text);
        expect(resumed.name).to.equal(name);
        const original = op.promise();
        const again = resumed.promise();
        const third = fromText.promise();
        await waitFor(() => server.pendingWaits === 3, 'three handles waiting');
        server.complete(name, types.pack(EXPORT_RESPONSE, { destination: 'gs://bucket/resumed', totalBytes: '5' }));
        const [a, b, c] = await Promise.all([original, again, third]);
        expect(a).to.deep.include({ destination: 'gs://bucket/resumed', totalBytes: '5' });
        expect(b).to.deep.equal(a);
        expect(c).to.deep.equal(a);
        expect(JSON.parse(JSON.stringify(resumed))).to.deep.equal(token);
      } finally {
        await other.close();
      }
    });
  });

  describe('toJSON() and resume(): what the token keeps', () => {
    it('a handle made with unpack: false resumes with unpack: false (raw Anys)', async () => {
      const name = server.createOperation();
      const op = client.operation<Any>(name, { responseType: 'google.protobuf.Struct', unpack: false });
      const resumed = client.resume<Any>(JSON.parse(JSON.stringify(op)) as never);
      const waiting = resumed.promise();
      await pendingWait();
      server.complete(name, struct({ rows: 1 }));
      expect(await op.promise(), 'the original handle').to.deep.equal(struct({ rows: 1 }));
      expect(await waiting, 'the resumed handle').to.deep.equal(struct({ rows: 1 }));
    });
  });

  describe('client.close()', () => {
    it('rejects a waiting handle with ClientClosedError, errors state$ with it, and leaves no timer', async () => {
      // After a first await: mocha arms its own (ref'd) test timer once the test function returned.
      await delay(1);
      const before = refedTimeouts();
      const own = new OperationsClient(connectionTo(server, transport));
      const name = server.createOperation();
      const op = own.operation(name);
      const waiting = rejection(op.promise());
      const states = record(op.state$);
      await pendingWait();
      await own.close();
      const error = await within(waiting, 5_000, 'the handle after close()');
      expect(error).to.be.instanceOf(ClientClosedError).and.instanceOf(LongRunningError);
      await states.ended;
      expect(states.error).to.be.instanceOf(ClientClosedError);
      expect(states.error).to.equal(error);
      await waitFor(() => server.pendingWaits === 0, 'the wait to be cancelled');
      // The in-process server's side of the cancelled call ends a few ticks later; a
      // client timer (a 60 s call deadline, a poll sleep) would stay.
      await waitFor(() => refedTimeouts() <= before, 'no timer of the client to be left');
      const sent = callsFor(name).length;
      await delay(100);
      expect(callsFor(name)).to.have.length(sent);
    });
  });

  describe('process exit (child processes)', function () {
    this.timeout(childrenTimeoutMs(1));

    it('exits on its own after abort, unsubscribe, close() and stop() (nothing keeps it alive)', async () => {
      const { lines, exitedAt } = await runChild('handle-exit-child.ts', ['abort', transport]);
      const report = lines.find((line) => line.scenario === 'abort');
      expect(report).to.deep.include({ promise: 'aborted', states: 1, getOperations: 1 });
      expect(exitedAt - (report!.cleanedUpAt as number), 'exit lag after cleanup').to.be.below(EXIT_LAG_MS);
    });

    it('stays alive while a promise() waits (no close()), settles it, then exits on its own', async () => {
      const { lines, exitedAt } = await runChild('handle-exit-child.ts', ['waits', transport]);
      const report = lines.find((line) => line.scenario === 'waits');
      expect(report).to.deep.include({ result: 'resolved', getOperations: 2 });
      expect(lines.find((line) => line.event === 'exit'), 'the process waited for the result').to.deep.include({ settled: true });
      expect(exitedAt - (report!.cleanedUpAt as number), 'exit lag after the server stopped').to.be.below(EXIT_LAG_MS);
    });
  });
});

describe('LongRunningOperation (integration, gRPC only)', function () {
  this.timeout(20_000);
  let types: TypeRegistry;
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;

  before(async () => {
    types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
  });

  beforeEach(async () => ({ server, client, stop } = await startServerAndClient({ client: { types } })));
  afterEach(() => stop());

  const pendingWait = () => waitFor(() => server.pendingWaits === 1, 'a WaitOperation to be pending');

  // Over HTTP/JSON the server cannot render bytes that do not decode (it answers 500, which a wait survives).
  it('undecodable response bytes under the right type URL reject TypeMismatchError (no unhandled rejection)', async () => {
    const name = server.createOperation();
    const op = client.operation(name, { method: EXPORT });
    const waiting = op.promise();
    const states = record(op.state$);
    await pendingWait();
    // Field 1 (string) claims 5 bytes, 1 follows.
    server.complete(name, { typeUrl: `type.googleapis.com/${EXPORT_RESPONSE}`, value: new Uint8Array([0x0a, 0x05, 0x61]) });
    const error = await rejection(waiting) as TypeMismatchError;
    expect(error).to.be.instanceOf(TypeMismatchError).and.instanceOf(LongRunningError);
    expect(error.typeUrl).to.equal(`type.googleapis.com/${EXPORT_RESPONSE}`);
    expect(error.message).to.include(EXPORT_RESPONSE);
    await states.ended;
    expect(states.error, 'state$ errors with the same error').to.equal(error);
    expect(await rejection(op.promise())).to.equal(error);
  });
});
