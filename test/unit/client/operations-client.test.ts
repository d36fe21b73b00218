import { expect } from 'chai';
import sinon from 'sinon';
import { OperationsClient } from '../../../src/client/operations-client.js';
import { ClientClosedError, InvalidArgumentError, RpcError } from '../../../src/errors.js';
import { encodeRetryInfo } from '../../../src/any/rpc-status.js';
import { FakeTransport, rpcError } from '../../helpers/fake-transport.js';

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const op = (name: string, done = false) => ({ name, done });

/** Records the delay of every setTimeout the SDK schedules. */
function recordTimers(clock: sinon.SinonFakeTimers): number[] {
  const delays: number[] = [];
  const original = clock.setTimeout;
  // The SDK's timers pass their state as setTimeout's extra arguments: forward them.
  sinon.stub(clock, 'setTimeout').callsFake(((fn: (...args: unknown[]) => void, ms: number, ...args: unknown[]) => {
    delays.push(ms);
    return original.call(clock, fn, ms, ...args);
  }) as never);
  return delays;
}

describe('OperationsClient (unit, fake transport)', () => {
  let clock: sinon.SinonFakeTimers;
  let transport: FakeTransport;
  let client: OperationsClient;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    transport = new FakeTransport();
    client = new OperationsClient({ transport, random: () => 0 });
  });

  afterEach(async () => {
    await client.close();
    clock.restore();
    sinon.restore();
  });

  describe('happy path', () => {
    it('delegates each RPC with the validated request', async () => {
      transport.on('getOperation', (req) => op(req.name, true));
      transport.on('waitOperation', (req) => op(req.name));
      transport.on('cancelOperation', () => undefined);
      transport.on('deleteOperation', () => undefined);
      transport.on('listOperations', () => ({ operations: [op('a')], nextPageToken: '', unreachable: ['x'] }));

      expect(await client.getOperation({ name: 'operations/1' })).to.deep.equal({ name: 'operations/1', done: true });
      expect(await client.waitOperation({ name: 'operations/1', timeoutMs: 500 })).to.deep.equal(op('operations/1'));
      expect(await client.cancelOperation({ name: 'operations/1' })).to.equal(undefined);
      expect(await client.deleteOperation({ name: 'operations/1' })).to.equal(undefined);
      const page = await client.listOperations({ name: 'operations', filter: 'done = false', pageSize: 5, returnPartialSuccess: true });
      expect(page.unreachable).to.deep.equal(['x']);
      expect(transport.calls.map((c) => c.method)).to.deep.equal(
        ['getOperation', 'waitOperation', 'cancelOperation', 'deleteOperation', 'listOperations']);
      expect(transport.calls[1].request).to.deep.equal({ name: 'operations/1', timeoutMs: 500 });
      expect(transport.calls[4].request).to.deep.equal(
        { name: 'operations', filter: 'done = false', pageSize: 5, returnPartialSuccess: true });
    });

    it('passes metadata and the absolute deadline (default 60 s) to the transport', async () => {
      transport.on('getOperation', (req) => op(req.name));
      await client.getOperation({ name: 'operations/1' }, { metadata: { 'x-trace': 'abc' } });
      await client.getOperation({ name: 'operations/1' }, { timeoutMs: 0 });
      expect(transport.calls[0].options.deadline).to.equal(1_000_000 + 60_000);
      expect(transport.calls[0].options.metadata).to.deep.equal({ 'x-trace': 'abc' });
      expect(transport.calls[1].options.deadline, 'explicit 0 means 0').to.equal(1_000_000);
    });

    it('merges the client-level metadata under each call\'s own (the call wins a shared key)', async () => {
      const defaults = { 'x-tenant': 'blue', 'x-trace': 'client' };
      const own = new OperationsClient({ transport, random: () => 0, metadata: defaults });
      try {
        transport.on('getOperation', (req) => op(req.name));
        transport.on('listOperations', () => ({ operations: [], nextPageToken: '', unreachable: [] }));
        transport.on('cancelOperation', () => undefined);
        defaults['x-tenant'] = 'changed later'; // the client keeps its own copy
        await own.getOperation({ name: 'operations/1' });
        await own.getOperation({ name: 'operations/1' }, { metadata: { 'x-trace': 'call', 'x-extra': '1' } });
        await own.listOperations({ name: 'operations' });
        await own.cancelOperation({ name: 'operations/1' }, { metadata: {} });
        expect(transport.calls.map((c) => c.options.metadata)).to.deep.equal([
          { 'x-tenant': 'blue', 'x-trace': 'client' },
          { 'x-tenant': 'blue', 'x-trace': 'call', 'x-extra': '1' },
          { 'x-tenant': 'blue', 'x-trace': 'client' },
          { 'x-tenant': 'blue', 'x-trace': 'client' },
        ]);
      } finally {
        await own.close();
      }
    });

    it('sends the client-level metadata with a handle\'s polls (GetOperation and WaitOperation) and its own calls', async () => {
      const own = new OperationsClient({ transport, random: () => 0, metadata: { 'x-tenant': 'blue' } });
      try {
        transport.sequence('getOperation', [op('operations/1'), op('operations/1', true)]);
        transport.sequence('waitOperation', [op('operations/1')]);
        transport.on('cancelOperation', () => undefined);
        const handle = own.operation('operations/1', { polling: { strategy: 'wait' } });
        const done = handle.promise();
        await clock.tickAsync(0);
        await handle.cancel({ metadata: { 'x-why': 'test' } });
        await handle.poll();
        await done;
        expect(transport.calls.map((c) => [c.method, c.options.metadata])).to.deep.equal([
          ['getOperation', { 'x-tenant': 'blue' }], // the loop's initial state
          ['waitOperation', { 'x-tenant': 'blue' }], // the loop's long poll
          ['cancelOperation', { 'x-tenant': 'blue', 'x-why': 'test' }],
          ['getOperation', { 'x-tenant': 'blue' }], // poll(), which settles the handle
        ]);
      } finally {
        await own.close();
      }
    });

    it('validates the client-level metadata like call metadata, at construction', () => {
      expect(() => new OperationsClient({ transport, metadata: { 'X-Key': 'v' } }))
        .to.throw(InvalidArgumentError).with.property('argument', 'options.metadata key');
      const error = (() => {
        try {
          return new OperationsClient({ transport, metadata: { 'x-key': 'secret\n' } });
        } catch (e) {
          return e as InvalidArgumentError;
        }
      })();
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'options.metadata.x-key');
      expect(`${(error as Error).message} ${(error as Error).stack}`).to.not.contain('secret');
    });

    it('extends the WaitOperation deadline to cover the requested wait unless timeoutMs is explicit', async () => {
      transport.on('waitOperation', (req) => op(req.name));
      await client.waitOperation({ name: 'operations/1', timeoutMs: 120_000 });
      await client.waitOperation({ name: 'operations/1', timeoutMs: 120_000 }, { timeoutMs: 1000 });
      await client.waitOperation({ name: 'operations/1', timeoutMs: 10 });
      expect(transport.calls.map((c) => c.options.deadline - 1_000_000)).to.deep.equal([125_000, 1000, 60_000]);
    });
  });

  describe('retry', () => {
    it('retries UNAVAILABLE with exponential backoff (100, 200, 400 ms at random 0)', async () => {
      const delays = recordTimers(clock);
      transport.sequence('getOperation', [
        rpcError('GetOperation', UNAVAILABLE), rpcError('GetOperation', UNAVAILABLE),
        rpcError('GetOperation', UNAVAILABLE), op('operations/1', true),
      ]);
      const result = client.getOperation({ name: 'operations/1' });
      await clock.runAllAsync();
      expect(await result).to.deep.equal(op('operations/1', true));
      expect(delays).to.deep.equal([100, 200, 400]);
      expect(transport.calls).to.have.length(4);
    });

    it('spreads delays with jitter inside [d * (1 - jitter), d]', async () => {
      await client.close();
      client = new OperationsClient({ transport, random: () => 0.5, retry: { jitter: 0.5 } });
      const delays = recordTimers(clock);
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE), rpcError('GetOperation', UNAVAILABLE), op('a')]);
      const result = client.getOperation({ name: 'a' });
      await clock.runAllAsync();
      await result;
      expect(delays).to.deep.equal([75, 150]);
    });

    it('waits at least the delay of a google.rpc.RetryInfo detail', async () => {
      const delays = recordTimers(clock);
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE, [encodeRetryInfo(1500)]), op('a')]);
      const result = client.getOperation({ name: 'a' });
      await clock.runAllAsync();
      await result;
      expect(delays).to.deep.equal([1500]);
    });

    it('fails at once when RetryInfo asks for more time than the deadline leaves', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE, [encodeRetryInfo(5000)]), op('a')]);
      const error = await client.getOperation({ name: 'a' }, { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('code', UNAVAILABLE);
      expect(transport.calls).to.have.length(1);
    });

    for (const [code, label] of [[3, 'INVALID_ARGUMENT'], [5, 'NOT_FOUND'], [7, 'PERMISSION_DENIED'], [16, 'UNAUTHENTICATED'], [12, 'UNIMPLEMENTED']] as const) {
      it(`does not retry ${label}`, async () => {
        transport.sequence('getOperation', [rpcError('GetOperation', code, [], 'nope'), op('a')]);
        const error = await client.getOperation({ name: 'a' }).catch((e: unknown) => e) as RpcError;
        expect(error).to.be.instanceOf(RpcError);
        expect(error.code).to.equal(code);
        expect(error.method).to.equal('GetOperation');
        expect(error.attempts).to.equal(1);
        expect(error.message).to.equal(`GetOperation failed with ${label}: nope`);
        expect(transport.calls).to.have.length(1);
      });
    }

    it('gives up after `retries` retries with the last error and the attempt count', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE)]);
      const result = client.getOperation({ name: 'a' }, { retry: { retries: 2 } }).catch((e: unknown) => e);
      await clock.runAllAsync();
      const error = await result as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.attempts).to.equal(3);
      expect(transport.calls).to.have.length(3);
    });

    it('makes exactly one attempt with retry: false', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE), op('a')]);
      const error = await client.getOperation({ name: 'a' }, { retry: false }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError);
      expect(transport.calls).to.have.length(1);
    });

    it('retries DEADLINE_EXCEEDED of one attempt while the overall deadline has time left', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', DEADLINE_EXCEEDED), op('a', true)]);
      const result = client.getOperation({ name: 'a' }, { timeoutMs: 10_000, retry: { attemptTimeoutMs: 2000 } });
      await clock.runAllAsync();
      expect(await result).to.deep.equal(op('a', true));
      expect(transport.calls[0].options.deadline, 'attempt deadline').to.equal(1_000_000 + 2000);
    });

    it('does not retry DEADLINE_EXCEEDED once the overall deadline has passed', async () => {
      transport.on('getOperation', () => {
        clock.tick(1000);
        throw rpcError('GetOperation', DEADLINE_EXCEEDED);
      });
      const error = await client.getOperation({ name: 'a' }, { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('code', DEADLINE_EXCEEDED);
      expect(transport.calls).to.have.length(1);
    });

    it('never sleeps past the deadline: stops when the next delay would reach it', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE)]);
      const result = client.getOperation({ name: 'a' }, { timeoutMs: 350 }).catch((e: unknown) => e);
      await clock.runAllAsync();
      expect(await result).to.be.instanceOf(RpcError);
      // Attempts at 0, 100 and 300 ms; the next delay (400 ms) would pass the deadline.
      expect(transport.calls).to.have.length(3);
      expect(Date.now() - 1_000_000).to.equal(300);
    });
  });

  describe('abort and close', () => {
    it('rejects with the signal reason and sends nothing when already aborted', async () => {
      transport.on('getOperation', (req) => op(req.name));
      const reason = new Error('stop');
      const error = await client.getOperation({ name: 'a' }, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
      expect(error).to.equal(reason);
      expect(transport.calls).to.have.length(0);
    });

    it('aborting during a retry sleep clears the timer and sends no more RPCs', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE)]);
      const controller = new AbortController();
      const result = client.getOperation({ name: 'a' }, { signal: controller.signal }).catch((e: unknown) => e);
      await clock.tickAsync(50);
      expect(clock.countTimers()).to.equal(1);
      controller.abort('a string reason');
      expect(await result).to.equal('a string reason');
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(10_000);
      expect(transport.calls).to.have.length(1);
    });

    it('aborting an in-flight attempt reaches the transport signal', async () => {
      let seen: AbortSignal | undefined;
      transport.on('getOperation', (_req, options) => new Promise((_resolve, reject) => {
        seen = options.signal;
        options.signal!.addEventListener('abort', () => reject(options.signal!.reason));
      }));
      const controller = new AbortController();
      const result = client.getOperation({ name: 'a' }, { signal: controller.signal }).catch((e: unknown) => e);
      await clock.tickAsync(0);
      controller.abort(new Error('user'));
      expect(await result).to.have.property('message', 'user');
      expect(seen?.aborted).to.equal(true);
    });

    it('close() ends a call sleeping before a retry with ClientClosedError, and refuses new calls', async () => {
      transport.sequence('getOperation', [rpcError('GetOperation', UNAVAILABLE)]);
      const result = client.getOperation({ name: 'a' }).catch((e: unknown) => e);
      await clock.tickAsync(10);
      await client.close();
      expect(await result).to.be.instanceOf(ClientClosedError);
      expect(clock.countTimers()).to.equal(0);
      expect(transport.closed).to.equal(true);
      const refused = await client.getOperation({ name: 'a' }).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(ClientClosedError);
      expect(transport.calls).to.have.length(1);
      expect(client.closed).to.equal(true);
    });
  });

  describe('close() and a fleet of handles', () => {
    it('close() ends every waiting handle through one listener on its closing signal, however many handles wait', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const added = sinon.spy(EventTarget.prototype, 'addEventListener');
      const own = new OperationsClient({ transport, random: () => 0, polling: { strategy: 'poll' } });
      try {
        const finished = new Set<string>();
        transport.on('getOperation', (req) => op(req.name, finished.has(req.name)));
        const handles = Array.from({ length: 12 }, (_, i) => own.operation(`operations/${i}`));
        const waits = handles.map((handle) => handle.promise().then(() => 'done', (e: unknown) => e));
        await clock.tickAsync(1_000);
        // Runs sit in the client's RunSet: no target gets an abort listener per handle
        // (Node's EventTarget walks its list on every add and remove: O(n) per run).
        const abortListeners = new Map<EventTarget, number>();
        for (const call of added.getCalls()) {
          if (call.args[0] === 'abort') abortListeners.set(call.thisValue as EventTarget, (abortListeners.get(call.thisValue as EventTarget) ?? 0) + 1);
        }
        expect([...abortListeners.values()].filter((n) => n >= handles.length)).to.deep.equal([]);

        for (let i = 0; i < 6; i++) finished.add(`operations/${i}`);
        await clock.tickAsync(10_000);
        expect(await Promise.all(waits.slice(0, 6))).to.deep.equal(Array(6).fill('done'));

        await own.close();
        for (const outcome of await Promise.all(waits.slice(6))) expect(outcome).to.be.instanceOf(ClientClosedError);
        expect(clock.countTimers()).to.equal(0);
        await new Promise<void>((resolve) => setImmediate(resolve));
        expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).to.deep.equal([]);
      } finally {
        process.off('warning', onWarning);
        added.restore();
        await own.close();
      }
    });

    it('more than 10 calls sleeping before a retry at once: close() ends them all, without a MaxListenersExceededWarning', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        transport.on('getOperation', () => {
          throw rpcError('GetOperation', UNAVAILABLE);
        });
        const calls = Array.from({ length: 12 }, (_, i) => client.getOperation({ name: `operations/${i}` }).catch((e: unknown) => e));
        await clock.tickAsync(10);
        await client.close();
        for (const outcome of await Promise.all(calls)) expect(outcome).to.be.instanceOf(ClientClosedError);
        await new Promise<void>((resolve) => setImmediate(resolve));
        expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).to.deep.equal([]);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  describe('bad input', () => {
    const badCalls: Array<[string, (c: OperationsClient) => Promise<unknown>, string]> = [
      ['empty name', (c) => c.getOperation({ name: '' }), 'request.name'],
      ['non-string name', (c) => c.getOperation({ name: 42 as never }), 'request.name'],
      ['name with a newline', (c) => c.cancelOperation({ name: 'a\nb' }), 'request.name'],
      ['oversized name', (c) => c.deleteOperation({ name: 'x'.repeat(5000) }), 'request.name'],
      ['missing request', (c) => c.getOperation(undefined as never), 'request'],
      ['null request', (c) => c.waitOperation(null as never), 'request'],
      ['negative pageSize', (c) => c.listOperations({ name: 'operations', pageSize: -1 }), 'request.pageSize'],
      ['fractional pageSize', (c) => c.listOperations({ name: 'operations', pageSize: 1.5 }), 'request.pageSize'],
      ['non-string filter', (c) => c.listOperations({ name: 'operations', filter: 3 as never }), 'request.filter'],
      ['non-string collection', (c) => c.listOperations({ name: undefined as never }), 'request.name'],
      ['non-boolean returnPartialSuccess', (c) => c.listOperations({ name: '', returnPartialSuccess: 'yes' as never }), 'request.returnPartialSuccess'],
      ['NaN timeoutMs', (c) => c.getOperation({ name: 'a' }, { timeoutMs: Number.NaN }), 'options.timeoutMs'],
      ['-Infinity timeoutMs', (c) => c.getOperation({ name: 'a' }, { timeoutMs: Number.NEGATIVE_INFINITY }), 'options.timeoutMs'],
      ['negative timeoutMs', (c) => c.getOperation({ name: 'a' }, { timeoutMs: -1 }), 'options.timeoutMs'],
      ['negative wait timeout', (c) => c.waitOperation({ name: 'a', timeoutMs: -5 }), 'request.timeoutMs'],
      ['non-signal signal', (c) => c.getOperation({ name: 'a' }, { signal: {} as never }), 'options.signal'],
      ['upper-case metadata key', (c) => c.getOperation({ name: 'a' }, { metadata: { 'X-Key': 'v' } }), 'options.metadata key'],
      ['binary metadata key', (c) => c.getOperation({ name: 'a' }, { metadata: { 'x-bin': 'v' } }), 'options.metadata key'],
      ['reserved metadata key', (c) => c.getOperation({ name: 'a' }, { metadata: { 'grpc-timeout': '1' } }), 'options.metadata key'],
      ['non-ASCII metadata value', (c) => c.getOperation({ name: 'a' }, { metadata: { 'x-key': 'caf\u00e9' } }), 'options.metadata.x-key'],
      ['negative retries', (c) => c.getOperation({ name: 'a' }, { retry: { retries: -1 } }), 'options.retry.retries'],
      ['jitter above 1', (c) => c.getOperation({ name: 'a' }, { retry: { jitter: 2 } }), 'options.retry.jitter'],
      ['multiplier below 1', (c) => c.getOperation({ name: 'a' }, { retry: { multiplier: 0.5 } }), 'options.retry.multiplier'],
      ['retry: true', (c) => c.getOperation({ name: 'a' }, { retry: true as never }), 'options.retry'],
    ];

    for (const [label, call, argument] of badCalls) {
      it(`rejects ${label} with InvalidArgumentError naming ${argument}, sending nothing`, async () => {
        const error = await call(client).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
        expect((error as Error).message).to.contain(`\`${argument}\``);
        expect(transport.calls).to.have.length(0);
      });
    }

    const badConstructions: Array<[string, () => unknown, string]> = [
      ['no address', () => new OperationsClient({}), 'options.address'],
      ['empty address', () => new OperationsClient({ address: '', insecure: true }), 'address'],
      ['address with a scheme', () => new OperationsClient({ address: 'http://x:1', insecure: true }), 'address'],
      ['port out of range', () => new OperationsClient({ address: 'localhost:70000', insecure: true }), 'address'],
      ['non-numeric port', () => new OperationsClient({ address: 'localhost:http', insecure: true }), 'address'],
      ['insecure with auth', () => new OperationsClient({ address: 'x:1', insecure: true, auth: {} as never }), 'auth'],
      ['non-boolean insecure', () => new OperationsClient({ address: 'x:1', insecure: 'yes' as never }), 'insecure'],
      ['transport with address', () => new OperationsClient({ transport: new FakeTransport(), address: 'x:1' }), 'options.address'],
      ['non-finite default timeout', () => new OperationsClient({ transport: new FakeTransport(), timeoutMs: Number.NaN }), 'options.timeoutMs'],
      ['options not an object', () => new OperationsClient('x:1' as never), 'options'],
    ];
    for (const [label, construct, argument] of badConstructions) {
      it(`refuses to construct with ${label} (${argument})`, () => {
        let error: unknown;
        try {
          construct();
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
      });
    }
  });
});
