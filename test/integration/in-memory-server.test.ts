import { expect } from 'chai';
import sinon from 'sinon';
import { InvalidArgumentError, LongRunningError, RpcError } from '../../src/errors.js';
import {
  InMemoryOperationsServer, type InMemoryOperationsServerOptions,
} from '../../src/testing/in-memory-server.js';
import { encodeRetryInfo } from '../../src/any/rpc-status.js';
import { GrpcOperationsTransport } from '../../src/transport/grpc-transport.js';
import type { Any, ListOperationsRequest, Operation, Status } from '../../src/types.js';

const CODE = {
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, NOT_FOUND: 5, INTERNAL: 13, UNIMPLEMENTED: 12,
  UNAVAILABLE: 14, RESOURCE_EXHAUSTED: 8,
} as const;

const any = (typeUrl: string, ...bytes: number[]): Any => ({ typeUrl: `type.googleapis.com/${typeUrl}`, value: Uint8Array.from(bytes) });
const progress = (percent: number) => any('test.Progress', 8, percent);
const result = any('test.Result', 10, 2, 111, 107);

const opts = (ms = 5000) => ({ deadline: Date.now() + ms });
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds; the limit is a hang guard, not a speed check. */
async function until(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(5);
  }
}

async function rpcFailure(promise: Promise<unknown>, code: number): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(RpcError);
    const rpc = error as RpcError;
    expect(rpc.code, rpc.message).to.equal(code);
    return rpc;
  }
  throw new Error(`expected the RPC to fail with code ${code}`);
}

function thrown(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

/** mulberry32: a tiny seeded PRNG for reproducible fault runs. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function names(operations: readonly Operation[]): string[] {
  return operations.map((operation) => operation.name);
}

describe('InMemoryOperationsServer', () => {
  let server: InMemoryOperationsServer;
  let client: GrpcOperationsTransport;

  async function restart(options?: InMemoryOperationsServerOptions): Promise<void> {
    await client?.close();
    await server?.stop();
    server = await InMemoryOperationsServer.start(options);
    client = new GrpcOperationsTransport({ address: server.address, insecure: true });
  }

  beforeEach(() => restart());
  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  describe('start and the Node API', () => {
    it('listens on 127.0.0.1 only', () => {
      expect(server.address).to.equal(`127.0.0.1:${server.port}`);
      expect(server.port).to.be.greaterThan(0);
    });

    it('names operations operations/op-NNNNNN in creation order, skipping names in use', () => {
      expect(server.createOperation()).to.equal('operations/op-000001');
      server.createOperation({ name: 'operations/op-000002' });
      expect(server.createOperation()).to.equal('operations/op-000003');
      expect(names(server.operations)).to.deep.equal(
        ['operations/op-000001', 'operations/op-000002', 'operations/op-000003']);
    });

    it('rejects bad, duplicate and conflicting initial states with InvalidArgumentError', () => {
      server.createOperation({ name: 'operations/x' });
      expect(thrown(() => server.createOperation({ name: 'operations/x' })).argument).to.equal('init.name');
      expect(thrown(() => server.createOperation({ name: '' })).argument).to.equal('init.name');
      expect(thrown(() => server.createOperation({ name: 'a\u0000b' })).message).to.contain('a\\u0000b');
      expect(thrown(() => server.createOperation({ name: 'x'.repeat(4097) })).argument).to.equal('init.name');
      expect(thrown(() => server.createOperation({ response: result, error: { code: 2 } })).argument)
        .to.equal('init.response');
      expect(thrown(() => server.createOperation({ done: false, response: result })).argument).to.equal('init.done');
      expect(thrown(() => server.createOperation({ error: { code: 0 } })).argument).to.equal('init.error.code');
    });

    it('throws InvalidArgumentError for unknown or finished operations and malformed values', () => {
      expect(thrown(() => server.complete('operations/nope')).message).to.contain('operations/nope');
      expect(thrown(() => server.setMetadata('operations/nope', progress(1))).argument).to.equal('name');
      const name = server.createOperation();
      expect(thrown(() => server.setMetadata(name, { typeUrl: 1 } as unknown as Any)).argument)
        .to.equal('metadata.typeUrl');
      expect(thrown(() => server.fail(name, { code: 0, message: 'ok?', details: [] })).argument).to.equal('error.code');
      server.complete(name);
      expect(thrown(() => server.complete(name)).message).to.contain('already done');
      expect(thrown(() => server.failNext('Nope' as never, { code: 14 })).argument).to.equal('method');
      expect(thrown(() => server.failNext('GetOperation', { code: 14 }, 0)).argument).to.equal('times');
      expect(thrown(() => server.setFaults({ unavailableRate: 2 })).argument).to.equal('faults.unavailableRate');
      expect(thrown(() => server.setFaults({ latencyMs: [5, 1] })).argument).to.equal('faults.latencyMs');
    });

    it('validates start options', async () => {
      for (const [options, argument] of [
        [{ port: -1 }, 'options.port'],
        [{ defaultPageSize: 0 }, 'options.defaultPageSize'],
        [{ defaultPageSize: 10, maxPageSize: 5 }, 'options.maxPageSize'],
        [{ defaultWaitTimeoutMs: -1 }, 'options.defaultWaitTimeoutMs'],
        [{ unreachable: [''] }, 'options.unreachable[0]'],
      ] as const) {
        try {
          await InMemoryOperationsServer.start(options);
          expect.fail(`start(${JSON.stringify(options)}) should throw`);
        } catch (error) {
          expect(error).to.be.instanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).argument).to.equal(argument);
        }
      }
    });

    it('get() returns a copy that does not alias the server state', () => {
      const name = server.createOperation({ metadata: progress(1) });
      const copy = server.get(name)!;
      copy.metadata!.value[1] = 99;
      copy.done = true;
      expect(server.get(name)).to.deep.equal({ name, done: false, metadata: progress(1) });
      expect(server.get('operations/unknown')).to.equal(undefined);
    });

    it('refuses to start on a port in use, and restarts on a freed port', async () => {
      const { port } = server;
      try {
        await InMemoryOperationsServer.start({ port });
        expect.fail('binding a port in use should fail');
      } catch (error) {
        expect(error).to.be.instanceOf(LongRunningError);
        expect((error as Error).message).to.contain(`127.0.0.1:${port}`);
      }
      await restart({ port });
      expect(server.port).to.equal(port);
      const name = server.createOperation();
      expect(await client.getOperation({ name }, opts())).to.deep.equal({ name, done: false });
    });
  });

  describe('GetOperation', () => {
    it('returns the operation with metadata, response or error', async () => {
      const running = server.createOperation({ metadata: progress(10) });
      const succeeded = server.createOperation({ response: result });
      const failed = server.createOperation({
        error: { code: CODE.RESOURCE_EXHAUSTED, message: 'quota', details: [encodeRetryInfo(5)] },
      });
      expect(await client.getOperation({ name: running }, opts()))
        .to.deep.equal({ name: running, done: false, metadata: progress(10) });
      expect(await client.getOperation({ name: succeeded }, opts()))
        .to.deep.equal({ name: succeeded, done: true, response: result });
      expect(await client.getOperation({ name: failed }, opts())).to.deep.equal({
        name: failed, done: true,
        error: { code: CODE.RESOURCE_EXHAUSTED, message: 'quota', details: [encodeRetryInfo(5)] },
      });
    });

    it('sees setMetadata, complete and fail', async () => {
      const a = server.createOperation();
      const b = server.createOperation();
      server.setMetadata(a, progress(50));
      server.complete(a, result);
      server.fail(b, { code: CODE.INTERNAL, message: 'boom' });
      expect(await client.getOperation({ name: a }, opts()))
        .to.deep.equal({ name: a, done: true, metadata: progress(50), response: result });
      expect(await client.getOperation({ name: b }, opts()))
        .to.deep.equal({ name: b, done: true, error: { code: CODE.INTERNAL, message: 'boom', details: [] } });
    });

    it('answers NOT_FOUND for an unknown operation', async () => {
      const error = await rpcFailure(client.getOperation({ name: 'operations/missing' }, opts()), CODE.NOT_FOUND);
      expect(error.status.message).to.contain('operations/missing');
    });
  });

  describe('name validation', () => {
    const bad = [
      ['that is empty', '', 'name is empty'],
      ['that is too long', `operations/${'x'.repeat(4086)}`, '4097 bytes long in UTF-8'],
      ['containing a control character', 'operations/a\u0007b', 'U+0007'],
      ['containing a C1 control character', 'operations/a\u0085b', 'U+0085'],
    ] as const;
    for (const [label, name, fragment] of bad) {
      it(`answers INVALID_ARGUMENT on every RPC for a name ${label}`, async () => {
        const calls: Array<() => Promise<unknown>> = [
          () => client.getOperation({ name }, opts()),
          () => client.cancelOperation({ name }, opts()),
          () => client.deleteOperation({ name }, opts()),
          () => client.waitOperation({ name, timeoutMs: 10 }, opts()),
        ];
        if (name !== '') calls.push(() => client.listOperations({ name }, opts()));
        for (const call of calls) {
          const error = await rpcFailure(call(), CODE.INVALID_ARGUMENT);
          expect(error.status.message).to.contain(fragment);
        }
      });
    }
  });

  describe('ListOperations', () => {
    const list = (request: ListOperationsRequest) => client.listOperations(request, opts());

    it('lists a collection in name order; an empty name lists everything', async () => {
      for (const name of ['operations/c', 'operations/a', 'other/x', 'operations/b', 'operationsX/y']) {
        server.createOperation({ name });
      }
      const page = await list({ name: 'operations' });
      expect(names(page.operations)).to.deep.equal(['operations/a', 'operations/b', 'operations/c']);
      expect(page.nextPageToken).to.equal('');
      expect(page.unreachable).to.deep.equal([]);
      expect(names((await list({ name: '' })).operations)).to.deep.equal(
        ['operations/a', 'operations/b', 'operations/c', 'operationsX/y', 'other/x']);
    });

    describe('filters', () => {
      beforeEach(() => {
        server.createOperation({ name: 'operations/alpha-1' });
        server.createOperation({ name: 'operations/alpha-2', done: true });
        server.createOperation({ name: 'operations/beta-1', response: result });
        server.createOperation({ name: 'operations/beta-2' });
      });
      const cases: Array<[string, string[]]> = [
        ['', ['operations/alpha-1', 'operations/alpha-2', 'operations/beta-1', 'operations/beta-2']],
        ['   ', ['operations/alpha-1', 'operations/alpha-2', 'operations/beta-1', 'operations/beta-2']],
        ['done = true', ['operations/alpha-2', 'operations/beta-1']],
        ['done=false', ['operations/alpha-1', 'operations/beta-2']],
        ['done =false', ['operations/alpha-1', 'operations/beta-2']],
        ['name:"operations/beta"', ['operations/beta-1', 'operations/beta-2']],
        ['name : "operations/alpha-2"', ['operations/alpha-2']],
        ['done = false AND name:"operations/alpha"', ['operations/alpha-1']],
        ['  name:"operations/" AND done=true AND name:"operations/b"  ', ['operations/beta-1']],
        ['done=true AND done=false', []],
      ];
      for (const [filter, expected] of cases) {
        it(`filter ${JSON.stringify(filter)}`, async () => {
          expect(names((await list({ name: 'operations', filter })).operations)).to.deep.equal(expected);
        });
      }

      const unparseable: Array<[string, string]> = [
        ['foo = 1', '"foo = 1"'],
        ['done = maybe', '"done = maybe"'],
        ['done = true and name:"x"', '"and name:\\"x\\""'],
        ['done = true AND', 'at its end'],
        ['name:operations', '"name:operations"'],
        ['done = true OR done = false', '"OR done = false"'],
        ['done=trueAND name:"x"', '"done=trueAND name:\\"x\\""'],
      ];
      for (const [filter, fragment] of unparseable) {
        it(`rejects the filter ${JSON.stringify(filter)} with INVALID_ARGUMENT naming the bad part`, async () => {
          const error = await rpcFailure(list({ name: 'operations', filter }), CODE.INVALID_ARGUMENT);
          expect(error.status.message).to.contain(fragment);
        });
      }
    });

    describe('paging', () => {
      it('returns every operation exactly once across pages, despite inserts and deletes', async () => {
        for (let i = 0; i < 7; i++) server.createOperation();
        const seen: string[] = [];
        const first = await list({ name: 'operations', pageSize: 3 });
        seen.push(...names(first.operations));
        expect(seen).to.deep.equal(['operations/op-000001', 'operations/op-000002', 'operations/op-000003']);

        // Between pages: one insert before the cursor, one after, and deletions on both sides.
        server.createOperation({ name: 'operations/op-000000' });
        server.createOperation({ name: 'operations/op-000005a' });
        await client.deleteOperation({ name: 'operations/op-000002' }, opts());
        await client.deleteOperation({ name: 'operations/op-000006' }, opts());

        let token = first.nextPageToken;
        let pages = 1;
        while (token) {
          const page = await list({ name: 'operations', pageSize: 3, pageToken: token });
          seen.push(...names(page.operations));
          token = page.nextPageToken;
          pages += 1;
        }
        expect(pages).to.equal(3);
        expect(seen).to.deep.equal([
          'operations/op-000001', 'operations/op-000002', 'operations/op-000003',
          'operations/op-000004', 'operations/op-000005', 'operations/op-000005a', 'operations/op-000007',
        ]);
        expect(new Set(seen).size).to.equal(seen.length);
      });

      it('keeps a filter across pages and ends with an empty token', async () => {
        for (let i = 0; i < 6; i++) server.createOperation({ done: i % 2 === 0 });
        const first = await list({ name: 'operations', filter: 'done = true', pageSize: 2 });
        expect(names(first.operations)).to.deep.equal(['operations/op-000001', 'operations/op-000003']);
        const second = await list({ name: 'operations', filter: 'done = true', pageSize: 2, pageToken: first.nextPageToken });
        expect(names(second.operations)).to.deep.equal(['operations/op-000005']);
        expect(second.nextPageToken).to.equal('');
      });

      it('ties a token to its collection, filter and returnPartialSuccess, but not to pageSize', async () => {
        for (let i = 0; i < 4; i++) server.createOperation();
        server.createOperation({ name: 'other/x' });
        const { nextPageToken } = await list({ name: 'operations', filter: 'done=false', pageSize: 1 });
        expect(nextPageToken).to.not.equal('');
        for (const request of [
          { name: 'operations', pageToken: nextPageToken },
          { name: 'operations', filter: 'done=true', pageToken: nextPageToken },
          { name: 'other', filter: 'done=false', pageToken: nextPageToken },
          { name: 'operations', filter: 'done=false', returnPartialSuccess: true, pageToken: nextPageToken },
        ]) {
          const error = await rpcFailure(list(request), CODE.INVALID_ARGUMENT);
          expect(error.status.message).to.contain('different request');
        }
        const page = await list({ name: 'operations', filter: 'done=false', pageSize: 10, pageToken: nextPageToken });
        expect(names(page.operations)).to.deep.equal(
          ['operations/op-000002', 'operations/op-000003', 'operations/op-000004']);
      });

      it('rejects a garbage token with INVALID_ARGUMENT', async () => {
        server.createOperation();
        for (const pageToken of ['not a token!', 'abc', Buffer.from('{"v":1}').toString('base64url')]) {
          const error = await rpcFailure(list({ name: 'operations', pageToken }), CODE.INVALID_ARGUMENT);
          expect(error.status.message).to.contain('not issued by this server');
        }
      });

      it('rejects a negative pageSize, defaults 0 and caps oversized requests', async () => {
        await restart({ defaultPageSize: 2, maxPageSize: 3 });
        for (let i = 0; i < 5; i++) server.createOperation();
        const error = await rpcFailure(list({ name: 'operations', pageSize: -1 }), CODE.INVALID_ARGUMENT);
        expect(error.status.message).to.contain('pageSize');
        expect((await list({ name: 'operations', pageSize: 0 })).operations).to.have.length(2);
        expect((await list({ name: 'operations' })).operations).to.have.length(2);
        const capped = await list({ name: 'operations', pageSize: 100 });
        expect(capped.operations).to.have.length(3);
        const rest = await list({ name: 'operations', pageSize: 100, pageToken: capped.nextPageToken });
        expect(names(rest.operations)).to.deep.equal(['operations/op-000004', 'operations/op-000005']);
        expect(rest.nextPageToken).to.equal('');
      });
    });

    describe('unreachable collections', () => {
      beforeEach(async () => {
        await restart({ unreachable: ['operations/region-b'] });
        server.createOperation({ name: 'operations/region-a/1' });
        server.createOperation({ name: 'operations/region-b/1' });
        server.createOperation({ name: 'elsewhere/1' });
      });

      it('answers UNAVAILABLE naming them without returnPartialSuccess', async () => {
        const error = await rpcFailure(list({ name: 'operations' }), CODE.UNAVAILABLE);
        expect(error.status.message).to.contain('operations/region-b').and.to.contain('returnPartialSuccess');
      });

      it('lists what it can reach and names the rest with returnPartialSuccess', async () => {
        const page = await list({ name: 'operations', returnPartialSuccess: true });
        expect(names(page.operations)).to.deep.equal(['operations/region-a/1']);
        expect(page.unreachable).to.deep.equal(['operations/region-b']);
      });

      it('does not affect listings outside them, nor other RPCs', async () => {
        const page = await list({ name: 'elsewhere' });
        expect(names(page.operations)).to.deep.equal(['elsewhere/1']);
        expect(page.unreachable).to.deep.equal([]);
        expect((await client.getOperation({ name: 'operations/region-b/1' }, opts())).done).to.equal(false);
        server.setUnreachable([]);
        expect((await list({ name: 'operations' })).operations).to.have.length(2);
      });
    });
  });

  describe('CancelOperation', () => {
    it('finishes a running operation with CANCELLED, keeps its metadata and stops its timeline', async () => {
      // Only the server's timers are faked: the timeline cannot move before the cancel
      // arrives, however slow the machine, and must not move after it either.
      const timers = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const name = server.createOperation({ metadata: progress(5) });
        server.script(name, [{ afterMs: 30, metadata: progress(90) }, { afterMs: 0, done: true, response: result }]);
        expect(timers.countTimers(), 'the timeline is scheduled').to.be.above(0);
        await client.cancelOperation({ name }, opts());
        const expected: Operation = {
          name, done: true, metadata: progress(5),
          error: { code: CODE.CANCELLED, message: 'Operation cancelled by the client', details: [] },
        };
        expect(await client.getOperation({ name }, opts())).to.deep.equal(expected);
        timers.tick(60_000);
        expect(server.get(name)).to.deep.equal(expected);
      } finally {
        timers.restore();
      }
    });

    it('leaves a done operation as it is', async () => {
      const name = server.createOperation({ response: result });
      await client.cancelOperation({ name }, opts());
      expect(server.get(name)).to.deep.equal({ name, done: true, response: result });
    });

    it('answers NOT_FOUND for an unknown operation', async () => {
      await rpcFailure(client.cancelOperation({ name: 'operations/missing' }, opts()), CODE.NOT_FOUND);
    });
  });

  describe('DeleteOperation', () => {
    it('removes the operation', async () => {
      const name = server.createOperation();
      await client.deleteOperation({ name }, opts());
      expect(server.get(name)).to.equal(undefined);
      await rpcFailure(client.getOperation({ name }, opts()), CODE.NOT_FOUND);
      await rpcFailure(client.deleteOperation({ name }, opts()), CODE.NOT_FOUND);
    });

    it('answers pending WaitOperation calls with NOT_FOUND', async () => {
      const name = server.createOperation();
      const waiting = rpcFailure(client.waitOperation({ name, timeoutMs: 3000 }, opts()), CODE.NOT_FOUND);
      await until(() => server.pendingWaits === 1);
      await client.deleteOperation({ name }, opts());
      const error = await waiting;
      expect(error.status.message).to.contain('deleted');
      expect(server.pendingWaits).to.equal(0);
    });
  });

  describe('WaitOperation', () => {
    // The waits below are far longer than a test may take (60 s): only the behaviour
    // under test can answer them in time, however loaded the machine.
    it('answers at once when the operation is done', async () => {
      const name = server.createOperation({ response: result });
      const started = Date.now();
      expect(await client.waitOperation({ name, timeoutMs: 60_000 }, opts(90_000))).to.deep.equal({ name, done: true, response: result });
      expect(Date.now() - started).to.be.lessThan(30_000);
      expect(server.pendingWaits).to.equal(0);
    });

    it('answers as soon as the operation is done, well before its timeout', async () => {
      const name = server.createOperation();
      const waiting = client.waitOperation({ name, timeoutMs: 60_000 }, opts(90_000));
      await until(() => server.pendingWaits === 1);
      const completedAt = Date.now();
      server.complete(name, result);
      const operation = await waiting;
      expect(operation).to.deep.equal({ name, done: true, response: result });
      expect(Date.now() - completedAt).to.be.lessThan(30_000);
    });

    it('answers with the running state when its timeout passes', async () => {
      const name = server.createOperation({ metadata: progress(20) });
      const started = Date.now();
      const operation = await client.waitOperation({ name, timeoutMs: 60 }, opts());
      expect(operation).to.deep.equal({ name, done: false, metadata: progress(20) });
      expect(Date.now() - started).to.be.at.least(55);
      expect(server.pendingWaits).to.equal(0);
    });

    it('without a timeout, answers before the call deadline rather than letting it expire', async () => {
      const name = server.createOperation();
      const operation = await client.waitOperation({ name }, opts(400));
      expect(operation.done).to.equal(false);
    });

    it('uses defaultWaitTimeoutMs when the request has no timeout', async () => {
      await restart({ defaultWaitTimeoutMs: 40 });
      const name = server.createOperation();
      const started = Date.now();
      // A call deadline far longer than this test may take: only the 40 ms default ends it in time.
      expect((await client.waitOperation({ name }, opts(90_000))).done).to.equal(false);
      expect(Date.now() - started).to.be.at.least(35).and.lessThan(30_000);
    });

    it('answers UNIMPLEMENTED when disabled', async () => {
      await restart({ waitOperation: false });
      const name = server.createOperation();
      await rpcFailure(client.waitOperation({ name, timeoutMs: 10 }, opts()), CODE.UNIMPLEMENTED);
      expect(await client.getOperation({ name }, opts())).to.deep.equal({ name, done: false });
    });

    it('drops the waiter when the client aborts the call', async () => {
      const name = server.createOperation();
      const controller = new AbortController();
      // A wait far longer than until() waits: only the abort can release it in time.
      const waiting = client.waitOperation({ name, timeoutMs: 60_000 }, { ...opts(90_000), signal: controller.signal });
      await until(() => server.pendingWaits === 1);
      const reason = new Error('test aborted');
      controller.abort(reason);
      try {
        await waiting;
        expect.fail('an aborted wait should reject');
      } catch (error) {
        expect(error).to.equal(reason);
      }
      await until(() => server.pendingWaits === 0);
      server.complete(name);
    });

    it('answers NOT_FOUND for an unknown operation and INVALID_ARGUMENT for a negative timeout', async () => {
      await rpcFailure(client.waitOperation({ name: 'operations/missing', timeoutMs: 10 }, opts()), CODE.NOT_FOUND);
      const name = server.createOperation();
      const error = await rpcFailure(client.waitOperation({ name, timeoutMs: -5 }, opts()), CODE.INVALID_ARGUMENT);
      expect(error.status.message).to.contain('timeout');
    });
  });

  describe('script()', () => {
    it('plays metadata steps, then completes', async () => {
      const name = server.createOperation();
      // A fake clock plays the timeline step by step, so every step is seen on time on
      // any machine (sampling it in real time could miss one).
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const states: Array<number | undefined> = [];
      const percent = () => server.get(name)!.metadata?.value[1];
      try {
        server.script(name, [
          { afterMs: 10, metadata: progress(30) },
          { afterMs: 10, metadata: progress(60) },
          { afterMs: 10, done: true, response: result, metadata: progress(100) },
        ]);
        states.push(percent());
        clock.tick(9);
        states.push(percent());
        for (let step = 0; step < 3; step++) {
          clock.tick(step === 0 ? 1 : 10);
          states.push(percent());
        }
      } finally {
        clock.restore();
      }
      expect(states).to.deep.equal([undefined, undefined, 30, 60, 100]);
      expect(server.get(name)).to.deep.equal({ name, done: true, metadata: progress(100), response: result });
      const waited = await client.waitOperation({ name, timeoutMs: 10 }, opts());
      expect(waited.response).to.deep.equal(result);
    });

    it('wakes WaitOperation when a scripted error finishes the operation', async () => {
      const name = server.createOperation();
      const error: Status = { code: CODE.INTERNAL, message: 'disk on fire', details: [encodeRetryInfo(1)] };
      // A wait far longer than this test may take, and the timeline starts once it is held.
      const waiting = client.waitOperation({ name, timeoutMs: 60_000 }, opts(90_000));
      await until(() => server.pendingWaits === 1);
      server.script(name, [{ afterMs: 20, error }]);
      const started = Date.now();
      expect(await waiting).to.deep.equal({ name, done: true, error });
      expect(Date.now() - started).to.be.lessThan(30_000);
    });

    it('stops when the operation is deleted, and replaces an earlier timeline', async () => {
      const deleted = server.createOperation();
      server.script(deleted, [{ afterMs: 20, done: true }]);
      await client.deleteOperation({ name: deleted }, opts());
      const replaced = server.createOperation();
      server.script(replaced, [{ afterMs: 20, error: { code: CODE.INTERNAL } }]);
      server.script(replaced, [{ afterMs: 10, metadata: progress(1) }]);
      await delay(40);
      expect(server.get(deleted)).to.equal(undefined);
      expect(server.get(replaced)).to.deep.equal({ name: replaced, done: false, metadata: progress(1) });
    });

    it('rejects malformed timelines and finished operations', () => {
      const name = server.createOperation();
      expect(thrown(() => server.script(name, [{ afterMs: -1, metadata: progress(1) }])).argument).to.equal('steps[0].afterMs');
      expect(thrown(() => server.script(name, [{ afterMs: 1 } as never])).argument).to.equal('steps[0]');
      expect(thrown(() => server.script(name, [{ afterMs: 1, done: true }, { afterMs: 1, metadata: progress(2) }])).argument)
        .to.equal('steps[1]');
      expect(thrown(() => server.script('operations/nope', [])).argument).to.equal('name');
      server.complete(name);
      expect(thrown(() => server.script(name, [{ afterMs: 1, metadata: progress(2) }])).message).to.contain('already done');
    });
  });

  describe('failNext()', () => {
    it('answers the next calls of that RPC with the status and its details', async () => {
      const name = server.createOperation();
      const retryInfo = encodeRetryInfo(250);
      server.failNext('GetOperation', { code: CODE.UNAVAILABLE, message: 'try later', details: [retryInfo] }, 2);
      for (let i = 0; i < 2; i++) {
        const error = await rpcFailure(client.getOperation({ name }, opts()), CODE.UNAVAILABLE);
        expect(error.status.message).to.equal('try later');
        expect(error.details).to.deep.equal([retryInfo]);
      }
      expect((await client.getOperation({ name }, opts())).name).to.equal(name);
      expect(server.calls.map((call) => call.method)).to.deep.equal(['GetOperation', 'GetOperation', 'GetOperation']);
    });

    it('only affects the named RPC and queues in order', async () => {
      const name = server.createOperation();
      server.failNext('ListOperations', { code: CODE.INTERNAL, message: 'first' });
      server.failNext('ListOperations', { code: CODE.UNKNOWN, message: 'second' });
      await client.getOperation({ name }, opts());
      expect((await rpcFailure(client.listOperations({ name: '' }, opts()), CODE.INTERNAL)).details).to.deep.equal([]);
      await rpcFailure(client.listOperations({ name: '' }, opts()), CODE.UNKNOWN);
      expect((await client.listOperations({ name: '' }, opts())).operations).to.have.length(1);
    });
  });

  describe('fault injection', () => {
    it('answers every call UNAVAILABLE at rate 1, with RetryInfo when retryDelayMs is set', async () => {
      await restart({ faults: { unavailableRate: 1, retryDelayMs: 75, random: seeded(1) } });
      const name = server.createOperation();
      const error = await rpcFailure(client.getOperation({ name }, opts()), CODE.UNAVAILABLE);
      expect(error.details).to.deep.equal([encodeRetryInfo(75)]);
      await rpcFailure(client.cancelOperation({ name }, opts()), CODE.UNAVAILABLE);
      expect(server.get(name)!.done).to.equal(false);
      expect(server.calls.map((call) => call.method)).to.deep.equal(['GetOperation', 'CancelOperation']);
      server.setFaults(undefined);
      expect((await client.getOperation({ name }, opts())).done).to.equal(false);
    });

    it('limits faults to the listed methods', async () => {
      const name = server.createOperation();
      server.setFaults({ unavailableRate: 1, methods: ['WaitOperation'] });
      expect((await client.getOperation({ name }, opts())).name).to.equal(name);
      const error = await rpcFailure(client.waitOperation({ name, timeoutMs: 10 }, opts()), CODE.UNAVAILABLE);
      expect(error.details).to.deep.equal([]);
    });

    it('is reproducible with a seeded random source', async () => {
      const name = server.createOperation();
      const run = async () => {
        server.setFaults({ unavailableRate: 0.5, random: seeded(42) });
        const outcomes: boolean[] = [];
        for (let i = 0; i < 12; i++) {
          outcomes.push(await client.getOperation({ name }, opts()).then(() => true, () => false));
        }
        return outcomes;
      };
      const first = await run();
      expect(await run()).to.deep.equal(first);
      expect(first).to.include(true).and.to.include(false);
    });

    it('adds latency before answering', async () => {
      const name = server.createOperation();
      server.setFaults({ latencyMs: 60 });
      let started = Date.now();
      await client.getOperation({ name }, opts());
      expect(Date.now() - started).to.be.at.least(55);
      server.setFaults({ latencyMs: [20, 40], random: () => 0.5 });
      started = Date.now();
      await client.getOperation({ name }, opts());
      expect(Date.now() - started).to.be.at.least(25);
    });
  });

  describe('override()', () => {
    it('replaces the built-in behaviour, e.g. a pager that repeats its token', async () => {
      server.override('ListOperations', () => ({ operations: [], nextPageToken: 'again', unreachable: [] }));
      const page = await client.listOperations({ name: 'operations', pageToken: 'again' }, opts());
      expect(page).to.deep.equal({ operations: [], nextPageToken: 'again', unreachable: [] });
      server.override('ListOperations', undefined);
      await rpcFailure(client.listOperations({ name: 'operations', pageToken: 'again' }, opts()), CODE.INVALID_ARGUMENT);
    });

    it('reaches the built-in behaviour through context.next()', async () => {
      const name = server.createOperation({ metadata: progress(1) });
      server.override('GetOperation', async (_request, context) => {
        expect(context.method).to.equal('GetOperation');
        expect(context.metadata['x-test']).to.equal('yes');
        expect(context.deadline).to.be.greaterThan(Date.now());
        const operation = await context.next();
        return { ...operation, metadata: progress(2) };
      });
      expect(await client.getOperation({ name }, { ...opts(), metadata: { 'x-test': 'yes' } }))
        .to.deep.equal({ name, done: false, metadata: progress(2) });
      server.override('GetOperation', (_request, context) => context.next({ name: 'operations/missing' }));
      await rpcFailure(client.getOperation({ name }, opts()), CODE.NOT_FOUND);
    });

    it('answers with a returned { status }, a thrown RpcError or status, or UNKNOWN for other errors', async () => {
      const name = server.createOperation();
      server.override('CancelOperation', () => ({ status: { code: CODE.INTERNAL, message: 'returned', details: [result] } }));
      const returned = await rpcFailure(client.cancelOperation({ name }, opts()), CODE.INTERNAL);
      expect(returned.details).to.deep.equal([result]);
      server.override('CancelOperation', () => {
        throw new RpcError('CancelOperation', { code: CODE.UNAVAILABLE, message: 'thrown', details: [] });
      });
      expect((await rpcFailure(client.cancelOperation({ name }, opts()), CODE.UNAVAILABLE)).status.message).to.equal('thrown');
      server.override('CancelOperation', () => {
        throw Object.assign(new Error('status-like'), { code: CODE.NOT_FOUND });
      });
      await rpcFailure(client.cancelOperation({ name }, opts()), CODE.NOT_FOUND);
      server.override('CancelOperation', () => {
        throw new TypeError('bug in the override');
      });
      expect((await rpcFailure(client.cancelOperation({ name }, opts()), CODE.UNKNOWN)).status.message)
        .to.contain('bug in the override');
      expect(server.get(name)!.done).to.equal(false);
    });

    it('answers INTERNAL when an override returns an invalid status', async () => {
      server.override('GetOperation', () => ({ status: { code: 0 } }));
      const error = await rpcFailure(client.getOperation({ name: 'operations/x' }, opts()), CODE.INTERNAL);
      expect(error.status.message).to.contain('invalid status');
    });

    it('releases an override that never answers when the server stops', async () => {
      let aborted = false;
      server.override('GetOperation', (_request, context) => new Promise<never>(() => {
        context.signal.addEventListener('abort', () => { aborted = true; });
      }));
      const pending = rpcFailure(client.getOperation({ name: 'operations/x' }, opts()), CODE.UNAVAILABLE);
      await until(() => server.calls.length === 1);
      await server.stop();
      await pending;
      expect(aborted).to.equal(true);
    });

    it('lets fault injection run first', async () => {
      const name = server.createOperation();
      let called = 0;
      server.override('GetOperation', (_request, context) => {
        called += 1;
        return context.next();
      });
      server.failNext('GetOperation', { code: CODE.UNAVAILABLE });
      await rpcFailure(client.getOperation({ name }, opts()), CODE.UNAVAILABLE);
      await client.getOperation({ name }, opts());
      expect(called).to.equal(1);
    });
  });

  describe('calls', () => {
    it('logs every RPC in arrival order with its name (the collection for ListOperations)', async () => {
      const name = server.createOperation();
      const before = Date.now();
      await client.getOperation({ name }, opts());
      await client.listOperations({ name: 'operations', pageSize: 7 }, opts());
      await client.waitOperation({ name, timeoutMs: 1 }, opts());
      await rpcFailure(client.deleteOperation({ name: 'operations/missing' }, opts()), CODE.NOT_FOUND);
      await client.cancelOperation({ name }, opts());
      const { calls } = server;
      expect(calls.map((call) => [call.method, call.name])).to.deep.equal([
        ['GetOperation', name],
        ['ListOperations', 'operations'],
        ['WaitOperation', name],
        ['DeleteOperation', 'operations/missing'],
        ['CancelOperation', name],
      ]);
      for (const call of calls) expect(call.at).to.be.within(before, Date.now());
      const listCall = calls[1];
      expect(listCall.method === 'ListOperations' && listCall.request.pageSize).to.equal(7);
      server.clearCalls();
      expect(server.calls).to.deep.equal([]);
      expect(calls).to.have.length(5);
    });
  });

  describe('stop()', () => {
    it('is idempotent and leaves no server socket or timer behind', async () => {
      await client.close();
      await server.stop();
      const count = (type: string) => process.getActiveResourcesInfo().filter((t) => t === type).length;
      const servers = count('TCPServerWrap');
      const timeouts = count('Timeout');

      const local = await InMemoryOperationsServer.start({ faults: { latencyMs: 1 } });
      const localClient = new GrpcOperationsTransport({ address: local.address, insecure: true });
      try {
        const name = local.createOperation();
        local.script(name, [{ afterMs: 10_000, done: true }]);
        await localClient.getOperation({ name }, opts());
        const waiting = localClient.waitOperation({ name, timeoutMs: 10_000 }, opts());
        await until(() => local.pendingWaits === 1);
        expect(count('TCPServerWrap')).to.be.greaterThan(servers);

        const first = local.stop();
        expect(local.stop()).to.equal(first);
        await first;
        await local.stop();
        // The pending wait was answered with the current state, not left hanging.
        expect(await waiting).to.deep.equal({ name, done: false });
        await localClient.close();
        expect(count('TCPServerWrap')).to.be.at.most(servers);
        expect(count('Timeout')).to.be.at.most(timeouts);
        expect(local.pendingWaits).to.equal(0);
        expect(() => local.script(name, [{ afterMs: 1, done: true }])).to.throw(LongRunningError, 'stopped');
      } finally {
        await localClient.close();
        await local.stop();
      }
    });

    it('answers calls delayed by injected latency with UNAVAILABLE', async () => {
      const name = server.createOperation();
      server.setFaults({ latencyMs: 5000 });
      const pending = rpcFailure(client.getOperation({ name }, opts()), CODE.UNAVAILABLE);
      await until(() => server.calls.length === 1);
      await server.stop();
      expect((await pending).status.message).to.contain('stopping');
    });
  });
});
