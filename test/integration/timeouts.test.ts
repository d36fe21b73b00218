/**
 * Huge and infinite timeouts over real loopback gRPC (issue 9, item 2). The whole
 * numeric range is covered by test/property/timeouts.property.test.ts; these are the
 * exact cases, and the crash itself:
 * - grpc-js threw "Deadline is too far in the future" (for a deadline past 3.6e14 ms)
 *   inside its own promise chain, so the caller's try/catch never ran and the process
 *   exited with code 1; a child process proves that cannot come back;
 * - a grpc-js server reads `grpc-timeout` into a 32-bit integer, so a deadline past
 *   2^31 - 1 ms (24.8 days) would reach it wrapped around, failing the call at once:
 *   such a deadline is sent as none;
 * - a WaitOperation timeout past the longest google.protobuf.Duration is sent as that.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { startServerAndClient, withServerAndClient } from '../helpers/server-and-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DAY_MS = 86_400_000;
const MAX_WIRE_DURATION_MS = 315_576_000_000_000;

function runChild(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage (see transport-security).
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(here, '..', 'helpers', script)], {
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      // A child that never exits on its own is killed here and fails the test.
      timeout: 8_000,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('huge and infinite timeouts (integration)', function () {
  this.timeout(15_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  /** The deadline the server saw for each call, in ms from when it arrived (Infinity: none). */
  let seen: number[];
  let stop: () => Promise<void>;

  beforeEach(async () => {
    ({ server, client, stop } = await startServerAndClient());
    seen = [];
    server.override('GetOperation', (_request, context) => {
      seen.push(context.deadline - Date.now());
      return context.next();
    });
  });

  afterEach(() => stop());

  it('getOperation with timeoutMs: Number.MAX_SAFE_INTEGER in a child process resolves and exits 0 (it used to crash)', async () => {
    const { code, stdout, stderr } = await runChild('huge-timeout-child.ts');
    expect(code, stderr).to.equal(0);
    expect(stderr).not.to.contain('Deadline is too far in the future');
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).to.deep.equal({ name: 'operations/op-000001', done: false });
  });

  for (const timeoutMs of [30 * DAY_MS, 3.6e14, 8.64e15, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
    it(`a call with timeoutMs ${timeoutMs} reaches the server without a deadline and resolves`, async () => {
      const name = server.createOperation();
      const operation = await client.getOperation({ name }, { timeoutMs });
      expect(operation.name).to.equal(name);
      expect(seen).to.deep.equal([Infinity]);
    });
  }

  it('a deadline under 24.8 days is sent as it is', async () => {
    const name = server.createOperation();
    await client.getOperation({ name }, { timeoutMs: 20 * DAY_MS });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.be.within(20 * DAY_MS - 60_000, 20 * DAY_MS);
  });

  it('a client default of Infinity applies to every call', async () => {
    const unlimited = new OperationsClient({ address: server.address, insecure: true, timeoutMs: Infinity });
    try {
      const name = server.createOperation();
      await unlimited.getOperation({ name });
      expect(seen).to.deep.equal([Infinity]);
    } finally {
      await unlimited.close();
    }
  });

  for (const [timeoutMs, wire] of [
    [30 * DAY_MS, 30 * DAY_MS],
    [MAX_WIRE_DURATION_MS + 1, MAX_WIRE_DURATION_MS],
    [Number.MAX_SAFE_INTEGER, MAX_WIRE_DURATION_MS],
    [Infinity, MAX_WIRE_DURATION_MS],
  ] as const) {
    it(`waitOperation({ timeoutMs: ${timeoutMs} }) asks for ${wire} ms and is held until the operation is done`, async () => {
      const name = server.createOperation();
      const wait = client.waitOperation({ name, timeoutMs });
      while (server.pendingWaits === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      server.complete(name);
      const operation = await wait;
      expect(operation.done, 'answered when done, not at once').to.equal(true);
      const request = server.calls.find((call) => call.method === 'WaitOperation')!.request;
      expect(request).to.deep.equal({ name, timeoutMs: wire });
    });
  }

  it('the embedded server takes defaultWaitTimeoutMs: Infinity and holds an untimed wait until the operation is done', async () => {
    const untimedPair = { server: { defaultWaitTimeoutMs: Infinity }, client: { timeoutMs: Infinity } };
    await withServerAndClient(untimedPair, async ({ server: patient, client: untimed }) => {
      const name = patient.createOperation();
      const wait = untimed.waitOperation({ name });
      while (patient.pendingWaits === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      patient.complete(name);
      expect((await wait).done).to.equal(true);
    });
    for (const bad of [-1, Number.NaN, '1000']) {
      let error: unknown;
      try {
        await InMemoryOperationsServer.start({ defaultWaitTimeoutMs: bad as number });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'options.defaultWaitTimeoutMs');
    }
  });
});
