/**
 * The call retry loop on its own: a stepping clock (a sleep advances time at once and
 * is recorded), scripted attempts, no transport. The schedules through the client are
 * in operations-client.test.ts; this file pins what the loop itself owns: the fast
 * path, attempt options, what ends the loop and what the caller gets.
 */
import { expect } from 'chai';
import { callWithRetry, type RetryContext } from '../../../src/client/retry.js';
import { Code } from '../../../src/code.js';
import { RpcError } from '../../../src/errors.js';
import type { Clock } from '../../../src/time/clock.js';
import { encodeRetryInfo } from '../../../src/any/rpc-status.js';
import { markPermanentFailure, type TransportCallOptions } from '../../../src/transport/transport.js';
import { rpcError } from '../../helpers/fake-transport.js';

const START = 1_000_000;
const POLICY = { retries: 5, initialDelayMs: 100, multiplier: 2, maxDelayMs: 5_000, jitter: 0, attemptTimeoutMs: undefined };

/** A clock whose sleeps advance time at once; rejects with the reason of an aborted signal. */
function steppingClock(): Clock & { sleeps: number[] } {
  let now = START;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

interface Harness {
  readonly context: RetryContext;
  readonly clock: Clock & { sleeps: number[] };
  /** Aborts the retry signal (what the client's close() or the caller's abort does). */
  readonly controller: AbortController;
  /** How many times the loop asked for the retry signal. */
  readonly retrySignals: () => number;
}

function harness(overrides: Partial<RetryContext> = {}): Harness {
  const clock = steppingClock();
  const controller = new AbortController();
  let retrySignals = 0;
  const context: RetryContext = {
    policy: POLICY,
    deadline: START + 60_000,
    signal: undefined,
    retrySignal: () => {
      retrySignals++;
      return controller.signal;
    },
    metadata: undefined,
    waitForReady: false,
    minimumAttemptMs: undefined,
    clock,
    random: () => 0,
    ...overrides,
  };
  return { context, clock, controller, retrySignals: () => retrySignals };
}

/** An attempt function answering from `results` in order (an Error, or any value under `reject`, rejects). */
function scripted(results: unknown[]) {
  const calls: TransportCallOptions[] = [];
  const attempt = (options: TransportCallOptions): Promise<unknown> => {
    calls.push(options);
    const result = results[Math.min(calls.length - 1, results.length - 1)];
    if (result instanceof Error) return Promise.reject(result);
    if (typeof result === 'object' && result !== null && 'reject' in result) return Promise.reject(result.reject);
    return Promise.resolve(result);
  };
  return { attempt, calls };
}

const unavailable = (details = [] as ReturnType<typeof encodeRetryInfo>[]) => rpcError('GetOperation', Code.UNAVAILABLE, details);

describe('callWithRetry (unit)', () => {
  it('a first attempt that succeeds is a plain call: only the deadline, no retry signal, no sleep', async () => {
    const { context, clock, retrySignals } = harness();
    const { attempt, calls } = scripted(['ok']);
    expect(await callWithRetry(attempt, context)).to.equal('ok');
    expect(calls).to.deep.equal([{ deadline: START + 60_000 }]);
    expect(retrySignals()).to.equal(0);
    expect(clock.sleeps).to.deep.equal([]);
  });

  it('retries on the backoff schedule, a RetryInfo raising one delay, with the retry signal on every retry', async () => {
    const { context, clock, controller } = harness({ metadata: { 'x-k': 'v' }, waitForReady: true });
    const { attempt, calls } = scripted([unavailable(), unavailable([encodeRetryInfo(1_500)]), unavailable(), 'ok']);
    expect(await callWithRetry(attempt, context)).to.equal('ok');
    expect(clock.sleeps).to.deep.equal([100, 1_500, 400]);
    expect(calls).to.have.length(4);
    expect(calls[0]).to.deep.equal({ deadline: START + 60_000, metadata: { 'x-k': 'v' }, waitForReady: true });
    for (const options of calls.slice(1)) expect(options.signal).to.equal(controller.signal);
  });

  it('gives each attempt min(deadline, now + attemptTimeoutMs), never below minimumAttemptMs', async () => {
    const { context } = harness({ policy: { ...POLICY, attemptTimeoutMs: 1_000 }, minimumAttemptMs: 3_000 });
    const { attempt, calls } = scripted([rpcError('GetOperation', Code.DEADLINE_EXCEEDED), 'ok']);
    await callWithRetry(attempt, context);
    expect(calls.map((options) => options.deadline - START)).to.deep.equal([3_000, 3_000 + 100]);
  });

  it('ends after `retries` retries with the last error, its attempts counted, cause and noConnection kept', async () => {
    const { context } = harness({ policy: { ...POLICY, retries: 3 } });
    const cause = new Error('grpc-js');
    const last = new RpcError('GetOperation', { code: Code.UNAVAILABLE, message: 'last', details: [] }, { cause, noConnection: true });
    const { attempt, calls } = scripted([unavailable(), unavailable(), unavailable(), last]);
    const error = await callWithRetry(attempt, context).catch((e: unknown) => e) as RpcError;
    expect(calls).to.have.length(4);
    expect(error).to.be.instanceOf(RpcError);
    expect(error.status).to.equal(last.status);
    expect(error).to.include({ attempts: 4, cause, noConnection: true, method: 'GetOperation' });
  });

  it('a permanent or non-transient failure after a retry ends the loop with that error', async () => {
    const notFound = rpcError('GetOperation', Code.NOT_FOUND);
    const { context } = harness();
    const first = scripted([unavailable(), notFound, 'never']);
    const error = await callWithRetry(first.attempt, context).catch((e: unknown) => e) as RpcError;
    expect(first.calls).to.have.length(2);
    expect(error).to.be.instanceOf(RpcError).and.include({ code: Code.NOT_FOUND, attempts: 2 });

    const permanent = markPermanentFailure(rpcError('GetOperation', Code.UNAVAILABLE));
    const second = scripted([unavailable(), permanent, 'never']);
    const error2 = await callWithRetry(second.attempt, harness().context).catch((e: unknown) => e) as RpcError;
    expect(second.calls).to.have.length(2);
    expect(error2).to.include({ code: Code.UNAVAILABLE, attempts: 2 });
  });

  it('a retry attempt that rejects with something other than an Error reaches the caller as it is', async () => {
    // A custom OperationsTransport may reject with any value; p-retry turned one into a
    // TypeError ("Non-error was thrown") on retries only.
    const thrown = { reason: 'not an Error' };
    const { attempt, calls } = scripted([unavailable(), { reject: thrown }, 'never']);
    const error = await callWithRetry(attempt, harness().context).catch((e: unknown) => e);
    expect(error).to.equal(thrown);
    expect(calls).to.have.length(2);
  });

  it('a retry attempt that rejects with a TypeError is not retried and reaches the caller as it is', async () => {
    const thrown = new TypeError('fetch failed');
    const { attempt, calls } = scripted([unavailable(), thrown, 'never']);
    expect(await callWithRetry(attempt, harness().context).catch((e: unknown) => e)).to.equal(thrown);
    expect(calls).to.have.length(2);
  });

  it('an abort while a retry attempt is in flight rejects with the reason, whatever it is, and sends nothing more', async () => {
    const { context, controller } = harness();
    const calls: TransportCallOptions[] = [];
    const attempt = (options: TransportCallOptions): Promise<string> => {
      calls.push(options);
      if (calls.length === 1) return Promise.reject(unavailable());
      controller.abort('a string reason');
      return Promise.reject(rpcError('GetOperation', Code.CANCELLED));
    };
    expect(await callWithRetry(attempt, context).catch((e: unknown) => e)).to.equal('a string reason');
    expect(calls).to.have.length(2);
  });

  it('a retry signal already aborted when the first attempt fails: its reason, no sleep, no second attempt', async () => {
    const { context, clock, controller } = harness();
    controller.abort('closed');
    const { attempt, calls } = scripted([unavailable(), 'never']);
    expect(await callWithRetry(attempt, context).catch((e: unknown) => e)).to.equal('closed');
    expect(calls).to.have.length(1);
    expect(clock.sleeps).to.deep.equal([]);
  });

  it('retries: Infinity stops at the deadline: no sleep that would reach it', async () => {
    const { context, clock } = harness({ policy: { ...POLICY, retries: Infinity }, deadline: START + 1_000 });
    const { attempt, calls } = scripted([unavailable()]);
    const error = await callWithRetry(attempt, context).catch((e: unknown) => e) as RpcError;
    // Attempts at 0, 100, 300 and 700 ms; the next delay (800 ms) would pass the deadline.
    expect(clock.sleeps).to.deep.equal([100, 200, 400]);
    expect(calls).to.have.length(4);
    expect(error.attempts).to.equal(4);
  });
});
