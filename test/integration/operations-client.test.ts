/**
 * OperationsClient over real loopback gRPC and HTTP/JSON against the embedded server:
 * every RPC, every CallOptions field, the retry / deadline / abort paths, pagination,
 * close(). The suite runs once per client transport; the Anys it carries are of types
 * both ends know, so they travel as bytes over gRPC and as JSON over HTTP alike.
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TypeRegistry } from '../../src/any/type-registry.js';
import type { OperationsClient } from '../../src/client/operations-client.js';
import { ClientClosedError, InvalidArgumentError, PaginationError, RpcError, TypeMismatchError } from '../../src/errors.js';
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { encodeRetryInfo } from '../../src/any/rpc-status.js';
import type { Any, Operation } from '../../src/types.js';
import {
  TRANSPORTS, startServerAndClient, withServerAndClient, type ServerAndClientOptions,
} from '../helpers/server-and-client.js';
import { thrown } from '../helpers/thrown.js';

const PROTOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'protos');

const NOT_FOUND = 5;
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const PERMISSION_DENIED = 7;
const INVALID_ARGUMENT = 3;

const wkt = TypeRegistry.empty();
/** Progress and results as well-known types: both transports carry them (JSON needs the type). */
const progress = (percent: number): Any => wkt.pack('google.protobuf.Int32Value', { value: percent });
const result = (n: number): Any => wkt.pack('google.protobuf.Int64Value', { value: n });
const errorInfo = (reason: string): Any => wkt.pack('google.rpc.ErrorInfo', { reason, domain: 'example.com' });

/** Waits (in real time) until `predicate` holds; the limit is a hang guard, not a speed check. */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms: ${predicate.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

for (const transport of TRANSPORTS) describe(`OperationsClient (integration, ${transport})`, function () {
  this.timeout(15_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;

  beforeEach(async () => ({ server, client, stop } = await startServerAndClient({ transport, client: { retry: { initialDelayMs: 5, maxDelayMs: 20 } } })));
  afterEach(() => stop());

  const callsOf = (method: string) => server.calls.filter((c) => c.method === method);

  describe('the five RPCs', () => {
    it('GetOperation returns the plain camelCase shape with Uint8Array values', async () => {
      const name = server.createOperation({ metadata: progress(12) });
      const op = await client.getOperation({ name });
      expect(op).to.deep.equal({ name, done: false, metadata: progress(12) });
      expect(Object.getPrototypeOf(op.metadata!.value)).to.equal(Uint8Array.prototype);

      server.complete(name, result(9));
      expect(await client.getOperation({ name })).to.deep.include({ done: true, response: result(9) });
    });

    it('GetOperation of a failed operation keeps the status details; done without result has neither', async () => {
      const failed = server.createOperation();
      server.fail(failed, { code: 9, message: 'quota', details: [errorInfo('QUOTA')] });
      const op = await client.getOperation({ name: failed });
      expect(op.error).to.deep.equal({ code: 9, message: 'quota', details: [errorInfo('QUOTA')] });
      expect(op).to.not.have.property('response');

      const empty = server.createOperation();
      server.complete(empty);
      expect(await client.getOperation({ name: empty })).to.deep.equal({ name: empty, done: true });
    });

    it('an unknown operation is RpcError NOT_FOUND with the method name', async () => {
      const error = await client.getOperation({ name: 'operations/missing' }).catch((e: unknown) => e) as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.code).to.equal(NOT_FOUND);
      expect(error.method).to.equal('GetOperation');
      expect(error.details).to.deep.equal([]);
    });

    it('CancelOperation makes a running operation done with code 1', async () => {
      const name = server.createOperation();
      await client.cancelOperation({ name });
      const op = await client.getOperation({ name });
      expect(op.done).to.equal(true);
      expect(op.error?.code).to.equal(1);
    });

    it('DeleteOperation removes it', async () => {
      const name = server.createOperation();
      await client.deleteOperation({ name });
      const error = await client.getOperation({ name }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('code', NOT_FOUND);
    });

    it('WaitOperation returns as soon as the operation is done', async () => {
      const name = server.createOperation();
      const started = Date.now();
      // A wait far longer than this test may take: only the completion can end it in time.
      const waiting = client.waitOperation({ name, timeoutMs: 60_000 });
      await until(() => server.pendingWaits === 1);
      server.complete(name, result(1));
      const op = await waiting;
      expect(op.done).to.equal(true);
      expect(Date.now() - started).to.be.below(30_000);
    });

    it('WaitOperation returns the running state when its timeout passes', async () => {
      const name = server.createOperation();
      const op = await client.waitOperation({ name, timeoutMs: 100 });
      expect(op).to.deep.equal({ name, done: false });
    });

    it('WaitOperation on a server without it is RpcError UNIMPLEMENTED, not retried', async () => {
      await withServerAndClient({ transport, server: { waitOperation: false } }, async ({ server: bare, client: bareClient }) => {
        const name = bare.createOperation();
        const error = await bareClient.waitOperation({ name, timeoutMs: 100 }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(RpcError).with.property('code', 12);
        expect(bare.calls.filter((c) => c.method === 'WaitOperation')).to.have.length(1);
      });
    });
  });

  describe('CallOptions', () => {
    it('timeoutMs bounds the call: a server that holds the call ends with DEADLINE_EXCEEDED on time', async () => {
      const name = server.createOperation();
      // A server that ignores deadlines (the embedded one answers just before them).
      server.override('WaitOperation', () => new Promise(() => undefined));
      const started = Date.now();
      const error = await client.waitOperation({ name, timeoutMs: 60_000 }, { timeoutMs: 150 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('code', DEADLINE_EXCEEDED);
      // Not before the deadline; and the call's own (not the 60 s wait's) ended it.
      expect(Date.now() - started).to.be.within(100, 30_000);
    });

    it('signal cancels the in-flight call at once with the signal reason', async () => {
      const name = server.createOperation();
      const controller = new AbortController();
      const reason = new Error('user gave up');
      const started = Date.now();
      const waiting = client.waitOperation({ name, timeoutMs: 60_000 }, { signal: controller.signal }).catch((e: unknown) => e);
      await until(() => server.pendingWaits === 1);
      controller.abort(reason);
      expect(await waiting).to.equal(reason);
      // Long before the 60 s wait would have answered.
      expect(Date.now() - started).to.be.below(30_000);
      await until(() => server.pendingWaits === 0);
    });

    it('an abort in the same tick as the call sends nothing, and one a few microtasks later is cancelled on the server', async () => {
      const name = server.createOperation();
      await client.getOperation({ name }); // a READY channel starts calls at once: the racy case
      server.clearCalls();
      const sameTick = new AbortController();
      const first = client.waitOperation({ name, timeoutMs: 60_000 }, { signal: sameTick.signal }).catch((e: unknown) => e);
      sameTick.abort();
      expect(await first).to.have.property('name', 'AbortError');
      expect(server.calls.filter((c) => c.method === 'WaitOperation'), 'nothing sent for a same-tick abort').to.have.length(0);
      // grpc-js can lose a cancel issued within a few microtasks of a call's start.
      for (let microtasks = 1; microtasks <= 12; microtasks++) {
        const soon = new AbortController();
        const call = client.waitOperation({ name, timeoutMs: 60_000 }, { signal: soon.signal }).catch((e: unknown) => e);
        for (let i = 0; i < microtasks; i++) await Promise.resolve();
        soon.abort();
        expect(await call).to.have.property('name', 'AbortError');
      }
      // A call that left before its abort is cancelled on the server: released long
      // before its 60 s wait would end.
      await new Promise((resolve) => setTimeout(resolve, 150));
      await until(() => server.pendingWaits === 0);
    });

    it('an already aborted signal sends nothing', async () => {
      const name = server.createOperation();
      server.clearCalls();
      const error = await client.getOperation({ name }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
      expect(error).to.have.property('name', 'AbortError');
      expect(server.calls).to.have.length(0);
    });

    it('metadata reaches the server', async () => {
      const name = server.createOperation();
      let seen: Record<string, string> | undefined;
      server.override('GetOperation', (_request, context) => {
        seen = context.metadata;
        return server.get(name)!;
      });
      await client.getOperation({ name }, { metadata: { 'x-request-id': 'r-42' } });
      expect(seen?.['x-request-id']).to.equal('r-42');
    });

    it('retries UNAVAILABLE and succeeds; retry: false fails on the first', async () => {
      const name = server.createOperation();
      server.failNext('GetOperation', { code: UNAVAILABLE, message: 'blip', details: [] }, 2);
      expect((await client.getOperation({ name })).name).to.equal(name);
      expect(callsOf('GetOperation')).to.have.length(3);

      server.failNext('GetOperation', { code: UNAVAILABLE, message: 'blip', details: [] }, 1);
      const error = await client.getOperation({ name }, { retry: false }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('attempts', 1);
    });

    it('honours RetryInfo: the retry waits at least the server-requested delay', async () => {
      const name = server.createOperation();
      server.failNext('GetOperation', { code: UNAVAILABLE, message: 'slow down', details: [encodeRetryInfo(300)] }, 1);
      await client.getOperation({ name });
      const [first, second] = callsOf('GetOperation');
      expect(second.at - first.at).to.be.at.least(290);
    });

    it('a permanent failure is RpcError at once with code, method and decoded details', async () => {
      const name = server.createOperation();
      const detail = errorInfo('DENIED');
      server.failNext('GetOperation', { code: PERMISSION_DENIED, message: 'no', details: [detail] }, 1);
      const error = await client.getOperation({ name }).catch((e: unknown) => e) as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.code).to.equal(PERMISSION_DENIED);
      expect(error.details).to.deep.equal([detail]);
      expect(error.status.message).to.equal('no');
      expect(callsOf('GetOperation')).to.have.length(1);
    });

    it('retries an attempt that hit attemptTimeoutMs while the overall deadline has time left', async () => {
      const name = server.createOperation();
      let calls = 0;
      server.override('GetOperation', async (_request, context) => {
        calls++;
        if (calls === 1) {
          // Hold the first attempt until the client gives up on it (only its attempt
          // deadline can end it: the overall one is far away).
          await new Promise<void>((resolve) => {
            context.signal.addEventListener('abort', () => resolve());
          });
        }
        return server.get(name)!;
      });
      const op = await client.getOperation({ name }, { timeoutMs: 60_000, retry: { attemptTimeoutMs: 300 } });
      expect(op.name).to.equal(name);
      // The held attempt and its retry; a loaded machine may need one more (an attempt
      // slower than 300 ms), never many.
      expect(calls).to.be.within(2, 4);
    });

    it('gives up after the retries with the attempt count', async () => {
      const name = server.createOperation();
      server.failNext('GetOperation', { code: UNAVAILABLE, message: 'down', details: [] }, 10);
      const error = await client.getOperation({ name }, { retry: { retries: 2, initialDelayMs: 1 } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('attempts', 3);
      expect(callsOf('GetOperation')).to.have.length(3);
    });

    it('rides out injected faults (50% UNAVAILABLE) with default retries', async () => {
      const names = Array.from({ length: 20 }, () => server.createOperation());
      let seed = 7;
      server.setFaults({ unavailableRate: 0.5, random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647) });
      const ops = await Promise.all(names.map((name) => client.getOperation({ name }, { retry: { retries: 20, initialDelayMs: 1, maxDelayMs: 5 } })));
      expect(ops.map((o) => o.name)).to.deep.equal(names);
      expect(callsOf('GetOperation').length).to.be.above(20);
    });
  });

  describe('pagination', () => {
    it('yields every operation exactly once across pages, also when operations are added meanwhile', async () => {
      const created = Array.from({ length: 23 }, () => server.createOperation());
      const seen: string[] = [];
      for await (const op of client.listOperationsAsync({ name: 'operations', pageSize: 5 })) {
        seen.push(op.name);
        if (seen.length === 7) server.createOperation({ name: 'operations/zzz-late' });
      }
      expect(seen.filter((n) => n !== 'operations/zzz-late')).to.have.members(created);
      expect(new Set(seen).size).to.equal(seen.length);
      expect(callsOf('ListOperations').length).to.be.at.least(5);
    });

    it('filters on the server and pages by byPage()', async () => {
      const names = Array.from({ length: 6 }, () => server.createOperation());
      for (const name of names.slice(0, 4)) server.complete(name);
      const pages = await collect(client.listOperationsAsync({ name: 'operations', filter: 'done = true' }).byPage({ pageSize: 3 }));
      expect(pages.map((p) => p.operations.length)).to.deep.equal([3, 1]);
      expect(pages.flatMap((p) => p.operations.map((o) => o.name))).to.have.members(names.slice(0, 4));
    });

    it('stops fetching when the loop breaks', async () => {
      for (let i = 0; i < 10; i++) server.createOperation();
      server.clearCalls();
      for await (const op of client.listOperationsAsync({ name: 'operations', pageSize: 2 })) {
        expect(op.name).to.be.a('string');
        break;
      }
      expect(callsOf('ListOperations')).to.have.length(1);
    });

    it('surfaces unreachable collections with returnPartialSuccess', async () => {
      const zoneBDown: ServerAndClientOptions = { transport, server: { unreachable: ['operations/zone-b'] }, client: { retry: false } };
      await withServerAndClient(zoneBDown, async ({ server: partial, client: partialClient }) => {
        partial.createOperation();
        const [page] = await collect(partialClient.listOperationsAsync({ name: 'operations', returnPartialSuccess: true }).byPage());
        expect(page.unreachable).to.deep.equal(['operations/zone-b']);
        expect(page.operations).to.have.length(1);
      });
    });

    it('ends with PaginationError when the server repeats a page token', async () => {
      server.override('ListOperations', (request: { pageToken?: string }) => ({
        operations: [{ name: `operations/${request.pageToken ?? 'first'}`, done: false }],
        nextPageToken: 'same-token',
        unreachable: [],
      }));
      const seen: string[] = [];
      const error = await (async () => {
        for await (const op of client.listOperationsAsync({ name: 'operations' })) seen.push(op.name);
      })().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(PaginationError).with.property('pageToken', 'same-token');
      expect(seen).to.deep.equal(['operations/first', 'operations/same-token']);
    });

    it('queues overlapping next() calls: seven at once over two pages of three give the six operations in order, then done', async () => {
      await withServerAndClient({ transport, server: { defaultPageSize: 3 }, client: { retry: false } }, async ({ server: paged, client: pagedClient }) => {
        const names = Array.from({ length: 6 }, () => paged.createOperation());
        const iterator = pagedClient.listOperationsAsync({ name: 'operations' })[Symbol.asyncIterator]();
        const results = await Promise.all(Array.from({ length: 7 }, () => iterator.next()));
        expect(results.map((r) => (r.done ? 'done' : r.value.name))).to.deep.equal([...names, 'done']);
        expect(paged.calls.filter((c) => c.method === 'ListOperations'), 'each page fetched once').to.have.length(2);
      });
    });

    it('an unparseable filter is RpcError INVALID_ARGUMENT from the server', async () => {
      const error = await collect(client.listOperationsAsync({ name: 'operations', filter: 'metadata.progress > 5' })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError).with.property('code', INVALID_ARGUMENT);
    });
  });

  describe('close()', () => {
    it('rejects an in-flight call with ClientClosedError and refuses later calls without sending', async () => {
      const name = server.createOperation();
      const waiting = client.waitOperation({ name, timeoutMs: 5_000 }).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.close();
      expect(await waiting).to.be.instanceOf(ClientClosedError);
      server.clearCalls();
      expect(await client.getOperation({ name }).catch((e: unknown) => e)).to.be.instanceOf(ClientClosedError);
      expect(() => client.listOperationsAsync({ name: '' })).to.throw(ClientClosedError);
      expect(server.calls).to.have.length(0);
      await client.close();
    });

    it('bad input sends no RPC over the wire', async () => {
      server.clearCalls();
      const bad: Array<Promise<unknown>> = [
        client.getOperation({ name: '' }),
        client.listOperations({ name: 'operations', pageSize: -1 }),
        client.waitOperation({ name: 'operations/x', timeoutMs: Number.NaN }),
        client.cancelOperation({ name: 7 as never }),
      ];
      for (const call of bad) expect(await call.catch((e: unknown) => e)).to.be.instanceOf(InvalidArgumentError);
      expect(server.calls).to.have.length(0);
    });
  });

  it('keeps results per operation with many concurrent calls on one channel', async () => {
    const names = Array.from({ length: 200 }, () => server.createOperation());
    names.forEach((name, i) => server.complete(name, result(i)));
    const ops: Operation[] = await Promise.all(names.map((name) => client.getOperation({ name })));
    ops.forEach((op, i) => expect(op.response).to.deep.equal(result(i)));
  });

  describe('an Any of a type the client does not know', () => {
    let example: TypeRegistry;
    before(async () => {
      example = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
    });

    it('does not break get, list or wait; unpacking it is a TypeMismatchError naming the type', async () => {
      // The server knows the types (HTTP/JSON needs them to render the Anys); the default client does not.
      const known: ServerAndClientOptions = { transport, server: { http: true, types: example }, client: { retry: false } };
      await withServerAndClient(known, async ({ server: typed, client: plain }) => {
        const metadata = example.pack('example.v1.ExportMetadata', { state: 'RUNNING', processedBytes: '1024' });
        const response = example.pack('example.v1.ExportResponse', { destination: 'gs://bucket/out' });
        const name = typed.createOperation({ metadata });
        const running = await plain.getOperation({ name });
        const [listed] = (await plain.listOperations({ name: 'operations' })).operations;
        const waiting = plain.waitOperation({ name, timeoutMs: 60_000 });
        await until(() => typed.pendingWaits === 1);
        typed.complete(name, response);
        const done = await waiting;

        const expectUnknown = (actual: Any | undefined, packed: Any, json: Record<string, unknown>) => {
          if (transport === 'grpc') {
            // The bytes arrive as the server holds them.
            expect(actual).to.deep.equal(packed);
          } else {
            // Over JSON the client cannot rebuild the bytes of a type it does not know: it keeps the JSON form.
            expect(actual).to.deep.equal({ typeUrl: packed.typeUrl, value: new Uint8Array(0), json });
          }
          const error = thrown(() => wkt.unpack(actual!)) as TypeMismatchError;
          expect(error).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', packed.typeUrl);
          expect(error.message).to.include(packed.typeUrl.slice(packed.typeUrl.lastIndexOf('/') + 1));
        };
        const metadataJson = { state: 'RUNNING', processedBytes: '1024' };
        expect(running).to.deep.include({ name, done: false });
        expectUnknown(running.metadata, metadata, metadataJson);
        expect(listed?.name).to.equal(name);
        expectUnknown(listed?.metadata, metadata, metadataJson);
        expect(done).to.deep.include({ name, done: true });
        expectUnknown(done.metadata, metadata, metadataJson);
        expectUnknown(done.response, response, { destination: 'gs://bucket/out' });
        // With the type registered the same Any unpacks (over gRPC: the intact bytes).
        if (transport === 'grpc') expect(example.unpack(done.response!)).to.deep.include({ destination: 'gs://bucket/out' });
      });
    });
  });
});

