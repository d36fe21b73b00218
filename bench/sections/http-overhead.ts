/**
 * Call overhead over HTTP/JSON: sequential GetOperation calls to the embedded server's
 * HTTP front-end through our client (`baseUrl`), google-gax's REST fallback client and
 * a bare `fetch` loop with the SDK's JSON codec (the limit), then many calls at once
 * for throughput and CPU per call. Rows for our transport alone and `retry: false`
 * split our cost by layer; a gax row on the global fetch instead of gaxios splits gax's.
 */
import { OperationsClient } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { HttpOperationsTransport } from '../../src/transport/http-transport.js';
import { measureConcurrent, measureSequential } from '../lib/calls.js';
import { closeGaxRest, createGaxRestOperationsClient } from '../lib/gax.js';
import { benchTypes, smallProgress } from '../lib/payloads.js';
import { RawHttpClient } from '../lib/raw-http.js';
import { int, ratio, us, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { summarize, type Summary } from '../lib/stats.js';

type HttpCallVariant = 'ours' | 'ours-no-retry' | 'ours-transport' | 'gax' | 'gax-fetch' | 'raw-codec' | 'raw-codec-deadline' | 'raw-bare';

const LABELS: Readonly<Record<HttpCallVariant, string>> = {
  ours: 'ours `getOperation` over HTTP (defaults)',
  'ours-no-retry': 'ours `getOperation`, `retry: false`',
  'ours-transport': 'ours, transport only (`HttpOperationsTransport`)',
  gax: 'gax REST fallback `getOperation` (gaxios, as shipped)',
  'gax-fetch': 'gax REST fallback, auth.fetch = global fetch',
  'raw-codec': 'raw fetch loop, SDK JSON codec (limit)',
  'raw-codec-deadline': 'raw fetch loop, SDK JSON codec, 60 s deadline signal',
  'raw-bare': 'raw fetch loop, JSON.parse only',
};

const VARIANTS: readonly HttpCallVariant[] = ['ours', 'ours-no-retry', 'ours-transport', 'gax', 'gax-fetch', 'raw-codec', 'raw-codec-deadline', 'raw-bare'];

export async function runHttpOverhead(context: SectionContext): Promise<SectionOutput> {
  const { calls, rounds, warmupCalls, concurrentCalls, inFlight } = context.sizes['http-overhead'];
  const { registry, root } = benchTypes();
  const server = await InMemoryOperationsServer.start({ http: true, types: registry });
  const baseUrl = server.httpUrl!;
  const client = new OperationsClient({ baseUrl, insecure: true, types: registry });
  const transport = new HttpOperationsTransport({ baseUrl, insecure: true, types: registry });
  const gaxClient = createGaxRestOperationsClient(baseUrl, { types: root.toJSON() });
  const gaxFetchClient = createGaxRestOperationsClient(baseUrl, { types: root.toJSON(), fetch: 'fetch' });
  const raw = new RawHttpClient(baseUrl, registry);
  try {
    const name = server.createOperation({ metadata: smallProgress(42) });
    const call: Record<HttpCallVariant, () => Promise<unknown>> = {
      ours: () => client.getOperation({ name }),
      'ours-no-retry': () => client.getOperation({ name }, { retry: false }),
      // The deadline the client would compute (its 60 s default).
      'ours-transport': () => transport.getOperation({ name }, { deadline: Date.now() + 60_000 }),
      gax: () => gaxClient.getOperation({ name }),
      'gax-fetch': () => gaxFetchClient.getOperation({ name }),
      'raw-codec': () => raw.getOperation(name, 'codec'),
      'raw-codec-deadline': () => raw.getOperation(name, 'codec', 60_000),
      'raw-bare': () => raw.getOperation(name, 'bare'),
    };
    context.log(`http-overhead: ${int(Math.ceil(calls / rounds) * rounds)} sequential calls per client, in ${rounds} rounds`);
    const { latencies, cpuUsPerCall, perRound } = await measureSequential(VARIANTS, call, { calls, rounds, warmupCalls });
    context.log(`http-overhead: ${int(concurrentCalls)} calls per client, ${inFlight} in flight`);
    const concurrent = await measureConcurrent(VARIANTS, call, concurrentCalls, inFlight);

    const stats = new Map<HttpCallVariant, Summary>(VARIANTS.map((v) => [v, summarize(latencies.get(v)!)]));
    const limit = stats.get('raw-codec')!;
    const gax = stats.get('gax')!;
    const table: Table = {
      title: `HTTP/JSON call overhead: ${int(perRound * rounds)} sequential GetOperation calls per client`,
      columns: ['client', 'median (µs)', 'p95 (µs)', 'median vs raw fetch (SDK codec)', 'median vs gax', 'CPU per call (µs)',
        'CPU vs raw fetch (SDK codec)', 'CPU vs gax'],
      rows: VARIANTS.map((variant) => {
        const s = stats.get(variant)!;
        const cpu = cpuUsPerCall.get(variant)!;
        return [LABELS[variant], us(s.median), us(s.p95), ratio(s.median / limit.median), ratio(s.median / gax.median), int(cpu),
          ratio(cpu / cpuUsPerCall.get('raw-codec')!), ratio(cpu / cpuUsPerCall.get('gax')!)];
      }),
      notes: [`Calls interleaved in ${rounds} rounds (order rotated, GC before each round); the server answers from memory, ` +
        'over HTTP/1.1 keep-alive on 127.0.0.1. CPU: process.cpuUsage() over each batch of sequential calls, divided by the ' +
        'calls; this process also runs the server (the same work for every client).'],
    };
    const concurrentLimit = concurrent.get('raw-codec')!;
    const concurrentGax = concurrent.get('gax')!;
    const concurrentTable: Table = {
      title: `HTTP/JSON concurrent calls: ${int(concurrentCalls)} GetOperation calls per client, ${inFlight} in flight`,
      columns: ['client', 'calls/s', 'CPU per call (µs)', 'CPU per call vs raw fetch (SDK codec)', 'CPU per call vs gax'],
      rows: VARIANTS.map((variant) => {
        const b = concurrent.get(variant)!;
        return [LABELS[variant], int(b.callsPerSecond), int(b.cpuUsPerCall), ratio(b.cpuUsPerCall / concurrentLimit.cpuUsPerCall),
          ratio(b.cpuUsPerCall / concurrentGax.cpuUsPerCall)];
      }),
      notes: ['Best of 2 rounds. CPU: process.cpuUsage() of this process, which also runs the server (the same work for every client).'],
    };

    const ours = stats.get('ours')!;
    const oursCpu = cpuUsPerCall.get('ours')!;
    const limitCpu = cpuUsPerCall.get('raw-codec')!;
    const targets: TargetCheck[] = [
      {
        target: 'HTTP call overhead: ours getOperation median vs raw fetch loop (SDK codec)',
        goal: '<= 1.15x',
        measured: `${us(ours.median)} vs ${us(limit.median)} µs (${ratio(ours.median / limit.median)})`,
        met: ours.median <= 1.15 * limit.median,
      },
      {
        target: 'HTTP call overhead: ours getOperation CPU per call vs raw fetch loop (SDK codec)',
        goal: '<= 1.15x',
        measured: `${int(oursCpu)} vs ${int(limitCpu)} µs (${ratio(oursCpu / limitCpu)})`,
        met: oursCpu <= 1.15 * limitCpu,
      },
      {
        target: 'HTTP call overhead: ours getOperation median vs gax REST fallback',
        goal: '<= 1x',
        measured: `${us(ours.median)} vs ${us(gax.median)} µs (${ratio(ours.median / gax.median)})`,
        met: ours.median <= gax.median,
      },
    ];
    const checks: Check[] = [{
      description: 'http-overhead: every call measured',
      passed: VARIANTS.every((v) => latencies.get(v)!.length === perRound * rounds),
      detail: `${perRound * rounds} calls per client`,
    }];
    return {
      title: '7. HTTP/JSON call overhead',
      method: 'Sequential GetOperation calls of a running operation (small metadata) to the embedded server\'s HTTP/JSON ' +
        'front-end (default bindings), one at a time, each timed with performance.now(); every client uses its own ' +
        'keep-alive connections. gax: `gax.fallback.lro({ fallback: true, protocol: \'http\', httpRules, protoJson })` ' +
        'with a static-token OAuth2Client (test/helpers/gax-rest.ts).',
      tables: [table, concurrentTable],
      targets,
      checks,
      data: { stats: Object.fromEntries(stats), cpuUsPerCall: Object.fromEntries(cpuUsPerCall), concurrent: Object.fromEntries(concurrent) },
    };
  } finally {
    await closeGaxRest(gaxFetchClient);
    await closeGaxRest(gaxClient);
    await transport.close();
    await client.close();
    await server.stop();
  }
}
