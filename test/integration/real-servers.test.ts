/**
 * The handle against servers that are not ours (issue 9): an independent grpc-js server
 * built from operations.proto with @grpc/proto-loader (test/helpers/independent-server.ts),
 * scripted to behave the ways the spec allows: answering waits at each progress step or
 * at its own cap, throttling with RetryInfo, not serving WaitOperation (always, or for a
 * while), going away and coming back, never having been there.
 *
 * Nothing here asserts on how fast a loaded machine runs. Where the old behaviour was
 * "too slow" (backing off against a server working as designed), the scripted servers
 * make progress only when asked: what took the old client minutes takes the new one
 * seconds, and the assertions are on counts and order.
 */
import { expect } from 'chai';
import { OperationsClient } from '../../src/client/operations-client.js';
import { RpcError } from '../../src/errors.js';
import { WAIT_REPROBE_MS } from '../../src/poller/server-state.js';
import { systemClock, type Clock } from '../../src/time/clock.js';
import { encodeRetryInfo } from '../../src/any/rpc-status.js';
import { encodeStatus } from '../../src/transport/codec.js';
import {
  holdFor, startIndependentServer, StatusReply, statusTrailers, type IndependentServer, type WireOperation,
} from '../helpers/independent-server.js';
import { closedPort, startDroppingProxy } from '../helpers/network.js';

const NAME = 'operations/independent-1';
const UNAVAILABLE = 14;
const RESOURCE_EXHAUSTED = 8;

const progress = (step: number) => ({
  type_url: 'type.googleapis.com/google.protobuf.UInt32Value',
  // google.protobuf.UInt32Value { value: step } (field 1, varint), for steps below 128.
  value: Buffer.from([0x08, step]),
});
const running = (step: number): WireOperation => ({ name: NAME, done: false, metadata: progress(step) });
const finished = (step: number): WireOperation => ({ name: NAME, done: true, metadata: progress(step), response: progress(step) });

/** A status with a RetryInfo detail, as trailers. */
function throttle(code: number, retryDelayMs: number): StatusReply {
  const details = [encodeRetryInfo(retryDelayMs)];
  return new StatusReply({
    code,
    details: 'slow down',
    metadata: statusTrailers(encodeStatus({ code, message: 'slow down', details })),
  });
}

describe('against servers that are not ours (independent grpc-js server)', function () {
  // Real time: scripted holds of a few seconds; the old behaviour would take minutes.
  this.timeout(30_000);
  let server: IndependentServer | undefined;
  let client: OperationsClient | undefined;

  afterEach(async () => {
    await client?.close();
    await server?.stop();
    client = undefined;
    server = undefined;
  });

  const waits = () => server!.calls.filter((call) => call.method === 'WaitOperation');
  const gets = () => server!.calls.filter((call) => call.method === 'GetOperation');

  describe('early answers to WaitOperation', () => {
    it('a server answering each wait at the next progress step is long-polled back to back', async () => {
      const steps = 12;
      let step = 0;
      server = await startIndependentServer({
        get: () => running(step),
        // Progress moves only while a wait is held, 150 ms per wait: a client that backs
        // off between waits (as 0.1 did: 0.2, 0.4, ... 60 s) would need minutes.
        wait: async (call) => {
          await holdFor(150, call.signal);
          step++;
          return step >= steps ? finished(step) : running(step);
        },
      });
      client = new OperationsClient({ address: server.address, insecure: true });
      const op = client.operation(NAME, { unpack: false });
      const seen: number[] = [];
      op.metadata$.subscribe((metadata) => seen.push((metadata as { value: Uint8Array }).value[1]));
      await op.promise();

      expect(gets(), 'never fell back to polling').to.have.length(1);
      expect(waits()).to.have.length(steps);
      expect(seen, 'every step, in order').to.deep.equal(Array.from({ length: steps + 1 }, (_, i) => i));
    });

    it('a server capping every wait at 400 ms (asked for 1 s) is long-polled at its cap, which the client learns', async () => {
      const capMs = 400;
      const doneAfterWaits = 12;
      server = await startIndependentServer({
        get: () => running(0),
        wait: async (call) => {
          await holdFor(Math.min(capMs, call.waitMs ?? capMs), call.signal);
          return waits().length >= doneAfterWaits ? finished(1) : running(0);
        },
      });
      client = new OperationsClient({ address: server.address, insecure: true, polling: { waitSliceMs: 1_000 } });
      await client.operation(NAME, { unpack: false }).promise();

      expect(gets()).to.have.length(1);
      expect(waits()).to.have.length(doneAfterWaits);
      // After the probe, waits ask for the full slice until two answers at the same point
      // short of it: then for the server's cap (its answers are held ones either way).
      const asked = waits().slice(1).map((call) => call.waitMs);
      expect(asked.slice(0, 2)).to.deep.equal([1_000, 1_000]);
      // Real time: the learnt cap is the hold measured by the client, a little over 400 ms.
      expect(asked.slice(2).every((ms) => ms !== undefined && ms >= capMs && ms < 1_000), `asked ${asked.join(', ')}`).to.equal(true);
    });
  });

  describe("the server's RetryInfo", () => {
    it('RESOURCE_EXHAUSTED with RetryInfo 3 s on a wait: no RPC for that operation before 3 s, then it resolves', async () => {
      let throttledAt: number | undefined;
      server = await startIndependentServer({
        get: () => running(0),
        wait: async (call) => {
          if (throttledAt === undefined) {
            throttledAt = Date.now();
            throw throttle(RESOURCE_EXHAUSTED, 3_000);
          }
          await holdFor(50, call.signal);
          return finished(1);
        },
      });
      client = new OperationsClient({ address: server.address, insecure: true });
      await client.operation(NAME, { unpack: false }).promise();

      const after = server.calls.filter((call) => call.at > throttledAt!);
      expect(after.length, 'the operation resolved with one more RPC').to.equal(1);
      // Date.now() has millisecond resolution on both sides of one process.
      expect(after[0].at - throttledAt!).to.be.at.least(3_000 - 1);
    });

    it('UNAVAILABLE with RetryInfo longer than the call deadline: the poll loop honours it', async () => {
      let throttledAt: number | undefined;
      server = await startIndependentServer({
        get: () => {
          if (throttledAt === undefined && gets().length === 2) {
            throttledAt = Date.now();
            throw throttle(UNAVAILABLE, 2_500);
          }
          return gets().length >= 3 ? finished(1) : running(0);
        },
      });
      // A 1 s call deadline: the call gives up on a 2.5 s RetryInfo at once, the loop waits.
      client = new OperationsClient({ address: server.address, insecure: true, timeoutMs: 1_000 });
      await client.operation(NAME, { unpack: false, polling: { strategy: 'poll' } }).promise();

      const after = server.calls.filter((call) => call.at > throttledAt!);
      expect(after).to.have.length(1);
      expect(after[0].at - throttledAt!).to.be.at.least(2_500 - 1);
    });
  });

  it('retry.attemptTimeoutMs shorter than the wait slice does not cut the waits', async () => {
    server = await startIndependentServer({
      get: () => running(0),
      wait: async (call) => {
        await holdFor(call.waitMs ?? 0, call.signal);
        return waits().length >= 3 ? finished(1) : running(0);
      },
    });
    client = new OperationsClient({
      address: server.address, insecure: true, retry: { attemptTimeoutMs: 100 }, polling: { waitSliceMs: 600 },
    });
    await client.operation(NAME, { unpack: false }).promise();
    expect(waits()).to.have.length(3);
    expect(waits().filter((call) => call.signal.aborted), 'waits cancelled by the client').to.have.length(0);
  });

  describe('WaitOperation support', () => {
    it('500 handles starting together on a server without WaitOperation send one WaitOperation in all', async () => {
      const polls = new Map<string, number>();
      server = await startIndependentServer({
        get: (call) => {
          const count = (polls.get(call.name) ?? 0) + 1;
          polls.set(call.name, count);
          return { ...(count >= 2 ? finished(1) : running(0)), name: call.name };
        },
      });
      client = new OperationsClient({ address: server.address, insecure: true, polling: { initialDelayMs: 10 } });
      const handles = Array.from({ length: 500 }, (_, i) => client!.operation(`operations/fleet-${i}`, { unpack: false }));
      await Promise.all(handles.map((handle) => handle.promise()));
      expect(waits()).to.have.length(1);
      expect(gets()).to.have.length(1_000);
    });

    it(`re-probes WaitOperation ${WAIT_REPROBE_MS / 1000} s after an UNIMPLEMENTED (a rolling deploy) and long-polls again`, async () => {
      // The client's clock jumps ahead once WaitOperation was found missing, as if a minute passed.
      let offsetMs = 0;
      const clock: Clock = { now: () => systemClock.now() + offsetMs, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
      let deployed = false;
      server = await startIndependentServer({
        get: () => {
          if (gets().length === 3) {
            deployed = true; // the new version, with WaitOperation, is out
            offsetMs = WAIT_REPROBE_MS;
          }
          return running(0);
        },
        wait: async (call) => {
          if (!deployed) throw new StatusReply({ code: 12, details: 'old backend' });
          await holdFor(Math.min(call.waitMs ?? 0, 100), call.signal);
          return waits().length >= 5 ? finished(1) : running(0);
        },
      });
      client = new OperationsClient({ address: server.address, insecure: true, clock, polling: { initialDelayMs: 10 } });
      await client.operation(NAME, { unpack: false }).promise();

      const methods = server.calls.map((call) => call.method);
      expect(methods.slice(0, 2)).to.deep.equal(['GetOperation', 'WaitOperation']);
      // Polling after the UNIMPLEMENTED, until the finding expired; then only waits.
      const lastGet = methods.lastIndexOf('GetOperation');
      expect(methods.slice(lastGet + 1).every((method) => method === 'WaitOperation')).to.equal(true);
      expect(gets()).to.have.length(3);
      expect(waits()).to.have.length(5);
    });
  });

  describe('a server that cannot be reached', () => {
    it('promise() on an address where nothing listens fails like the call would, with noConnection', async () => {
      const port = await closedPort();
      client = new OperationsClient({ address: `127.0.0.1:${port}`, insecure: true, retry: { retries: 1 } });
      const op = client.operation('operations/nowhere');
      const error = await op.promise().then(() => undefined, (e: unknown) => e) as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.code).to.equal(UNAVAILABLE);
      expect(error.noConnection).to.equal(true);
      expect(error.method).to.equal('GetOperation');

      const stateError = await new Promise<unknown>((resolve) => {
        op.state$.subscribe({ error: resolve, complete: () => resolve(undefined) });
      });
      expect(stateError).to.be.instanceOf(RpcError).with.property('noConnection', true);
    });

    it('once reached, a server gone for longer than maxOutageMs fails the wait with the last error', async () => {
      server = await startIndependentServer({ get: () => running(0) });
      // Calls held for a connection end at their deadline (timeoutMs): that is when an
      // outage is noticed; from then on they end with the outage budget.
      client = new OperationsClient({ address: server.address, insecure: true, retry: { retries: 1 }, timeoutMs: 500 });
      const op = client.operation(NAME, { unpack: false, polling: { strategy: 'poll', initialDelayMs: 10, maxOutageMs: 1_500 } });
      const outcome = op.promise().then(() => undefined, (e: unknown) => e);
      while (gets().length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await server.stop();
      server = undefined;
      const error = await outcome as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.noConnection).to.equal(true);
    });
  });
});

describe('recovery after an outage (a proxy that drops every connection for a while)', function () {
  this.timeout(30_000);

  it('rides out the outage with a bounded number of connection attempts, and resolves once the server is back', async () => {
    let done = false;
    const backend = await startIndependentServer({
      get: () => (done ? finished(1) : running(0)),
      wait: async (call) => {
        await holdFor(call.waitMs ?? 0, call.signal);
        return done ? finished(1) : running(0);
      },
    });
    // Forwards while up; while down, accepts and drops every connection (counting them),
    // as a server that restarts or a broken network path would look to the client.
    const proxy = await startDroppingProxy(backend.port);
    const client = new OperationsClient({ address: proxy.address, insecure: true });
    try {
      const op = client.operation(NAME, { unpack: false, polling: { waitSliceMs: 500 } });
      const result = op.promise();
      while (backend.calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));

      proxy.down();
      const callsBefore = backend.calls.length;
      const outageMs = 6_000;
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      done = true; // finished while the client could not see it
      const callsDuringOutage = backend.calls.length - callsBefore;
      proxy.up();
      await result;

      expect(callsDuringOutage, 'RPCs that reached the server during the outage').to.equal(0);
      // grpc-js reconnects with backoff 1 s, x1.6, capped at 3 s (+-20% jitter): about 3 to 5
      // attempts in 6 s. A retry storm would be hundreds; no reconnection at all, zero.
      expect(proxy.attemptsWhileDown).to.be.within(1, 12);
    } finally {
      await client.close();
      await proxy.close();
      await backend.stop();
    }
  });
});
