/**
 * `npm run bench`: longrunning-client against google-gax on the embedded Operations
 * server (loopback only). Prints markdown tables on stdout, progress on stderr, and
 * writes every number to a JSON file in bench/results/.
 *
 *   npm run bench                  full run (docs/performance.md)
 *   npm run bench -- --quick       about 90 s
 *   npm run bench -- --smoke       a few seconds; checks that everything runs
 *   npm run bench -- --only list,unpack
 *   npm run bench -- --out /tmp/result.json
 *   npm run bench:compare -- OLD.json NEW.json   key ratios of two results (bench/compare.ts)
 *
 * Exit status 1 when a correctness check fails (never for a missed performance target).
 */
import type { SectionName } from './lib/args.js';
import type { BenchResult, SectionResult } from './lib/report.js';
import type { SectionRunner } from './lib/section.js';

process.env.METADATA_SERVER_DETECTION = 'none';

// Type imports are erased; everything else loads after the line above, so no module
// sees another setting.
const { installLoopbackGuard } = await import('../test/helpers/loopback-guard.js');
installLoopbackGuard();

const { mkdirSync, renameSync, writeFileSync } = await import('node:fs');
const path = (await import('node:path')).default;
const os = (await import('node:os')).default;
const { parseArgs, SIZES, USAGE } = await import('./lib/args.js');
const { machineInfo, REPO_ROOT } = await import('./lib/machine.js');
const { machineTable, renderSection, renderTable, targetsTable } = await import('./lib/report.js');
const { keyRatiosOf } = await import('./lib/key-ratios.js');

/** Each benchmark, loaded only when it runs. */
const SECTIONS: Record<SectionName, () => Promise<SectionRunner>> = {
  detection: async () => (await import('./sections/detection.js')).runDetection,
  simulated: async () => (await import('./sections/simulated.js')).runSimulated,
  fleet: async () => (await import('./sections/fleet.js')).runFleet,
  subscribers: async () => (await import('./sections/subscribers.js')).runSubscribers,
  list: async () => (await import('./sections/list.js')).runList,
  overhead: async () => (await import('./sections/overhead.js')).runOverhead,
  unpack: async () => (await import('./sections/unpack.js')).runUnpack,
  'http-list': async () => (await import('./sections/http-list.js')).runHttpList,
  'http-overhead': async () => (await import('./sections/http-overhead.js')).runHttpOverhead,
};

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const sizes = SIZES[args.mode];
  const startedAt = new Date();
  const started = performance.now();
  const machine = machineInfo();
  const log = (message: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);
  log(`mode ${args.mode}: ${args.sections.join(', ')}`);

  console.log(`# longrunning-client benchmarks (${args.mode})\n`);
  console.log(renderTable(machineTable(machine, args.mode)));
  const results: SectionResult[] = [];
  for (const name of args.sections) {
    const sectionStarted = performance.now();
    log(`${name}: start`);
    const run = await SECTIONS[name]();
    const output = await run({ mode: args.mode, sizes, log });
    const result: SectionResult = { name, ...output, durationMs: performance.now() - sectionStarted, loadAverage: os.loadavg() };
    results.push(result);
    console.log(`\n${renderSection(result)}`);
    log(`${name}: done in ${(result.durationMs / 1000).toFixed(1)} s`);
  }
  const targets = targetsTable(results);
  if (targets.rows.length > 0) console.log(`\n${renderTable(targets)}`);

  const document: BenchResult = {
    schema: 1,
    mode: args.mode,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - started,
    machine,
    sizes: Object.fromEntries(args.sections.map((name) => [name, sizes[name]])),
    keyRatios: keyRatiosOf(results),
    sections: results,
  };
  const out = args.out === undefined
    ? path.join(REPO_ROOT, 'bench', 'results', `${args.mode}-${startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`)
    : path.resolve(args.out);
  mkdirSync(path.dirname(out), { recursive: true });
  // Written whole or not at all: a reader never sees half a file.
  writeFileSync(`${out}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  console.log(`\nJSON: ${path.relative(process.cwd(), out) || out}`);
  log(`finished in ${(document.durationMs / 1000).toFixed(1)} s`);

  const failed = results.flatMap((section) => section.checks.filter((check) => !check.passed));
  for (const check of failed) console.error(`CHECK FAILED: ${check.description}: ${check.detail}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
