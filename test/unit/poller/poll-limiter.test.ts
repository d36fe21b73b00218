/**
 * The client-wide poll bounds: the long-poll cap and the FIFO queue of polls in flight,
 * alone and driven by the poll loop under sinon fake timers. No timing assertions:
 * order, counts and final values only.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import {
  BROWSER_POLL_LIMIT_DEFAULTS, HTTP_POLL_LIMIT_DEFAULTS, POLLING_DEFAULTS, resolvePolling, resolvePollLimits,
} from '../../../src/options/polling.js';
import { pollUntilDone, type OperationRpcs, type PollCallOptions } from '../../../src/poller/poll-loop.js';
import { PollLimiter } from '../../../src/poller/poll-limiter.js';
import { ServerState } from '../../../src/poller/server-state.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { systemClock } from '../../../src/time/clock.js';
import type { Operation } from '../../../src/types.js';

/** Settles on the next turns of the microtask queue. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('PollLimiter', () => {
  it('hands out long-poll slots up to the cap and takes them back', () => {
    const limiter = new PollLimiter(2, 1);
    expect([limiter.tryAcquireWait(), limiter.tryAcquireWait(), limiter.tryAcquireWait()]).to.deep.equal([true, true, false]);
    limiter.releaseWait();
    expect(limiter.tryAcquireWait()).to.equal(true);
    expect(limiter.waitsHeld).to.equal(2);
  });

  it('a cap of 0 never gives a long-poll slot', () => {
    expect(new PollLimiter(0, 1).tryAcquireWait()).to.equal(false);
  });

  it('serves queued polls first come first served as slots free', async () => {
    const limiter = new PollLimiter(0, 2);
    const signal = new AbortController().signal;
    expect(limiter.acquirePoll(signal)).to.equal(undefined);
    expect(limiter.acquirePoll(signal)).to.equal(undefined);
    const served: number[] = [];
    const queued = [0, 1, 2, 3].map((i) => limiter.acquirePoll(signal)!.then(() => served.push(i)));
    expect(limiter.pollsQueued).to.equal(4);
    limiter.releasePoll();
    await flush();
    expect(served).to.deep.equal([0]);
    limiter.releasePoll();
    limiter.releasePoll();
    await flush();
    expect(served).to.deep.equal([0, 1, 2]);
    expect(limiter.pollsInFlight).to.equal(2);
    limiter.releasePoll();
    await Promise.all(queued);
    expect(served).to.deep.equal([0, 1, 2, 3]);
    expect(limiter.pollsQueued).to.equal(0);
  });

  it('a poll queued behind others waits its turn even when a slot is free at once', () => {
    const limiter = new PollLimiter(0, 1);
    const signal = new AbortController().signal;
    void limiter.acquirePoll(signal);
    void limiter.acquirePoll(signal);
    limiter.releasePoll(); // the queued one takes the slot
    expect(limiter.acquirePoll(signal)).to.be.instanceOf(Promise);
  });

  it('an aborted queued poll leaves the queue with the reason and takes no slot', async () => {
    const limiter = new PollLimiter(0, 1);
    void limiter.acquirePoll(new AbortController().signal);
    const first = new AbortController();
    const second = new AbortController();
    const aborted = limiter.acquirePoll(first.signal)!;
    let secondServed = false;
    const next = limiter.acquirePoll(second.signal)!.then(() => {
      secondServed = true;
    });
    const reason = new Error('gone');
    first.abort(reason);
    const error = await aborted.catch((e: unknown) => e);
    expect(error).to.equal(reason);
    expect(limiter.pollsQueued).to.equal(1);
    limiter.releasePoll();
    await next;
    expect(secondServed).to.equal(true);
    expect(limiter.pollsInFlight).to.equal(1);
  });

  it('an aborted signal is refused at once', () => {
    const limiter = new PollLimiter(0, 1);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => limiter.acquirePoll(controller.signal)).to.throw('stop');
    expect(limiter.pollsInFlight).to.equal(0);
  });
});

describe('poll bounds options', () => {
  it('default: no long-poll cap, 64 polls in flight', () => {
    expect(resolvePollLimits(undefined, 'options.polling')).to.deep.equal({ maxConcurrentWaits: Infinity, maxPollsInFlight: 64 });
  });

  it('over HTTP/JSON: 100 long-polls (4 in the browser entry), 64 polls in flight', () => {
    expect(resolvePollLimits(undefined, 'options.polling', HTTP_POLL_LIMIT_DEFAULTS)).to.deep.equal({ maxConcurrentWaits: 100, maxPollsInFlight: 64 });
    expect(resolvePollLimits({}, 'options.polling', BROWSER_POLL_LIMIT_DEFAULTS)).to.deep.equal({ maxConcurrentWaits: 4, maxPollsInFlight: 64 });
    // An explicit value wins over the transport's default, Infinity included.
    expect(resolvePollLimits({ maxConcurrentWaits: Infinity }, 'options.polling', HTTP_POLL_LIMIT_DEFAULTS))
      .to.deep.equal({ maxConcurrentWaits: Infinity, maxPollsInFlight: 64 });
  });

  it('takes the client\'s values, Infinity included', () => {
    expect(resolvePollLimits({ maxConcurrentWaits: 10, maxPollsInFlight: Infinity }, 'options.polling'))
      .to.deep.equal({ maxConcurrentWaits: 10, maxPollsInFlight: Infinity });
  });

  for (const [key, value] of [['maxConcurrentWaits', -1], ['maxConcurrentWaits', 1.5], ['maxPollsInFlight', 0], ['maxPollsInFlight', Number.NaN]] as const) {
    it(`refuses ${key}: ${value}, naming it`, () => {
      expect(() => resolvePollLimits({ [key]: value }, 'options.polling'))
        .to.throw(InvalidArgumentError, `options.polling.${key}`);
    });
  }

  it('a handle cannot set them', () => {
    expect(() => resolvePolling({ maxPollsInFlight: 5 } as never, POLLING_DEFAULTS, 'options.polling'))
      .to.throw(InvalidArgumentError, 'options.polling.maxPollsInFlight');
    expect(resolvePolling({ maxPollsInFlight: 5 } as never, POLLING_DEFAULTS, 'options.polling', true).strategy).to.equal('auto');
  });
});

describe('poll loop with bounds (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  /** A scripted server: each call pends until the test answers it. */
  function scriptedRpcs() {
    const calls: Array<{ method: 'get' | 'wait'; name: string; answer: (op: Operation) => void; fail: (e: unknown) => void; signal?: AbortSignal | undefined }> = [];
    const record = (method: 'get' | 'wait', name: string, options?: PollCallOptions) => new Promise<Operation>((resolve, reject) => {
      calls.push({ method, name, answer: resolve, fail: reject, signal: options?.signal });
      options?.signal?.addEventListener('abort', () => reject(options.signal!.reason as Error), { once: true });
    });
    const rpcs: OperationRpcs = {
      getOperation: ({ name }, options) => record('get', name, options),
      waitOperation: ({ name }, options) => record('wait', name, options),
    };
    return { calls, rpcs };
  }

  function knownServer(): ServerState {
    const server = new ServerState();
    server.reached = true;
    server.markWaitSupported();
    return server;
  }

  function start(name: string, rpcs: OperationRpcs, limiter: PollLimiter, signal: AbortSignal, strategy: 'auto' | 'poll' = 'auto') {
    return pollUntilDone({
      name, rpcs, limiter, signal, server: knownServer(), clock: systemClock, random: () => 0,
      policy: { ...POLLING_DEFAULTS, strategy }, hasInitialState: true, initial: { name, done: false },
      onOperation: () => undefined,
    });
  }

  it('handles beyond the long-poll cap poll until a slot frees, then long-poll', async () => {
    const { calls, rpcs } = scriptedRpcs();
    const limiter = new PollLimiter(2, Infinity);
    const run = new AbortController();
    const names = ['operations/a', 'operations/b', 'operations/c'];
    const loops = names.map((name) => start(name, rpcs, limiter, run.signal));
    await clock.tickAsync(0);
    expect(calls.map((c) => `${c.method} ${c.name}`)).to.deep.equal(['wait operations/a', 'wait operations/b']);
    expect(limiter.waitsHeld).to.equal(2);
    // c sleeps one poll delay, then polls, since the cap is still full.
    await clock.tickAsync(POLLING_DEFAULTS.initialDelayMs);
    expect(calls.map((c) => `${c.method} ${c.name}`)).to.include('get operations/c');
    // a finishes: its slot frees, and c long-polls at its next turn instead of polling.
    calls[0].answer({ name: 'operations/a', done: true });
    calls.find((c) => c.method === 'get')!.answer({ name: 'operations/c', done: false });
    await loops[0];
    await clock.tickAsync(10_000);
    expect(calls.filter((c) => c.name === 'operations/c').map((c) => c.method)).to.deep.equal(['get', 'wait']);
    expect(limiter.waitsHeld).to.equal(2);
    // Every outcome releases the slot: an error ends b, an abort ends c.
    calls[1].fail(Object.assign(new Error('permanent'), {}));
    await loops[1].catch(() => undefined);
    run.abort(new Error('closed'));
    await loops[2].catch(() => undefined);
    expect(limiter.waitsHeld).to.equal(0);
  });

  it('polls beyond the bound queue, and an abort while queued ends the loop with no RPC and no slot', async () => {
    const { calls, rpcs } = scriptedRpcs();
    const limiter = new PollLimiter(0, 1);
    const first = new AbortController();
    const second = new AbortController();
    const a = start('operations/a', rpcs, limiter, first.signal, 'poll');
    const b = start('operations/b', rpcs, limiter, second.signal, 'poll');
    await clock.tickAsync(POLLING_DEFAULTS.initialDelayMs);
    expect(calls.map((c) => c.name)).to.deep.equal(['operations/a']);
    expect(limiter.pollsQueued).to.equal(1);
    const reason = new Error('closed while queued');
    second.abort(reason);
    expect(await b.catch((e: unknown) => e)).to.equal(reason);
    expect(limiter.pollsQueued).to.equal(0);
    calls[0].answer({ name: 'operations/a', done: true });
    await a;
    expect(calls).to.have.length(1);
    expect(limiter.pollsInFlight).to.equal(0);
    expect(clock.countTimers()).to.equal(0);
  });

  it('the poll slot is released on success, error and abort, and goes to the next in line', async () => {
    const { calls, rpcs } = scriptedRpcs();
    const limiter = new PollLimiter(0, 1);
    const run = new AbortController();
    const loops = ['operations/a', 'operations/b', 'operations/c', 'operations/d'].map((name) => start(name, rpcs, limiter, run.signal, 'poll'));
    await clock.tickAsync(POLLING_DEFAULTS.initialDelayMs);
    expect(calls.map((c) => c.name)).to.deep.equal(['operations/a']);
    calls[0].answer({ name: 'operations/a', done: true }); // success
    await loops[0];
    await clock.tickAsync(0);
    expect(calls.map((c) => c.name)).to.deep.equal(['operations/a', 'operations/b']);
    calls[1].fail(new Error('not an RpcError: permanent')); // error
    await loops[1].catch(() => undefined);
    await clock.tickAsync(0);
    expect(calls.map((c) => c.name)).to.deep.equal(['operations/a', 'operations/b', 'operations/c']);
    run.abort(new Error('closed')); // abort: in flight (c) and queued (d)
    await Promise.allSettled(loops);
    expect(calls).to.have.length(3);
    expect([limiter.pollsInFlight, limiter.pollsQueued]).to.deep.equal([0, 0]);
    expect(clock.countTimers()).to.equal(0);
  });
});
