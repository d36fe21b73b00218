/**
 * What OpenTelemetry costs a call (issue 13): the same sequential calls with no
 * `@opentelemetry/api` (as if not installed), with the API and no SDK registered (the
 * "costs nothing" path), and with an SDK recording into an in-memory exporter.
 * Interleaved rounds, reported as ratios to "no API".
 */
import { int, ratio, us, type Table } from '../lib/report.js';
import { summarize } from '../lib/stats.js';
import { collectGarbage } from '../lib/util.js';
import { useOpenTelemetryModule } from '../../src/telemetry/otel-api.js';

type Mode = 'no-api' | 'api-no-sdk' | 'sdk-in-memory';
const MODES: readonly Mode[] = ['no-api', 'api-no-sdk', 'sdk-in-memory'];
const LABELS: Readonly<Record<Mode, string>> = {
  'no-api': 'no @opentelemetry/api',
  'api-no-sdk': '@opentelemetry/api, no SDK registered',
  'sdk-in-memory': 'SDK (BasicTracerProvider, in-memory exporter)',
};

/** Median latency of `call` in each mode; a table with a note when the packages are not installed. */
export async function measureTelemetryCost(call: () => Promise<unknown>, perRound: number, rounds: number): Promise<Table> {
  const title = `OpenTelemetry cost: ${int(perRound * rounds)} sequential GetOperation calls per mode`;
  let otel;
  try {
    const [api, sdk] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/sdk-trace-base')]);
    otel = { api, sdk };
  } catch {
    // Without the packages only the first mode exists: measure it, so the row still says what a call costs.
    const samples: number[] = [];
    for (let i = 0; i < perRound * rounds; i++) {
      const start = performance.now();
      await call();
      samples.push(performance.now() - start);
    }
    const s = summarize(samples);
    return {
      title,
      columns: ['mode', 'median (µs)', 'mean (µs)'],
      rows: [[LABELS['no-api'], us(s.median), us(s.mean)]],
      notes: ['@opentelemetry/api or the SDK is not installed here: only the "no API" mode was measured.'],
    };
  }
  const { api, sdk } = otel;
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
  const enter = (mode: Mode) => {
    useOpenTelemetryModule(mode === 'no-api' ? null : api);
    if (mode === 'sdk-in-memory') api.trace.setGlobalTracerProvider(provider);
    else api.trace.disable();
  };
  const samples = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      collectGarbage();
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(round + k) % MODES.length];
        enter(mode);
        for (let i = 0; i < perRound; i++) {
          const start = performance.now();
          await call();
          samples.get(mode)!.push(performance.now() - start);
        }
        exporter.reset();
      }
    }
  } finally {
    api.trace.disable();
    useOpenTelemetryModule(api);
    await provider.shutdown();
  }
  const base = summarize(samples.get('no-api')!);
  return {
    title,
    columns: ['mode', 'median (µs)', 'mean (µs)', 'median vs no API', 'mean vs no API'],
    rows: MODES.map((mode) => {
      const s = summarize(samples.get(mode)!);
      return [LABELS[mode], us(s.median), us(s.mean), ratio(s.median / base.median), ratio(s.mean / base.mean)];
    }),
    notes: [`Modes interleaved in ${rounds} rounds (order rotated, GC before each round), one client, the same server.`],
  };
}
