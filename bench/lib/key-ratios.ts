/**
 * The key ratios of a benchmark run: a few numbers, each ours relative to gax or to a
 * raw loop on the same machine in the same run, so that two runs (two commits, two
 * machines) can be compared without comparing absolute times. `npm run bench` writes
 * them to the JSON result as `keyRatios`; `npm run bench:compare` reads them.
 *
 * They are derived from the sections' raw `data`, not from their tables, so a result
 * file written before `keyRatios` existed yields them too.
 */
import type { SectionResult } from './report.js';

/** One key ratio and which way is better. */
export interface KeyRatio {
  value: number;
  /** `lower`: e.g. RPCs or latency relative to gax; `higher`: e.g. throughput relative to a raw loop. */
  better: 'lower' | 'higher';
  /** What it is, for the comparison table. */
  what: string;
}

/** Key ratios by stable name (`simulated.auto.rpcsVsGax.1h`, `list.oursVsRaw`, ...). */
export type KeyRatios = Record<string, KeyRatio>;

interface SummaryLike { median: number; mean: number }
interface SimRowLike { who: string; workload?: string; finishAfterMs: number; spread: boolean; rpcs: SummaryLike }

/** Finishing times (simulated) whose RPCs vs gax are key ratios, with the suffix of their names. */
const SIMULATED_FINISHES: ReadonlyArray<[number, string]> = [[1_000, '1s'], [10_000, '10s'], [60_000, '60s'], [3_600_000, '1h']];

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined;
}

/** A finite number at `path` inside `data`, or undefined. */
function numberAt(data: unknown, ...path: string[]): number | undefined {
  let node: unknown = data;
  for (const key of path) node = record(node)?.[key];
  return typeof node === 'number' && Number.isFinite(node) ? node : undefined;
}

function add(into: KeyRatios, name: string, numerator: number | undefined, denominator: number | undefined, better: KeyRatio['better'], what: string): void {
  if (numerator === undefined || denominator === undefined || denominator === 0) return;
  const value = numerator / denominator;
  if (Number.isFinite(value)) into[name] = { value, better, what };
}

function simulatedRatios(into: KeyRatios, data: unknown): void {
  const rows = record(data)?.rows;
  if (!Array.isArray(rows)) return;
  const find = (who: string, finish: number, spread: boolean, workload?: string) => (rows as SimRowLike[]).find((row) =>
    row.who === who && row.finishAfterMs === finish && row.spread === spread && row.workload === workload)?.rpcs;
  for (const [finish, suffix] of SIMULATED_FINISHES) {
    const gax = find('gax', finish, false)?.median;
    add(into, `simulated.auto.rpcsVsGax.${suffix}`, find('ours-auto', finish, false)?.median, gax, 'lower',
      `simulated ${suffix}: RPCs median, ours auto vs gax`);
    add(into, `simulated.poll.rpcsVsGax.${suffix}`, find('ours-poll', finish, false)?.median, gax, 'lower',
      `simulated ${suffix}: RPCs median, ours poll vs gax`);
  }
  // Progress-aware polling, linear progress (finishing times spread; means, as in its table).
  const linear = (who: string) => (rows as SimRowLike[]).find((row) => row.who === who && row.workload === 'linear')?.rpcs.mean;
  add(into, 'simulated.progress.linear.rpcsVsGax', linear('ours-poll'), linear('gax'), 'lower',
    'simulated, linear progress: RPCs mean, ours poll vs gax');
}

/** The key ratios of a run's sections; sections not run, or numbers missing, give none. */
export function keyRatiosOf(sections: ReadonlyArray<Pick<SectionResult, 'name' | 'data'>>): KeyRatios {
  const ratios: KeyRatios = {};
  for (const { name, data } of sections) {
    switch (name) {
      case 'simulated':
        simulatedRatios(ratios, data);
        break;
      case 'list':
        add(ratios, 'list.oursVsRaw', numberAt(data, 'itemsPerSecond', 'ours'), numberAt(data, 'itemsPerSecond', 'raw-codec'), 'higher',
          'ListOperations items/s, ours vs raw grpc-js (SDK codec)');
        add(ratios, 'list.oursVsGax', numberAt(data, 'itemsPerSecond', 'ours'), numberAt(data, 'itemsPerSecond', 'gax'), 'higher',
          'ListOperations items/s, ours vs gax');
        break;
      case 'overhead':
        add(ratios, 'call.oursVsRaw', numberAt(data, 'stats', 'ours', 'median'), numberAt(data, 'stats', 'raw-codec', 'median'), 'lower',
          'GetOperation median latency, ours vs raw grpc-js (SDK codec)');
        add(ratios, 'call.oursVsGax', numberAt(data, 'stats', 'ours', 'median'), numberAt(data, 'stats', 'gax', 'median'), 'lower',
          'GetOperation median latency, ours vs gax');
        add(ratios, 'call.concurrent.cpuVsRaw', numberAt(data, 'concurrent', 'ours', 'cpuUsPerCall'),
          numberAt(data, 'concurrent', 'raw-codec', 'cpuUsPerCall'), 'lower', 'GetOperation CPU per call (concurrent), ours vs raw grpc-js');
        break;
      case 'http-list':
        add(ratios, 'http.list.oursVsRawFetch', numberAt(data, 'itemsPerSecond', 'ours'), numberAt(data, 'itemsPerSecond', 'raw-codec'), 'higher',
          'HTTP ListOperations items/s, ours vs raw fetch (SDK codec)');
        add(ratios, 'http.list.oursVsGax', numberAt(data, 'itemsPerSecond', 'ours'), numberAt(data, 'itemsPerSecond', 'gax'), 'higher',
          'HTTP ListOperations items/s, ours vs gax REST fallback');
        break;
      case 'http-overhead':
        add(ratios, 'http.call.oursVsRawFetch', numberAt(data, 'stats', 'ours', 'median'), numberAt(data, 'stats', 'raw-codec', 'median'), 'lower',
          'HTTP GetOperation median latency, ours vs raw fetch (SDK codec)');
        add(ratios, 'http.call.cpuVsRawFetch', numberAt(data, 'cpuUsPerCall', 'ours'), numberAt(data, 'cpuUsPerCall', 'raw-codec'), 'lower',
          'HTTP GetOperation CPU per call, ours vs raw fetch (SDK codec)');
        add(ratios, 'http.call.oursVsGax', numberAt(data, 'stats', 'ours', 'median'), numberAt(data, 'stats', 'gax', 'median'), 'lower',
          'HTTP GetOperation median latency, ours vs gax REST fallback');
        break;
      default:
        break;
    }
  }
  return ratios;
}
