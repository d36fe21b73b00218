/**
 * The benchmarks run and produce well-formed output: `bench/run.ts --smoke` in a child
 * process (a few seconds), then its markdown tables and its JSON file are checked for
 * shape. No performance thresholds: the numbers of a smoke run mean nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseArgs, SECTION_NAMES } from '../../bench/lib/args.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run { code: number | null; stdout: string; stderr: string }

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'run.ts'), ...args], {
      cwd: REPO_ROOT,
      // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage.
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on('error', reject);
    // 'close': the process exited and its pipes are closed; nothing is left alive.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Cells of a markdown table row; `\|` inside a cell is not a separator. */
function cells(line: string): string[] {
  expect(line, line).to.match(/^\|.*\|$/);
  return line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
}

interface ParsedTable { title: string; header: string[]; rows: string[][] }

/** Every table in the output: a bold title, a blank line, a header, `|---|`, rows. */
function markdownTables(text: string): ParsedTable[] {
  const lines = text.split('\n');
  const tables: ParsedTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || lines[i - 1]?.startsWith('|')) continue;
    expect(lines[i - 1], `blank line before the table at line ${i + 1}`).to.equal('');
    const title = lines[i - 2] ?? '';
    expect(title, `title of the table at line ${i + 1}`).to.match(/^\*\*.+\*\*$/);
    const header = cells(lines[i]);
    const separator = lines[i + 1] ?? '';
    expect(separator, `separator of "${title}"`).to.equal(`|${header.map(() => '---').join('|')}|`);
    const rows: string[][] = [];
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) rows.push(cells(lines[j]));
    for (const row of rows) expect(row, `a row of "${title}"`).to.have.length(header.length);
    tables.push({ title: title.slice(2, -2), header, rows });
  }
  return tables;
}

describe('benchmarks (bench/run.ts --smoke)', function () {
  this.timeout(120_000);
  let dir: string;
  let out: string;
  let run: Run;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    out = path.join(dir, 'result.json');
    run = await runBench(['--smoke', '--out', out]);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits with status 0 (every correctness check passed)', () => {
    expect(run.code, run.stderr).to.equal(0);
  });

  it('prints well-formed markdown tables for every benchmark', () => {
    const tables = markdownTables(run.stdout);
    const titles = tables.map((table) => table.title);
    expect(titles[0]).to.equal('Machine');
    for (const expected of ['Detection lag and RPCs per operation, real time', 'simulated clock', 'Fleet:', 'Subscribers:',
      'ListOperations:', 'Call overhead:', 'Any unpacking', 'HTTP/JSON ListOperations:', 'HTTP/JSON call overhead:',
      'HTTP/JSON concurrent calls:', 'Targets (issues 5, 11 and 14)']) {
      expect(titles.some((title) => title.includes(expected)), `a table titled "${expected}" in ${titles.join('; ')}`).to.equal(true);
    }
    for (const table of tables) expect(table.rows.length, `rows of "${table.title}"`).to.be.greaterThan(0);
    const targets = tables.find((table) => table.title === 'Targets (issues 5, 11 and 14)')!;
    expect(targets.header).to.deep.equal(['target', 'goal', 'measured', 'met']);
    for (const row of targets.rows) expect(row[3]).to.be.oneOf(['yes', '**no**']);
  });

  it('writes a well-formed JSON result with the machine and the versions', () => {
    expect(run.stdout).to.include('JSON: ');
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.schema).to.equal(1);
    expect(result.mode).to.equal('smoke');
    expect(Number.isNaN(Date.parse(result.startedAt))).to.equal(false);
    expect(result.durationMs).to.be.a('number').and.greaterThan(0);
    expect(result.machine.os.type).to.be.a('string');
    expect(result.machine.cpus.count).to.be.a('number').and.greaterThan(0);
    expect(result.machine.memoryBytes).to.be.a('number').and.greaterThan(0);
    expect(result.machine.node).to.equal(process.version);
    for (const name of ['longrunning-client', 'google-gax', '@grpc/grpc-js', 'protobufjs']) {
      expect(result.machine.versions[name], name).to.match(/^\d+\.\d+\.\d+/);
    }
    expect(result.sections.map((section: { name: string }) => section.name)).to.deep.equal([...SECTION_NAMES]);
    // The ratios npm run bench:compare reads (smoke sizes simulate 1 s and 60 s only).
    for (const name of ['simulated.auto.rpcsVsGax.1s', 'simulated.auto.rpcsVsGax.60s', 'list.oursVsRaw', 'call.oursVsRaw',
      'http.list.oursVsGax', 'http.call.oursVsRawFetch']) {
      expect(result.keyRatios[name], name).to.have.all.keys('value', 'better', 'what');
      expect(result.keyRatios[name].value, name).to.be.a('number').and.greaterThan(0);
      expect(result.keyRatios[name].better, name).to.be.oneOf(['lower', 'higher']);
    }
    for (const section of result.sections) {
      expect(section.title, section.name).to.be.a('string');
      expect(section.method, section.name).to.be.a('string');
      expect(section.durationMs, section.name).to.be.a('number');
      expect(section.tables, section.name).to.be.an('array').that.is.not.empty;
      for (const table of section.tables) {
        for (const row of table.rows) expect(row, `${section.name}: ${table.title}`).to.have.length(table.columns.length);
      }
      for (const target of section.targets) {
        expect(target).to.have.all.keys('target', 'goal', 'measured', 'met');
        expect(target.met).to.be.a('boolean');
      }
      for (const check of section.checks) expect(check.passed, `${check.description}: ${check.detail}`).to.equal(true);
    }
  });
});

describe('benchmarks: command line', () => {
  it('reads the modes, --only and --out', () => {
    expect(parseArgs([]).mode).to.equal('full');
    expect(parseArgs(['--quick']).mode).to.equal('quick');
    expect(parseArgs(['--smoke', '--only', 'unpack,list']).sections).to.deep.equal(['list', 'unpack']);
    expect(parseArgs(['--only', 'http-overhead,http-list']).sections).to.deep.equal(['http-list', 'http-overhead']);
    expect(parseArgs(['--out', 'x.json']).out).to.equal('x.json');
  });

  it('refuses an unknown benchmark or argument, naming it', () => {
    expect(() => parseArgs(['--only', 'nope'])).to.throw(/Unknown benchmark "nope"/);
    expect(() => parseArgs(['--fast'])).to.throw(/Unknown argument "--fast"/);
    expect(() => parseArgs(['--only'])).to.throw(/--only needs a value/);
  });
});
