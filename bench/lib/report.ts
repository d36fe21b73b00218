/**
 * What a benchmark returns, and how it is printed: markdown tables (the same text goes
 * into docs/performance.md) and a JSON document with every raw number.
 */
import type { Mode, SectionName, Sizes } from './args.js';
import type { KeyRatios } from './key-ratios.js';
import type { MachineInfo } from './machine.js';

/** A markdown table; cells are already formatted. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes?: string[];
}

/** A target of issue 5, evaluated on this run's numbers. */
export interface TargetCheck {
  /** e.g. "Detection, auto, 1 s: lag p95". */
  target: string;
  /** e.g. "<= 20 ms". */
  goal: string;
  measured: string;
  met: boolean;
}

/**
 * A correctness check (not a performance threshold): if one fails, the SDK or the
 * benchmark is broken, and the run exits with status 1.
 */
export interface Check {
  description: string;
  passed: boolean;
  detail: string;
}

export interface SectionResult {
  name: SectionName;
  title: string;
  /** How it was measured, one paragraph. */
  method: string;
  tables: Table[];
  targets: TargetCheck[];
  checks: Check[];
  /** Raw numbers, for the JSON file. */
  data: unknown;
  durationMs: number;
  /**
   * `os.loadavg()` when the section ended: other processes competing for the CPUs
   * make every number noisier, so it is recorded with them.
   */
  loadAverage: number[];
}

export interface BenchResult {
  schema: 1;
  mode: Mode;
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  sizes: Partial<Sizes>;
  /** The few ratios `npm run bench:compare` compares between runs (bench/lib/key-ratios.ts). */
  keyRatios: KeyRatios;
  sections: SectionResult[];
}

/** Escapes what would break a markdown cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function renderTable(table: Table): string {
  const lines = [`**${table.title}**`, ''];
  lines.push(`| ${table.columns.map(cell).join(' | ')} |`);
  lines.push(`|${table.columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) {
    if (row.length !== table.columns.length) {
      throw new Error(`Table "${table.title}": a row has ${row.length} cells, expected ${table.columns.length}`);
    }
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  for (const note of table.notes ?? []) lines.push('', note);
  return lines.join('\n');
}

export function renderSection(section: SectionResult): string {
  const load = section.loadAverage.map((value) => value.toFixed(2)).join(' / ');
  const parts = [`## ${section.title}`, '', `${section.method} (${(section.durationMs / 1000).toFixed(1)} s; load average ${load} at the end.)`];
  for (const table of section.tables) parts.push('', renderTable(table));
  const failed = section.checks.filter((check) => !check.passed);
  for (const check of failed) parts.push('', `CHECK FAILED: ${check.description}: ${check.detail}`);
  return parts.join('\n');
}

export function targetsTable(sections: readonly SectionResult[]): Table {
  return {
    title: 'Targets (issues 5, 11 and 14)',
    columns: ['target', 'goal', 'measured', 'met'],
    rows: sections.flatMap((section) => section.targets.map((t) => [t.target, t.goal, t.measured, t.met ? 'yes' : '**no**'])),
  };
}

export function machineTable(machine: MachineInfo, mode: Mode): Table {
  const versions = Object.entries(machine.versions).map(([name, version]) => `${name} ${version}`).join(', ');
  return {
    title: 'Machine',
    columns: ['', ''],
    rows: [
      ['mode', mode],
      ['os', `${machine.os.type} ${machine.os.release} (${machine.os.arch})`],
      ['cpus', `${machine.cpus.count} x ${machine.cpus.model}`],
      ['memory', `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
      ['load average (1 / 5 / 15 min) at start', machine.loadAverage.map((value) => value.toFixed(2)).join(' / ')],
      ['node', `${machine.node} (V8 ${machine.v8})`],
      ['packages', versions],
    ],
  };
}

// Number formats. Every column says its unit in the header, so cells carry numbers only.

/** Milliseconds with precision that suits the magnitude. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Microseconds from milliseconds. */
export function us(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return 'n/a';
  const value = valueMs * 1000;
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** A count that may be fractional (a median of counts). */
export function count(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toFixed(2)));
}

export function ratio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  // Two significant digits below 0.1, so a tiny ratio does not print as 0.00x.
  return value !== 0 && Math.abs(value) < 0.1 ? `${value.toPrecision(2)}x` : `${value.toFixed(2)}x`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (abs >= 2 ** 10) return `${(value / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

/** A duration: ms below 10 s, seconds above. */
export function duration(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return 'n/a';
  return Math.abs(valueMs) >= 10_000 ? `${(valueMs / 1000).toFixed(1)} s` : `${ms(valueMs)} ms`;
}

/** "1 s", "10 s", "60 s", "10 min", "1 h" */
export function finishLabel(valueMs: number): string {
  if (valueMs >= 3_600_000 && valueMs % 3_600_000 === 0) return `${valueMs / 3_600_000} h`;
  if (valueMs >= 600_000 && valueMs % 60_000 === 0) return `${valueMs / 60_000} min`;
  if (valueMs >= 1000 && valueMs % 1000 === 0) return `${valueMs / 1000} s`;
  return `${valueMs} ms`;
}
