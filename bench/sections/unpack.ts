/**
 * Any unpacking with tinybench: `TypeRegistry.unpack` (type URL checked, decoded into
 * the documented plain shape) against a bare protobufjs `Type.decode` of the same bytes
 * (a message instance, no type check, no conversion), and, for reference,
 * `Type.decode` + `Type.toObject` with the options that give the same plain shape.
 *
 * One tinybench sample is a batch of calls (the timer's own cost would otherwise
 * dominate a ~100 ns operation); tinybench's statistics are per call.
 */
import { Bench, type FnReturnedObject } from 'tinybench';
import type { Any } from '../../src/index.js';
import { benchTypes, largeProgress, PROGRESS_TYPE, smallProgress } from '../lib/payloads.js';
import { bytes, int, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';

const TO_OBJECT = { longs: String, enums: String, bytes: Uint8Array, defaults: true } as const;

interface UnpackRow {
  message: string;
  sizeBytes: number;
  batch: number;
  unpackNs: { median: number; mean: number; rme: number };
  decodeNs: { median: number; mean: number; rme: number };
  decodeToObjectNs: { median: number; mean: number; rme: number };
}

/** Keeps results alive so that the JIT cannot drop the work. */
let sink: unknown;

function batched(bench: Bench, batch: number, fn: () => unknown): () => FnReturnedObject {
  return () => {
    const start = bench.now();
    for (let i = 0; i < batch; i++) sink = fn();
    const elapsed = bench.now() - start;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
}

async function measure(any: Any, batch: number, timeMs: number, warmupMs: number) {
  const { registry, progress } = benchTypes();
  const bench = new Bench({ time: timeMs, warmupTime: warmupMs, throws: true });
  bench
    .add('unpack', batched(bench, batch, () => registry.unpack(any, PROGRESS_TYPE)))
    .add('decode', batched(bench, batch, () => progress.decode(any.value)))
    .add('decode+toObject', batched(bench, batch, () => progress.toObject(progress.decode(any.value), TO_OBJECT)));
  await bench.run();
  const ns = (name: string) => {
    const task = bench.getTask(name);
    const result = task?.result;
    if (!result || !('latency' in result)) throw new Error(`tinybench task ${name} has no result`);
    return { median: result.latency.p50 * 1e6, mean: result.latency.mean * 1e6, rme: result.latency.rme };
  };
  return { unpackNs: ns('unpack'), decodeNs: ns('decode'), decodeToObjectNs: ns('decode+toObject') };
}

export async function runUnpack(context: SectionContext): Promise<SectionOutput> {
  const { timeMs, warmupMs } = context.sizes.unpack;
  const { registry } = benchTypes();
  const small = smallProgress(42);
  const large = largeProgress();
  // The three must agree before they are timed.
  const checks: Check[] = [small, large].map((any) => {
    const unpacked = registry.unpack<{ shards: unknown[]; percent: number }>(any, PROGRESS_TYPE);
    const { progress } = benchTypes();
    const reference = progress.toObject(progress.decode(any.value), TO_OBJECT) as { shards: unknown[]; percent: number };
    const same = unpacked.percent === reference.percent && unpacked.shards.length === reference.shards.length;
    return { description: `unpack of ${any.value.byteLength} bytes matches protobufjs`, passed: same, detail: same ? 'same' : 'differs' };
  });
  const rows: UnpackRow[] = [];
  for (const [message, any, batch] of [['small metadata', small, 200], ['10 KB metadata', large, 5]] as const) {
    context.log(`unpack: ${message} (${any.value.byteLength} bytes)`);
    rows.push({ message, sizeBytes: any.value.byteLength, batch, ...await measure(any, batch, timeMs, warmupMs) });
  }
  const table: Table = {
    title: 'Any unpacking, ns per call (tinybench, median of samples)',
    columns: ['metadata', 'size', '`TypeRegistry.unpack` (ns)', '`Type.decode` (ns)', '`decode` + `toObject` (ns)', 'unpack vs decode', 'unpack vs decode+toObject'],
    rows: rows.map((row) => [
      row.message, bytes(row.sizeBytes), `${int(row.unpackNs.median)} ±${row.unpackNs.rme.toFixed(1)}%`,
      `${int(row.decodeNs.median)} ±${row.decodeNs.rme.toFixed(1)}%`, `${int(row.decodeToObjectNs.median)} ±${row.decodeToObjectNs.rme.toFixed(1)}%`,
      ratio(row.unpackNs.median / row.decodeNs.median), ratio(row.unpackNs.median / row.decodeToObjectNs.median),
    ]),
    notes: [
      '± is tinybench\'s relative margin of error of the mean. `Type.decode` returns a protobufjs message instance ' +
        '(64-bit integers as Long objects, enums as numbers); unpack and decode+toObject return the plain shape ' +
        '(decimal strings, enum names).',
    ],
  };
  const targets: TargetCheck[] = rows.map((row) => ({
    target: `Unpack ${row.message}: TypeRegistry.unpack vs Type.decode`,
    goal: '<= 1.25x',
    measured: `${int(row.unpackNs.median)} vs ${int(row.decodeNs.median)} ns (${ratio(row.unpackNs.median / row.decodeNs.median)})`,
    met: row.unpackNs.median <= 1.25 * row.decodeNs.median,
  }));
  if (sink === Symbol.for('never')) console.error('unreachable');
  return {
    title: '5. Any unpacking',
    method: `tinybench, ${timeMs} ms per task after ${warmupMs} ms of warm-up; one sample is a batch of calls on the same bytes.`,
    tables: [table],
    targets,
    checks,
    data: { rows },
  };
}
