/**
 * What the ListOperations sections (gRPC and HTTP/JSON) share: the server's operations
 * and the SDK's two ways of walking them, so both tables measure the same job.
 */
import type { ListOperationsRequest, ListOperationsResponse, OperationsClient } from '../../src/index.js';
import type { InMemoryOperationsServer } from '../../src/testing.js';
import { jobResult, smallProgress } from './payloads.js';

/**
 * Fills `server` with `operations` realistic operations (progress metadata on all, a
 * response on half) and answers each distinct page from a cache after its first
 * request, so the server's own work does not weigh on the clients being compared.
 */
export function seedListServer(server: InMemoryOperationsServer, operations: number): void {
  for (let i = 0; i < operations; i++) {
    server.createOperation(i % 2 === 0
      ? { metadata: smallProgress(i % 100) }
      : { metadata: smallProgress(100), done: true, response: jobResult(i) });
  }
  const cache = new Map<string, ListOperationsResponse>();
  server.override('ListOperations', async (request: ListOperationsRequest, call) => {
    const key = JSON.stringify([request.name, request.filter ?? '', request.pageSize ?? 0, request.pageToken ?? '']);
    let page = cache.get(key);
    if (page === undefined) {
      page = await call.next();
      cache.set(key, page);
    }
    return page;
  });
}

/** Counts the operations `client` lists, item by item with `for await`. */
export async function countListedItems(client: OperationsClient, pageSize: number): Promise<number> {
  let items = 0;
  for await (const operation of client.listOperationsAsync({ name: 'operations', pageSize })) if (operation) items++;
  return items;
}

/**
 * The same pages, without the per-item async iteration: splits the cost of the call
 * path from that of `for await` over items.
 */
export async function countListedItemsByPage(client: OperationsClient, pageSize: number): Promise<number> {
  let items = 0;
  for await (const page of client.listOperationsAsync({ name: 'operations', pageSize }).byPage()) {
    for (const operation of page.operations) if (operation) items++;
  }
  return items;
}
