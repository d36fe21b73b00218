/**
 * The handle, white-box: fake transport, sinon fake timers, exact RPC counts and times.
 */
import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import sinon from 'sinon';
import { TypeRegistry } from '../../../src/any/type-registry.js';
import { OperationsClient } from '../../../src/client/operations-client.js';
import {
  ClientClosedError, InvalidArgumentError, OperationCancelledError, OperationFailedError, PollTimeoutError,
  RpcError, TypeMismatchError,
} from '../../../src/errors.js';
import type { Operation } from '../../../src/types.js';
import { FakeTransport, rpcError } from '../../helpers/fake-transport.js';

const types = TypeRegistry.empty();
const struct = (value: Record<string, unknown>) => types.pack('google.protobuf.Struct', value);

describe('LongRunningOperation (unit, fake transport and clock)', () => {
  let clock: sinon.SinonFakeTimers;
  let transport: FakeTransport;
  let client: OperationsClient;
  /** The server's view of the operation; the fake answers GetOperation from it. */
  let current: Operation;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    current = { name: 'operations/a', done: false };
    transport = new FakeTransport().on('getOperation', () => structuredClone(current));
    client = new OperationsClient({ transport, random: () => 0, polling: { strategy: 'poll' } });
  });

  afterEach(async () => {
    await client.close();
    clock.restore();
  });

  const gets = () => transport.calls.filter((c) => c.method === 'getOperation');
  const finishAt = (ms: number, patch: Partial<Operation>) => {
    setTimeout(() => {
      current = { ...current, done: true, ...patch };
    }, ms);
  };

  it('polls on the default schedule and resolves with the unpacked response', async () => {
    finishAt(1000, { response: struct({ rows: 3 }) });
    const result = client.operation('operations/a').promise();
    await clock.tickAsync(2000);
    expect(await result).to.deep.equal({ rows: 3 });
    // 0, then +220, +374, +636 (x1.7, rounded; random() = 0 means no jitter): done seen at 1230 ms, 4 RPCs.
    expect(gets().map((c) => c.options.deadline - 60_000)).to.deep.equal([0, 220, 594, 1230]);
  });

  it('an operation given done settles with zero RPCs, before and after, any number of times', async () => {
    const op = client.operation({ name: 'operations/a', done: true, response: struct({ ok: true }) });
    expect(await op.promise()).to.deep.equal({ ok: true });
    expect(await op.promise()).to.deep.equal({ ok: true });
    expect(await firstValueFrom(op.state$.pipe(toArray()))).to.have.length(1);
    expect(await op.poll()).to.equal(op.latest);
    expect(transport.calls).to.have.length(0);
  });

  it('done without result resolves undefined', async () => {
    const op = client.operation({ name: 'operations/a', done: true });
    expect(await op.promise()).to.equal(undefined);
  });

  it('failed and cancelled operations reject with typed errors keeping the status details', async () => {
    const details = [types.pack('google.rpc.ErrorInfo', { reason: 'QUOTA' })];
    const failed = client.operation({ name: 'operations/f', done: true, error: { code: 8, message: 'quota', details } });
    const error = await failed.promise().catch((e: unknown) => e) as OperationFailedError;
    expect(error).to.be.instanceOf(OperationFailedError);
    expect(error.code).to.equal(8);
    expect(error.status.details).to.deep.equal(details);
    expect(error.operationName).to.equal('operations/f');
    const cancelled = client.operation({ name: 'operations/c', done: true, error: { code: 1, message: 'x', details: [] } });
    expect(await cancelled.promise().catch((e: unknown) => e)).to.be.instanceOf(OperationCancelledError);
  });

  it('many promise() calls and subscribers share one loop', async () => {
    finishAt(1000, {});
    const op = client.operation('operations/a');
    const waits = [op.promise(), op.promise(), op.promise()];
    const states = firstValueFrom(op.state$.pipe(toArray()));
    op.metadata$.subscribe();
    await clock.tickAsync(2000);
    await Promise.all(waits);
    expect((await states).map((s) => s.done)).to.deep.equal([false, true]);
    expect(gets()).to.have.length(4);
    await op.promise();
    expect(gets()).to.have.length(4);
  });

  it('stops polling when the last subscriber leaves; resubscribing starts exactly one new loop', async () => {
    const op = client.operation('operations/a');
    const first = op.state$.subscribe();
    const second = op.state$.subscribe();
    await clock.tickAsync(700);
    expect(gets()).to.have.length(3);
    first.unsubscribe();
    await clock.tickAsync(600);
    expect(gets(), 'one subscriber left: still polling').to.have.length(4);
    second.unsubscribe();
    expect(clock.countTimers(), 'the sleep is cleared').to.equal(0);
    await clock.tickAsync(60_000);
    expect(gets()).to.have.length(4);

    const again = op.state$.subscribe();
    const again2 = op.state$.subscribe();
    await clock.tickAsync(300);
    // The handle has a state, so the new loop starts with a delay: one poll at 250 ms.
    expect(gets()).to.have.length(5);
    again.unsubscribe();
    again2.unsubscribe();
  });

  it('take(1) on a known state needs no loop and no RPC', async () => {
    const op = client.operation({ name: 'operations/a', done: false });
    const state = await firstValueFrom(op.state$.pipe(take(1)));
    expect(state.name).to.equal('operations/a');
    await clock.tickAsync(10_000);
    expect(transport.calls).to.have.length(0);
  });

  it('emits distinct states only, and metadata distinct by bytes', async () => {
    const op = client.operation('operations/a');
    const states: boolean[] = [];
    const metadata: unknown[] = [];
    op.state$.subscribe((s) => states.push(s.done));
    op.metadata$.subscribe((m) => metadata.push(m));
    current = { ...current, metadata: struct({ p: 1 }) };
    await clock.tickAsync(0);
    setTimeout(() => { current = { ...current, metadata: struct({ p: 1 }) }; }, 300); // same bytes
    setTimeout(() => { current = { ...current, metadata: struct({ p: 2 }) }; }, 700);
    finishAt(1100, {});
    await clock.tickAsync(3000);
    expect(metadata).to.deep.equal([{ p: 1 }, { p: 2 }]);
    expect(states).to.deep.equal([false, false, true]);
  });

  it('totalTimeoutMs fires on time during a sleep, names the operation, keeps latest, and stops RPCs', async () => {
    const op = client.operation('operations/a', { polling: { totalTimeoutMs: 1000, initialDelayMs: 800 } });
    const result = op.promise().catch((e: unknown) => e);
    await clock.tickAsync(1000);
    const error = await result as PollTimeoutError;
    expect(error).to.be.instanceOf(PollTimeoutError);
    expect(error.operationName).to.equal('operations/a');
    expect(error.latest).to.equal(op.latest);
    expect(error.message).to.contain('may still be running');
    expect(Date.now()).to.equal(1000);
    const sent = transport.calls.length;
    await clock.tickAsync(60_000);
    expect(transport.calls).to.have.length(sent);
    expect(clock.countTimers()).to.equal(0);
  });

  it('totalTimeoutMs fires on time mid-RPC and cancels the call', async () => {
    let aborted = false;
    transport.on('getOperation', (_req, options) => new Promise((_resolve, reject) => {
      options.signal!.addEventListener('abort', () => {
        aborted = true;
        reject(options.signal!.reason);
      });
    }));
    const result = client.operation('operations/a', { polling: { totalTimeoutMs: 500 } }).promise().catch((e: unknown) => e);
    await clock.tickAsync(500);
    expect(await result).to.be.instanceOf(PollTimeoutError);
    expect(aborted).to.equal(true);
  });

  it("one caller's timeoutMs or signal does not end another caller's wait", async () => {
    finishAt(3000, { response: struct({ done: 1 }) });
    const op = client.operation('operations/a');
    const patient = op.promise();
    const hasty = op.promise({ timeoutMs: 500 }).catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = op.promise({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort('changed my mind');
    await clock.tickAsync(5000);
    expect(await hasty).to.be.instanceOf(PollTimeoutError);
    expect(await aborted).to.equal('changed my mind');
    expect(await patient).to.deep.equal({ done: 1 });
  });

  it('timeouts longer than one setTimeout allows fire on time: 30 days means 30 days, not 24.8 (issue 9, item 2)', async () => {
    const DAY_MS = 86_400_000;
    // Polls 10 days apart: few RPCs over a month of fake time.
    const op = client.operation('operations/a', { polling: { initialDelayMs: 10 * DAY_MS, multiplier: 1, totalTimeoutMs: 31 * DAY_MS } });
    const perCaller = op.promise({ timeoutMs: 30 * DAY_MS }).catch((e: unknown) => e);
    const total = op.promise().catch((e: unknown) => e);
    const unlimited = client.operation('operations/a', { polling: { initialDelayMs: 10 * DAY_MS, multiplier: 1, totalTimeoutMs: Infinity } })
      .promise({ timeoutMs: Infinity });
    let unlimitedSettled = false;
    void unlimited.finally(() => {
      unlimitedSettled = true;
    });
    const settledBy = async (ms: number) => {
      await clock.tickAsync(ms - Date.now());
      return Promise.race([perCaller, total, Promise.resolve('pending')]);
    };
    expect(await settledBy(2_147_483_647 + 1)).to.equal('pending');
    expect(await settledBy(30 * DAY_MS - 1)).to.equal('pending');
    expect(await settledBy(30 * DAY_MS)).to.be.instanceOf(PollTimeoutError);
    expect(await Promise.race([total, Promise.resolve('pending')])).to.equal('pending');
    await clock.tickAsync(DAY_MS - 1);
    expect(await Promise.race([total, Promise.resolve('pending')])).to.equal('pending');
    await clock.tickAsync(1);
    expect(await total).to.be.instanceOf(PollTimeoutError);
    expect(unlimitedSettled, 'Infinity: no limit').to.equal(false);
    current = { ...current, done: true, response: struct({ late: true }) };
    await clock.tickAsync(10 * DAY_MS);
    expect(await unlimited).to.deep.equal({ late: true });
  });

  it('a transient failure keeps waiting; a permanent one ends the wait for everyone, and a later promise() polls again', async () => {
    let calls = 0;
    transport.on('getOperation', () => {
      calls++;
      if (calls === 2) throw rpcError('GetOperation', 14);
      if (calls === 4) throw rpcError('GetOperation', 7, [], 'denied');
      return structuredClone(current);
    });
    await client.close();
    client = new OperationsClient({ transport, random: () => 0, retry: false, polling: { strategy: 'poll' } });
    const op = client.operation('operations/a');
    const a = op.promise().catch((e: unknown) => e);
    const b = firstValueFrom(op.state$.pipe(toArray())).catch((e: unknown) => e);
    await clock.tickAsync(5000);
    const [errorA, errorB] = [await a, await b];
    expect(errorA).to.be.instanceOf(RpcError).with.property('code', 7);
    expect(errorB).to.equal(errorA);
    expect(calls).to.equal(4);
    current = { ...current, done: true };
    const retried = op.promise();
    await clock.tickAsync(1000);
    expect(await retried).to.equal(undefined);
  });

  describe('metadata that does not unpack (issue 9, item 7): only metadata$ fails', () => {
    const unknownMetadata = { typeUrl: 'type.googleapis.com/example.v1.Unknown', value: new Uint8Array([8, 1]) };

    it('promise() resolves with the response; state$ emits snapshots without metadata, raw intact, and completes', async () => {
      current = { ...current, metadata: unknownMetadata };
      const op = client.operation('operations/a');
      const states = firstValueFrom(op.state$.pipe(toArray()));
      const result = op.promise();
      await clock.tickAsync(300);
      current = { ...current, done: true, response: struct({ rows: 3 }) };
      await clock.tickAsync(1000);
      expect(await result).to.deep.equal({ rows: 3 });
      const snapshots = await states;
      expect(snapshots.map((s) => s.done)).to.deep.equal([false, true]);
      for (const snapshot of snapshots) {
        expect(snapshot).not.to.have.property('metadata');
        expect(snapshot.raw.metadata).to.deep.equal(unknownMetadata);
      }
      expect(snapshots[1].response).to.deep.equal({ rows: 3 });
    });

    it('metadata$ errors at the first state whose metadata does not unpack; a late subscriber gets the error at once', async () => {
      current = { ...current, metadata: struct({ percent: 10 }) };
      const op = client.operation('operations/a');
      const seen: unknown[] = [];
      let failure: unknown;
      op.metadata$.subscribe({ next: (m) => seen.push(m), error: (e: unknown) => (failure = e) });
      const result = op.promise();
      await clock.tickAsync(10);
      expect(seen).to.deep.equal([{ percent: 10 }]);
      current = { ...current, metadata: unknownMetadata };
      await clock.tickAsync(300);
      expect(failure).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', unknownMetadata.typeUrl);
      expect(seen, 'nothing after the error').to.have.length(1);
      const late = await firstValueFrom(op.metadata$).catch((e: unknown) => e);
      expect(late).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', unknownMetadata.typeUrl);
      // promise() was not affected and still resolves.
      current = { ...current, done: true, response: struct({ ok: true }) };
      await clock.tickAsync(2000);
      expect(await result).to.deep.equal({ ok: true });
      // After completion too: the done state's metadata does not unpack.
      expect(await firstValueFrom(op.metadata$).catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    });

    it('a metadata$ subscriber alone stops the loop when it errors: nothing is sent afterwards', async () => {
      current = { ...current, metadata: unknownMetadata };
      const op = client.operation('operations/a');
      const error = firstValueFrom(op.metadata$).catch((e: unknown) => e);
      await clock.tickAsync(10);
      expect(await error).to.be.instanceOf(TypeMismatchError);
      const sent = transport.calls.length;
      await clock.tickAsync(60_000);
      expect(transport.calls).to.have.length(sent);
      expect(clock.countTimers()).to.equal(0);
    });

    it('metadata of another type than metadataType is the same: poll() returns the snapshot without it', async () => {
      current = { ...current, metadata: struct({ p: 1 }) };
      const strict = client.operation('operations/a', { metadataType: 'google.rpc.ErrorInfo' });
      const snapshot = await strict.poll();
      expect(snapshot).not.to.have.property('metadata');
      expect(snapshot.raw.metadata).to.deep.equal(current.metadata);
      const error = await firstValueFrom(strict.metadata$).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TypeMismatchError).with.property('expected', 'google.rpc.ErrorInfo');
      // Once a later state's metadata unpacks, a new subscriber gets it.
      current = { ...current, metadata: types.pack('google.rpc.ErrorInfo', { reason: 'R' }) };
      expect((await strict.poll()).metadata).to.deep.include({ reason: 'R' });
      expect(await firstValueFrom(strict.metadata$)).to.deep.include({ reason: 'R' });
    });

    it('a response that does not unpack still fails promise(), whatever the metadata', async () => {
      const op = client.operation({ name: 'operations/a', done: true, metadata: unknownMetadata, response: unknownMetadata });
      expect(await op.promise().catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    });

    it('unpack: false keeps raw Anys', async () => {
      current = { ...current, metadata: unknownMetadata };
      const raw = client.operation('operations/a', { unpack: false });
      const snapshot = await raw.poll();
      expect(snapshot.metadata).to.deep.equal(unknownMetadata);
    });
  });

  it('a done operation whose response does not decode rejects with TypeMismatchError, every time', async () => {
    const garbage = { typeUrl: 'type.googleapis.com/google.protobuf.Struct', value: new Uint8Array([0xff, 0xff, 0xff]) };
    const op = client.operation({ name: 'operations/a', done: true, response: garbage });
    expect(await op.promise().catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    expect(await op.promise().catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    const stateError = await firstValueFrom(op.state$.pipe(toArray())).catch((e: unknown) => e);
    expect(stateError).to.be.instanceOf(TypeMismatchError);
  });

  it('close() ends waiting handles with ClientClosedError and clears their timers', async () => {
    const op = client.operation('operations/a');
    const result = op.promise().catch((e: unknown) => e);
    const stateError = firstValueFrom(op.state$).then(() => firstValueFrom(op.state$.pipe(toArray()))).catch((e: unknown) => e);
    await clock.tickAsync(100);
    await client.close();
    expect(await result).to.be.instanceOf(ClientClosedError);
    expect(await stateError).to.be.instanceOf(ClientClosedError);
    expect(clock.countTimers()).to.equal(0);
    expect(() => client.operation('operations/b')).to.throw(ClientClosedError);
  });

  it('poll(), cancel() and delete() send one RPC each', async () => {
    transport.on('cancelOperation', () => undefined).on('deleteOperation', () => undefined);
    const op = client.operation('operations/a');
    expect((await op.poll()).done).to.equal(false);
    await op.cancel();
    await op.delete();
    expect(transport.calls.map((c) => c.method)).to.deep.equal(['getOperation', 'cancelOperation', 'deleteOperation']);
  });

  describe('progress-aware polling', () => {
    /** An operation whose Struct metadata reports `progressPercent` linearly over `durationMs`, then is done. */
    function linear(durationMs: number): void {
      transport.on('getOperation', () => {
        const now = Date.now();
        return now >= durationMs
          ? { name: 'operations/a', done: true, response: struct({ rows: 1 }) }
          : { name: 'operations/a', done: false, metadata: struct({ progressPercent: Math.floor((100 * now) / durationMs) }) };
      });
    }
    const doneSeenAt = () => gets().at(-1)!.options.deadline - 60_000;

    it('detects progressPercent and polls around the estimated finish: fewer RPCs and less lag than the plain schedule', async () => {
      linear(60_000);
      const result = client.operation('operations/a').promise();
      await clock.tickAsync(200_000);
      expect(await result).to.deep.equal({ rows: 1 });
      const aware = { rpcs: gets().length, lag: doneSeenAt() - 60_000 };
      // Plain: 0, 220, 594, ..., 36,956, 63,045 (11 RPCs, 3 s late).
      expect(aware.rpcs).to.be.at.most(8);
      expect(aware.lag).to.be.at.least(0).and.at.most(0.05 * 60_000);
    });

    it('a progress function that never knows (or throws) leaves the plain schedule; its value is used when it knows', async () => {
      linear(60_000);
      const plain = client.operation('operations/a', { polling: { progress: () => undefined } }).promise();
      await clock.tickAsync(200_000);
      await plain;
      expect(gets()).to.have.length(11);
      expect(doneSeenAt()).to.equal(63_045);
      transport.calls.length = 0;
      clock.setSystemTime(0);
      const throwing = client.operation('operations/a', { polling: { progress: () => { throw new Error('bug'); } } }).promise();
      await clock.tickAsync(200_000);
      await throwing;
      expect(gets(), 'a throwing function is "unknown", never a failed wait').to.have.length(11);
      transport.calls.length = 0;
      clock.setSystemTime(0);
      const own = client.operation<unknown, { progressPercent: number }>('operations/a', {
        polling: { progress: (m: { progressPercent: number }) => m.progressPercent / 100 },
      }).promise();
      await clock.tickAsync(200_000);
      await own;
      expect(gets().length).to.be.at.most(8);
    });

    it('progress is validated, and left out of resume tokens (a function is not JSON)', () => {
      expect(() => client.operation('a', { polling: { progress: 3 as never } })).to.throw(InvalidArgumentError, 'options.polling.progress');
      const op = client.operation('operations/a', { polling: { progress: () => 0.5, jitter: 0 } });
      expect(op.toJSON()).to.deep.equal({ version: 1, name: 'operations/a', polling: { jitter: 0 } });
    });
  });

  it('resume(toJSON()) rebuilds an equivalent handle; bad tokens and options are typed errors', () => {
    const op = client.operation('operations/a', { responseType: 'google.protobuf.Struct', polling: { totalTimeoutMs: 5 } });
    const token = JSON.parse(JSON.stringify(op)) as unknown;
    expect(token).to.deep.equal({ version: 1, name: 'operations/a', responseType: 'google.protobuf.Struct', polling: { totalTimeoutMs: 5 } });
    expect(client.resume(JSON.stringify(token)).toJSON()).to.deep.equal(token);
    expect(() => client.resume('{')).to.throw(InvalidArgumentError);
    expect(() => client.resume({ version: 2, name: 'x' } as never)).to.throw(InvalidArgumentError, 'token.version');
    expect(() => client.operation('')).to.throw(InvalidArgumentError, 'nameOrOperation');
    expect(() => client.operation('a', { responseType: 'not a type' })).to.throw(InvalidArgumentError, 'options.responseType');
    expect(() => client.operation('a', { polling: { jitter: 2 } })).to.throw(InvalidArgumentError, 'options.polling.jitter');
    expect(() => client.operation('a', { method: 'no.Such.Method' })).to.throw(InvalidArgumentError);
    const bad = client.operation('a').promise({ timeoutMs: -1 });
    return bad.then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.be.instanceOf(InvalidArgumentError));
  });
});
