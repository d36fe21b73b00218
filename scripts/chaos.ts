/**
 * Soak runs of the chaos scenario (test/chaos/scenario.ts) outside mocha:
 *
 *   tsx scripts/chaos.ts --ops 20000 [--seed 7] [--span-ms 120000] [--json]
 *
 * Prints the one-line `chaos:` summary (and the report as JSON with --json), and exits
 * with 1 when a guarantee did not hold. Loopback only: the embedded server binds
 * 127.0.0.1 and the client is plaintext, so no auth or metadata server is involved.
 */
import { parseArgs } from 'node:util';

process.env.METADATA_SERVER_DETECTION = 'none';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    'span-ms': { type: 'string' },
    'deadline-ms': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

// Imported after the environment is set: nothing of the SDK runs before it.
const { chaosFailures, formatReport, runChaos } = await import('../test/chaos/scenario.js');

const ops = positiveInteger('ops', values.ops)!;
const seed = positiveInteger('seed', values.seed);
const spanMs = positiveInteger('span-ms', values['span-ms']);
const deadlineMs = positiveInteger('deadline-ms', values['deadline-ms']);
const report = await runChaos({
  ops,
  ...(seed === undefined ? {} : { seed }),
  ...(spanMs === undefined ? {} : { spanMs }),
  ...(deadlineMs === undefined ? {} : { deadlineMs }),
});
console.log(formatReport(report));
if (values.json) console.log(JSON.stringify(report, null, 2));
const failures = chaosFailures(report);
if (failures.length > 0) {
  console.error(`chaos run failed: ${failures.join('; ')}`);
  for (const [what, count] of Object.entries(report.lostBy)) console.error(`  lost ${count}: ${what}`);
  for (const problem of report.problems) console.error(`  ${problem}`);
  process.exitCode = 1;
}
