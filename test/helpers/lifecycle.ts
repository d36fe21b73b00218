/**
 * The life-cycle scenarios of test/integration/lifecycle.test.ts, shared with its
 * child process (lifecycle-child.ts): one operation handle waits in a given phase of
 * its poll loop, then one event ends the wait (abort, unsubscribe, a timeout, close,
 * completion, failure, cancel). The runner reports how the wait ended and how many
 * RPCs for the operation reached the server around the event and after it.
 */
import type { Subscription } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import type { PollingOptions } from '../../src/types.js';
import { heldClock, type HeldClock } from './held-clock.js';

/** What ends the wait. */
export type LifecycleEvent =
  | 'abort' | 'unsubscribe' | 'total-timeout' | 'promise-timeout' | 'close' | 'completion' | 'failure' | 'cancel';

/**
 * Where the poll loop is when the event happens: `wait`, a WaitOperation held by the
 * server; `poll-sleeping`, between two GetOperations; `poll-in-flight`, a GetOperation
 * the server holds (an override) until it is released or cancelled.
 */
export type LoopPhase = 'wait' | 'poll-sleeping' | 'poll-in-flight';

export const EVENTS: readonly LifecycleEvent[] = [
  'abort', 'unsubscribe', 'total-timeout', 'promise-timeout', 'close', 'completion', 'failure', 'cancel',
];
export const PHASES: readonly LoopPhase[] = ['wait', 'poll-sleeping', 'poll-in-flight'];

/** How one run ended. */
export interface LifecycleReport {
  event: LifecycleEvent;
  phase: LoopPhase;
  /** `resolved:<json>`, `rejected:<error name>`, `rejected:reason` (the abort reason itself) or `none`. */
  promise: string;
  /** How state$ / metadata$ ended: `complete`, `error:<name>`, `open` or `none` (not subscribed). */
  state$: string;
  metadata$: string;
  /** RPCs for the operation that arrived after the event, until the wait ended, by method. */
  rpcsToSettle: string[];
  /** RPCs for the operation that arrived in the quiet period after the wait ended. */
  rpcsAfter: string[];
  /** WaitOperation calls still held by the server after the quiet period. */
  pendingWaits: number;
  /**
   * When the server held no WaitOperation any more, in ms after the wait ended (at
   * least the quiet period); Infinity when one was still held {@link RELEASE_LIMIT_MS}
   * after the quiet period.
   */
  waitsReleasedAfterMs: number;
  /** In `poll-in-flight`: held GetOperations the client cancelled (before the end of the test). */
  heldCallsCancelled: number;
}

/**
 * The loop polls every 150 ms. The timeouts are far away and never reached in real
 * time: the clock holds their sleeps until the test fires them, once the loop is in the
 * phase under test (see {@link lifecycleClient}), so the deadline falls in that phase on
 * any machine, however loaded.
 */
const POLL_EVERY_MS = 150;
const TIMEOUT_MS = 3_600_000;
/** The slice of the held WaitOperation: a wait released before it ends was cancelled. */
const WAIT_SLICE_MS = 60_000;
/** How long after the quiet period a held WaitOperation may take to be released. */
export const RELEASE_LIMIT_MS = 10_000;
const FAILED_PRECONDITION = 9;

/**
 * A client as the scenarios need it: no retries, and a clock with real time and real
 * poll sleeps, except the timeouts' sleeps ({@link TIMEOUT_MS}), which wait for `fire()`.
 */
export function lifecycleClient(server: InMemoryOperationsServer): { client: OperationsClient; clock: HeldClock } {
  const clock = heldClock([TIMEOUT_MS]);
  return { client: new OperationsClient({ address: server.address, insecure: true, retry: false, clock }), clock };
}

const types = TypeRegistry.empty();
const struct = (value: Record<string, unknown>) => types.pack('google.protobuf.Struct', value);

const delay = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms);
});

/** Waits until `predicate` holds; the limit is a hang guard far above any real need. */
async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Runs one scenario on a fresh operation of `server` through `client` (made by
 * {@link lifecycleClient}, with its `clock`). The client is closed only by the `close`
 * event; the caller cleans up the rest.
 */
export async function runLifecycle(
  server: InMemoryOperationsServer,
  { client, clock }: { client: OperationsClient; clock: HeldClock },
  event: LifecycleEvent,
  phase: LoopPhase,
  quietMs = 200,
): Promise<LifecycleReport> {
  // Connect first, so the scenario starts from a ready channel.
  const warmUp = server.createOperation();
  await client.getOperation({ name: warmUp });
  const name = server.createOperation({ metadata: struct({ percent: 1 }) });
  const callsFor = () => server.calls.filter((call) => call.name === name);

  // Holds every GetOperation of this operation after the first, until released or cancelled.
  let held = 0;
  let heldCancelled = 0;
  let release: (() => void) | undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  // Counts the GetOperations of this operation answered, to know when none is in flight.
  let answered = 0;
  if (phase === 'poll-sleeping') {
    server.override('GetOperation', async (request, context) => {
      const reply = await context.next();
      if (request.name === name) answered++;
      return reply;
    });
  }
  if (phase === 'poll-in-flight') {
    let seen = 0;
    server.override('GetOperation', async (request, context) => {
      if (request.name !== name || ++seen === 1) return context.next();
      held++;
      await new Promise<void>((resolve, reject) => {
        void released.then(resolve);
        context.signal.addEventListener('abort', () => {
          heldCancelled++;
          reject(context.signal.reason as Error);
        }, { once: true });
      });
      return context.next();
    });
  }

  const polling: PollingOptions = phase === 'wait'
    ? { strategy: 'wait', waitSliceMs: WAIT_SLICE_MS }
    : { strategy: 'poll', initialDelayMs: POLL_EVERY_MS, maxDelayMs: POLL_EVERY_MS, jitter: 0 };
  if (event === 'total-timeout') polling.totalTimeoutMs = TIMEOUT_MS;
  const op = client.operation(name, { polling });

  // The observers: abort and promise-timeout test a lone promise(); unsubscribe lone streams.
  const controller = new AbortController();
  const reason = new Error('the caller gave up');
  let promise = 'none';
  let settled: Promise<void> = Promise.resolve();
  if (event !== 'unsubscribe') {
    const options = event === 'abort' ? { signal: controller.signal }
      : event === 'promise-timeout' ? { timeoutMs: TIMEOUT_MS } : undefined;
    promise = 'pending';
    settled = op.promise(options).then(
      (value) => {
        promise = `resolved:${JSON.stringify(value)}`;
      },
      (error: unknown) => {
        promise = error === reason ? 'rejected:reason' : `rejected:${errorName(error)}`;
      },
    );
  }
  let state$ = 'none';
  let metadata$ = 'none';
  const subscriptions: Subscription[] = [];
  if (event !== 'abort' && event !== 'promise-timeout') {
    state$ = 'open';
    metadata$ = 'open';
    subscriptions.push(op.state$.subscribe({
      error: (error: unknown) => {
        state$ = `error:${errorName(error)}`;
      },
      complete: () => {
        state$ = 'complete';
      },
    }));
    subscriptions.push(op.metadata$.subscribe({
      error: (error: unknown) => {
        metadata$ = `error:${errorName(error)}`;
      },
      complete: () => {
        metadata$ = 'complete';
      },
    }));
  }

  // Bring the loop to its phase.
  if (phase === 'wait') {
    await until(() => server.pendingWaits === 1, 'the WaitOperation to be held');
  } else if (phase === 'poll-sleeping') {
    // Mid-sleep: two polls answered, none in flight, the loop in its sleep. The event
    // follows in the same tick as this check (only microtasks between), so no timer can
    // end the sleep first.
    const gets = () => callsFor().filter((call) => call.method === 'GetOperation').length;
    await until(() => answered >= 2 && gets() === answered && clock.sleeping, 'the loop asleep after two GetOperations');
  } else {
    await until(() => held === 1, 'a GetOperation to be held');
  }

  // The event. Timeouts are their own event: the deadline falls in this phase.
  const atEvent = callsFor().length;
  switch (event) {
    case 'abort':
      controller.abort(reason);
      break;
    case 'unsubscribe':
      for (const subscription of subscriptions) subscription.unsubscribe();
      break;
    case 'close':
      await client.close();
      break;
    case 'completion':
      server.complete(name, struct({ result: 'ok' }));
      break;
    case 'failure':
      server.fail(name, { code: FAILED_PRECONDITION, message: 'broken' });
      break;
    case 'cancel':
      await op.cancel();
      break;
    case 'total-timeout':
    case 'promise-timeout':
      if (clock.fire() !== 1) throw new Error(`${event}: expected one pending timeout to fire`);
      break;
  }
  // A held GetOperation answers once the operation is finished; otherwise it stays held
  // until the client cancels it (or, for unsubscribe, is released at the end).
  const finishes = event === 'completion' || event === 'failure' || event === 'cancel';
  if (finishes) release?.();
  await settled;
  if (event === 'unsubscribe') await delay(5);
  const atSettle = callsFor().length;
  // Whatever was in flight at the end is cancelled a few ticks later; then silence.
  await delay(quietMs);
  const calls = callsFor();
  const heldCallsCancelled = heldCancelled;
  const pendingWaits = server.pendingWaits;
  // A held WaitOperation must be released by the client's cancel; say how long that took.
  const quietEnd = Date.now();
  while (server.pendingWaits > 0 && Date.now() - quietEnd < RELEASE_LIMIT_MS) await delay(5);
  const waitsReleasedAfterMs = server.pendingWaits === 0 ? quietMs + Date.now() - quietEnd : Infinity;
  release?.();
  server.override('GetOperation', undefined);
  return {
    event,
    phase,
    promise,
    state$,
    metadata$,
    rpcsToSettle: calls.slice(atEvent, atSettle).map((call) => call.method),
    rpcsAfter: calls.slice(atSettle).map((call) => call.method),
    pendingWaits,
    waitsReleasedAfterMs,
    heldCallsCancelled,
  };
}

/** What each event must end with (independent of the phase). */
export function expectedEnding(event: LifecycleEvent): Pick<LifecycleReport, 'promise' | 'state$' | 'metadata$'> {
  switch (event) {
    case 'abort': return { promise: 'rejected:reason', state$: 'none', metadata$: 'none' };
    case 'unsubscribe': return { promise: 'none', state$: 'open', metadata$: 'open' };
    case 'total-timeout': return { promise: 'rejected:PollTimeoutError', state$: 'error:PollTimeoutError', metadata$: 'error:PollTimeoutError' };
    case 'promise-timeout': return { promise: 'rejected:PollTimeoutError', state$: 'none', metadata$: 'none' };
    case 'close': return { promise: 'rejected:ClientClosedError', state$: 'error:ClientClosedError', metadata$: 'error:ClientClosedError' };
    case 'completion': return { promise: 'resolved:{"result":"ok"}', state$: 'complete', metadata$: 'complete' };
    case 'failure': return { promise: 'rejected:OperationFailedError', state$: 'error:OperationFailedError', metadata$: 'complete' };
    case 'cancel': return { promise: 'rejected:OperationCancelledError', state$: 'error:OperationCancelledError', metadata$: 'complete' };
  }
}

/**
 * Whether the event must cancel the RPC in flight: every event that stops the loop
 * before the operation is done. (Finishing events let the held call answer.)
 */
export function cancelsInFlightCall(event: LifecycleEvent): boolean {
  return event !== 'completion' && event !== 'failure' && event !== 'cancel';
}

/**
 * The RPCs for the operation that may arrive between the event and the end of the
 * wait: the CancelOperation of `cancel`, and, when the loop was asleep, the one poll
 * that sees the operation done. Nothing else (a timeout ends the wait at once, even
 * asleep), and nothing at all after the end.
 */
export function expectedRpcsToSettle(event: LifecycleEvent, phase: LoopPhase): string[] {
  const rpcs: string[] = [];
  if (event === 'cancel') rpcs.push('CancelOperation');
  const finishes = event === 'completion' || event === 'failure' || event === 'cancel';
  if (finishes && phase === 'poll-sleeping') rpcs.push('GetOperation');
  return rpcs;
}
