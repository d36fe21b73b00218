/**
 * Unit tests of the embedded server's transport-free store (src/testing/operation-store.ts)
 * on an injected manual clock: timeline steps fire at their times, waits are answered on
 * completion, deletion, abort and at their timeout (or the call's deadline), and no
 * timer is left after the operation settles or the store stops. One block runs the
 * default clock under sinon fake timers, the path the real server takes.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { InvalidArgumentError, LongRunningError, RpcError } from '../../../src/errors.js';
import { OperationStore, type RpcContext, type StoreOptions } from '../../../src/testing/operation-store.js';
import type { ServerClock } from '../../../src/testing/server-clock.js';
import type { Any, ListOperationsResponse, Operation } from '../../../src/types.js';

const OPTIONS: StoreOptions = {
  waitOperation: true, defaultPageSize: 50, maxPageSize: 1000, defaultWaitTimeoutMs: 30_000, unreachable: [],
};
const any = (tag: string): Any => ({ typeUrl: `type.googleapis.com/test.${tag}`, value: new Uint8Array([tag.length]) });

/** A clock whose time moves only when the test says so; it counts its armed timers. */
class ManualClock implements ServerClock {
  #now = 1_700_000_000_000;
  readonly #timers = new Set<{ at: number; fire: () => void }>();
  /** Every delay asked of startTimer, in order. */
  readonly requested: number[] = [];

  now(): number {
    return this.#now;
  }

  sleep(): Promise<void> {
    return Promise.reject(new Error('the store does not sleep'));
  }

  startTimer(callback: () => void, ms: number): () => void {
    this.requested.push(ms);
    const timer = { at: this.#now + Math.max(ms, 0), fire: callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** How many timers are armed (an infinite one included). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in time order (timers armed meanwhile included). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers].filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers.delete(due);
      this.#now = due.at;
      due.fire();
    }
    this.#now = end;
  }
}

/** How a promise settled so far, without waiting for it. */
function track<T>(promise: Promise<T>): { state: () => 'pending' | 'resolved' | 'rejected'; value: () => T; reason: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T;
  let reason: unknown;
  promise.then((result) => {
    state = 'resolved';
    value = result;
  }, (error: unknown) => {
    state = 'rejected';
    reason = error;
  });
  return { state: () => state, value: () => value, reason: () => reason };
}

/** Lets settled promises run their callbacks. */
const flush = () => new Promise<void>((resolve) => {
  setImmediate(resolve);
});

const noDeadline = (signal = new AbortController().signal): RpcContext => ({ deadline: Infinity, signal });

describe('OperationStore (embedded server, transport-free)', () => {
  let clock: ManualClock;
  let store: OperationStore;
  beforeEach(() => {
    clock = new ManualClock();
    store = new OperationStore({ ...OPTIONS }, clock);
  });

  describe('timelines', () => {
    it('fires each step at its time, counted from the previous step, and leaves no timer once done', () => {
      const name = store.create();
      store.script(name, [
        { afterMs: 10, metadata: any('a') },
        { afterMs: 20, metadata: any('b') },
        { afterMs: 5, done: true, response: any('result') },
      ]);
      clock.advance(9);
      expect(store.get(name)).to.deep.equal({ name, done: false });
      clock.advance(1);
      expect(store.get(name)?.metadata).to.deep.equal(any('a'));
      clock.advance(19);
      expect(store.get(name)?.metadata).to.deep.equal(any('a'));
      clock.advance(1);
      expect(store.get(name)).to.deep.equal({ name, done: false, metadata: any('b') });
      clock.advance(4);
      expect(store.get(name)?.done).to.equal(false);
      clock.advance(1);
      expect(store.get(name)).to.deep.equal({ name, done: true, metadata: any('b'), response: any('result') });
      expect(clock.requested).to.deep.equal([10, 20, 5]);
      expect(clock.pending).to.equal(0);
    });

    it('an error step fails the operation with its status and metadata', () => {
      const name = store.create();
      store.script(name, [{ afterMs: 50, error: { code: 8, message: 'quota' }, metadata: any('last') }]);
      clock.advance(50);
      expect(store.get(name)).to.deep.equal({
        name, done: true, metadata: any('last'), error: { code: 8, message: 'quota', details: [] },
      });
      expect(clock.pending).to.equal(0);
    });

    it('a second script replaces the first: its pending step never fires', () => {
      const name = store.create();
      store.script(name, [{ afterMs: 10, done: true }]);
      store.script(name, [{ afterMs: 30, metadata: any('second') }]);
      expect(clock.pending).to.equal(1);
      clock.advance(10);
      expect(store.get(name)?.done).to.equal(false);
      clock.advance(20);
      expect(store.get(name)).to.deep.equal({ name, done: false, metadata: any('second') });
      expect(clock.pending).to.equal(0);
    });

    it('completing, cancelling or deleting the operation clears its timeline', async () => {
      const completed = store.create();
      const cancelled = store.create();
      const deleted = store.create();
      for (const name of [completed, cancelled, deleted]) store.script(name, [{ afterMs: 100, metadata: any('late') }]);
      expect(clock.pending).to.equal(3);
      store.complete(completed);
      await store.call('CancelOperation', { name: cancelled }, noDeadline());
      await store.call('DeleteOperation', { name: deleted }, noDeadline());
      expect(clock.pending).to.equal(0);
      clock.advance(100);
      expect(store.get(completed)?.metadata).to.equal(undefined);
      expect(store.get(cancelled)?.error).to.deep.equal({ code: 1, message: 'Operation cancelled by the client', details: [] });
    });

    it('refuses a malformed step or a done operation with an InvalidArgumentError, arming nothing', () => {
      const name = store.create();
      expect(() => store.script(name, [{ afterMs: -1, metadata: any('x') }])).to.throw(InvalidArgumentError, 'steps[0].afterMs');
      expect(() => store.script(name, [{ afterMs: 1, done: true }, { afterMs: 1, metadata: any('x') }]))
        .to.throw(InvalidArgumentError, 'steps[1]');
      const done = store.create({ done: true });
      expect(() => store.script(done, [{ afterMs: 1, metadata: any('x') }])).to.throw(InvalidArgumentError, 'already done');
      expect(clock.pending).to.equal(0);
    });
  });

  describe('waits', () => {
    it('a wait is answered when the operation completes, and its timer is cleared', async () => {
      const name = store.create();
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 1000 }, noDeadline()));
      expect(store.pendingWaits).to.equal(1);
      expect(clock.pending).to.equal(1);
      clock.advance(400);
      store.complete(name, any('result'));
      await flush();
      expect(wait.state()).to.equal('resolved');
      expect(wait.value()).to.deep.equal({ name, done: true, response: any('result') });
      expect(store.pendingWaits).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it('a wait is answered with the running operation at its timeout, not a millisecond before', async () => {
      const name = store.create({ metadata: any('progress') });
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 1000 }, noDeadline()));
      clock.advance(999);
      await flush();
      expect(wait.state()).to.equal('pending');
      clock.advance(1);
      await flush();
      expect(wait.value()).to.deep.equal({ name, done: false, metadata: any('progress') });
      expect(store.pendingWaits).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it('without a timeout the wait lasts defaultWaitTimeoutMs', async () => {
      store = new OperationStore({ ...OPTIONS, defaultWaitTimeoutMs: 5000 }, clock);
      const name = store.create();
      const wait = track(store.call('WaitOperation', { name }, noDeadline()));
      expect(clock.requested).to.deep.equal([5000]);
      clock.advance(5000);
      await flush();
      expect(wait.state()).to.equal('resolved');
    });

    it('the wait ends before the call\'s deadline, read from the injected clock', async () => {
      const name = store.create();
      // 1000 ms left: the answer comes 100 ms (the margin) before the deadline.
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 60_000 }, {
        deadline: clock.now() + 1000, signal: new AbortController().signal,
      }));
      expect(clock.requested).to.deep.equal([900]);
      clock.advance(899);
      await flush();
      expect(wait.state()).to.equal('pending');
      clock.advance(1);
      await flush();
      expect(wait.value()).to.deep.equal({ name, done: false });
    });

    it('a deadline already past answers at once with the current state, arming no timer', async () => {
      const name = store.create();
      const operation = await store.call('WaitOperation', { name, timeoutMs: 1000 }, {
        deadline: clock.now() - 1, signal: new AbortController().signal,
      });
      expect(operation).to.deep.equal({ name, done: false });
      expect(clock.requested).to.deep.equal([]);
    });

    it('deleting the operation answers its waits NOT_FOUND', async () => {
      const name = store.create();
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 1000 }, noDeadline()));
      await store.call('DeleteOperation', { name }, noDeadline());
      await flush();
      expect(wait.reason()).to.be.instanceOf(RpcError).with.property('code', 5);
      expect((wait.reason() as RpcError).message).to.include('was deleted while waiting');
      expect(clock.pending).to.equal(0);
    });

    it('an aborted call rejects with the abort reason and leaves nothing behind', async () => {
      const name = store.create();
      const controller = new AbortController();
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 1000 }, noDeadline(controller.signal)));
      const reason = new Error('client went away');
      controller.abort(reason);
      await flush();
      expect(wait.reason()).to.equal(reason);
      expect(store.pendingWaits).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it('setMetadata does not wake a wait (real servers answer on completion or timeout)', async () => {
      const name = store.create();
      const wait = track(store.call('WaitOperation', { name, timeoutMs: 1000 }, noDeadline()));
      store.setMetadata(name, any('progress'));
      await flush();
      expect(wait.state()).to.equal('pending');
      clock.advance(1000);
      await flush();
      expect((wait.value() as Operation).metadata).to.deep.equal(any('progress'));
    });

    it('waitOperation: false answers UNIMPLEMENTED without waiting', async () => {
      store = new OperationStore({ ...OPTIONS, waitOperation: false }, clock);
      const name = store.create();
      const wait = track(store.call('WaitOperation', { name }, noDeadline()));
      await flush();
      expect(wait.reason()).to.be.instanceOf(RpcError).with.property('code', 12);
      expect(clock.pending).to.equal(0);
    });
  });

  describe('stop', () => {
    it('answers every pending wait (an infinite one included) and clears every timeline: no timer is left', async () => {
      store = new OperationStore({ ...OPTIONS, defaultWaitTimeoutMs: Infinity }, clock);
      const scripted = store.create();
      store.script(scripted, [{ afterMs: 10, metadata: any('a') }, { afterMs: 10, done: true }]);
      const waited = store.create({ metadata: any('half') });
      const finite = track(store.call('WaitOperation', { name: waited, timeoutMs: 5000 }, noDeadline()));
      const infinite = track(store.call('WaitOperation', { name: scripted }, noDeadline()));
      clock.advance(10);
      expect(clock.requested).to.deep.equal([10, 5000, Infinity, 10]);
      expect(clock.pending).to.equal(3);
      expect(store.pendingWaits).to.equal(2);
      store.stop();
      await flush();
      expect(finite.value()).to.deep.equal({ name: waited, done: false, metadata: any('half') });
      expect(infinite.value()).to.deep.equal({ name: scripted, done: false, metadata: any('a') });
      expect(store.pendingWaits).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it('leaves the store readable, refuses new timelines, and nothing fires afterwards', async () => {
      const scripted = store.create();
      store.script(scripted, [{ afterMs: 10, metadata: any('a') }, { afterMs: 10, done: true }]);
      const waited = store.create({ metadata: any('half') });
      const wait = track(store.call('WaitOperation', { name: waited, timeoutMs: 5000 }, noDeadline()));
      expect(clock.pending).to.equal(2);
      store.stop();
      await flush();
      expect(store.stopped).to.equal(true);
      expect(wait.value()).to.deep.equal({ name: waited, done: false, metadata: any('half') });
      expect(store.pendingWaits).to.equal(0);
      expect(clock.pending).to.equal(0);
      clock.advance(60_000);
      expect(store.get(scripted)).to.deep.equal({ name: scripted, done: false });
      expect(() => store.script(scripted, [{ afterMs: 1, done: true }])).to.throw(LongRunningError, 'stopped');
      expect(clock.pending).to.equal(0);
    });
  });

  describe('listing', () => {
    const list = (request: { name: string; filter?: string; pageSize?: number; pageToken?: string }) =>
      store.call('ListOperations', request, noDeadline()) as Promise<ListOperationsResponse>;

    it('pages through a filtered collection with cursor tokens, each operation once', async () => {
      for (let i = 0; i < 5; i++) store.create({ name: `operations/a/op-${i}`, done: i % 2 === 0 });
      store.create({ name: 'operations/b/op-0' });
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await list({ name: 'operations/a', filter: 'done = true', pageSize: 2, pageToken });
        seen.push(...page.operations.map((operation) => operation.name));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      expect(seen).to.deep.equal(['operations/a/op-0', 'operations/a/op-2', 'operations/a/op-4']);
    });

    it('a bad filter or a foreign token is INVALID_ARGUMENT with the parser\'s message', async () => {
      store.create();
      store.create();
      const first = await list({ name: '', pageSize: 1 });
      expect(first.nextPageToken).to.not.equal('');
      const badFilter = track(list({ name: '', filter: 'done = maybe' }));
      const foreign = track(list({ name: '', pageSize: 1, filter: 'done = false', pageToken: first.nextPageToken }));
      await flush();
      expect(badFilter.reason()).to.be.instanceOf(RpcError).with.property('code', 3);
      expect((badFilter.reason() as RpcError).message).to.include('cannot parse filter "done = maybe"');
      expect(foreign.reason()).to.be.instanceOf(RpcError).with.property('code', 3);
      expect((foreign.reason() as RpcError).message).to.include('issued for a different request');
    });
  });

  describe('on the default clock (sinon fake timers, as the real server runs)', () => {
    let fake: sinon.SinonFakeTimers;
    beforeEach(() => {
      fake = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => {
      fake.restore();
    });

    it('timelines and waits run on setTimeout and Date.now, and stop leaves no timer', async () => {
      const real = new OperationStore({ ...OPTIONS });
      const name = real.create();
      real.script(name, [{ afterMs: 10, metadata: any('a') }, { afterMs: 10, done: true }]);
      const waited = real.create();
      const wait = track(real.call('WaitOperation', { name: waited }, { deadline: 1000, signal: new AbortController().signal }));
      expect(fake.countTimers()).to.equal(2);
      await fake.tickAsync(10);
      expect(real.get(name)?.metadata).to.deep.equal(any('a'));
      await fake.tickAsync(889);
      expect(wait.state()).to.equal('pending');
      await fake.tickAsync(1);
      expect(wait.state()).to.equal('resolved');
      expect(real.get(name)?.done).to.equal(true);
      real.script(real.create(), [{ afterMs: 1e12, done: true }]);
      expect(fake.countTimers()).to.equal(1);
      real.stop();
      expect(fake.countTimers()).to.equal(0);
    });
  });
});
