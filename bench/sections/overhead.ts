/**
 * Call overhead: the latency of sequential GetOperation calls through each client, to
 * the same server, against a raw grpc-js unary call (the limit). Two more rows split
 * our overhead by layer: the transport alone (GrpcOperationsTransport, one attempt)
 * and the client without its retry wrapper (`retry: false`).
 *
 * Latency one call at a time hides CPU cost behind the round trip; a second part runs
 * many calls at once and reports throughput and CPU time per call (the server shares
 * the process, so its share, the same for every client, is included).
 */
import { GrpcOperationsTransport, OperationsClient } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { measureConcurrent, measureSequential } from '../lib/calls.js';
import { closeGax, createGaxOperationsClient } from '../lib/gax.js';
import { smallProgress } from '../lib/payloads.js';
import { RawClient, SERIALIZERS } from '../lib/raw.js';
import { int, ratio, us, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { summarize, type Summary } from '../lib/stats.js';
import { measureTelemetryCost } from './telemetry-cost.js';

type CallVariant = 'ours' | 'ours-no-retry' | 'ours-transport' | 'gax' | 'raw-codec' | 'raw-codec-deadline' | 'raw-bare';

const LABELS: Readonly<Record<CallVariant, string>> = {
  ours: 'ours `getOperation` (defaults)',
  'ours-no-retry': 'ours `getOperation`, `retry: false`',
  'ours-transport': 'ours, transport only (`GrpcOperationsTransport`)',
  gax: 'gax `getOperation`',
  'raw-codec': 'raw grpc-js unary, SDK codec (limit)',
  'raw-codec-deadline': 'raw grpc-js unary, SDK codec, 60 s deadline',
  'raw-bare': 'raw grpc-js unary, bare protobufjs',
};

const VARIANTS: readonly CallVariant[] = ['ours', 'ours-no-retry', 'ours-transport', 'gax', 'raw-codec', 'raw-codec-deadline', 'raw-bare'];

export async function runOverhead(context: SectionContext): Promise<SectionOutput> {
  const { calls, rounds, warmupCalls } = context.sizes.overhead;
  const server = await InMemoryOperationsServer.start({ waitOperation: true });
  const client = new OperationsClient({ address: server.address, insecure: true });
  const transport = new GrpcOperationsTransport({ address: server.address, insecure: true });
  const gaxClient = createGaxOperationsClient(server.address);
  const raw = new RawClient(server.address);
  try {
    const name = server.createOperation({ metadata: smallProgress(42) });
    const call: Record<CallVariant, () => Promise<unknown>> = {
      ours: () => client.getOperation({ name }),
      'ours-no-retry': () => client.getOperation({ name }, { retry: false }),
      // The deadline the client would compute (its 60 s default).
      'ours-transport': () => transport.getOperation({ name }, { deadline: Date.now() + 60_000 }),
      gax: () => gaxClient.getOperation({ name }),
      'raw-codec': () => raw.unary(SERIALIZERS.codec.getOperation, { name }),
      'raw-codec-deadline': () => raw.unary(SERIALIZERS.codec.getOperation, { name }, 60_000),
      'raw-bare': () => raw.unary(SERIALIZERS.bare.getOperation, { name }),
    };
    context.log(`overhead: ${int(Math.ceil(calls / rounds) * rounds)} sequential calls per client, in ${rounds} rounds`);
    const { latencies, perRound } = await measureSequential(VARIANTS, call, { calls, rounds, warmupCalls });

    const { concurrentCalls, inFlight } = context.sizes.overhead;
    context.log(`overhead: ${int(concurrentCalls)} calls per client, ${inFlight} in flight`);
    const concurrent = await measureConcurrent(VARIANTS, call, concurrentCalls, inFlight);
    const best = (variant: CallVariant) => concurrent.get(variant)!;
    const concurrentLimit = best('raw-codec');
    const concurrentTable: Table = {
      title: `Concurrent calls: ${int(concurrentCalls)} GetOperation calls per client, ${inFlight} in flight`,
      columns: ['client', 'calls/s', 'CPU per call (µs)', 'CPU per call vs raw (SDK codec)'],
      rows: VARIANTS.map((variant) => {
        const b = best(variant);
        return [LABELS[variant], int(b.callsPerSecond), int(b.cpuUsPerCall), ratio(b.cpuUsPerCall / concurrentLimit.cpuUsPerCall)];
      }),
      notes: ['Best of 2 rounds. CPU: process.cpuUsage() of this process, which also runs the server (the same work for every client).'],
    };

    const stats = new Map<CallVariant, Summary>(VARIANTS.map((v) => [v, summarize(latencies.get(v)!)]));
    const limit = stats.get('raw-codec')!;
    const bare = stats.get('raw-bare')!;
    const table: Table = {
      title: `Call overhead: ${int(perRound * rounds)} sequential GetOperation calls per client`,
      columns: ['client', 'median (µs)', 'p95 (µs)', 'mean (µs)', 'median vs raw (SDK codec)', 'median vs raw (bare)'],
      rows: VARIANTS.map((variant) => {
        const s = stats.get(variant)!;
        return [LABELS[variant], us(s.median), us(s.p95), us(s.mean), ratio(s.median / limit.median), ratio(s.median / bare.median)];
      }),
      notes: [`Calls interleaved in ${rounds} rounds (order rotated, GC before each round); the server answers from memory.`],
    };
    context.log('overhead: OpenTelemetry modes (no API, API without SDK, SDK)');
    const telemetryTable = await measureTelemetryCost(call.ours, perRound, rounds);
    const ours = stats.get('ours')!;
    const targets: TargetCheck[] = [{
      target: 'Call overhead: ours getOperation median vs raw grpc-js unary',
      goal: '<= 1.15x',
      measured: `${us(ours.median)} vs ${us(limit.median)} µs (${ratio(ours.median / limit.median)})`,
      met: ours.median <= 1.15 * limit.median,
    }];
    const checks: Check[] = [{
      description: 'overhead: every call measured',
      passed: VARIANTS.every((v) => latencies.get(v)!.length === perRound * rounds),
      detail: `${perRound * rounds} calls per client`,
    }];
    return {
      title: '4. Call overhead',
      method: 'Sequential GetOperation calls of a running operation (small metadata), one at a time, each timed with ' +
        'performance.now(); every client has its own channel to the same embedded server.',
      tables: [table, concurrentTable, telemetryTable],
      targets,
      checks,
      data: { stats: Object.fromEntries(stats), concurrent: Object.fromEntries(concurrent) },
    };
  } finally {
    raw.close();
    await closeGax(gaxClient);
    await transport.close();
    await client.close();
    await server.stop();
  }
}
