/**
 * Every TypeScript snippet of README.md and docs/*.md is code that works: it compiles
 * against the built package's public types (one `tsc` run for all of them, strict, as a
 * user's project would), and it runs against the embedded server unless it is marked
 * compile-only. The rules a page follows (docs/testing.md, "Snippets in these docs"):
 *
 * - A snippet followed by a line naming `examples/<file>.ts` is an excerpt of that
 *   example (checked here); the example itself is type-checked by `npm run typecheck`
 *   and run by test/examples.
 * - Any other snippet is compiled and run as a module of its own. An HTML comment right
 *   above its fence (invisible on the rendered page) can give it hidden code:
 *
 *       <!-- snippet
 *       setup code (imports are merged with the snippet's)
 *       ---
 *       teardown code
 *       -->
 *
 *   `<!-- snippet compile-only: why -->` (optionally with setup code too) only compiles
 *   it, for snippets that need a real Google API or another test runner.
 * - When run, the snippet's `'localhost:50051'` becomes `SNIPPET_ADDRESS` and its
 *   `'http://localhost:8080'` becomes `SNIPPET_BASE_URL` (the setup
 *   defines it, usually as an embedded server's address), and the working directory
 *   has `protos/` = test/fixtures/protos, so `includeDirs: ['protos']` finds
 *   `example/v1/service.proto`.
 *
 * The runnable snippets run one after another in one Node process, which must then
 * exit by itself (nothing left open).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PAGES = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

type Mode = 'run' | 'compile' | 'example';

/** One ```ts block of a page. */
interface Snippet {
  readonly id: string;
  readonly page: string;
  /** 1-based line of the first code line. */
  readonly line: number;
  readonly code: string;
  readonly mode: Mode;
  readonly reason?: string;
  readonly setup: string;
  readonly teardown: string;
  /** The examples/ file it is an excerpt of (mode 'example'). */
  readonly example?: string;
}

/** The ```ts blocks of a page, with the directive above each and the example below it. */
function snippetsOf(page: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  let directive: { mode: Mode; reason?: string; setup: string; teardown: string; endLine: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const opening = /^<!-- snippet\b(.*)$/.exec(lines[i]);
    if (opening) {
      const body: string[] = [];
      let header = opening[1];
      let end = i;
      if (header.includes('-->')) header = header.slice(0, header.indexOf('-->'));
      else {
        end = lines.indexOf('-->', i + 1);
        if (end < 0) throw new Error(`${page}:${i + 1}: unterminated <!-- snippet comment`);
        body.push(...lines.slice(i + 1, end));
      }
      const compileOnly = /^\s*compile-only:\s*(\S.*?)\s*$/.exec(header);
      if (header.trim() !== '' && !compileOnly) throw new Error(`${page}:${i + 1}: unknown snippet directive "${header.trim()}"`);
      const split = body.indexOf('---');
      directive = {
        mode: compileOnly ? 'compile' : 'run',
        ...(compileOnly ? { reason: compileOnly[1] } : {}),
        setup: (split < 0 ? body : body.slice(0, split)).join('\n'),
        teardown: split < 0 ? '' : body.slice(split + 1).join('\n'),
        endLine: end,
      };
      i = end;
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${page}:${i + 1}: unterminated code block`);
    if (directive && directive.endLine !== i - 1) throw new Error(`${page}:${directive.endLine + 1}: a snippet comment must be right above its fence`);
    if (fence[1] === 'ts' || fence[1] === 'typescript') {
      let next = end + 1;
      while (next < lines.length && lines[next].trim() === '') next++;
      const example = /examples\/([\w.-]+\.ts)/.exec(lines[next] ?? '')?.[1];
      const code = lines.slice(i + 1, end).join('\n');
      const base = { id: `${page}:${i + 2}`, page, line: i + 2, code };
      if (directive) snippets.push({ ...base, ...directive });
      else if (example !== undefined) snippets.push({ ...base, mode: 'example', example, setup: '', teardown: '' });
      else snippets.push({ ...base, mode: 'run', setup: '', teardown: '' });
    } else if (directive) {
      throw new Error(`${page}:${i + 1}: a snippet comment above a \`\`\`${fence[1]} block (only ts is checked)`);
    }
    directive = undefined;
    i = end;
  }
  if (directive) throw new Error(`${page}: a snippet comment without a code block below it`);
  return snippets;
}

/** Import declarations merged by module (named imports unioned), and the code without them. */
function splitImports(sources: readonly string[]): { imports: string; bodies: string[] } {
  const named = new Map<string, Map<string, string>>();
  const other = new Set<string>();
  const bodies = sources.map((source) => {
    const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    let body = source;
    for (const statement of [...file.statements].reverse()) {
      if (!ts.isImportDeclaration(statement)) continue;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      if (clause && !clause.name && bindings && ts.isNamedImports(bindings)) {
        const names = named.get(from) ?? new Map<string, string>();
        named.set(from, names);
        for (const element of bindings.elements) {
          const text = element.getText(file);
          const typeOnly = clause.isTypeOnly || element.isTypeOnly;
          const plain = text.replace(/^type\s+/, '');
          // A value import of a name wins over a type-only one.
          if (!typeOnly || !names.has(element.name.text)) names.set(element.name.text, typeOnly ? `type ${plain}` : plain);
        }
      } else {
        other.add(statement.getText(file));
      }
      // Blank lines keep the snippet's line numbers.
      const start = statement.getStart(file);
      body = body.slice(0, start) + body.slice(start, statement.getEnd()).replace(/[^\n]/g, '') + body.slice(statement.getEnd());
    }
    return body;
  });
  const imports = [...other, ...[...named].map(([from, names]) => `import { ${[...names.values()].join(', ')} } from '${from}';`)];
  return { imports: imports.join('\n'), bodies };
}

/** Whether `snippet` is a run of consecutive lines of `source`, possibly indented deeper there. */
function isExcerpt(snippet: string, source: string): boolean {
  const want = snippet.split('\n');
  const have = source.split('\n');
  for (let start = 0; start + want.length <= have.length; start++) {
    if (!have[start].endsWith(want[0])) continue;
    const indent = have[start].slice(0, have[start].length - want[0].length);
    if (indent.trim() !== '') continue;
    if (want.every((line, k) => have[start + k].trimEnd() === (line === '' ? '' : indent + line).trimEnd())) return true;
  }
  return false;
}

/** Declarations for third-party test runners that some snippets show (not dependencies of this repo). */
const RUNNER_STUBS = `declare module 'vitest' {
  export function beforeAll(fn: () => unknown): void;
  export function afterAll(fn: () => unknown): void;
  export function beforeEach(fn: () => unknown): void;
}
declare function beforeAll(fn: () => unknown): void;
declare function afterAll(fn: () => unknown): void;
`;

const DRIVER = `import { pathToFileURL } from 'node:url';
for (const { id, file } of JSON.parse(process.argv[2])) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('did not settle within 20 s')), 20000); });
  try {
    await Promise.race([import(pathToFileURL(file).href), timeout]);
    console.log('@@snippet ' + JSON.stringify({ id, ok: true }));
  } catch (error) {
    console.log('@@snippet ' + JSON.stringify({ id, ok: false, error: String(error && error.stack || error) }));
  } finally {
    clearTimeout(timer);
  }
}
// Fires only if something the snippets opened still keeps the process alive.
setTimeout(() => {
  console.error('still alive 5 s after the last snippet: ' + process.getActiveResourcesInfo().join(', '));
  process.exit(3);
}, 5000).unref();
`;

interface Outcome { compile: string[]; run?: { ok: boolean; error?: string } }

const snippets = PAGES.flatMap((page) => snippetsOf(page, readFileSync(path.join(root, page), 'utf8')));

describe('snippets of README.md and docs/*.md', function () {
  this.timeout(180_000);
  const outcomes = new Map<string, Outcome>();
  const sources = new Map<string, string>();
  let driver: { code: number | null; killed: boolean; stderr: string; stdout: string } | undefined;
  let dir: string;

  before(async () => {
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    // Inside the repository, so `longrunning-client` resolves to this package itself (its
    // exports map, i.e. dist/) as it would from a user's node_modules.
    dir = mkdtempSync(path.join(root, 'test-results', 'snippets-'));
    symlinkSync(path.join(root, 'test', 'fixtures', 'protos'), path.join(dir, 'protos'), 'dir');
    writeFileSync(path.join(dir, 'runner-stubs.d.ts'), RUNNER_STUBS);
    const files: string[] = ['runner-stubs.d.ts'];
    const runnable: Array<{ id: string; file: string }> = [];
    const locate = new Map<string, { snippet: Snippet; first: number }>();
    /** Records a compile error of a generated file at the page line it comes from. */
    const report = (name: string, line: number, message: string): void => {
      const { snippet, first } = locate.get(name)!;
      const offset = line - first;
      const at = offset >= 0 && offset < snippet.code.split('\n').length ? `${snippet.page}:${snippet.line + offset}` : `hidden code, ${name}:${line}`;
      outcomes.get(snippet.id)!.compile.push(`${at}: ${message}`);
    };
    snippets.forEach((snippet, index) => {
      outcomes.set(snippet.id, { compile: [] });
      if (snippet.mode === 'example') return;
      const code = snippet.mode === 'run'
        ? snippet.code.replaceAll("'localhost:50051'", 'SNIPPET_ADDRESS').replaceAll("'http://localhost:8080'", 'SNIPPET_BASE_URL')
        : snippet.code;
      const { imports, bodies } = splitImports([snippet.setup, code, snippet.teardown]);
      const head = `${imports}\n// --- setup\n${bodies[0]}\n// --- ${snippet.id}\n`;
      const source = `${head}${bodies[1]}\n// --- teardown\n${bodies[2]}\nexport {};\n`;
      const name = `s${String(index).padStart(3, '0')}.ts`;
      writeFileSync(path.join(dir, name), source);
      sources.set(snippet.id, source);
      locate.set(name, { snippet, first: head.split('\n').length });
      // tsc reports no type errors at all while any file has a syntax error: such a
      // snippet fails here and stays out of the program, so the others are still checked.
      const syntax = ts.transpileModule(source, { fileName: name, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
      for (const diagnostic of syntax.diagnostics ?? []) {
        const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 1;
        report(name, line, `error TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
      }
      if (syntax.diagnostics?.length) return;
      files.push(name);
      if (snippet.mode === 'run') runnable.push({ id: snippet.id, file: path.join(dir, 'out', name.replace(/\.ts$/, '.js')) });
    });
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2023'], module: 'nodenext', moduleResolution: 'nodenext', types: ['node', 'mocha'],
        strict: true, exactOptionalPropertyTypes: true, skipLibCheck: true, rootDir: '.', outDir: 'out',
      },
      files,
    }));
    const tsc = await exec(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], 120_000, dir);
    for (const line of (tsc.stdout + tsc.stderr).split('\n')) {
      const where = /^(s\d+\.ts)\((\d+),(\d+)\): (error .*)$/.exec(line.trim());
      if (!where) {
        if (/error TS/.test(line)) throw new Error(`tsc: ${line}`);
        continue;
      }
      report(where[1], Number(where[2]), where[4]);
    }
    // Only what compiles runs (a snippet that does not compile already fails its test).
    const compiled = runnable.filter(({ id }) => outcomes.get(id)!.compile.length === 0);
    if (compiled.length > 0 && existsSync(path.join(dir, 'out'))) {
      writeFileSync(path.join(dir, 'out', 'driver.mjs'), DRIVER);
      driver = await exec(process.execPath, [path.join(dir, 'out', 'driver.mjs'), JSON.stringify(compiled)], 150_000, dir);
      for (const line of driver.stdout.split('\n')) {
        if (!line.startsWith('@@snippet ')) continue;
        const result = JSON.parse(line.slice('@@snippet '.length)) as { id: string; ok: boolean; error?: string };
        outcomes.get(result.id)!.run = result;
      }
    }
  });

  after(() => {
    if (dir !== undefined && process.env.SNIPPETS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it('finds the snippets of every page, and marks none compile-only without a reason', () => {
    expect(snippets.length).to.be.greaterThan(40);
    expect(snippets.filter((s) => s.mode === 'compile' && !s.reason)).to.deep.equal([]);
  });

  for (const snippet of snippets) {
    const what = snippet.mode === 'example' ? `is an excerpt of examples/${snippet.example}`
      : snippet.mode === 'compile' ? `compiles (compile-only: ${snippet.reason})` : 'compiles and runs';
    it(`${snippet.id} ${what}`, () => {
      if (snippet.mode === 'example') {
        const file = path.join(root, 'examples', snippet.example!);
        expect(existsSync(file), `${snippet.id}: examples/${snippet.example} does not exist`).to.equal(true);
        expect(isExcerpt(snippet.code, readFileSync(file, 'utf8')), `${snippet.id}: not an excerpt of examples/${snippet.example}`).to.equal(true);
        return;
      }
      const outcome = outcomes.get(snippet.id)!;
      const listing = `\n--- compiled as\n${numbered(sources.get(snippet.id) ?? '')}`;
      expect(outcome.compile, `${snippet.id} does not compile${listing}`).to.deep.equal([]);
      if (snippet.mode !== 'run') return;
      const output = driver === undefined ? '' : `\n--- driver stdout\n${driver.stdout}\n--- stderr\n${driver.stderr}`;
      expect(outcome.run, `${snippet.id} did not report (the run was cut short)${output}`).to.not.equal(undefined);
      expect(outcome.run!.error, `${snippet.id} threw${listing}`).to.equal(undefined);
    });
  }

  it('the runnable snippets leave nothing open: their process exits by itself', () => {
    expect(driver, 'the snippets were not run').to.not.equal(undefined);
    expect(driver!.killed, `the snippets' process did not exit\n${driver!.stderr}`).to.equal(false);
    expect(driver!.code, driver!.stderr).to.equal(0);
  });
});

function numbered(source: string): string {
  return source.split('\n').map((line, i) => `${String(i + 1).padStart(4)}  ${line}`).join('\n');
}

function exec(file: string, args: string[], timeout: number, cwd = root): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, {
      cwd, timeout, maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none', NO_COLOR: '1' },
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, killed: error?.killed === true, stdout, stderr });
    });
  });
}
