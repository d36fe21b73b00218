/**
 * The chaos suite (issue 6, item 1): 1,000 operations (env CHAOS_OPS) through one
 * client against an embedded server that answers 30% of RPCs UNAVAILABLE with 0-50 ms
 * of latency and is restarted on the same port mid-run. Every promise settles exactly
 * once with its own result, nothing is lost, nothing is left alive. The scenario lives
 * in ./scenario.ts; `tsx scripts/chaos.ts --ops 20000` runs it standalone for soaks.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { CODECS } from '../../src/transport/codec.js';
import { formatReport, runChaos, type ChaosReport } from './scenario.js';

function operationsFromEnv(): number {
  const raw = process.env.CHAOS_OPS;
  if (raw === undefined || raw === '') return 1000;
  const ops = Number(raw);
  if (!Number.isInteger(ops) || ops < 1) throw new Error(`CHAOS_OPS must be a positive integer, got ${JSON.stringify(raw)}`);
  return ops;
}

describe('chaos: operations under faults, latency and a server restart', function () {
  // The scenario bounds itself (deadlineMs); this is mocha's backstop. Both only catch
  // a hang: 1,000 operations settle in about 15 s on a loaded machine (2 cores, two CPU
  // burners beside the suite), a tenth of the deadline.
  this.timeout(180_000);
  const ops = operationsFromEnv();
  let report: ChaosReport;

  before(async function () {
    this.timeout(180_000);
    report = await runChaos({ ops, deadlineMs: 150_000 });
    console.log(formatReport(report));
    if (report.problems.length > 0) console.log(`chaos problems:\n  ${report.problems.join('\n  ')}`);
  });

  it(`settles every one of ${ops} promises exactly once with its own result (results lost = 0)`, () => {
    expect(report.resultsLost, report.problems.join('\n')).to.equal(0);
    expect(report.settledTwice).to.equal(0);
    expect(report.succeeded + report.failed + report.cancelled).to.equal(ops);
    if (ops >= 200) {
      // The plan's mix (about 85/10/5): every kind of outcome was exercised.
      expect(report.failed).to.be.above(0);
      expect(report.cancelled).to.be.above(0);
    }
  });

  it('injected about 30% UNAVAILABLE over the run, and the client retried through them', () => {
    expect(report.faultsInjected).to.be.above(0);
    const rate = report.faultsInjected / report.faultDraws;
    expect(rate).to.be.within(0.25, 0.35);
    expect(report.rpcsSent, 'attempts include retries').to.be.above(report.faultsInjected);
  });

  it('survived one stop-and-restart on the same port: the new server was polled and operations settled after it', () => {
    expect(report.restarts).to.equal(1);
    expect(report.rpcsAfterRestart).to.be.above(0);
    if (ops >= 50) expect(report.survivedRestart).to.be.above(0);
  });

  it('state$ of watched operations ends like promise(), with exactly one done state', () => {
    expect(report.streamMismatches, report.problems.join('\n')).to.equal(0);
  });

  it('a second promise() gives the same value or error instance and sends nothing', () => {
    expect(report.secondPromiseMismatches, report.problems.join('\n')).to.equal(0);
  });

  it('sends no GetOperation or WaitOperation for an operation after its promise settled', () => {
    expect(report.rpcsAfterSettle, report.problems.join('\n')).to.equal(0);
  });

  it('had zero unhandled rejections', () => {
    expect(report.unhandledRejections, report.problems.join('\n')).to.equal(0);
  });

  it('left no live handle after client.close() and server.stop()', () => {
    expect(report.leakedResources).to.deep.equal([]);
  });
});

/**
 * What the chaos run can hit by chance, made certain: a server that is stopped forcibly
 * (grpc-js `forceShutdown()`, which the embedded server also does when calls do not
 * drain within its one-second grace period) resets the streams in flight, and grpc-js
 * reports them to the client as CANCELLED ("Call cancelled"), a status the client did
 * not cause. The operation is still running; a restarted server has it. Waiting must go
 * on, as it does for UNAVAILABLE.
 */
describe('chaos: a server forcibly stopped with a poll in flight (deterministic)', function () {
  this.timeout(30_000);

  /** A bare grpc-js server: the first GetOperation answers "running", every later call is held. */
  async function holdingServer(): Promise<{ server: grpc.Server; port: number; held: () => number }> {
    const server = new grpc.Server();
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    let held = 0;
    let answered = false;
    for (const [method, codec] of Object.entries(CODECS)) {
      const c = codec as unknown as {
        path: string;
        serializeRequest(value: unknown): Buffer; deserializeRequest(bytes: Buffer): unknown;
        serializeResponse(value: unknown): Buffer; deserializeResponse(bytes: Buffer): unknown;
      };
      definition[method] = {
        path: c.path, requestStream: false, responseStream: false,
        requestSerialize: (value) => c.serializeRequest(value), requestDeserialize: (bytes) => c.deserializeRequest(bytes),
        responseSerialize: (value) => c.serializeResponse(value), responseDeserialize: (bytes) => c.deserializeResponse(bytes),
      };
      const handler: grpc.handleUnaryCall<{ name: string }, unknown> = (call, callback) => {
        if (method === 'GetOperation' && !answered) {
          answered = true;
          callback(null, { name: call.request.name, done: false });
        } else {
          held++;
        }
      };
      handlers[method] = handler as grpc.UntypedHandleCall;
    }
    server.addService(definition, handlers);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    return { server, port, held: () => held };
  }

  for (const strategy of ['poll', 'auto'] as const) {
    it(`(${strategy}) the wait survives the reset and resolves from the restarted server`, async () => {
      const types = TypeRegistry.empty();
      const first = await holdingServer();
      const client = new OperationsClient({
        address: `127.0.0.1:${first.port}`, insecure: true, polling: { strategy, initialDelayMs: 20, maxDelayMs: 100 },
      });
      let restarted: InMemoryOperationsServer | undefined;
      try {
        const op = client.operation('operations/reset-mid-call');
        const outcome = op.promise().then((value) => ({ value }), (error: unknown) => ({ error }));
        const started = Date.now();
        while (first.held() === 0 && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(first.held(), 'a poll is held by the server').to.equal(1);
        first.server.forceShutdown();
        restarted = await InMemoryOperationsServer.start({ port: first.port });
        restarted.createOperation({ name: 'operations/reset-mid-call', done: true, response: types.pack('google.protobuf.Struct', { survived: true }) });
        const settled = await outcome;
        expect(settled, `settled with ${'error' in settled ? String(settled.error) : 'a value'}`).to.deep.equal({ value: { survived: true } });
      } finally {
        await client.close();
        first.server.forceShutdown();
        await restarted?.stop();
      }
    });
  }
});
