/**
 * Property test of every path that turns a number into a deadline, a wait or a timer
 * (issue 9, item 2), over the whole numeric range, against the embedded server on
 * loopback. The rule: every timeout accepts any number from its minimum up to and
 * including Infinity (a huge one means "no limit" in practice); NaN, numbers below the
 * minimum and non-numbers are an InvalidArgumentError naming the option. So, for each
 * generated value, a call either behaves (resolves; or the operation is awaited and
 * resolves when the test completes it; or, for a timeout so short it passes first, ends
 * with the timeout's own typed error) or is refused with that InvalidArgumentError.
 * Nothing throws outside the returned promise (only constructors and `operation()`
 * throw, synchronously, where the option is given), and no rejection goes unhandled
 * (test/setup.ts fails the test if one does).
 *
 * Before the fix, grpc-js threw "Deadline is too far in the future" inside its own
 * promise chain for any deadline beyond ~3.6e14 ms, and the process exited.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { parseDuration } from '../../src/cli/duration.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InvalidArgumentError, PollTimeoutError, RpcError } from '../../src/errors.js';
import { InMemoryOperationsServer, type OperationsMethod } from '../../src/testing/in-memory-server.js';
import { GrpcOperationsTransport } from '../../src/transport/grpc-transport.js';
import type { PollingOptions } from '../../src/types.js';
import { runInProcess } from '../cli/harness.js';


/** The longest google.protobuf.Duration, in ms: what a longer (or infinite) wait is sent as. */
const MAX_WIRE_DURATION_MS = 315_576_000_000_000;

/** Where the numbers meet a limit: setTimeout's, grpc-js's header, Date's, doubles'. */
const EDGES = [
  0, -0, 1, 2 ** 31 - 1, 2 ** 31, 3.6e14, MAX_WIRE_DURATION_MS, 8.64e15, Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE, Infinity, -Infinity, Number.NaN, -1, Number.MIN_VALUE,
];

/**
 * A few dozen values per path (each run is a real RPC or wait on loopback): every edge
 * always, then random ones.
 */
const RUNS: fc.Parameters<[unknown]> = { numRuns: 30, examples: EDGES.map((value) => [value]) };

/** Any double (NaN, ±Infinity and -0 included), the edges, and values that are not numbers. */
const anyTimeout: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.double(), weight: 4 },
  { arbitrary: fc.constantFrom(...EDGES), weight: 3 },
  { arbitrary: fc.constantFrom<unknown>('5000', null, true, {}, [1], 10n), weight: 1 },
);

/** Whether the rule accepts `value` for an option whose minimum is `min`. */
const accepted = (value: unknown, min: number): value is number =>
  typeof value === 'number' && !Number.isNaN(value) && value >= min;

/** Below this, a timeout may pass before a loopback RPC or wait completes. */
const SHORT_MS = 60_000;

const types = TypeRegistry.empty();
const RESULT = types.pack('google.protobuf.Struct', { ok: true });

type Settled =
  | { kind: 'resolved'; value: unknown }
  | { kind: 'rejected'; error: unknown }
  | { kind: 'threw'; error: unknown };

/** Runs `act`, telling a synchronous throw apart from a rejection; never rejects. */
function attempt(act: () => Promise<unknown>): Promise<Settled> & { settled(): boolean } {
  let settled = false;
  let promise: Promise<Settled>;
  try {
    promise = act().then(
      (value): Settled => ({ kind: 'resolved', value }),
      (error: unknown): Settled => ({ kind: 'rejected', error }),
    );
  } catch (error) {
    promise = Promise.resolve({ kind: 'threw', error });
  }
  const tracked = promise.finally(() => {
    settled = true;
  });
  return Object.assign(tracked, { settled: () => settled });
}

const describeValue = (value: unknown) => (typeof value === 'bigint' ? `${value}n` : Object.is(value, -0) ? '-0' : String(value));

/**
 * The contract for one value. `where` says how a refusal arrives: as a rejection of the
 * returned promise, or thrown synchronously by a constructor or `operation()`. `mayEnd`
 * accepts the typed error of a timeout that legitimately passed first.
 */
function checkOutcome(
  outcome: Settled,
  value: unknown,
  rule: { argument: string; min: number; where: 'rejects' | 'throws'; mayEnd?: (error: unknown) => boolean },
): void {
  const shown = describeValue(value);
  if (!accepted(value, rule.min)) {
    expect(outcome.kind, `${shown} is refused (${rule.where})`).to.equal(rule.where === 'rejects' ? 'rejected' : 'threw');
    const error = (outcome as { error: unknown }).error;
    expect(error, `${shown}: ${String(error)}`).to.be.instanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).to.equal(rule.argument);
    expect(Object.is((error as InvalidArgumentError).value, value), 'the rejected value is kept').to.equal(true);
    return;
  }
  if (outcome.kind === 'threw') expect.fail(`${shown} threw synchronously: ${String(outcome.error)}`);
  if (outcome.kind === 'rejected' && !(rule.mayEnd?.(outcome.error) ?? false)) {
    expect.fail(`${shown} must be accepted, got ${String(outcome.error)}`);
  }
}

/** A deadline that passed first: DEADLINE_EXCEEDED, only for a short timeout. */
const deadlinePassed = (value: number) => (error: unknown) =>
  value < SHORT_MS && error instanceof RpcError && error.code === 4;
/** The caller's own wait limit passed first, only for a short timeout. */
const waitTimedOut = (value: number) => (error: unknown) => value < SHORT_MS && error instanceof PollTimeoutError;

const pause = () => new Promise<void>((resolve) => {
  setTimeout(resolve, 2);
});

/** Waits (real time, loopback) until `predicate` holds or `call` settled. */
async function until(predicate: () => boolean, call: { settled(): boolean }): Promise<void> {
  while (!predicate() && !call.settled()) await pause();
}

describe('timeouts over the whole numeric range (property, integration)', function () {
  this.timeout(60_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;

  // Node turns a setTimeout beyond 2^31 - 1 ms into 1 ms and says so with this warning:
  // a wait that would end at once. No path, in the client or the server, may cause one.
  const overflows: string[] = [];
  const onWarning = (warning: Error) => {
    if (warning.name === 'TimeoutOverflowWarning') overflows.push(warning.message);
  };
  before(() => {
    process.on('warning', onWarning);
  });
  after(() => {
    process.off('warning', onWarning);
  });
  afterEach(() => {
    expect(overflows.splice(0), 'TimeoutOverflowWarning (a timer that fired after 1 ms)').to.deep.equal([]);
  });

  const callsFor = (name: string, method?: OperationsMethod) =>
    server.calls.filter((call) => call.name === name && (method === undefined || call.method === method));
  /** A running operation that the test completes once the call under test has reached the server. */
  async function awaitCompletion(name: string, call: Promise<Settled> & { settled(): boolean }, reached: () => boolean): Promise<Settled> {
    await until(reached, call);
    server.complete(name, RESULT);
    return call;
  }

  /** One server and one client per path, closed after it. */
  function withServer(clientOptions: { polling?: PollingOptions } = {}) {
    beforeEach(async () => {
      server = await InMemoryOperationsServer.start();
      client = new OperationsClient({ address: server.address, insecure: true, ...clientOptions });
    });
    afterEach(async () => {
      await client.close();
      await server.stop();
    });
  }

  describe('per call', () => {
    withServer();

    it('getOperation(…, { timeoutMs }): resolves (DEADLINE_EXCEEDED only for a short one) or names options.timeoutMs', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (timeoutMs) => {
        const name = server.createOperation();
        const outcome = await attempt(() => client.getOperation({ name }, { timeoutMs: timeoutMs as number }));
        checkOutcome(outcome, timeoutMs, {
          argument: 'options.timeoutMs', min: 0, where: 'rejects', mayEnd: deadlinePassed(timeoutMs as number),
        });
        if (accepted(timeoutMs, 0) && timeoutMs >= SHORT_MS) expect(outcome.kind).to.equal('resolved');
      }), RUNS);
    });

    it('waitOperation({ timeoutMs }): the server holds the wait (no 1 ms overflow) until the operation is done; the wire carries at most the longest Duration', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (timeoutMs) => {
        const name = server.createOperation();
        const call = attempt(() => client.waitOperation({ name, timeoutMs: timeoutMs as number }));
        const outcome = await awaitCompletion(name, call, () => server.pendingWaits > 0);
        checkOutcome(outcome, timeoutMs, { argument: 'request.timeoutMs', min: 0, where: 'rejects' });
        if (!accepted(timeoutMs, 0)) {
          expect(callsFor(name), 'nothing was sent').to.have.length(0);
          return;
        }
        if (timeoutMs >= SHORT_MS) {
          expect((outcome as { value: { done: boolean } }).value.done, 'answered when done, not at once').to.equal(true);
        }
        const [sent] = callsFor(name, 'WaitOperation');
        const received = (sent.request as { timeoutMs?: number }).timeoutMs!;
        if (timeoutMs >= MAX_WIRE_DURATION_MS) expect(received).to.equal(MAX_WIRE_DURATION_MS);
        else expect(Math.abs(received - timeoutMs)).to.be.at.most(1);
      }), RUNS);
    });

    it('waitOperation(…, { timeoutMs }): a huge or infinite call deadline reaches the server as none, and the wait still ends when done', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (timeoutMs) => {
        const name = server.createOperation();
        const call = attempt(() => client.waitOperation({ name, timeoutMs: 3_600_000 }, { timeoutMs: timeoutMs as number }));
        const outcome = await awaitCompletion(name, call, () => server.pendingWaits > 0);
        checkOutcome(outcome, timeoutMs, {
          argument: 'options.timeoutMs', min: 0, where: 'rejects', mayEnd: deadlinePassed(timeoutMs as number),
        });
        if (accepted(timeoutMs, 0) && timeoutMs >= SHORT_MS) {
          expect((outcome as { value: { done: boolean } }).value.done).to.equal(true);
        }
      }), RUNS);
    });

    it('retry.attemptTimeoutMs: resolves (DEADLINE_EXCEEDED only for a short one) or names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (attemptTimeoutMs) => {
        const name = server.createOperation();
        const retry = { attemptTimeoutMs: attemptTimeoutMs as number, retries: 1, initialDelayMs: 1 };
        const outcome = await attempt(() => client.getOperation({ name }, { retry }));
        checkOutcome(outcome, attemptTimeoutMs, {
          argument: 'options.retry.attemptTimeoutMs', min: 1, where: 'rejects', mayEnd: deadlinePassed(attemptTimeoutMs as number),
        });
      }), RUNS);
    });

    it('retry.maxDelayMs: a retry after UNAVAILABLE happens and the call resolves, or it names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (maxDelayMs) => {
        const name = server.createOperation();
        if (accepted(maxDelayMs, 0)) server.failNext('GetOperation', { code: 14, message: 'blip' });
        const outcome = await attempt(() => client.getOperation({ name }, { retry: { maxDelayMs: maxDelayMs as number, initialDelayMs: 1 } }));
        checkOutcome(outcome, maxDelayMs, { argument: 'options.retry.maxDelayMs', min: 0, where: 'rejects' });
        if (accepted(maxDelayMs, 0)) expect(callsFor(name, 'GetOperation')).to.have.length(2);
      }), RUNS);
    });
  });

  describe('client defaults (one channel shared by a client per value)', () => {
    let transport: GrpcOperationsTransport;
    beforeEach(async () => {
      server = await InMemoryOperationsServer.start();
      transport = new GrpcOperationsTransport({ address: server.address, insecure: true });
    });
    afterEach(async () => {
      await transport.close();
      await server.stop();
    });

    it('new OperationsClient({ timeoutMs }): its calls resolve, or the constructor names options.timeoutMs', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (timeoutMs) => {
        const name = server.createOperation();
        const outcome = await attempt(() => {
          const defaults = new OperationsClient({ transport, timeoutMs: timeoutMs as number });
          return defaults.getOperation({ name });
        });
        checkOutcome(outcome, timeoutMs, {
          argument: 'options.timeoutMs', min: 0, where: 'throws', mayEnd: deadlinePassed(timeoutMs as number),
        });
      }), RUNS);
    });

    it('new OperationsClient({ retry: { attemptTimeoutMs } }): its calls resolve, or the constructor names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (attemptTimeoutMs) => {
        const name = server.createOperation();
        const outcome = await attempt(() => {
          const defaults = new OperationsClient({ transport, retry: { attemptTimeoutMs: attemptTimeoutMs as number, retries: 0 } });
          return defaults.getOperation({ name });
        });
        checkOutcome(outcome, attemptTimeoutMs, {
          argument: 'options.retry.attemptTimeoutMs', min: 1, where: 'throws', mayEnd: deadlinePassed(attemptTimeoutMs as number),
        });
      }), RUNS);
    });
  });

  describe('operation handles', () => {
    // Early answers (tiny wait slices) back off briefly, so each run stays short.
    withServer({ polling: { initialDelayMs: 1, maxDelayMs: 20, jitter: 0 } });

    it('promise({ timeoutMs }): resolves with the result once completed (PollTimeoutError only for a short one), or rejects naming options.timeoutMs', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (timeoutMs) => {
        const name = server.createOperation();
        const op = client.operation(name);
        const call = attempt(() => op.promise({ timeoutMs: timeoutMs as number }));
        const outcome = await awaitCompletion(name, call, () => callsFor(name, 'WaitOperation').length > 0);
        checkOutcome(outcome, timeoutMs, {
          argument: 'options.timeoutMs', min: 0, where: 'rejects', mayEnd: waitTimedOut(timeoutMs as number),
        });
        if (accepted(timeoutMs, 0) && timeoutMs >= SHORT_MS) expect(outcome).to.deep.equal({ kind: 'resolved', value: { ok: true } });
      }), RUNS);
    });

    it('polling.waitSliceMs: each WaitOperation asks for the slice (the longest Duration at most) and the handle resolves once completed, or operation() names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (waitSliceMs) => {
        const name = server.createOperation();
        const call = attempt(() => client.operation(name, { polling: { waitSliceMs: waitSliceMs as number } }).promise());
        const outcome = await awaitCompletion(name, call, () => callsFor(name, 'WaitOperation').length > 0);
        checkOutcome(outcome, waitSliceMs, { argument: 'options.polling.waitSliceMs', min: 1, where: 'throws' });
        if (!accepted(waitSliceMs, 1)) return;
        expect(outcome).to.deep.equal({ kind: 'resolved', value: { ok: true } });
        const received = (callsFor(name, 'WaitOperation')[0].request as { timeoutMs?: number }).timeoutMs!;
        expect(Math.abs(received - Math.min(waitSliceMs, MAX_WIRE_DURATION_MS))).to.be.at.most(1);
      }), RUNS);
    });

    it('polling.totalTimeoutMs: resolves once completed (PollTimeoutError only for a short one), or operation() names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (totalTimeoutMs) => {
        const name = server.createOperation();
        const call = attempt(() => client.operation(name, { polling: { totalTimeoutMs: totalTimeoutMs as number } }).promise());
        const outcome = await awaitCompletion(name, call, () => callsFor(name, 'WaitOperation').length > 0);
        checkOutcome(outcome, totalTimeoutMs, {
          argument: 'options.polling.totalTimeoutMs', min: 0, where: 'throws', mayEnd: waitTimedOut(totalTimeoutMs as number),
        });
        if (accepted(totalTimeoutMs, 0) && totalTimeoutMs >= SHORT_MS) expect(outcome.kind).to.equal('resolved');
      }), RUNS);
    });

    it('polling.maxDelayMs (GetOperation polling): resolves once completed, or operation() names it', async () => {
      await fc.assert(fc.asyncProperty(anyTimeout, async (maxDelayMs) => {
        const name = server.createOperation();
        const polling: PollingOptions = { strategy: 'poll', initialDelayMs: 1, multiplier: 1.5, maxDelayMs: maxDelayMs as number };
        const call = attempt(() => client.operation(name, { polling }).promise());
        const outcome = await awaitCompletion(name, call, () => callsFor(name).length > 0);
        checkOutcome(outcome, maxDelayMs, { argument: 'options.polling.maxDelayMs', min: 0, where: 'throws' });
        if (accepted(maxDelayMs, 0)) expect(outcome.kind).to.equal('resolved');
      }), RUNS);
    });
  });

  describe('the CLI', () => {
    withServer();

    /** What a user types: numbers as JavaScript prints them, durations with units, the edges. */
    const flagText = fc.oneof(
      fc.double().map(String),
      fc.constantFrom(...EDGES).map(String),
      fc.tuple(fc.nat({ max: 2 ** 40 }), fc.constantFrom('ms', 's', 'm', 'h')).map(([n, unit]) => `${n}${unit}`),
      fc.constantFrom('9007199254740991', '9007199254740992', '1000h', '3000000000h', '2147483648', '1e3', 'inf'),
    );
    const CLI_RUNS: fc.Parameters<[string]> = {
      numRuns: 20,
      examples: ['9007199254740991', '360000000000000', '2147483648', '1000h', '9007199254740992', 'Infinity', '0', '1'].map((text) => [text]),
    };
    const parsed = (text: string): number | undefined => {
      try {
        return parseDuration(text);
      } catch {
        return undefined;
      }
    };

    it('get --timeout: an accepted duration runs the call (exit 0), any other text is a usage error (exit 2)', async () => {
      await fc.assert(fc.asyncProperty(flagText, async (text) => {
        const name = server.createOperation();
        const result = await runInProcess(['get', name, '--address', server.address, '--insecure', '--json', '--timeout', text]);
        const ms = parsed(text);
        if (ms === undefined) expect(result.code, result.stderr).to.equal(ExitCode.usage);
        else if (ms >= SHORT_MS) expect(result.code, result.stderr).to.equal(ExitCode.success);
        else expect([ExitCode.success, ExitCode.timeout, ExitCode.rpc], result.stderr).to.include(result.code);
      }), CLI_RUNS);
    });

    it('wait --timeout: an accepted duration waits until the operation is done (exit 0), any other text is a usage error', async () => {
      await fc.assert(fc.asyncProperty(flagText, async (text) => {
        const name = server.createOperation();
        const call = attempt(() => runInProcess(['wait', name, '--address', server.address, '--insecure', '--json', '--timeout', text]));
        const outcome = await awaitCompletion(name, call, () => callsFor(name, 'WaitOperation').length > 0);
        const { code, stderr } = (outcome as { value: { code: number; stderr: string } }).value;
        const ms = parsed(text);
        if (ms === undefined) expect(code, stderr).to.equal(ExitCode.usage);
        else if (ms >= SHORT_MS) expect(code, stderr).to.equal(ExitCode.success);
        else expect([ExitCode.success, ExitCode.timeout], stderr).to.include(code);
      }), CLI_RUNS);
    });
  });
});
