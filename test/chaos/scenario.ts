/**
 * The chaos scenario, shared by `test/chaos/chaos.test.ts` (1,000 operations, part of
 * `npm test`) and `scripts/chaos.ts` (soak runs with `--ops N`).
 *
 * One client drives N operations against the embedded server while the server answers
 * a seeded 30% of RPCs UNAVAILABLE after 0-50 ms of added latency, and is stopped and
 * started again on the same port mid-run. Each operation starts and finishes at a
 * seeded random time with its own outcome: a distinct response (a Struct holding its
 * index), a failure (~10%, own code, message and ErrorInfo detail) or a cancellation
 * (~5%, through the client's `cancel()`). The report says whether every `promise()`
 * settled exactly once with its own result, what was lost, and what was left alive.
 *
 * "The same server" across the restart: a real Operations service keeps its
 * operations in storage, so a restarted frontend still knows them, done or not. Here
 * the storage is `Ledger`: the scenario writes every change to it first (creation,
 * progress, completion; the server's own cancellations are written through by a
 * CancelOperation override), and the restarted server is rebuilt from it. All
 * operations are re-created, the finished ones too: a handle that has not yet seen its
 * operation finish must find it done on the new server, not NOT_FOUND.
 *
 * Loopback only: the server binds 127.0.0.1 and the client talks to it in plaintext.
 */
import { isDeepStrictEqual } from 'node:util';
import { seededRandom } from '../helpers/random.js';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import { OperationCancelledError, OperationFailedError, RpcError } from '../../src/errors.js';
import type { LongRunningOperation } from '../../src/operation/long-running-operation.js';
import {
  InMemoryOperationsServer, type CallRecord, type CreateOperationInit, type FaultOptions, type StatusInit,
} from '../../src/testing/in-memory-server.js';
import { GrpcOperationsTransport } from '../../src/transport/grpc-transport.js';
import type { OperationsTransport, TransportCallOptions } from '../../src/transport/transport.js';
import type {
  Any, ListOperationsRequest, Operation, OperationNameRequest, PollingOptions, WaitOperationRequest,
} from '../../src/types.js';

/** What a run looks like; every field has a default. */
export interface ChaosOptions {
  /** Operations driven through the client. @defaultValue 1000 */
  ops?: number;
  /** Seed of every random choice (plan, faults, client jitter). @defaultValue 20240611 */
  seed?: number;
  /** Share of RPCs the server answers UNAVAILABLE. @defaultValue 0.3 */
  unavailableRate?: number;
  /** Latency the server adds to every RPC, drawn per call. @defaultValue [0, 50] */
  latencyMs?: readonly [number, number];
  /**
   * Operations start within the first half of this window and run for up to half of
   * it. @defaultValue 6 ms per operation, at least 3 s (6 s for 1,000 operations)
   */
  spanMs?: number;
  /** How long the server stays down between stop and restart. @defaultValue 250 */
  downtimeMs?: number;
  /** Hard bound of the whole run; what has not settled by then is lost. @defaultValue spanMs + 30 s */
  deadlineMs?: number;
}

/** The figures of one run. */
export interface ChaosReport {
  operations: number;
  seed: number;
  /** RPC attempts the client made (retries included), counted at its transport. */
  rpcsSent: number;
  /** RPCs the two server instances received. */
  rpcsReceived: number;
  /** RPCs the server answered UNAVAILABLE by the seeded fault draw. */
  faultsInjected: number;
  /** RPCs the server saw that the faults applied to (the denominator of the fault rate). */
  faultDraws: number;
  restarts: number;
  /** RPCs the restarted server received. */
  rpcsAfterRestart: number;
  /** How long the first server took to stop. */
  stopMs: number;
  /** From the restart (new server listening) to its first RPC received: the client's reconnect delay. */
  reconnectMs: number;
  /** When the restart began and ended, and the last promise settled, from the start of the run. */
  restartStartedAtMs: number;
  restartEndedAtMs: number;
  lastSettledAtMs: number;
  /** Operations created before the restart that settled after it. */
  survivedRestart: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Operations whose promise did not settle, or settled with something else than their own result. */
  resultsLost: number;
  /** Lost results by what they settled with instead (kind: description). */
  lostBy: Record<string, number>;
  /** Operations whose promise settlement callbacks ran more than once (impossible unless promises break). */
  settledTwice: number;
  /** Operations for which a GetOperation/WaitOperation arrived after their promise settled. */
  rpcsAfterSettle: number;
  /** Watched operations whose state$ did not end like their promise (or emitted done more than once). */
  streamMismatches: number;
  /** A second promise() after the end that did not give the same value or error instance, or sent an RPC. */
  secondPromiseMismatches: number;
  unhandledRejections: number;
  /** Resources still alive after close() and stop() beyond those alive before the run. */
  leakedResources: string[];
  /** The first few problems, described. */
  problems: string[];
  wallMs: number;
}

const DEFAULTS = Object.freeze({
  ops: 1000,
  seed: 20240611,
  unavailableRate: 0.3,
  latencyMs: [0, 50] as const,
  downtimeMs: 250,
});

/** Resources of the test process itself (stdio, fs work of the loader), not of the code under test. */
const PROCESS_RESOURCES = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'SignalWrap']);

const FAILURE_CODES = [3, 5, 7, 8, 9, 10, 13] as const;
const CANCELLED_MESSAGE = 'Operation cancelled by the client';


/** Live resources by name (with repeats), without the process' own. */
export function liveResources(): string[] {
  return process.getActiveResourcesInfo().filter((resource) => !PROCESS_RESOURCES.has(resource));
}

/** Resources in `now` beyond those in `baseline` (a multiset difference). */
export function excessResources(baseline: readonly string[], now: readonly string[]): string[] {
  const remaining = [...baseline];
  return now.filter((resource) => {
    const i = remaining.indexOf(resource);
    if (i < 0) return true;
    remaining.splice(i, 1);
    return false;
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms).unref();
});

type Kind = 'succeed' | 'fail' | 'cancel';
type Variant = 'auto' | 'poll' | 'watched' | 'from-operation';
const VARIANTS: readonly Variant[] = ['auto', 'poll', 'watched', 'from-operation'];

interface Plan {
  index: number;
  name: string;
  kind: Kind;
  variant: Variant;
  startAt: number;
  finishAfter: number;
  response: Record<string, unknown>;
  failure: StatusInit & { code: number; message: string };
}

type Settlement = { value: unknown } | { error: unknown };

interface Tracking {
  plan: Plan;
  handle: LongRunningOperation | undefined;
  settlements: number;
  settlement: Settlement | undefined;
  settledAt: number;
  createdBeforeRestart: boolean;
  doneStates: number;
  lastStateDone: boolean;
  streamEnd: Settlement | { complete: true } | undefined;
}

/**
 * The storage behind the server: every operation's latest state. The scenario writes
 * here first and then to whichever server instance is up.
 */
class Ledger {
  readonly #operations = new Map<string, Operation>();

  set(operation: Operation): void {
    this.#operations.set(operation.name, operation);
  }

  get(name: string): Operation | undefined {
    return this.#operations.get(name);
  }

  values(): IterableIterator<Operation> {
    return this.#operations.values();
  }
}

/** The client's transport, counting every attempt it makes. */
class CountingTransport implements OperationsTransport {
  sent = 0;
  readonly #inner: OperationsTransport;

  constructor(inner: OperationsTransport) {
    this.#inner = inner;
  }

  #count<T>(call: () => Promise<T>): Promise<T> {
    this.sent++;
    return call();
  }

  getOperation(request: OperationNameRequest, options: TransportCallOptions) {
    return this.#count(() => this.#inner.getOperation(request, options));
  }

  listOperations(request: ListOperationsRequest, options: TransportCallOptions) {
    return this.#count(() => this.#inner.listOperations(request, options));
  }

  cancelOperation(request: OperationNameRequest, options: TransportCallOptions) {
    return this.#count(() => this.#inner.cancelOperation(request, options));
  }

  deleteOperation(request: OperationNameRequest, options: TransportCallOptions) {
    return this.#count(() => this.#inner.deleteOperation(request, options));
  }

  waitOperation(request: WaitOperationRequest, options: TransportCallOptions) {
    return this.#count(() => this.#inner.waitOperation(request, options));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/**
 * The server's random source, counting fault decisions. With a `[min, max]` latency
 * range and no `failNext`, the server draws twice per call, in this order (documented
 * on `FaultOptions`): latency, then the UNAVAILABLE decision; so every second draw is a
 * fault decision.
 */
function countingFaultRandom(seed: number, rate: number) {
  const random = seededRandom(seed);
  const counts = { draws: 0, decisions: 0, injected: 0 };
  const next = () => {
    const value = random();
    counts.draws++;
    if (counts.draws % 2 === 0) {
      counts.decisions++;
      if (value < rate) counts.injected++;
    }
    return value;
  };
  return { next, counts };
}

/** Runs the scenario; never throws for a failed expectation: the report says what went wrong. */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const ops = options.ops ?? DEFAULTS.ops;
  const seed = options.seed ?? DEFAULTS.seed;
  const unavailableRate = options.unavailableRate ?? DEFAULTS.unavailableRate;
  const latencyMs = options.latencyMs ?? DEFAULTS.latencyMs;
  const spanMs = options.spanMs ?? Math.max(3_000, ops * 6);
  const downtimeMs = options.downtimeMs ?? DEFAULTS.downtimeMs;
  const deadlineMs = options.deadlineMs ?? spanMs + 30_000;
  if (!Number.isInteger(ops) || ops < 1) throw new RangeError(`ops must be a positive integer, got ${ops}`);

  // One turn of the event loop first: a caller's own timers (mocha arms its timeout
  // once the hook function returned) belong to the baseline, not to the run.
  await new Promise((resolve) => setImmediate(resolve));
  const baseline = liveResources();
  const started = Date.now();
  // The run waits on unref'd timers only; this keeps a standalone process alive until
  // the end (and is cleared before the leak check).
  const keepAlive = setInterval(() => undefined, 1_000);

  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };
  let unhandledRejections = 0;
  const onUnhandled = (reason: unknown) => {
    unhandledRejections++;
    problem(`unhandled rejection: ${String(reason)}`);
  };
  process.on('unhandledRejection', onUnhandled);

  const types = TypeRegistry.empty();
  const struct = (value: Record<string, unknown>): Any => types.pack('google.protobuf.Struct', value);
  const planRandom = seededRandom(seed);
  const faults = countingFaultRandom(seed ^ 0x5eed, unavailableRate);
  const faultOptions: FaultOptions = { unavailableRate, latencyMs: [latencyMs[0], latencyMs[1]], random: faults.next };

  // The plan: who does what, when.
  const plans: Plan[] = [];
  for (let index = 0; index < ops; index++) {
    const draw = planRandom();
    const kind: Kind = draw < 0.10 ? 'fail' : draw < 0.15 ? 'cancel' : 'succeed';
    const code = FAILURE_CODES[Math.floor(planRandom() * FAILURE_CODES.length)];
    plans.push({
      index,
      name: `operations/chaos-${String(index).padStart(6, '0')}`,
      kind,
      variant: VARIANTS[index % VARIANTS.length],
      startAt: Math.floor(planRandom() * spanMs / 2),
      finishAfter: Math.floor(planRandom() * spanMs / 2),
      response: { index, token: `chaos-${seed}-${index}` },
      failure: {
        code,
        message: `operation ${index} failed`,
        details: [types.pack('google.rpc.ErrorInfo', { reason: `REASON_${index}`, domain: 'chaos.test', metadata: { index: String(index) } })],
      },
    });
  }
  const tracking: Tracking[] = plans.map((plan) => ({
    plan, handle: undefined, settlements: 0, settlement: undefined, settledAt: 0, createdBeforeRestart: false,
    doneStates: 0, lastStateDone: false, streamEnd: undefined,
  }));
  const byName = new Map(tracking.map((t) => [t.plan.name, t]));

  // The storage, the server instances, and the write path to whichever is up.
  const ledger = new Ledger();
  const servers: InMemoryOperationsServer[] = [];
  let server: InMemoryOperationsServer | undefined;
  let restarted = false;
  let restartedAt = Infinity;
  let stopMs = 0;
  const installCancelWriteThrough = (instance: InMemoryOperationsServer) => {
    instance.override('CancelOperation', async (request, context) => {
      await context.next();
      const state = context.server.get(request.name);
      if (state) ledger.set(state);
    });
  };
  const startServer = async (port: number): Promise<InMemoryOperationsServer> => {
    // The old listener's port may take a moment to be free again: a few bounded tries.
    for (let attempt = 1; ; attempt++) {
      try {
        const instance = await InMemoryOperationsServer.start({ port, faults: faultOptions });
        installCancelWriteThrough(instance);
        servers.push(instance);
        return instance;
      } catch (error) {
        if (attempt >= 40) throw error;
        await sleep(50);
      }
    }
  };
  server = await startServer(0);
  const port = server.port;

  const write = (operation: Operation, apply: (instance: InMemoryOperationsServer) => void) => {
    ledger.set(operation);
    if (server) {
      try {
        apply(server);
      } catch (error) {
        problem(`server write for ${operation.name} failed: ${String(error)}`);
      }
    }
  };
  const progress = (plan: Plan, percent: number) => struct({ index: plan.index, percent });

  // The client: real gRPC transport (counted), fast retries and polling for a test.
  const transport = new CountingTransport(new GrpcOperationsTransport({ address: `127.0.0.1:${port}`, insecure: true }));
  const polling: PollingOptions = { initialDelayMs: 25, maxDelayMs: 500, waitSliceMs: 2_000, progressIntervalMs: 500 };
  const client = new OperationsClient({
    transport,
    retry: { retries: 5, initialDelayMs: 10, maxDelayMs: 200 },
    polling,
    random: seededRandom(seed ^ 0xc1e7),
  });
  const pollOnly: PollingOptions = { strategy: 'poll', initialDelayMs: 25, maxDelayMs: 250 };

  let settledCount = 0;
  let allSettled!: () => void;
  const everySettled = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const settle = (t: Tracking, settlement: Settlement) => {
    t.settlements++;
    if (t.settlements > 1) return;
    t.settlement = settlement;
    t.settledAt = Date.now();
    settledCount++;
    if (settledCount === ops) allSettled();
  };

  const timers = new Set<NodeJS.Timeout>();
  const at = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  let finished = false;

  const cancelUntilAccepted = async (t: Tracking) => {
    // The client retries each cancel() itself; this loop outlasts a server restart.
    for (let attempt = 1; attempt <= 200 && !finished; attempt++) {
      try {
        await t.handle!.cancel();
        return;
      } catch (error) {
        // UNAVAILABLE while the server is down; CANCELLED when it is forcibly stopped
        // with the call in flight (grpc-js reports the reset stream so).
        if (!(error instanceof RpcError) || (error.code !== 14 && error.code !== 1)) {
          problem(`cancel of ${t.plan.name} failed: ${String(error)}`);
          return;
        }
        await sleep(50);
      }
    }
    if (!finished) problem(`cancel of ${t.plan.name} never got through`);
  };

  const startOperation = (t: Tracking) => {
    const { plan } = t;
    t.createdBeforeRestart = !restarted;
    const metadata = progress(plan, 0);
    write({ name: plan.name, done: false, metadata }, (instance) => instance.createOperation({ name: plan.name, metadata }));
    let handle: LongRunningOperation;
    if (plan.variant === 'from-operation') handle = client.operation({ name: plan.name, done: false, metadata });
    else if (plan.variant === 'poll') handle = client.operation(plan.name, { polling: pollOnly });
    else handle = client.operation(plan.name);
    t.handle = handle;
    handle.promise().then((value) => settle(t, { value }), (error: unknown) => settle(t, { error }));
    if (plan.variant === 'watched') {
      handle.state$.subscribe({
        next: (state) => {
          if (state.done) t.doneStates++;
          t.lastStateDone = state.done;
        },
        error: (error: unknown) => {
          t.streamEnd = { error };
        },
        complete: () => {
          t.streamEnd = { complete: true };
        },
      });
    }
  };

  const finishOperation = (t: Tracking) => {
    const { plan } = t;
    const current = ledger.get(plan.name)!;
    if (plan.kind === 'cancel') {
      void cancelUntilAccepted(t);
    } else if (plan.kind === 'succeed') {
      const response = struct(plan.response);
      write({ ...current, done: true, response }, (instance) => instance.complete(plan.name, response));
    } else {
      const error = { code: plan.failure.code, message: plan.failure.message, details: [...(plan.failure.details ?? [])] };
      write({ ...current, done: true, error }, (instance) => instance.fail(plan.name, error));
    }
  };

  const progressOperation = (t: Tracking) => {
    const current = ledger.get(t.plan.name)!;
    if (current.done) return;
    const metadata = progress(t.plan, 50);
    write({ ...current, metadata }, (instance) => instance.setMetadata(t.plan.name, metadata));
  };

  const restart = async () => {
    const old = server!;
    server = undefined; // from here on, changes go to the ledger only
    const stopping = Date.now();
    await old.stop();
    stopMs = Date.now() - stopping;
    await sleep(downtimeMs);
    const fresh = await startServer(port);
    // Synchronously, before any timer of the plan can run: the same operations, as stored.
    for (const operation of ledger.values()) {
      const init: CreateOperationInit = { name: operation.name, done: operation.done };
      if (operation.metadata) init.metadata = operation.metadata;
      if (operation.error) init.error = operation.error;
      else if (operation.response) init.response = operation.response;
      fresh.createOperation(init);
    }
    restarted = true;
    restartedAt = Date.now();
    server = fresh;
  };

  // Run the plan.
  // Each operation's own steps are chained, so they run in order whatever the timer lists do.
  for (const t of tracking) {
    at(t.plan.startAt, () => {
      startOperation(t);
      const half = Math.floor(t.plan.finishAfter / 2);
      at(half, () => {
        progressOperation(t);
        at(t.plan.finishAfter - half, () => finishOperation(t));
      });
    });
  }
  let restarts = 0;
  const restartDone = new Promise<void>((resolve) => {
    at(Math.floor(spanMs * 0.4), () => {
      restart().then(() => {
        restarts++;
      }, (error: unknown) => {
        problem(`restart failed: ${String(error)}`);
      }).finally(resolve);
    });
  });
  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = setTimeout(resolve, deadlineMs);
    deadlineTimer.unref();
  });
  await Promise.race([Promise.all([everySettled, restartDone]), deadline]);
  clearTimeout(deadlineTimer);
  finished = true;
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  if (settledCount < ops) problem(`${ops - settledCount} operation(s) did not settle within ${deadlineMs} ms`);

  // Every operation's own outcome.
  let succeeded = 0;
  let failed = 0;
  let cancelled = 0;
  let resultsLost = 0;
  const lostBy: Record<string, number> = {};
  let settledTwice = 0;
  let streamMismatches = 0;
  for (const t of tracking) {
    const { plan, settlement } = t;
    if (t.settlements > 1) settledTwice++;
    let ok: boolean;
    if (settlement === undefined) {
      ok = false;
    } else if (plan.kind === 'succeed') {
      ok = 'value' in settlement && isDeepStrictEqual(settlement.value, plan.response);
      if (ok) succeeded++;
    } else if (plan.kind === 'fail') {
      const error = 'error' in settlement ? settlement.error : undefined;
      ok = error instanceof OperationFailedError && !(error instanceof OperationCancelledError) &&
        error.code === plan.failure.code && error.operationName === plan.name &&
        error.status.message === plan.failure.message && error.status.details.length === 1 &&
        isDeepStrictEqual(types.unpack(error.status.details[0], 'google.rpc.ErrorInfo'),
          { reason: `REASON_${plan.index}`, domain: 'chaos.test', metadata: { index: String(plan.index) } });
      if (ok) failed++;
    } else {
      const error = 'error' in settlement ? settlement.error : undefined;
      ok = error instanceof OperationCancelledError && error.code === 1 && error.operationName === plan.name &&
        error.status.message === CANCELLED_MESSAGE;
      if (ok) cancelled++;
    }
    if (!ok) {
      resultsLost++;
      const key = `${plan.kind}: ${describe(settlement).slice(0, 120)}`;
      lostBy[key] = (lostBy[key] ?? 0) + 1;
      problem(`${plan.name} (${plan.kind}, ${plan.variant}) settled with ${describe(settlement)}`);
    }
    if (plan.variant === 'watched' && settlement !== undefined) {
      const end = t.streamEnd;
      const expected = 'value' in settlement ? end !== undefined && 'complete' in end
        : end !== undefined && 'error' in end && end.error === settlement.error;
      if (!expected || t.doneStates !== 1 || !t.lastStateDone) {
        streamMismatches++;
        problem(`${plan.name}: state$ ended with ${describe(end)} after ${t.doneStates} done state(s)`);
      }
    }
  }

  // A second promise() on every settled handle: the kept outcome, the same instance, no RPC.
  const secondPhaseAt = Date.now();
  const receivedBeforeSecond = servers.reduce((sum, instance) => sum + instance.calls.length, 0);
  let secondPromiseMismatches = 0;
  await Promise.all(tracking.map(async (t) => {
    if (t.settlement === undefined || t.handle === undefined) return;
    const again: Settlement = await t.handle.promise().then((value) => ({ value }), (error: unknown) => ({ error }));
    const same = 'value' in t.settlement
      ? 'value' in again && isDeepStrictEqual(again.value, t.settlement.value)
      : 'error' in again && again.error === t.settlement.error;
    if (!same) {
      secondPromiseMismatches++;
      problem(`${t.plan.name}: a second promise() gave ${describe(again)}`);
    }
  }));
  const receivedAfterSecond = servers.reduce((sum, instance) => sum + instance.calls.length, 0);
  if (receivedAfterSecond !== receivedBeforeSecond) {
    secondPromiseMismatches++;
    problem(`second promise() calls sent ${receivedAfterSecond - receivedBeforeSecond} RPC(s)`);
  }

  // No poll of an operation after its promise settled.
  const calls: CallRecord[] = servers.flatMap((instance) => [...instance.calls]);
  const lateOperations = new Set<string>();
  for (const call of calls) {
    // The handles' own loops only: not the second promise() calls above (a handle whose
    // wait failed, not done, rightly starts a new loop for them).
    if ((call.method !== 'GetOperation' && call.method !== 'WaitOperation') || call.at >= secondPhaseAt) continue;
    const t = byName.get(call.name);
    if (t?.settlement !== undefined && call.at > t.settledAt) lateOperations.add(call.name);
  }
  for (const name of [...lateOperations].slice(0, 5)) problem(`${name} was polled after its promise settled`);
  const survivedRestart = tracking.filter((t) => t.createdBeforeRestart && t.settledAt > restartedAt).length;

  await client.close();
  for (const instance of servers) await instance.stop();
  process.off('unhandledRejection', onUnhandled);
  clearInterval(keepAlive);

  // Whatever close() and stop() leave behind (sockets close a few ticks later).
  let leakedResources = excessResources(baseline, liveResources());
  for (let i = 0; i < 20 && leakedResources.length > 0; i++) {
    await sleep(50);
    leakedResources = excessResources(baseline, liveResources());
  }
  await new Promise((resolve) => setImmediate(resolve));
  leakedResources = excessResources(baseline, liveResources());

  return {
    operations: ops,
    seed,
    rpcsSent: transport.sent,
    rpcsReceived: calls.length,
    faultsInjected: faults.counts.injected,
    faultDraws: faults.counts.decisions,
    restarts,
    rpcsAfterRestart: servers[1]?.calls.length ?? 0,
    stopMs,
    reconnectMs: (servers[1]?.calls[0]?.at ?? NaN) - restartedAt,
    restartStartedAtMs: Math.floor(spanMs * 0.4),
    restartEndedAtMs: restartedAt - started,
    lastSettledAtMs: Math.max(...tracking.map((t) => t.settledAt)) - started,
    survivedRestart,
    succeeded,
    failed,
    cancelled,
    resultsLost,
    lostBy,
    settledTwice,
    rpcsAfterSettle: lateOperations.size,
    streamMismatches,
    secondPromiseMismatches,
    unhandledRejections,
    leakedResources,
    problems,
    wallMs: Date.now() - started,
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value !== 'object' || value === null) return typeof value === 'string' ? value : JSON.stringify(value) ?? typeof value;
  if ('error' in value) {
    const { error } = value;
    return error instanceof Error ? `${error.name}: ${error.message}` : `error ${JSON.stringify(error) ?? typeof error}`;
  }
  if ('value' in value) return `value ${JSON.stringify(value.value)}`;
  return JSON.stringify(value);
}

/** The one-line summary both the test and the script print. */
export function formatReport(report: ChaosReport): string {
  const rate = report.faultDraws === 0 ? 0 : report.faultsInjected / report.faultDraws;
  return `chaos: operations=${report.operations} succeeded=${report.succeeded} failed=${report.failed} ` +
    `cancelled=${report.cancelled} rpcsSent=${report.rpcsSent} rpcsReceived=${report.rpcsReceived} ` +
    `faultsInjected=${report.faultsInjected} (${(rate * 100).toFixed(1)}% of ${report.faultDraws}) ` +
    `restarts=${report.restarts} (stop ${report.stopMs} ms, down ${report.restartStartedAtMs}-${report.restartEndedAtMs} ms, ` +
    `reconnect ${report.reconnectMs} ms) rpcsAfterRestart=${report.rpcsAfterRestart} survivedRestart=${report.survivedRestart} ` +
    `lastSettledAtMs=${report.lastSettledAtMs} ` +
    `resultsLost=${report.resultsLost} settledTwice=${report.settledTwice} rpcsAfterSettle=${report.rpcsAfterSettle} ` +
    `unhandledRejections=${report.unhandledRejections} leaked=${report.leakedResources.length} ` +
    `seed=${report.seed} wallMs=${report.wallMs}`;
}

/** What is wrong with a run, as sentences; empty when every guarantee held. */
export function chaosFailures(report: ChaosReport): string[] {
  const failures: string[] = [];
  const check = (ok: boolean, text: string) => {
    if (!ok) failures.push(text);
  };
  check(report.resultsLost === 0, `${report.resultsLost} result(s) lost`);
  check(report.settledTwice === 0, `${report.settledTwice} promise(s) settled more than once`);
  check(report.succeeded + report.failed + report.cancelled === report.operations, 'not every operation has its own outcome');
  check(report.restarts === 1, `${report.restarts} restart(s) instead of 1`);
  check(report.faultsInjected > 0, 'no fault was injected');
  check(report.streamMismatches === 0, `${report.streamMismatches} state$ stream(s) ended unlike their promise`);
  check(report.secondPromiseMismatches === 0, `${report.secondPromiseMismatches} second promise() call(s) differed or sent RPCs`);
  check(report.rpcsAfterSettle === 0, `${report.rpcsAfterSettle} operation(s) polled after their promise settled`);
  check(report.unhandledRejections === 0, `${report.unhandledRejections} unhandled rejection(s)`);
  check(report.leakedResources.length === 0, `left alive: ${report.leakedResources.join(', ')}`);
  return failures;
}
