/**
 * The client-wide poll bounds against the embedded server: a few hundred handles on one
 * client with a long-poll cap and a bound on polls in flight. The server's own count of
 * calls in progress (taken in an override around the built-in handling) must never
 * exceed the bounds, and every handle must complete. No timing assertions.
 */
import { expect } from 'chai';
import { OperationsClient as BrowserOperationsClient } from '../../src/client/browser-client.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';

const OPERATIONS = 300;
const WAIT_CAP = 20;
const POLLS_IN_FLIGHT = 8;

describe('poll bounds (embedded server)', () => {
  let server: InMemoryOperationsServer;
  let client: OperationsClient;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start({ waitOperation: true });
    client = new OperationsClient({
      address: server.address,
      insecure: true,
      polling: { maxConcurrentWaits: WAIT_CAP, maxPollsInFlight: POLLS_IN_FLIGHT, initialDelayMs: 20, maxDelayMs: 200 },
    });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it(`${OPERATIONS} handles: never more than the cap of WaitOperations held, nor of GetOperations in progress, and all complete`, async () => {
    const held = { wait: 0, get: 0, maxWait: 0, maxGet: 0, waits: 0, gets: 0 };
    server.override('WaitOperation', async (_request, context) => {
      held.waits++;
      held.maxWait = Math.max(held.maxWait, ++held.wait, server.pendingWaits + 1);
      try {
        return await context.next();
      } finally {
        held.wait--;
      }
    });
    server.override('GetOperation', async (_request, context) => {
      held.gets++;
      held.maxGet = Math.max(held.maxGet, ++held.get);
      try {
        return await context.next();
      } finally {
        held.get--;
      }
    });
    const names = Array.from({ length: OPERATIONS }, () => server.createOperation());
    const results = names.map((name) => client.operation(name).promise());
    // Complete them in batches as the client's RPCs come in, driven by the server's call
    // count rather than by time: every handle has been seen (an initial GetOperation each)
    // before the first completes.
    let completed = 0;
    for (let round = 0; round < 1_000 && completed < OPERATIONS; round++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (held.gets < OPERATIONS) continue;
      for (const name of names.slice(completed, completed + 30)) server.complete(name);
      completed = Math.min(OPERATIONS, completed + 30);
    }
    const settled = await Promise.allSettled(results);
    expect(settled.filter((s) => s.status === 'fulfilled')).to.have.length(OPERATIONS);
    expect(held.maxWait).to.be.within(1, WAIT_CAP);
    expect(held.maxGet).to.be.within(1, POLLS_IN_FLIGHT);
    // Handles beyond the cap polled: more GetOperations than the initial one per handle.
    expect(held.gets).to.be.above(OPERATIONS);
    expect(server.pendingWaits).to.equal(0);
  });
});

/**
 * Over HTTP/JSON each held long-poll keeps a connection of its own, so the client caps
 * them by default (100; 4 in the browser entry): more handles than that poll instead
 * of opening a connection each. Counted by the server, as above.
 */
describe('poll bounds over HTTP/JSON: the default long-poll cap (embedded server)', () => {
  const WAIT_RULE = { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' };
  let server: InMemoryOperationsServer;
  let client: { operation(name: string): { promise(): Promise<unknown> }; close(): Promise<void> } | undefined;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start({ waitOperation: true, http: true });
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await server.stop();
  });

  /** Starts `handles` waits, lets the held long-polls reach `cap`, completes them all; returns the server's counts. */
  async function fleet(handles: number, cap: number): Promise<{ maxWait: number; gets: number }> {
    const held = { wait: 0, maxWait: 0, gets: 0 };
    server.override('WaitOperation', async (_request, context) => {
      held.maxWait = Math.max(held.maxWait, ++held.wait);
      try {
        return await context.next();
      } finally {
        held.wait--;
      }
    });
    server.override('GetOperation', (_request, context) => {
      held.gets++;
      return context.next();
    });
    const names = Array.from({ length: handles }, () => server.createOperation());
    const results = names.map((name) => client!.operation(name).promise());
    // Driven by the server's counts, not by time: the cap fills (the waits are held for
    // 10 s slices) and every handle beyond it has polled again before any completes.
    for (let round = 0; round < 6_000 && (held.wait < cap || held.gets < 2 * handles - cap); round++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const name of names) server.complete(name);
    const settled = await Promise.allSettled(results);
    expect(settled.filter((s) => s.status === 'fulfilled')).to.have.length(handles);
    expect(server.pendingWaits).to.equal(0);
    return held;
  }

  it('Node entry: 130 handles hold at most 100 WaitOperations; the other 30 poll', async function () {
    this.timeout(90_000);
    client = new OperationsClient({
      baseUrl: server.httpUrl!, insecure: true, httpRules: [WAIT_RULE], polling: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    const { maxWait, gets } = await fleet(130, 100);
    expect(maxWait).to.equal(100);
    // One initial GetOperation per handle, then polls by the 30 beyond the cap.
    expect(gets).to.be.at.least(130 + 30);
  });

  it('browser entry: 10 handles hold at most 4 WaitOperations; the other 6 poll', async function () {
    this.timeout(90_000);
    client = new BrowserOperationsClient({
      baseUrl: server.httpUrl!, insecure: true, httpRules: [WAIT_RULE], polling: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    const { maxWait, gets } = await fleet(10, 4);
    expect(maxWait).to.equal(4);
    expect(gets).to.be.at.least(10 + 6);
  });

  it('an explicit maxConcurrentWaits wins: Infinity lets all 130 handles long-poll', async function () {
    this.timeout(90_000);
    client = new OperationsClient({
      baseUrl: server.httpUrl!, insecure: true, httpRules: [WAIT_RULE], polling: { maxConcurrentWaits: Infinity },
    });
    const { maxWait } = await fleet(130, 130);
    expect(maxWait).to.equal(130);
  });
});
