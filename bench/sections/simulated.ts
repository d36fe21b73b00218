/**
 * Detection lag and RPC count on a simulated clock, for finishing times too long to
 * wait for (60 s and beyond). Both sides run their real code under sinon fake timers:
 *
 * - ours: a real OperationsClient, handle and poll loop, over a fake in-process
 *   OperationsTransport (the public transport seam) that answers at once; its
 *   WaitOperation holds until the operation is done or the requested slice ends, or
 *   (other rows, one client each) at most 60 s, or not at all (answers at once);
 * - gax: gax's real LRO `Operation` with `createDefaultBackoffSettings()`, over a fake
 *   operations client whose `getOperationInternal` answers at once.
 *
 * Network latency is zero, so lag is the schedule's alone. Jitter comes from
 * Math.random as in production, so repetitions give a distribution.
 */
import sinon from 'sinon';
import {
  OperationsClient, type ListOperationsRequest, type ListOperationsResponse, type Operation,
  type OperationNameRequest, type OperationsTransport, type TransportCallOptions, type WaitOperationRequest,
} from '../../src/index.js';
import { POLLING_DEFAULTS } from '../../src/options/polling.js';
import { seededRandom } from '../../src/testing.js';
import { gaxOperation, toGaxOperation, type GaxGetOperationInternal, type GaxOperation } from '../lib/gax.js';
import { benchTypes, jobResult, PROGRESS_TYPE, RESULT_TYPE, smallProgress, type JobProgress, type JobResult } from '../lib/payloads.js';
import { count, duration, finishLabel, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { summarize, type Summary } from '../lib/stats.js';
import { CLIENT_LABELS } from './detection.js';

/** How the simulated server treats a WaitOperation. */
type WaitBehaviour = 'hold' | 'cap60' | 'immediate';

/** The WaitOperation hold of a server that caps waits. */
const SERVER_CAP_MS = 60_000;

/** Our `auto` client against each server behaviour, our `poll` client (progress-aware, and plain) and gax. */
type SimClient = 'ours-auto' | 'ours-auto-cap60' | 'ours-auto-immediate' | 'ours-poll' | 'ours-poll-plain' | 'gax';

/**
 * How the metadata's `percent` moves while an operation runs (fraction x of its duration):
 * - linear: x, with noise (+-2 points) and, for a third of the operations, a stall of
 *   10-25% of the duration somewhere (the rest runs faster), in whole percents;
 * - stalled: linear to 50%, then stuck there until done;
 * - jumping: in four steps (0, 25, 50, 75%);
 * - non-monotonic: two phases, each 0-100% (a reset halfway).
 */
type ProgressWorkload = 'linear' | 'stalled' | 'jumping' | 'non-monotonic';

const WORKLOADS: readonly ProgressWorkload[] = ['linear', 'stalled', 'jumping', 'non-monotonic'];

const PROGRESS_CLIENTS: readonly SimClient[] = ['ours-poll', 'ours-poll-plain', 'gax'];

/** The percent reported at fraction x in [0, 1) of the duration, for one operation. */
type ProgressCurve = (x: number, random: () => number) => number;

function progressCurve(workload: ProgressWorkload, random: () => number): ProgressCurve {
  switch (workload) {
    case 'linear': {
      const stall = random() < 1 / 3;
      const stallLength = stall ? 0.1 + 0.15 * random() : 0;
      const stallAt = random() * (1 - stallLength);
      return (x, noise) => {
        // Progress over the time not stalled: runs faster to finish on time.
        const moving = x < stallAt ? x : x < stallAt + stallLength ? stallAt : x - stallLength;
        const fraction = moving / (1 - stallLength);
        return Math.round(Math.min(100, Math.max(0, 100 * fraction + (noise() * 4 - 2))));
      };
    }
    case 'stalled':
      return (x) => Math.round(100 * Math.min(x, 0.5));
    case 'jumping':
      return (x) => 25 * Math.floor(x * 4);
    case 'non-monotonic':
      return (x) => Math.round(100 * ((2 * x) % 1));
  }
}

const CLIENTS: readonly SimClient[] = ['ours-auto', 'ours-auto-cap60', 'ours-auto-immediate', 'ours-poll', 'gax'];

const SIM_LABELS: Readonly<Record<SimClient, string>> = {
  'ours-auto': `${CLIENT_LABELS['ours-auto']}, server holds waits as asked`,
  'ours-auto-cap60': `${CLIENT_LABELS['ours-auto']}, server caps waits at 60 s`,
  'ours-auto-immediate': `${CLIENT_LABELS['ours-auto']}, server answers waits at once`,
  'ours-poll': CLIENT_LABELS['ours-poll'],
  'ours-poll-plain': 'ours, `poll`, progress ignored (the plain schedule)',
  gax: CLIENT_LABELS.gax,
};

const BEHAVIOURS: ReadonlyArray<[SimClient, WaitBehaviour]> = [['ours-auto', 'hold'], ['ours-auto-cap60', 'cap60'], ['ours-auto-immediate', 'immediate']];

/** Whether a row is a long-polling one (its lag is the server's to keep at 0). */
const isAuto = (who: SimClient): boolean => who.startsWith('ours-auto');

interface SimOperation {
  doneAt: number;
  startAt: number;
  rpcs: number;
  curve: ProgressCurve | undefined;
}

/** The operations of one simulation: done at a fixed fake time; every RPC counted. */
class SimulatedOperations {
  readonly #operations = new Map<string, SimOperation>();
  readonly #metadata = smallProgress(50);
  /** Metadata for each whole percent, packed once. */
  readonly #percents = Array.from({ length: 101 }, (_, percent) => smallProgress(percent));
  readonly #response = jobResult(7);
  readonly #noise = seededRandom(7);

  add(name: string, doneAt: number, curve?: ProgressCurve): void {
    this.#operations.set(name, { doneAt, startAt: Date.now(), rpcs: 0, curve });
  }

  rpcs(name: string): number {
    return this.#operations.get(name)!.rpcs;
  }

  /** The operation as the server would return it now, counting one RPC. */
  answer(name: string): Operation {
    const operation = this.#operations.get(name)!;
    operation.rpcs++;
    return this.state(name);
  }

  state(name: string): Operation {
    const operation = this.#operations.get(name)!;
    const now = Date.now();
    const done = now >= operation.doneAt;
    if (done) return { name, done, metadata: this.#percents[100], response: this.#response };
    const { curve, startAt, doneAt } = operation;
    const metadata = curve === undefined ? this.#metadata : this.#percents[curve((now - startAt) / (doneAt - startAt), this.#noise)];
    return { name, done, metadata };
  }

  doneAt(name: string): number {
    return this.#operations.get(name)!.doneAt;
  }
}

/** Our side of the fake: the SDK's transport seam, answering instantly. */
class SimulatedTransport implements OperationsTransport {
  constructor(private readonly operations: SimulatedOperations, private readonly behaviour: WaitBehaviour) {}

  getOperation(request: OperationNameRequest, options: TransportCallOptions): Promise<Operation> {
    options.signal?.throwIfAborted();
    return Promise.resolve(this.operations.answer(request.name));
  }

  waitOperation(request: WaitOperationRequest, options: TransportCallOptions): Promise<Operation> {
    const { name } = request;
    const { signal } = options;
    signal?.throwIfAborted();
    this.operations.answer(name);
    const now = Date.now();
    const holdMs = this.behaviour === 'immediate' ? 0 : Math.min(request.timeoutMs ?? 30_000, this.behaviour === 'cap60' ? SERVER_CAP_MS : Infinity);
    const until = Math.min(this.operations.doneAt(name), now + holdMs);
    if (until <= now) return Promise.resolve(this.operations.state(name));
    return new Promise<Operation>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.operations.state(name));
      }, until - now);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  listOperations(_request: ListOperationsRequest): Promise<ListOperationsResponse> {
    return Promise.reject(new Error('not simulated'));
  }

  cancelOperation(): Promise<void> {
    return Promise.reject(new Error('not simulated'));
  }

  deleteOperation(): Promise<void> {
    return Promise.reject(new Error('not simulated'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** gax's side of the fake: what its LongRunningDescriptor calls. */
function simulatedGaxClient(operations: SimulatedOperations): GaxGetOperationInternal {
  return {
    getOperationInternal(request) {
      const answer = Promise.resolve<[GaxOperation]>([toGaxOperation(operations.answer(request.name))]);
      return Object.assign(answer, { cancel: () => undefined });
    },
  };
}

interface SimRow {
  who: SimClient;
  /** The progress workload, for the progress-aware rows. */
  workload: ProgressWorkload | undefined;
  /** A fixed finishing time, or (spread) the upper end of evenly spread ones. */
  finishAfterMs: number;
  spread: boolean;
  rpcs: Summary;
  lag: Summary;
  unfinished: number;
}

/**
 * Simulates `repetitions` operations per client finishing `finishAfterMs` after the
 * start, or with `spread`, finishing at times spread evenly over [0, finishAfterMs).
 */
async function simulate(finishAfterMs: number, repetitions: number, spread: boolean, workload?: ProgressWorkload): Promise<SimRow[]> {
  const clientsHere = workload === undefined ? CLIENTS.filter((who) => who !== 'ours-poll-plain') : PROGRESS_CLIENTS;
  const curves = seededRandom(11);
  const types = benchTypes();
  const operations = new SimulatedOperations();
  const clock = sinon.useFakeTimers({
    now: 1_767_225_600_000,
    // Timers and Date only: promises and nextTick stay real.
    toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date'],
  });
  // One client per server behaviour: what a client learns about its server is its own.
  const clients = new Map<SimClient, OperationsClient>(BEHAVIOURS.map(([who, behaviour]) =>
    [who, new OperationsClient({ transport: new SimulatedTransport(operations, behaviour), types: types.registry })]));
  clients.set('ours-poll', new OperationsClient({ transport: new SimulatedTransport(operations, 'hold'), types: types.registry }));
  clients.set('ours-poll-plain', new OperationsClient({ transport: new SimulatedTransport(operations, 'hold'), types: types.registry }));
  const gaxClient = simulatedGaxClient(operations);
  try {
    const start = Date.now();
    const waits: Array<{ who: SimClient; name: string; doneAt: number; detectedAt: number }> = [];
    const settled: Array<Promise<unknown>> = [];
    for (let rep = 0; rep < repetitions; rep++) {
      const doneAt = start + (spread ? Math.round((finishAfterMs * (rep + 0.5)) / repetitions) : finishAfterMs);
      // The same curve for every client of this repetition.
      const curve = workload === undefined ? undefined : progressCurve(workload, curves);
      for (const who of clientsHere) {
        const name = `operations/sim-${who}-${rep}`;
        operations.add(name, doneAt, curve);
        const initial = operations.state(name);
        const wait = { who, name, doneAt, detectedAt: Number.NaN };
        waits.push(wait);
        let promise: Promise<unknown>;
        if (who === 'gax') {
          promise = gaxOperation(toGaxOperation(initial), gaxClient,
            (bytes) => types.result.decode(bytes), (bytes) => types.progress.decode(bytes)).promise();
        } else {
          promise = clients.get(who)!.operation<JobResult, JobProgress>(initial, {
            responseType: RESULT_TYPE,
            metadataType: PROGRESS_TYPE,
            ...(who === 'ours-poll' ? { polling: { strategy: 'poll' as const } } : {}),
            // The plain schedule: a progress function that never knows.
            ...(who === 'ours-poll-plain' ? { polling: { strategy: 'poll' as const, progress: () => undefined } } : {}),
          }).promise();
        }
        settled.push(promise.then(() => {
          wait.detectedAt = Date.now();
        }, () => undefined));
      }
    }
    // Every schedule polls at least once a minute, so this is past every detection.
    await clock.tickAsync(finishAfterMs + 2 * POLLING_DEFAULTS.maxDelayMs + 1_000);
    return clientsHere.map((who) => {
      const mine = waits.filter((wait) => wait.who === who);
      const detected = mine.filter((wait) => Number.isFinite(wait.detectedAt));
      return {
        who,
        workload,
        finishAfterMs,
        spread,
        rpcs: summarize(detected.map((wait) => operations.rpcs(wait.name))),
        lag: summarize(detected.map((wait) => wait.detectedAt - wait.doneAt)),
        unfinished: mine.length - detected.length,
      };
    });
  } finally {
    for (const client of clients.values()) await client.close();
    clock.restore();
  }
}

/** Finishing times of the progress workloads are spread evenly over [0, this). */
const PROGRESS_SPREAD_MS = 120_000;

/** The progress-aware rows: each workload, ours (progress-aware and plain) and gax, with the goals of issue 14. */
function progressTable(rows: readonly SimRow[]): { table: Table; targets: TargetCheck[] } {
  const table: Table = {
    title: `Progress-aware polling (\`poll\` strategy), finishing times spread over 0-${finishLabel(PROGRESS_SPREAD_MS)}, simulated clock`,
    columns: ['progress', 'client', 'runs', 'RPCs mean', 'RPCs p95', 'lag median', 'lag p95', 'lag mean',
      'RPCs vs gax', 'lag mean vs gax', 'RPCs vs plain', 'lag mean vs plain'],
    rows: [],
    notes: [
      'Progress: the metadata\'s `percent` (bench.v1.JobProgress, detected by the SDK with no option), whole percents. ' +
        'linear: proportional to time, +-2 points of noise, a third of the operations stalling for 10-25% of their ' +
        'duration (running faster otherwise); stalled: stuck at 50% from halfway; jumping: 0, 25, 50, 75% in four steps; ' +
        'non-monotonic: two phases of 0-100%. "Plain": the same client with a `progress` function that never knows, ' +
        'i.e. the backoff schedule alone. RPC ratios are of means.',
    ],
  };
  const targets: TargetCheck[] = [];
  for (const workload of WORKLOADS) {
    const mine = rows.filter((row) => row.workload === workload);
    if (mine.length === 0) continue;
    const gax = mine.find((row) => row.who === 'gax')!;
    const plain = mine.find((row) => row.who === 'ours-poll-plain')!;
    const aware = mine.find((row) => row.who === 'ours-poll')!;
    for (const row of mine) {
      table.rows.push([
        workload, SIM_LABELS[row.who], String(row.rpcs.n), count(row.rpcs.mean), count(row.rpcs.p95),
        duration(row.lag.median), duration(row.lag.p95), duration(row.lag.mean),
        ratio(row.rpcs.mean / gax.rpcs.mean), ratio(row.lag.mean / gax.lag.mean),
        ratio(row.rpcs.mean / plain.rpcs.mean), ratio(row.lag.mean / plain.lag.mean),
      ]);
    }
    const rpcsVsGax = aware.rpcs.mean / gax.rpcs.mean;
    const lagVsGax = aware.lag.mean / gax.lag.mean;
    const rpcsVsPlain = aware.rpcs.mean / plain.rpcs.mean;
    const lagVsPlain = aware.lag.mean / plain.lag.mean;
    targets.push(workload === 'linear'
      ? {
        target: `Progress-aware polling, linear progress over 0-${finishLabel(PROGRESS_SPREAD_MS)} (simulated): RPCs and mean lag vs gax`,
        goal: '<= 0.5x gax RPCs and <= gax mean lag',
        measured: `RPCs ${count(aware.rpcs.mean)} vs ${count(gax.rpcs.mean)} (${ratio(rpcsVsGax)}), mean lag ${duration(aware.lag.mean)} vs ${duration(gax.lag.mean)} (${ratio(lagVsGax)})`,
        met: rpcsVsGax <= 0.5 && lagVsGax <= 1,
      }
      : {
        target: `Progress-aware polling, ${workload} progress (simulated): RPCs and mean lag vs the plain schedule`,
        goal: '<= 1.1x plain, both',
        measured: `RPCs ${ratio(rpcsVsPlain)}, mean lag ${ratio(lagVsPlain)}`,
        met: rpcsVsPlain <= 1.1 && lagVsPlain <= 1.1,
      });
  }
  return { table, targets };
}

/** The adaptive-slice goals of issue 14 at one long finishing time. */
function sliceTargets(rows: readonly SimRow[], finish: number): TargetCheck[] {
  const row = (who: SimClient) => rows.find((candidate) => candidate.who === who)!;
  const gax = row('gax');
  const hold = row('ours-auto');
  const cap = row('ours-auto-cap60');
  const immediate = row('ours-auto-immediate');
  const poll = row('ours-poll');
  const label = finishLabel(finish);
  const capBound = 1 + finish / SERVER_CAP_MS;
  const zeroLag = (r: SimRow) => r.lag.p95 === 0;
  // p95, not max: the one handle per client that sent the probing wait has one RPC more.
  const probeNote = (r: SimRow) => (r.rpcs.max > r.rpcs.p95 ? ` (max ${count(r.rpcs.max)}: the probing handle)` : '');
  return [
    {
      target: `Detection ${label} (simulated), ours auto, server holds waits as asked: RPCs vs gax`,
      goal: '<= 0.25x gax, lag p95 0',
      measured: `p95 ${count(hold.rpcs.p95)} vs ${count(gax.rpcs.median)} (${ratio(hold.rpcs.p95 / gax.rpcs.median)})${probeNote(hold)}, lag p95 ${duration(hold.lag.p95)}`,
      met: hold.rpcs.p95 <= 0.25 * gax.rpcs.median && zeroLag(hold),
    },
    {
      target: `Detection ${label} (simulated), ours auto, server caps waits at 60 s: RPCs`,
      goal: `<= 1 + T/60 s = ${count(capBound)}, lag p95 0`,
      measured: `p95 ${count(cap.rpcs.p95)} (${ratio(cap.rpcs.p95 / gax.rpcs.median)} gax)${probeNote(cap)}, lag p95 ${duration(cap.lag.p95)}`,
      met: cap.rpcs.p95 <= capBound && zeroLag(cap),
    },
    {
      target: `Detection ${label} (simulated), ours auto, server answers waits at once: RPCs vs poll`,
      goal: 'no more than `poll`',
      measured: `median ${count(immediate.rpcs.median)} vs ${count(poll.rpcs.median)}, p95 ${count(immediate.rpcs.p95)} vs ${count(poll.rpcs.p95)}`,
      met: immediate.rpcs.median <= poll.rpcs.median && immediate.rpcs.p95 <= poll.rpcs.p95,
    },
  ];
}

export async function runSimulated(context: SectionContext): Promise<SectionOutput> {
  const { finishAfterMs, spreadUpToMs, repetitions } = context.sizes.simulated;
  const rows: SimRow[] = [];
  for (const finish of finishAfterMs) {
    context.log(`simulated: ${finishLabel(finish)}, ${repetitions} operations per client`);
    rows.push(...await simulate(finish, repetitions, false));
  }
  for (const upTo of spreadUpToMs) {
    context.log(`simulated: spread over 0-${finishLabel(upTo)}, ${repetitions} operations per client`);
    rows.push(...await simulate(upTo, repetitions, true));
  }
  for (const workload of WORKLOADS) {
    context.log(`simulated: progress ${workload}, spread over 0-${finishLabel(PROGRESS_SPREAD_MS)}, ${repetitions} operations per client`);
    rows.push(...await simulate(PROGRESS_SPREAD_MS, repetitions, true, workload));
  }
  const table: Table = {
    title: 'Detection lag and RPCs per operation, simulated clock (zero network latency)',
    columns: ['finishes after', 'client', 'runs', 'RPCs median', 'RPCs p95', 'lag median', 'lag p95', 'lag mean',
      'RPCs vs gax', 'lag mean vs gax'],
    rows: [],
    notes: [
      'Lags are fake-clock time from completion to the promise settling; a real network adds its latency to every client ' +
        'alike. "Spread over 0-T": finishing times spread evenly over [0, T), one per operation, so lucky and unlucky ' +
        'finishing times weigh as they would in a real workload.',
    ],
  };
  const targets: TargetCheck[] = [];
  const groups = [...finishAfterMs.map((finish) => ({ finish, spread: false })), ...spreadUpToMs.map((finish) => ({ finish, spread: true }))];
  for (const { finish, spread } of groups) {
    const mine = rows.filter((row) => row.finishAfterMs === finish && row.spread === spread && row.workload === undefined);
    const gax = mine.find((row) => row.who === 'gax')!;
    const label = spread ? `spread over 0-${finishLabel(finish)}` : finishLabel(finish);
    for (const row of mine) {
      table.rows.push([
        label, SIM_LABELS[row.who], String(row.rpcs.n), count(row.rpcs.median), count(row.rpcs.p95),
        duration(row.lag.median), duration(row.lag.p95), duration(row.lag.mean),
        ratio(row.rpcs.median / gax.rpcs.median), isAuto(row.who) && row.lag.max === 0 ? '' : ratio(row.lag.mean / gax.lag.mean),
      ]);
    }
    if ((finish === 600_000 || finish === 3_600_000) && !spread) targets.push(...sliceTargets(mine, finish));
    if (finish === 60_000 && !spread) {
      const poll = mine.find((row) => row.who === 'ours-poll')!;
      const auto = mine.find((row) => row.who === 'ours-auto')!;
      targets.push({
        target: 'Detection 60 s (simulated), ours poll: RPCs vs gax',
        goal: '<= 65% of gax',
        measured: `${count(poll.rpcs.median)} vs ${count(gax.rpcs.median)} (${(100 * poll.rpcs.median / gax.rpcs.median).toFixed(0)}%)`,
        met: poll.rpcs.median <= 0.65 * gax.rpcs.median,
      });
      targets.push({
        target: 'Detection 60 s (simulated), ours poll: mean lag',
        goal: '<= 6 s',
        measured: duration(poll.lag.mean),
        met: poll.lag.mean <= 6_000,
      });
      const bound = 1 + finish / POLLING_DEFAULTS.waitSliceMs;
      targets.push({
        target: 'Detection 60 s (simulated), ours auto (WaitOperation): RPCs',
        goal: `<= 1 + T/first slice = ${count(bound)}`,
        measured: `max ${count(auto.rpcs.max)}`,
        met: auto.rpcs.max <= bound,
      });
    }
  }
  const progress = progressTable(rows);
  targets.push(...progress.targets);
  const unfinished = rows.reduce((sum, row) => sum + row.unfinished, 0);
  const checks: Check[] = [{
    description: 'every simulated operation was detected as done',
    passed: unfinished === 0,
    detail: `${unfinished} not detected`,
  }];
  return {
    title: '1b. Detection lag and RPC count (simulated clock)',
    method: 'Simulated clock (sinon fake timers), not real time: our real OperationsClient, handle and poll loop over a ' +
      'fake in-process transport, and gax\'s real LRO Operation with its default backoff over a fake operations ' +
      `client; RPCs answer instantly; jitter from Math.random as in production; ${context.sizes.simulated.repetitions} ` +
      'operations per client and finishing time.',
    tables: [table, progress.table],
    targets,
    checks,
    data: { rows },
  };
}
