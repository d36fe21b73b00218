/**
 * `npm run bench:compare -- OLD.json NEW.json`: the key ratios of two `npm run bench`
 * results side by side, flagging those that got worse by more than the noise measured
 * between two runs of the same commit (bench/lib/compare.ts, THRESHOLDS).
 *
 * Exit status 0: nothing flagged; 1: a ratio got worse; 2: bad arguments or an
 * unreadable file. Compare runs of the same mode on the same machine.
 */
import { readFileSync } from 'node:fs';
import { compareKeyRatios, type ComparedRatio } from './lib/compare.js';
import { keyRatiosOf, type KeyRatios } from './lib/key-ratios.js';
import { renderTable } from './lib/report.js';

const USAGE = 'Usage: npm run bench:compare -- OLD.json NEW.json';

interface ResultFile { mode: string; ratios: KeyRatios }

function load(file: string): ResultFile {
  const document = JSON.parse(readFileSync(file, 'utf8')) as { mode?: unknown; keyRatios?: KeyRatios; sections?: unknown };
  if (!Array.isArray(document.sections)) throw new Error(`${file}: not a result of npm run bench (no "sections")`);
  // Results written before `keyRatios` existed: derived from the sections' data.
  const ratios = document.keyRatios ?? keyRatiosOf(document.sections as Parameters<typeof keyRatiosOf>[0]);
  return { mode: String(document.mode), ratios };
}

const value = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
const percent = (row: ComparedRatio) => (row.worse === undefined ? '-' : `${row.worse > 0 ? '+' : ''}${(100 * row.worse).toFixed(1)}%`);

function main(argv: readonly string[]): number {
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith('-'))) {
    console.error(USAGE);
    return 2;
  }
  let before: ResultFile;
  let after: ResultFile;
  try {
    before = load(argv[0]);
    after = load(argv[1]);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (before.mode !== after.mode) console.error(`warning: comparing a ${before.mode} run with a ${after.mode} run`);
  const rows = compareKeyRatios(before.ratios, after.ratios);
  console.log(renderTable({
    title: `Key ratios: ${argv[0]} -> ${argv[1]}`,
    columns: ['ratio', 'better', 'old', 'new', 'worse by', 'threshold', ''],
    rows: rows.map((row) => [row.name, row.better, value(row.old), value(row.new), percent(row),
      `${(100 * row.threshold).toFixed(0)}%`, row.flagged ? '**WORSE**' : '']),
    notes: ['"worse by": relative change in the direction that is worse (negative: better). Thresholds: bench/lib/compare.ts.'],
  }));
  const flagged = rows.filter((row) => row.flagged);
  for (const row of flagged) console.error(`WORSE: ${row.name} (${row.what}): ${value(row.old)} -> ${value(row.new)}, ${percent(row)} > ${(100 * row.threshold).toFixed(0)}%`);
  return flagged.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
