/**
 * Detection lag and RPC count in real time: operations on the embedded server finish
 * a fixed time after the client starts waiting; we record when the client's promise
 * settles and how many RPCs the server received for that operation.
 *
 * All clients and repetitions run at once on one server, their starts spread evenly
 * over a short window so that polls do not arrive in bursts. Each client starts from
 * the Operation a long-running method would have returned (running, with metadata):
 * `client.operation(operation)` for ours, `gax.operation(operation, ...)` for gax.
 */
import { OperationsClient, type Operation } from '../../src/index.js';
import { POLLING_DEFAULTS } from '../../src/options/polling.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { closeGax, createGaxOperationsClient, gaxOperation, toGaxOperation, type GaxOperationsClient } from '../lib/gax.js';
import { benchTypes, jobResult, PROGRESS_TYPE, RESULT_TYPE, smallProgress, type JobProgress, type JobResult } from '../lib/payloads.js';
import { RawClient, SERIALIZERS } from '../lib/raw.js';
import { count, finishLabel, ms, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { median, summarize } from '../lib/stats.js';
import { countBy, sleep, withTimeout } from '../lib/util.js';

export type DetectionClient = 'ours-auto' | 'ours-poll' | 'gax';

export const CLIENT_LABELS: Readonly<Record<DetectionClient, string>> = {
  'ours-auto': 'ours, `auto` (WaitOperation)',
  'ours-poll': 'ours, `poll` (defaults)',
  gax: 'gax `Operation.promise()` (defaults)',
};

const CLIENTS: readonly DetectionClient[] = ['ours-auto', 'ours-poll', 'gax'];

/** The result rows of every operation: a check that the right response arrived. */
const RESULT_ROWS = 7;

interface Run {
  client: DetectionClient;
  finishAfterMs: number;
  name: string;
  lagMs: number;
  error?: string;
}

interface Env {
  server: InMemoryOperationsServer;
  client: OperationsClient;
  gaxClient: GaxOperationsClient;
}

/** Waits for one operation with one client; resolves with the lag after completion. */
async function waitOnce(env: Env, who: DetectionClient, finishAfterMs: number): Promise<Run> {
  const { server, client, gaxClient } = env;
  const types = benchTypes();
  const name = server.createOperation({ metadata: smallProgress(0) });
  const initial: Operation = server.get(name)!;
  let completedAt = Number.NaN;
  const timer = setTimeout(() => {
    completedAt = performance.now();
    server.complete(name, jobResult(RESULT_ROWS));
  }, finishAfterMs);
  // Far beyond any schedule's lag, so only a hang hits it.
  const limitMs = finishAfterMs + 120_000;
  try {
    let rows: unknown;
    if (who === 'gax') {
      const operation = gaxOperation(toGaxOperation(initial), gaxClient,
        (bytes) => types.result.decode(bytes), (bytes) => types.progress.decode(bytes));
      try {
        const [response] = await withTimeout(operation.promise(), limitMs, `gax wait for ${name}`);
        rows = (response as { rows?: unknown }).rows;
      } finally {
        operation.removeAllListeners(); // stops gax's loop if the wait timed out
      }
    } else {
      const handle = client.operation<JobResult, JobProgress>(initial, {
        responseType: RESULT_TYPE,
        metadataType: PROGRESS_TYPE,
        ...(who === 'ours-poll' ? { polling: { strategy: 'poll' as const } } : {}),
      });
      rows = (await handle.promise({ timeoutMs: limitMs })).rows;
    }
    const lagMs = performance.now() - completedAt;
    const run: Run = { client: who, finishAfterMs, name, lagMs };
    if (String(rows) !== String(RESULT_ROWS)) run.error = `wrong response: rows ${String(rows)}`;
    if (!(lagMs >= 0)) run.error = 'settled before the operation was done';
    return run;
  } catch (error) {
    return { client: who, finishAfterMs, name, lagMs: Number.NaN, error: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function runDetection(context: SectionContext): Promise<SectionOutput> {
  const { finishAfterMs, repetitions, staggerMs } = context.sizes.detection;
  const server = await InMemoryOperationsServer.start({ waitOperation: true });
  const client = new OperationsClient({ address: server.address, insecure: true, types: benchTypes().registry });
  const gaxClient = createGaxOperationsClient(server.address);
  const raw = new RawClient(server.address);
  const env: Env = { server, client, gaxClient };
  try {
    // Warm-up: channels connected and code paths compiled before anything is measured.
    const warm = server.createOperation({ done: true, response: jobResult(RESULT_ROWS) });
    for (let i = 0; i < 20; i++) {
      await client.getOperation({ name: warm });
      await gaxClient.getOperation({ name: warm });
    }
    await Promise.all(CLIENTS.map((who) => waitOnce(env, who, 30)));

    // The limit: a long-poll answered at completion costs one response on the wire.
    const roundTrips: number[] = [];
    for (let i = 0; i < 250; i++) {
      const start = performance.now();
      await raw.unary(SERIALIZERS.codec.getOperation, { name: warm });
      if (i >= 50) roundTrips.push(performance.now() - start);
    }
    const roundTripMs = median(roundTrips);
    server.clearCalls();

    const jobs: Array<{ who: DetectionClient; finishAfterMs: number }> = [];
    for (const finish of finishAfterMs) {
      for (let rep = 0; rep < repetitions; rep++) for (const who of CLIENTS) jobs.push({ who, finishAfterMs: finish });
    }
    context.log(`detection: ${jobs.length} operations at once, finishing after ${finishAfterMs.map(finishLabel).join(' and ')}`);
    const runs = await Promise.all(jobs.map(async (job, i) => {
      await sleep((i * staggerMs) / jobs.length);
      return waitOnce(env, job.who, job.finishAfterMs);
    }));
    const rpcsByName = countBy(server.calls, (call) => call.name);
    return report(runs, rpcsByName, roundTripMs, finishAfterMs, repetitions);
  } finally {
    raw.close();
    await closeGax(gaxClient);
    await client.close();
    await server.stop();
  }
}

interface Row {
  who: DetectionClient;
  finishAfterMs: number;
  rpcs: ReturnType<typeof summarize>;
  lag: ReturnType<typeof summarize>;
}

function report(
  runs: Run[], rpcsByName: Map<string, number>, roundTripMs: number, finishAfterMs: number[], repetitions: number,
): SectionOutput {
  const sliceMs = POLLING_DEFAULTS.waitSliceMs;
  const rows: Row[] = [];
  const table: Table = {
    title: 'Detection lag and RPCs per operation, real time',
    columns: ['finishes after', 'client', 'runs', 'RPCs median', 'RPCs p95', 'lag median (ms)', 'lag p95 (ms)',
      'lag mean (ms)', 'RPCs vs gax', 'lag median vs gax'],
    rows: [],
    notes: [
      `Lag: from the server marking the operation done to the client's promise settling. ` +
        `Limit: one long-poll answered at completion, 1 RPC and a one-way trip (half the median raw grpc-js ` +
        `round trip on this loopback, ${ms(roundTripMs)} ms).`,
    ],
  };
  const targets: TargetCheck[] = [];
  for (const finish of finishAfterMs) {
    const byClient = new Map<DetectionClient, Row>();
    for (const who of CLIENTS) {
      const mine = runs.filter((run) => run.client === who && run.finishAfterMs === finish && run.error === undefined);
      const row: Row = {
        who,
        finishAfterMs: finish,
        rpcs: summarize(mine.map((run) => rpcsByName.get(run.name) ?? 0)),
        lag: summarize(mine.map((run) => run.lagMs)),
      };
      byClient.set(who, row);
      rows.push(row);
    }
    const gax = byClient.get('gax')!;
    for (const who of CLIENTS) {
      const row = byClient.get(who)!;
      table.rows.push([
        finishLabel(finish), CLIENT_LABELS[who], String(row.rpcs.n), count(row.rpcs.median), count(row.rpcs.p95),
        ms(row.lag.median), ms(row.lag.p95), ms(row.lag.mean),
        who === 'gax' ? '1.00x' : ratio(row.rpcs.median / gax.rpcs.median),
        who === 'gax' ? '1.00x' : ratio(row.lag.median / gax.lag.median),
      ]);
    }
    table.rows.push([finishLabel(finish), 'limit', '', '1', '1', ms(roundTripMs / 2), ms(roundTripMs / 2), ms(roundTripMs / 2),
      ratio(1 / gax.rpcs.median), '']);

    const auto = byClient.get('ours-auto')!;
    const label = finishLabel(finish);
    targets.push({
      target: `Detection ${label}, ours auto (WaitOperation): lag p95`,
      goal: '<= 20 ms',
      measured: `${ms(auto.lag.p95)} ms`,
      met: auto.lag.p95 <= 20,
    });
    const bound = 1 + finish / sliceMs;
    targets.push({
      target: `Detection ${label}, ours auto (WaitOperation): RPCs`,
      goal: `<= 1 + T/slice = ${count(bound)}`,
      measured: `max ${count(auto.rpcs.max)}`,
      met: auto.rpcs.max <= bound,
    });
    if (finish === 1_000 || finish === 10_000) {
      const poll = byClient.get('ours-poll')!;
      targets.push({
        target: `Detection ${label}, ours poll: RPCs vs gax`,
        goal: 'fewer than gax',
        measured: `${count(poll.rpcs.median)} vs ${count(gax.rpcs.median)} (${ratio(poll.rpcs.median / gax.rpcs.median)})`,
        met: poll.rpcs.median < gax.rpcs.median,
      });
      targets.push({
        target: `Detection ${label}, ours poll: lag vs gax`,
        goal: 'no more than gax (median and p95)',
        measured: `median ${ms(poll.lag.median)} vs ${ms(gax.lag.median)} ms, p95 ${ms(poll.lag.p95)} vs ${ms(gax.lag.p95)} ms`,
        met: poll.lag.median <= gax.lag.median && poll.lag.p95 <= gax.lag.p95,
      });
    }
  }
  const failures = runs.filter((run) => run.error !== undefined);
  const checks: Check[] = [{
    description: 'every operation was detected as done, with its response',
    passed: failures.length === 0,
    detail: failures.length === 0 ? `${runs.length} of ${runs.length}` :
      failures.slice(0, 3).map((run) => `${run.client} ${run.name}: ${run.error}`).join('; '),
  }];
  return {
    title: '1. Detection lag and RPC count (real time)',
    method: `Operations on one embedded server finish ${finishAfterMs.map(finishLabel).join(' and ')} after the client ` +
      `starts waiting; ${repetitions} operations per client and finishing time, all clients at once (starts spread ` +
      `over a short window). Every client starts from the running Operation a long-running method returns. ` +
      `RPCs: calls the server received for that operation.`,
    tables: [table],
    targets,
    checks,
    data: { roundTripMs, waitSliceMs: sliceMs, rows, runs },
  };
}
