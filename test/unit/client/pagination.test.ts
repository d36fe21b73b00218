import { expect } from 'chai';
import { OperationsClient } from '../../../src/client/operations-client.js';
import { InvalidArgumentError, PaginationError } from '../../../src/errors.js';
import type { ListOperationsRequest, ListOperationsResponse } from '../../../src/types.js';
import { FakeTransport } from '../../helpers/fake-transport.js';

/** A listing served from a fixed array of pages keyed by token ('' is the first). */
function pagedTransport(pages: Record<string, ListOperationsResponse>): FakeTransport {
  return new FakeTransport().on('listOperations', (request: ListOperationsRequest) => {
    const page = pages[request.pageToken ?? ''];
    if (!page) throw new Error(`unexpected token ${request.pageToken}`);
    return page;
  });
}

const page = (names: string[], nextPageToken = '', unreachable: string[] = []): ListOperationsResponse => ({
  operations: names.map((name) => ({ name, done: false })),
  nextPageToken,
  unreachable,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('listOperationsAsync (unit)', () => {
  it('yields every item exactly once across pages, including empty pages with fresh tokens', async () => {
    const transport = pagedTransport({
      '': page(['a', 'b'], 't1'),
      t1: page([], 't2'),
      t2: page(['c'], 't3'),
      t3: page(['d'], ''),
    });
    const client = new OperationsClient({ transport });
    const names = (await collect(client.listOperationsAsync({ name: 'operations' }))).map((o) => o.name);
    expect(names).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(transport.calls.map((c) => (c.request as ListOperationsRequest).pageToken)).to.deep.equal([undefined, 't1', 't2', 't3']);
  });

  it('byPage() yields whole pages with unreachable, starting at a given token and size', async () => {
    const transport = pagedTransport({ t1: page(['c'], 't2', ['zone-b']), t2: page(['d']) });
    const client = new OperationsClient({ transport });
    const pages = await collect(client.listOperationsAsync({ name: 'operations', pageSize: 10 }).byPage({ pageToken: 't1', pageSize: 1 }));
    expect(pages.map((p) => p.unreachable)).to.deep.equal([['zone-b'], []]);
    expect((transport.calls[0].request as ListOperationsRequest).pageSize).to.equal(1);
  });

  it('stops fetching when the loop breaks', async () => {
    const transport = pagedTransport({ '': page(['a', 'b'], 't1'), t1: page(['c'], '') });
    const client = new OperationsClient({ transport });
    for await (const op of client.listOperationsAsync({ name: 'operations' })) {
      if (op.name === 'a') break;
    }
    expect(transport.calls).to.have.length(1);
  });

  it('honours the signal between pages and sends nothing after the abort', async () => {
    const transport = pagedTransport({ '': page(['a'], 't1'), t1: page(['b'], '') });
    const client = new OperationsClient({ transport });
    const controller = new AbortController();
    const reason = new Error('enough');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const op of client.listOperationsAsync({ name: 'operations' }, { signal: controller.signal })) {
        seen.push(op.name);
        controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(error).to.equal(reason);
    expect(seen).to.deep.equal(['a']);
    expect(transport.calls).to.have.length(1);
  });

  it('ends with PaginationError when a page token repeats (a cycle of any length)', async () => {
    const transport = pagedTransport({ '': page(['a'], 't1'), t1: page(['b'], 't2'), t2: page(['c'], 't1') });
    const client = new OperationsClient({ transport });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const op of client.listOperationsAsync({ name: 'operations' })) seen.push(op.name);
    })().catch((e: unknown) => e) as PaginationError;
    expect(error).to.be.instanceOf(PaginationError);
    expect(error.reason).to.equal('repeated-token');
    expect(error.pageToken).to.equal('t1');
    expect(error.pagesReceived).to.equal(3);
    expect(seen, 'items before the loop are delivered once').to.deep.equal(['a', 'b', 'c']);
    expect(transport.calls).to.have.length(3);
  });

  it('treats a token equal to the starting token as a repetition', async () => {
    const transport = pagedTransport({ t1: page(['a'], 't1') });
    const client = new OperationsClient({ transport });
    const error = await collect(client.listOperationsAsync({ name: 'operations', pageToken: 't1' })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PaginationError).with.property('pageToken', 't1');
  });

  it('gives up after more than maxConsecutiveEmptyPages empty pages', async () => {
    let counter = 0;
    const transport = new FakeTransport().on('listOperations', () => page([], `t${++counter}`));
    const client = new OperationsClient({ transport, maxConsecutiveEmptyPages: 3 });
    const error = await collect(client.listOperationsAsync({ name: 'operations' })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PaginationError).with.property('reason', 'too-many-empty-pages');
    expect(transport.calls).to.have.length(4);
  });

  it('queues overlapping next() calls: seven at once over two pages of three give six items in order, then done', async () => {
    const transport = pagedTransport({ '': page(['a', 'b', 'c'], 't1'), t1: page(['d', 'e', 'f'], '') });
    const client = new OperationsClient({ transport });
    const iterator = client.listOperationsAsync({ name: 'operations' })[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 7 }, () => iterator.next()));
    expect(results.map((r) => (r.done ? 'done' : r.value.name))).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f', 'done']);
    expect(transport.calls, 'each page fetched once').to.have.length(2);
    expect(await iterator.next(), 'still done afterwards').to.deep.equal({ done: true, value: undefined });
  });

  it('runs return() after the next() calls pending before it, and ends the listing for the calls after it', async () => {
    const transport = pagedTransport({ '': page(['a', 'b'], 't1'), t1: page(['c'], '') });
    const client = new OperationsClient({ transport });
    const iterator = client.listOperationsAsync({ name: 'operations' })[Symbol.asyncIterator]();
    const before = [iterator.next(), iterator.next()];
    const returned = iterator.return!();
    const after = iterator.next();
    const results = await Promise.all([...before, returned, after]);
    expect(results.map((r) => (r.done ? 'done' : r.value.name))).to.deep.equal(['a', 'b', 'done', 'done']);
    expect(transport.calls, 'no page fetched after return()').to.have.length(1);
  });

  it('rejects only the overlapping call that met a failed page; the calls queued behind it are done', async () => {
    const failure = new InvalidArgumentError('x', 1, 'injected');
    const transport = new FakeTransport().on('listOperations', () => { throw failure; });
    const client = new OperationsClient({ transport, retry: false });
    const iterator = client.listOperationsAsync({ name: 'operations' })[Symbol.asyncIterator]();
    const results = await Promise.allSettled([iterator.next(), iterator.next()]);
    expect(results[0]).to.deep.equal({ status: 'rejected', reason: failure });
    expect(results[1]).to.deep.equal({ status: 'fulfilled', value: { done: true, value: undefined } });
    expect(transport.calls).to.have.length(1);
  });

  it('validates the request synchronously and byPage settings when iteration starts', async () => {
    const client = new OperationsClient({ transport: new FakeTransport() });
    expect(() => client.listOperationsAsync({ name: 'operations', pageSize: -3 })).to.throw(InvalidArgumentError, 'request.pageSize');
    expect(() => client.listOperationsAsync({ name: 'operations' }, { timeoutMs: -1 })).to.throw(InvalidArgumentError, 'options.timeoutMs');
    const iterable = client.listOperationsAsync({ name: 'operations' });
    expect(() => iterable.byPage({ pageSize: 1.5 })).to.throw(InvalidArgumentError, 'settings.pageSize');
    expect(() => iterable.byPage({ pageToken: 7 as never })).to.throw(InvalidArgumentError, 'settings.pageToken');
  });
});
