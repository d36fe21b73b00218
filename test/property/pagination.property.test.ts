/**
 * Property tests of listOperationsAsync (src/client/pagination.ts) over the fake
 * transport: for any partition of a listing into pages (empty pages with fresh tokens
 * included), any token spelling and any page size, every item comes out exactly once
 * and in order, one RPC per page; and a token that comes back (a cycle of any length)
 * ends the iteration with PaginationError after exactly the items before the
 * repetition.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { OperationsClient } from '../../src/client/operations-client.js';
import { PaginationError } from '../../src/errors.js';
import type { ListOperationsRequest, ListOperationsResponse, Operation } from '../../src/types.js';
import { FakeTransport } from '../helpers/fake-transport.js';

const RUNS = { numRuns: 200 };

interface Listing {
  /** Items per page, in order; pages may be empty. */
  pages: Operation[][];
  /** tokens[i] is the nextPageToken of page i (the last page's is ''). */
  tokens: string[];
  pageSize: number | undefined;
}

/** A listing: page sizes (0 allowed), then distinct non-empty tokens, one per page but the last. */
const listing: fc.Arbitrary<Listing> = fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 25 }).chain((sizes) =>
  fc.record({
    tokens: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: sizes.length - 1, maxLength: sizes.length - 1 }),
    pageSize: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  }).map(({ tokens, pageSize }) => {
    let next = 0;
    const pages = sizes.map((size) => Array.from({ length: size }, () => ({ name: `operations/item-${next++}`, done: next % 3 === 0 })));
    return { pages, tokens: [...tokens, ''], pageSize };
  }));

/** A transport serving `pages`: the first page for no token, page i+1 for tokens[i]. */
function serve(pages: Operation[][], tokens: string[]): FakeTransport {
  return new FakeTransport().on('listOperations', (request: ListOperationsRequest) => {
    const index = request.pageToken === undefined ? 0 : tokens.indexOf(request.pageToken) + 1;
    if (index === 0 && request.pageToken !== undefined) throw new Error(`unknown token ${JSON.stringify(request.pageToken)}`);
    const response: ListOperationsResponse = { operations: pages[index], nextPageToken: tokens[index], unreachable: [] };
    return response;
  });
}

function request(pageSize: number | undefined): ListOperationsRequest {
  return pageSize === undefined ? { name: 'operations' } : { name: 'operations', pageSize };
}

describe('listOperationsAsync (property)', () => {
  it('yields every item exactly once, in order, with one RPC per page and the page size on every request', async () => {
    await fc.assert(fc.asyncProperty(listing, async ({ pages, tokens, pageSize }) => {
      const transport = serve(pages, tokens);
      const client = new OperationsClient({ transport });
      const items: Operation[] = [];
      for await (const item of client.listOperationsAsync(request(pageSize))) items.push(item);
      expect(items).to.deep.equal(pages.flat());
      expect(transport.calls).to.have.length(pages.length);
      expect(transport.calls.map((call) => (call.request as ListOperationsRequest).pageToken))
        .to.deep.equal([undefined, ...tokens.slice(0, -1)]);
      for (const call of transport.calls) expect((call.request as ListOperationsRequest).pageSize).to.equal(pageSize);
      await client.close();
    }), RUNS);
  });

  it('byPage() yields the pages as served, empty ones included', async () => {
    await fc.assert(fc.asyncProperty(listing, async ({ pages, tokens, pageSize }) => {
      const client = new OperationsClient({ transport: serve(pages, tokens) });
      const served: ListOperationsResponse[] = [];
      for await (const page of client.listOperationsAsync(request(pageSize)).byPage()) served.push(page);
      expect(served.map((page) => page.operations)).to.deep.equal(pages);
      expect(served.map((page) => page.nextPageToken)).to.deep.equal(tokens);
      await client.close();
    }), RUNS);
  });

  it('a repeated token ends with PaginationError after only the items before the repetition', async () => {
    // Page `at` hands out again the token that page `earlier` handed out: a cycle.
    const cyclic = listing
      .filter(({ pages }) => pages.length >= 2)
      .chain((base) => fc.integer({ min: 1, max: base.pages.length - 1 }).chain((at) =>
        fc.integer({ min: 0, max: at - 1 }).map((earlier) => ({ ...base, at, earlier }))));
    await fc.assert(fc.asyncProperty(cyclic, async ({ pages, tokens, pageSize, at, earlier }) => {
      const repeated = tokens[earlier];
      const served = tokens.map((token, i) => (i === at ? repeated : token));
      const transport = serve(pages, served);
      const client = new OperationsClient({ transport });
      const items: Operation[] = [];
      let failure: unknown;
      try {
        for await (const item of client.listOperationsAsync(request(pageSize))) items.push(item);
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(PaginationError);
      const error = failure as PaginationError;
      expect([error.reason, error.pageToken, error.pagesReceived]).to.deep.equal(['repeated-token', repeated, at + 1]);
      expect(items, 'the items of the pages up to the one with the repeated token').to.deep.equal(pages.slice(0, at + 1).flat());
      expect(new Set(items.map((item) => item.name)).size, 'no item twice').to.equal(items.length);
      expect(transport.calls, 'no page fetched after the repetition').to.have.length(at + 1);
      await client.close();
    }), RUNS);
  });

  it('byPage({ pageToken }) treats its start token as seen: a server that hands it back is a cycle', async () => {
    await fc.assert(fc.asyncProperty(listing.filter(({ pages }) => pages.length >= 2), async ({ pages, tokens }) => {
      // Start at page 1 (from tokens[0]); the last page points back at tokens[0].
      const served = [...tokens.slice(0, -1), tokens[0]];
      const transport = serve(pages, served);
      const client = new OperationsClient({ transport });
      let failure: unknown;
      const seen: Operation[][] = [];
      try {
        for await (const page of client.listOperationsAsync({ name: 'operations' }).byPage({ pageToken: tokens[0] })) seen.push(page.operations);
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(PaginationError).with.property('reason', 'repeated-token');
      expect(seen).to.deep.equal(pages.slice(1));
      await client.close();
    }), RUNS);
  });
});
