/**
 * Fleet: thousands of concurrent operations on one client, finishing at random times.
 * The server lives in this (parent) process; each client runs in a child process of
 * its own (bench/fleet-child.ts), so its memory, CPU time and event-loop delay are its
 * own. Finishing times come from a seeded generator: every client faces the same ones.
 * The server has a gRPC and an HTTP/JSON front-end on the same operations; each client
 * uses one of them and is compared with gax over the same transport.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { seededRandom } from '../../test/helpers/random.js';
import { HTTP_FLEET_VARIANTS, type ChildMessage, type FleetChildConfig, type FleetChildResult, type FleetVariant, type ParentMessage } from '../lib/fleet-protocol.js';
import { REPO_ROOT } from '../lib/machine.js';
import { benchTypes, jobResult, smallProgress } from '../lib/payloads.js';
import { bytes, int, ms, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { median, summarize, type Summary } from '../lib/stats.js';
import { withTimeout } from '../lib/util.js';

const LABELS: Readonly<Record<FleetVariant, string>> = {
  'ours-auto': 'ours, `auto` (WaitOperation)',
  'ours-poll': 'ours, `poll` (defaults)',
  gax: 'gax `Operation.promise()` (defaults)',
  'ours-auto-http': 'ours, `auto` (WaitOperation bound to POST :wait)',
  'ours-poll-http': 'ours, `poll` (defaults)',
  'gax-rest': 'gax REST fallback `Operation.promise()` (defaults, gaxios)',
};

/** The gax row each client is compared with: gax over the same transport. */
function gaxOf(variant: FleetVariant): FleetVariant {
  return HTTP_FLEET_VARIANTS.has(variant) ? 'gax-rest' : 'gax';
}

function transportOf(variant: FleetVariant): string {
  return HTTP_FLEET_VARIANTS.has(variant) ? 'HTTP/JSON' : 'gRPC';
}

/**
 * Sockets open in this (the server's) process now: the connections its clients hold,
 * plus its two listening sockets. Over HTTP/1.1 each request in flight needs a
 * connection of its own, so this is the client's concurrency as the server sees it.
 */
function openSockets(): number {
  let sockets = 0;
  for (const resource of process.getActiveResourcesInfo()) if (resource === 'TCPSocketWrap' || resource === 'TCPServerWrap') sockets++;
  return sockets;
}


interface FleetRun {
  variant: FleetVariant;
  child: FleetChildResult;
  rpcs: number;
  serverCpuMs: number;
  /** The most sockets open in the server's process, sampled every 100 ms. */
  peakSockets: number;
  lag: Summary;
}

class ChildChannel {
  readonly #child: ChildProcess;
  readonly #messages: ChildMessage[] = [];
  readonly #waiting: Array<(message: ChildMessage) => void> = [];
  readonly exited: Promise<number | null>;

  constructor(config: FleetChildConfig) {
    // BENCH_CPU_PROF_DIR=<dir>: each child writes a V8 CPU profile there (see docs/performance.md).
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
    // BENCH_CHILD_FLAGS="--trace-gc ...": more Node flags for each child.
    const extraFlags = process.env.BENCH_CHILD_FLAGS ? process.env.BENCH_CHILD_FLAGS.split(' ') : [];
    this.#child = spawn(process.execPath, [...profile, ...extraFlags, '--import', 'tsx', '--expose-gc', path.join(REPO_ROOT, 'bench', 'fleet-child.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', BENCH_FLEET: JSON.stringify(config) },
      // The child's output goes to our stderr: stdout carries the tables only.
      stdio: ['ignore', 2, 2, 'ipc'],
      serialization: 'advanced',
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.on('message', (message) => {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message as ChildMessage);
      else this.#messages.push(message as ChildMessage);
    });
    void this.exited.then((code) => {
      for (const waiter of this.#waiting.splice(0)) waiter({ type: 'error', message: `child exited with code ${code}` });
    });
  }

  next(): Promise<ChildMessage> {
    const queued = this.#messages.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#child.exitCode !== null) return Promise.resolve({ type: 'error', message: `child exited with code ${this.#child.exitCode}` });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  send(message: ParentMessage): void {
    this.#child.send(message);
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

interface Prepared {
  variant: FleetVariant;
  server: InMemoryOperationsServer;
  child: ChildChannel;
}

/** A server and a child with its client, warmed up and idle until `measure`. */
async function prepare(variant: FleetVariant, limitMs: number, liveSampleAtMs: number): Promise<Prepared> {
  // One server for both transports: the HTTP front-end renders Anys as JSON, so it needs the types.
  const server = await InMemoryOperationsServer.start({ waitOperation: true, http: true, types: benchTypes().registry });
  const child = new ChildChannel({
    address: server.address,
    httpUrl: server.httpUrl!,
    variant,
    warmName: server.createOperation({ done: true, response: jobResult(1) }),
    limitMs,
    liveSampleAtMs,
  });
  return { variant, server, child };
}

async function measure(prepared: Prepared, operations: number, windowMs: number, limitMs: number, log: (m: string) => void): Promise<FleetRun> {
  const { variant, server, child } = prepared;
  const timers: NodeJS.Timeout[] = [];
  let peakSockets = openSockets();
  const socketSampler = setInterval(() => {
    peakSockets = Math.max(peakSockets, openSockets());
  }, 100);
  try {
    const ready = await withTimeout(child.next(), 60_000, `${variant} fleet child start`);
    if (ready.type !== 'ready') throw new Error(`fleet child (${variant}): ${ready.type === 'error' ? ready.message : ready.type}`);

    const random = seededRandom(20_260_101);
    const names: string[] = [];
    const finishAt: number[] = [];
    const completedAt = new Array<number>(operations).fill(Number.NaN);
    for (let i = 0; i < operations; i++) {
      names.push(server.createOperation({ metadata: smallProgress(0) }));
      finishAt.push(random() * windowMs);
    }
    const response = jobResult(7);
    server.clearCalls();
    const cpuStart = process.cpuUsage();
    log(`fleet: ${variant}, ${int(operations)} operations finishing within ${windowMs / 1000} s`);
    names.forEach((name, i) => {
      timers.push(setTimeout(() => {
        completedAt[i] = Date.now();
        server.complete(name, response);
      }, finishAt[i]));
    });
    child.send({ type: 'start', names });
    const message = await withTimeout(child.next(), limitMs + 30_000, `${variant} fleet result`);
    if (message.type !== 'result') throw new Error(`fleet child (${variant}): ${message.type === 'error' ? message.message : message.type}`);
    const serverCpu = process.cpuUsage(cpuStart);
    const result = message.result;
    const lags = result.settledAt.map((at, i) => at - completedAt[i]).filter((lag) => Number.isFinite(lag));
    const run: FleetRun = {
      variant,
      child: result,
      rpcs: server.calls.length,
      serverCpuMs: (serverCpu.user + serverCpu.system) / 1000,
      peakSockets,
      lag: summarize(lags),
    };
    await withTimeout(child.exited, 30_000, `${variant} fleet child exit`);
    return run;
  } finally {
    clearInterval(socketSampler);
    for (const timer of timers) clearTimeout(timer);
  }
}

/** One number of a run, as the table shows it. */
type Metric = (run: FleetRun) => number;

const METRICS = {
  rpcs: (run) => run.rpcs,
  rssPerOp: (run) => (run.child.peak.rss - run.child.baseline.rss) / run.child.operations,
  heapPerOp: (run) => (run.child.peak.heapUsed - run.child.baseline.heapUsed) / run.child.operations,
  livePerOp: (run) => (run.child.live.heapUsed - run.child.baseline.heapUsed) / Math.max(1, run.child.live.pending),
  loopP99: (run) => run.child.loopDelayMs.p99,
  loopMax: (run) => run.child.loopDelayMs.max,
  clientCpuMs: (run) => run.child.cpuUserMs + run.child.cpuSystemMs - run.child.forcedGcCpuMs,
  serverCpuMs: (run) => run.serverCpuMs,
  peakSockets: (run) => run.peakSockets,
  lagMedian: (run) => run.lag.median,
  lagP95: (run) => run.lag.p95,
} satisfies Record<string, Metric>;

type MetricName = keyof typeof METRICS;

export async function runFleet(context: SectionContext): Promise<SectionOutput> {
  const { operations, windowMs } = context.sizes.fleet;
  // For experiments (docs/performance.md): BENCH_FLEET_VARIANTS=ours-poll,gax BENCH_FLEET_PASSES=1.
  const variants = (process.env.BENCH_FLEET_VARIANTS?.split(',') as FleetVariant[] | undefined) ?? context.sizes.fleet.variants;
  const passes = Number(process.env.BENCH_FLEET_PASSES ?? context.sizes.fleet.passes);
  for (const variant of variants) if (!(variant in LABELS)) throw new Error(`BENCH_FLEET_VARIANTS: unknown client ${variant}`);
  if (!Number.isInteger(passes) || passes < 1 || passes > 10) throw new Error(`BENCH_FLEET_PASSES: ${passes}, expected 1 to 10`);
  const limitMs = windowMs + 120_000;
  const liveSampleAtMs = windowMs / 10;
  const runs: FleetRun[] = [];
  for (let pass = 0; pass < passes; pass++) {
    // Children start (load modules, connect, warm up) together, then idle until their
    // turn: the measurements themselves run one at a time, in a rotated order.
    const order = variants.map((_, i) => variants[(i + pass) % variants.length]);
    const prepared: Prepared[] = [];
    if (passes > 1) context.log(`fleet: pass ${pass + 1} of ${passes}`);
    try {
      for (const variant of order) prepared.push(await prepare(variant, limitMs, liveSampleAtMs));
      for (const each of prepared) runs.push(await measure(each, operations, windowMs, limitMs, context.log));
    } finally {
      for (const { child, server } of prepared) {
        child.kill();
        await server.stop();
      }
    }
  }

  /** The median over passes of one metric of one client. */
  const value = (variant: FleetVariant, metric: MetricName) =>
    median(runs.filter((run) => run.variant === variant).map(METRICS[metric]));
  const hasGax = (variant: FleetVariant) => variants.includes(gaxOf(variant));
  const vsGax = (variant: FleetVariant, metric: MetricName) =>
    (hasGax(variant) ? ratio(value(variant, metric) / value(gaxOf(variant), metric)) : 'n/a');
  const table: Table = {
    title: `Fleet: ${int(operations)} concurrent operations on one client, finishing within ${windowMs / 1000} s` +
      (passes > 1 ? ` (median of ${passes} passes)` : ''),
    columns: ['transport', 'client', 'resolved', 'RPCs', 'RPCs per op', 'peak RSS per op', 'peak heap per op', 'live heap per op',
      'loop delay p99 (ms)', 'loop delay max (ms)', 'client CPU (ms)', 'server CPU (ms)', 'peak sockets', 'lag median (ms)',
      'lag p95 (ms)', 'peak RSS per op vs gax', 'client CPU vs gax', 'RPCs vs gax'],
    rows: variants.map((variant) => {
      const mine = runs.filter((run) => run.variant === variant);
      const resolved = mine.reduce((sum, run) => sum + run.child.resolved, 0);
      return [
        transportOf(variant),
        LABELS[variant],
        `${int(resolved)} / ${int(operations * mine.length)}`,
        int(value(variant, 'rpcs')),
        (value(variant, 'rpcs') / operations).toFixed(2),
        bytes(value(variant, 'rssPerOp')),
        bytes(value(variant, 'heapPerOp')),
        bytes(value(variant, 'livePerOp')),
        ms(value(variant, 'loopP99')),
        ms(value(variant, 'loopMax')),
        int(value(variant, 'clientCpuMs')),
        int(value(variant, 'serverCpuMs')),
        int(value(variant, 'peakSockets')),
        ms(value(variant, 'lagMedian')),
        ms(value(variant, 'lagP95')),
        vsGax(variant, 'rssPerOp'),
        vsGax(variant, 'clientCpuMs'),
        vsGax(variant, 'rpcs'),
      ];
    }),
    notes: [
      'Peak per op: (peak during the run - baseline after warm-up and GC) / operations, sampled every 50 ms in the ' +
        `client's own process; it includes garbage not yet collected. Live heap per op: heap after a forced GC ` +
        `${liveSampleAtMs / 1000} s in, divided by the operations still pending then (that GC is kept out of the loop ` +
        'delay and the CPU). Lag: server completion to promise settled (Date.now(), 1 ms resolution, across two ' +
        'processes). Limit: 1 RPC per operation (one long-poll answered at completion). "vs gax": to gax over the same ' +
        'transport (gRPC rows to gax\'s gRPC client, HTTP/JSON rows to its REST fallback). Peak sockets: TCP sockets open in ' +
        'the server\'s process (sampled every 100 ms; its 2 listening sockets included): over HTTP/1.1 one per request in flight.',
    ],
  };
  const tables = [table];
  if (passes > 1) {
    const range = (variant: FleetVariant, metric: MetricName, format: (n: number) => string) => {
      const values = runs.filter((run) => run.variant === variant).map(METRICS[metric]);
      return `${format(Math.min(...values))} - ${format(Math.max(...values))}`;
    };
    tables.push({
      title: `Fleet: spread across the ${passes} passes (min - max)`,
      columns: ['transport', 'client', 'RPCs', 'peak RSS per op', 'live heap per op', 'loop delay p99 (ms)', 'client CPU (ms)', 'lag p95 (ms)'],
      rows: variants.map((variant) => [
        transportOf(variant), LABELS[variant], range(variant, 'rpcs', int), range(variant, 'rssPerOp', bytes), range(variant, 'livePerOp', bytes),
        range(variant, 'loopP99', ms), range(variant, 'clientCpuMs', int), range(variant, 'lagP95', ms),
      ]),
      notes: ['A client that saturates its one thread fires its timers late, which changes the RPC count as well: under ' +
        'load every number here moves together.'],
    });
  }
  const targets: TargetCheck[] = [];
  for (const variant of variants.filter(isOurs)) {
    const strategy = variant.startsWith('ours-auto') ? 'ours auto' : 'ours poll';
    const label = HTTP_FLEET_VARIANTS.has(variant) ? `${strategy}, HTTP/JSON` : strategy;
    if (hasGax(variant)) {
      const ours = value(variant, 'rssPerOp');
      const gax = value(gaxOf(variant), 'rssPerOp');
      targets.push({
        target: `Fleet, ${label}: peak RSS per op vs gax${HTTP_FLEET_VARIANTS.has(variant) ? ' REST fallback' : ''}`,
        goal: '<= 1/2 of gax',
        measured: `${bytes(ours)} vs ${bytes(gax)} (${(ours / gax).toFixed(2)}x)`,
        met: ours <= gax / 2,
      });
    }
    targets.push({
      target: `Fleet, ${label}: event-loop delay p99`,
      goal: '<= 50 ms',
      measured: `${ms(value(variant, 'loopP99'))} ms`,
      met: value(variant, 'loopP99') <= 50,
    });
  }
  // Ours must resolve every operation: the run fails otherwise. A peer's failures are a
  // finding about the peer (gax's REST fallback does not retry a connection reset, and a
  // 10,000-connection burst gets some), reported under the table.
  const resolvedAll = (run: FleetRun) => run.child.resolved === run.child.operations;
  const outcome = (run: FleetRun) =>
    `${run.child.resolved} of ${run.child.operations} resolved${run.child.firstError ? `; first error: ${run.child.firstError}` : ''}`;
  const checks: Check[] = runs.filter((run) => isOurs(run.variant)).map((run) => ({
    description: `fleet (${run.variant}): every operation resolves`,
    passed: resolvedAll(run),
    detail: outcome(run),
  }));
  for (const run of runs.filter((r) => !isOurs(r.variant) && !resolvedAll(r))) {
    table.notes!.push(`${LABELS[run.variant]}, one pass: ${outcome(run)}.`);
  }
  return {
    title: '2. Fleet',
    method: `${int(operations)} operations finish at uniformly random times within ${windowMs / 1000} s (same seeded times ` +
      'for every client) on an embedded server in the parent process; each client waits on all of them with one ' +
      'client, in a child process of its own, starting from the running Operation. The server has a gRPC and an ' +
      'HTTP/JSON front-end; HTTP/JSON clients use Node\'s global fetch (ours) or gaxios (gax\'s REST fallback), with ' +
      'their default connection pools, and our `auto` client is given an `httpRules` binding for WaitOperation ' +
      '(`POST /v1/{name=operations/**}:wait`, body `*`).',
    tables,
    targets,
    checks,
    data: {
      passes: runs.map((run) => ({ ...run, child: { ...run.child, settledAt: undefined } })),
    },
  };
}

/** Whether a variant is one of our clients (not a peer's). */
function isOurs(variant: FleetVariant): boolean {
  return variant.startsWith('ours-');
}
