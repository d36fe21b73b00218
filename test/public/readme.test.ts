/**
 * The README's scenarios, through the package's public entry points only (the built
 * `dist/` via the exports map), as a user's code would import them.
 */
import { expect } from 'chai';
import {
  InvalidArgumentError, LongRunningError, OperationsClient, PaginationError, RpcError,
  type Operation,
} from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

describe('public entry points (README scenarios)', () => {
  let server: InMemoryOperationsServer;
  let client: OperationsClient;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start();
    client = new OperationsClient({ address: server.address, insecure: true });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it('gets an operation and sees it finish', async () => {
    const name = server.createOperation();
    expect((await client.getOperation({ name })).done).to.equal(false);
    server.complete(name);
    expect((await client.getOperation({ name }, { timeoutMs: 5_000 })).done).to.equal(true);
  });

  it('lists with for await, item- and page-level', async () => {
    const names = [server.createOperation(), server.createOperation(), server.createOperation()];
    server.complete(names[0]);
    const running: Operation[] = [];
    for await (const op of client.listOperationsAsync({ name: 'operations', filter: 'done = false' })) running.push(op);
    expect(running.map((o) => o.name)).to.have.members(names.slice(1));
    const sizes: number[] = [];
    for await (const page of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) {
      sizes.push(page.operations.length);
      expect(page.unreachable).to.deep.equal([]);
    }
    expect(sizes).to.deep.equal([2, 1]);
  });

  it('raises typed errors that share one base class', async () => {
    const notFound = await client.getOperation({ name: 'operations/nope' }).catch((e: unknown) => e);
    expect(notFound).to.be.instanceOf(RpcError).and.instanceOf(LongRunningError);
    const bad = await client.getOperation({ name: '' }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(InvalidArgumentError).and.instanceOf(LongRunningError);
    expect(new PaginationError('t', 2, 'repeated-token')).to.be.instanceOf(LongRunningError);
  });
});
