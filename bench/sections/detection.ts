/**
 * Detection lag and RPC count in real time: operations on the embedded server finish
 * a fixed time after the client starts waiting; we record when the client's promise
 * settles and how many RPCs the server received for that operation.
 *
 * One server serves both fronts, gRPC and HTTP/JSON; the clients of one transport run at
 * once (gRPC, then HTTP/JSON), starts spread evenly over a short window so that polls do
 * not arrive in bursts. Each
 * client starts from the Operation a long-running method would have returned (running,
 * with metadata): `client.operation(operation)` for ours, `gax.operation(operation, ...)`
 * for gax (over gRPC, and over HTTP/JSON through its REST fallback client).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OperationsClient, type Operation } from '../../src/index.js';
import { POLLING_DEFAULTS } from '../../src/options/polling.js';
import { InMemoryOperationsServer, type ServerTransport } from '../../src/testing.js';
import {
  closeGax, closeGaxRest, createGaxOperationsClient, createGaxRestOperationsClient, gaxOperation, toGaxOperation,
  type GaxOperationsClient, type GaxRestOperationsClient,
} from '../lib/gax.js';
import { EMBEDDED_WAIT_RULES } from '../lib/http-rules.js';
import { benchTypes, jobResult, PROGRESS_TYPE, RESULT_TYPE, smallProgress, type JobProgress, type JobResult } from '../lib/payloads.js';
import { RawClient, SERIALIZERS } from '../lib/raw.js';
import { RawHttpClient } from '../lib/raw-http.js';
import { count, finishLabel, ms, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { median, summarize } from '../lib/stats.js';
import { countBy, sleep, withTimeout } from '../lib/util.js';

/**
 * The clients measured. `ours-auto-no-wait` is `auto` over HTTP/JSON without a
 * WaitOperation binding (it polls GetOperation); over gRPC the server has the RPC.
 */
export type DetectionClient = 'ours-auto' | 'ours-auto-no-wait' | 'ours-poll' | 'gax';

/** The labels of the gRPC rows (the simulated section reuses them). */
export const CLIENT_LABELS: Readonly<Record<DetectionClient, string>> = {
  'ours-auto': 'ours, `auto` (WaitOperation)',
  'ours-auto-no-wait': 'ours, `auto` (no WaitOperation)',
  'ours-poll': 'ours, `poll` (defaults)',
  gax: 'gax `Operation.promise()` (defaults)',
};

const HTTP_LABELS: Readonly<Record<DetectionClient, string>> = {
  'ours-auto': 'ours, `auto`, WaitOperation bound (`httpRules`)',
  'ours-auto-no-wait': 'ours, `auto`, no WaitOperation binding (polls)',
  'ours-poll': 'ours, `poll` (defaults)',
  gax: 'gax REST fallback `Operation.promise()` (defaults)',
};

const TRANSPORT_LABELS: Readonly<Record<ServerTransport, string>> = { grpc: 'gRPC', http: 'HTTP/JSON' };

/** Which clients run on which transport, in table order. */
const CLIENTS: Readonly<Record<ServerTransport, readonly DetectionClient[]>> = {
  grpc: ['ours-auto', 'ours-poll', 'gax'],
  http: ['ours-auto', 'ours-auto-no-wait', 'ours-poll', 'gax'],
};

const TRANSPORTS: readonly ServerTransport[] = ['grpc', 'http'];

/** Every (transport, client) pair, in table order. */
const CONTENDERS: ReadonlyArray<{ transport: ServerTransport; who: DetectionClient }> =
  TRANSPORTS.flatMap((transport) => CLIENTS[transport].map((who) => ({ transport, who })));


/** The result rows of every operation: a check that the right response arrived. */
const RESULT_ROWS = 7;

interface Run {
  transport: ServerTransport;
  client: DetectionClient;
  finishAfterMs: number;
  name: string;
  lagMs: number;
  error?: string;
}

interface Env {
  server: InMemoryOperationsServer;
  /** gRPC. */
  client: OperationsClient;
  gaxClient: GaxOperationsClient;
  /** HTTP/JSON with the WaitOperation binding. */
  httpWaitClient: OperationsClient;
  /** HTTP/JSON with the default bindings only (no WaitOperation). */
  httpClient: OperationsClient;
  gaxRestClient: GaxRestOperationsClient;
}

/** Our client for a (transport, client) pair. */
function oursFor(env: Env, transport: ServerTransport, who: DetectionClient): OperationsClient {
  if (transport === 'grpc') return env.client;
  return who === 'ours-auto' ? env.httpWaitClient : env.httpClient;
}

/** Waits for one operation with one client; resolves with the lag after completion. */
async function waitOnce(env: Env, transport: ServerTransport, who: DetectionClient, finishAfterMs: number): Promise<Run> {
  const { server } = env;
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
      const operation = gaxOperation(toGaxOperation(initial), transport === 'grpc' ? env.gaxClient : env.gaxRestClient,
        (bytes) => types.result.decode(bytes), (bytes) => types.progress.decode(bytes));
      try {
        const [response] = await withTimeout(operation.promise(), limitMs, `gax (${transport}) wait for ${name}`);
        rows = (response as { rows?: unknown }).rows;
      } finally {
        operation.removeAllListeners(); // stops gax's loop if the wait timed out
      }
    } else {
      const handle = oursFor(env, transport, who).operation<JobResult, JobProgress>(initial, {
        responseType: RESULT_TYPE,
        metadataType: PROGRESS_TYPE,
        ...(who === 'ours-poll' ? { polling: { strategy: 'poll' as const } } : {}),
      });
      rows = (await handle.promise({ timeoutMs: limitMs })).rows;
    }
    const lagMs = performance.now() - completedAt;
    const run: Run = { transport, client: who, finishAfterMs, name, lagMs };
    // gax decodes int64 as a Long, ours as a string: both print as the number.
    if (String(rows) !== String(RESULT_ROWS)) run.error = `wrong response: rows ${String(rows)}`;
    if (!(lagMs >= 0)) run.error = 'settled before the operation was done';
    return run;
  } catch (error) {
    return { transport, client: who, finishAfterMs, name, lagMs: Number.NaN, error: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Median round trip of `call` after `warm` unmeasured ones. */
async function roundTrip(call: () => Promise<unknown>, calls: number, warm: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    if (i >= warm) samples.push(performance.now() - start);
  }
  return median(samples);
}

/** The event-loop delay while one transport's operations ran. */
interface EventLoopDelay { p99Ms: number; maxMs: number }

export async function runDetection(context: SectionContext): Promise<SectionOutput> {
  const { finishAfterMs, repetitions, staggerMs } = context.sizes.detection;
  const { registry, root } = benchTypes();
  const server = await InMemoryOperationsServer.start({ waitOperation: true, http: true, types: registry });
  const baseUrl = server.httpUrl!;
  const env: Env = {
    server,
    client: new OperationsClient({ address: server.address, insecure: true, types: registry }),
    gaxClient: createGaxOperationsClient(server.address),
    httpWaitClient: new OperationsClient({ baseUrl, insecure: true, types: registry, httpRules: EMBEDDED_WAIT_RULES }),
    httpClient: new OperationsClient({ baseUrl, insecure: true, types: registry }),
    gaxRestClient: createGaxRestOperationsClient(baseUrl, { types: root.toJSON() }),
  };
  const raw = new RawClient(server.address);
  const rawHttp = new RawHttpClient(baseUrl, registry);
  try {
    // Warm-up: channels and sockets connected, code paths compiled, and each of our
    // clients' view of WaitOperation settled before anything is measured.
    const warm = server.createOperation({ done: true, response: jobResult(RESULT_ROWS) });
    for (let i = 0; i < 20; i++) {
      await env.client.getOperation({ name: warm });
      await env.gaxClient.getOperation({ name: warm });
      await env.httpWaitClient.getOperation({ name: warm });
      await env.httpClient.getOperation({ name: warm });
      await env.gaxRestClient.getOperation({ name: warm });
    }
    await Promise.all(CONTENDERS.map(({ transport, who }) => waitOnce(env, transport, who, 30)));

    // The limit: a long-poll answered at completion costs one response on the wire.
    const roundTripMs = await roundTrip(() => raw.unary(SERIALIZERS.codec.getOperation, { name: warm }), 250, 50);
    const httpRoundTripMs = await roundTrip(() => rawHttp.getOperation(warm, 'bare'), 250, 50);
    server.clearCalls();

    // One transport at a time, every client of it at once: together, the HTTP/JSON
    // clients' costlier calls (gaxios above all) stalled the shared event loop enough to
    // shift the gRPC clients' schedules (a full run measured 28 ms lag p95 for a 1 ms
    // long-poll). The server and its call log are the same for both phases.
    const runs: Run[] = [];
    const eventLoop = {} as Record<ServerTransport, EventLoopDelay>;
    for (const transport of TRANSPORTS) {
      const jobs: Array<{ transport: ServerTransport; who: DetectionClient; finishAfterMs: number }> = [];
      for (const finish of finishAfterMs) {
        for (let rep = 0; rep < repetitions; rep++) for (const who of CLIENTS[transport]) jobs.push({ transport, who, finishAfterMs: finish });
      }
      context.log(`detection: ${jobs.length} operations at once over ${TRANSPORT_LABELS[transport]}, finishing after ` +
        `${finishAfterMs.map(finishLabel).join(' and ')}`);
      // Every client of the phase and the server share this event loop: a stall (other
      // processes taking the CPUs) delays every poll after it, and shifts fixed schedules
      // past a finishing time or not. Recorded so that a reader can tell such a run from a quiet one.
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      runs.push(...await Promise.all(jobs.map(async (job, i) => {
        await sleep((i * staggerMs) / jobs.length);
        return waitOnce(env, job.transport, job.who, job.finishAfterMs);
      })));
      loopDelay.disable();
      // The histogram is in nanoseconds and includes the 10 ms resolution.
      eventLoop[transport] = { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
    }
    return report(runs, server, { grpc: roundTripMs, http: httpRoundTripMs }, eventLoop, finishAfterMs, repetitions);
  } finally {
    raw.close();
    await closeGaxRest(env.gaxRestClient);
    await closeGax(env.gaxClient);
    await env.httpClient.close();
    await env.httpWaitClient.close();
    await env.client.close();
    await server.stop();
  }
}

interface Row {
  transport: ServerTransport;
  who: DetectionClient;
  finishAfterMs: number;
  rpcs: ReturnType<typeof summarize>;
  lag: ReturnType<typeof summarize>;
}

/**
 * The call log counts both fronts: each run's calls must all have come in on its own
 * transport, and the methods must be the client's (WaitOperation only where it long-polls).
 */
function callLogChecks(runs: readonly Run[], server: InMemoryOperationsServer): Check[] {
  const byName = new Map<string, Array<{ method: string; transport: ServerTransport }>>();
  for (const call of server.calls) {
    let list = byName.get(call.name);
    if (list === undefined) byName.set(call.name, list = []);
    list.push(call);
  }
  const wrongTransport: string[] = [];
  const wrongMethod: string[] = [];
  for (const run of runs) {
    const calls = byName.get(run.name) ?? [];
    const other = calls.find((call) => call.transport !== run.transport);
    if (calls.length === 0 || other !== undefined) {
      wrongTransport.push(`${run.transport} ${run.client} ${run.name}: ${calls.length} calls${other ? `, one over ${other.transport}` : ''}`);
    }
    // `auto` long-polls on both transports here (over HTTP/JSON, the client given the binding).
    const longPolls = run.client === 'ours-auto';
    const methodsOk = longPolls
      ? calls.some((call) => call.method === 'WaitOperation') && calls.every((call) => call.method === 'WaitOperation' || call.method === 'GetOperation')
      : calls.every((call) => call.method === 'GetOperation');
    if (!methodsOk) wrongMethod.push(`${run.transport} ${run.client} ${run.name}: ${calls.map((call) => call.method).join(', ')}`);
  }
  const counts = countBy(server.calls, (call) => call.transport);
  return [
    {
      description: 'the call log holds every operation\'s RPCs, each on the transport its client used',
      passed: wrongTransport.length === 0,
      detail: wrongTransport.length === 0 ? `gRPC ${counts.get('grpc') ?? 0} calls, HTTP/JSON ${counts.get('http') ?? 0} calls`
        : wrongTransport.slice(0, 3).join('; '),
    },
    {
      description: 'only the long-polling clients sent WaitOperation; the others only GetOperation',
      passed: wrongMethod.length === 0,
      detail: wrongMethod.length === 0 ? `${runs.length} operations` : wrongMethod.slice(0, 3).join('; '),
    },
  ];
}

function report(
  runs: Run[], server: InMemoryOperationsServer, roundTripMs: Readonly<Record<ServerTransport, number>>,
  eventLoop: Readonly<Record<ServerTransport, EventLoopDelay>>, finishAfterMs: number[], repetitions: number,
): SectionOutput {
  const rpcsByName = countBy(server.calls, (call) => call.name);
  const sliceMs = POLLING_DEFAULTS.waitSliceMs;
  const rows: Row[] = [];
  const table: Table = {
    title: 'Detection lag and RPCs per operation, real time',
    columns: ['finishes after', 'transport', 'client', 'runs', 'RPCs median', 'RPCs p95', 'lag median (ms)', 'lag p95 (ms)',
      'lag mean (ms)', 'RPCs vs gax', 'lag median vs gax'],
    rows: [],
    notes: [
      `Lag: from the server marking the operation done to the client's promise settling. ` +
        `Limit: one long-poll answered at completion, 1 RPC and a one-way trip (half the median raw round trip on this ` +
        `loopback: grpc-js ${ms(roundTripMs.grpc)} ms, fetch ${ms(roundTripMs.http)} ms).`,
      'Ratios are to gax on the same transport: gRPC rows to gax over gRPC, HTTP/JSON rows to gax\'s REST fallback.',
      `Event-loop delay of the process (the server and the clients of one transport) while the operations ran: ` +
        TRANSPORTS.map((transport) => `${TRANSPORT_LABELS[transport]} p99 ${ms(eventLoop[transport].p99Ms)} ms, max ${ms(eventLoop[transport].maxMs)} ms`).join('; ') +
        ' (10 ms resolution). A stall delays every poll after it; fixed schedules then ' +
        'poll past a finishing time or not, which moves their RPC count and lag by a whole poll interval.',
    ],
  };
  const targets: TargetCheck[] = [];
  for (const finish of finishAfterMs) {
    const label = finishLabel(finish);
    for (const transport of TRANSPORTS) {
      const byClient = new Map<DetectionClient, Row>();
      for (const who of CLIENTS[transport]) {
        const mine = runs.filter((run) => run.transport === transport && run.client === who && run.finishAfterMs === finish &&
          run.error === undefined);
        const row: Row = {
          transport,
          who,
          finishAfterMs: finish,
          rpcs: summarize(mine.map((run) => rpcsByName.get(run.name) ?? 0)),
          lag: summarize(mine.map((run) => run.lagMs)),
        };
        byClient.set(who, row);
        rows.push(row);
      }
      const gax = byClient.get('gax')!;
      const labels = transport === 'grpc' ? CLIENT_LABELS : HTTP_LABELS;
      for (const who of CLIENTS[transport]) {
        const row = byClient.get(who)!;
        table.rows.push([
          label, TRANSPORT_LABELS[transport], labels[who], String(row.rpcs.n), count(row.rpcs.median), count(row.rpcs.p95),
          ms(row.lag.median), ms(row.lag.p95), ms(row.lag.mean),
          who === 'gax' ? '1.00x' : ratio(row.rpcs.median / gax.rpcs.median),
          who === 'gax' ? '1.00x' : ratio(row.lag.median / gax.lag.median),
        ]);
      }
      const oneWay = ms(roundTripMs[transport] / 2);
      table.rows.push([label, TRANSPORT_LABELS[transport], 'limit', '', '1', '1', oneWay, oneWay, oneWay, ratio(1 / gax.rpcs.median), '']);
      targets.push(...detectionTargets(transport, byClient, finish, sliceMs));
    }
  }
  const failures = runs.filter((run) => run.error !== undefined);
  const checks: Check[] = [
    {
      description: 'every operation was detected as done, with its response',
      passed: failures.length === 0,
      detail: failures.length === 0 ? `${runs.length} of ${runs.length}` :
        failures.slice(0, 3).map((run) => `${run.transport} ${run.client} ${run.name}: ${run.error}`).join('; '),
    },
    ...callLogChecks(runs, server),
  ];
  return {
    title: '1. Detection lag and RPC count (real time)',
    method: `Operations on one embedded server finish ${finishAfterMs.map(finishLabel).join(' and ')} after the client ` +
      `starts waiting; ${repetitions} operations per client and finishing time, all clients of one transport at once ` +
      `(starts spread over a short window), gRPC first, then HTTP/JSON. Every client starts from the running Operation a long-running method returns. ` +
      'The server serves gRPC and HTTP/JSON at once; over HTTP/JSON our `auto` runs twice, once given the server\'s ' +
      'WaitOperation binding through `httpRules` (`POST /v1/{name=operations/**}:wait`, body `*`) and once with the ' +
      'default bindings only (no WaitOperation: it polls GetOperation), and gax runs its REST fallback client ' +
      '(`fallback: true`, gaxios) with the same defaults as over gRPC. ' +
      'RPCs: calls the server received for that operation, on either front.',
    tables: [table],
    targets,
    checks,
    data: { roundTripMs: roundTripMs.grpc, httpRoundTripMs: roundTripMs.http, waitSliceMs: sliceMs, eventLoop, rows, runs },
  };
}

/** The targets of one transport at one finishing time; HTTP/JSON's compare with gax's REST fallback. */
function detectionTargets(
  transport: ServerTransport, byClient: ReadonlyMap<DetectionClient, Row>, finish: number, sliceMs: number,
): TargetCheck[] {
  const label = finishLabel(finish);
  const over = transport === 'grpc' ? '' : ' over HTTP/JSON';
  const auto = transport === 'grpc' ? 'ours auto (WaitOperation)' : 'ours auto (WaitOperation bound)';
  const gaxName = transport === 'grpc' ? 'gax' : 'gax REST';
  const autoRow = byClient.get('ours-auto')!;
  const targets: TargetCheck[] = [];
  targets.push({
    target: `Detection ${label}${over}, ${auto}: lag p95`,
    goal: '<= 20 ms',
    measured: `${ms(autoRow.lag.p95)} ms`,
    met: autoRow.lag.p95 <= 20,
  });
  const bound = 1 + finish / sliceMs;
  targets.push({
    target: `Detection ${label}${over}, ${auto}: RPCs`,
    goal: `<= 1 + T/slice = ${count(bound)}`,
    measured: `max ${count(autoRow.rpcs.max)}`,
    met: autoRow.rpcs.max <= bound,
  });
  if (finish === 1_000 || finish === 10_000) {
    const poll = byClient.get('ours-poll')!;
    const gax = byClient.get('gax')!;
    targets.push({
      target: `Detection ${label}${over}, ours poll: RPCs vs ${gaxName}`,
      goal: `fewer than ${gaxName}`,
      measured: `${count(poll.rpcs.median)} vs ${count(gax.rpcs.median)} (${ratio(poll.rpcs.median / gax.rpcs.median)})`,
      met: poll.rpcs.median < gax.rpcs.median,
    });
    targets.push({
      target: `Detection ${label}${over}, ours poll: lag vs ${gaxName}`,
      goal: `no more than ${gaxName} (median and p95)`,
      measured: `median ${ms(poll.lag.median)} vs ${ms(gax.lag.median)} ms, p95 ${ms(poll.lag.p95)} vs ${ms(gax.lag.p95)} ms`,
      met: poll.lag.median <= gax.lag.median && poll.lag.p95 <= gax.lag.p95,
    });
  }
  return targets;
}
