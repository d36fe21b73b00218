/**
 * Runs every program in examples/ as a child process, the way a user runs it, and checks
 * that it exits 0 by itself (nothing left keeping Node alive) and prints what it is
 * meant to show. The examples import the built package through its exports map, so
 * `npm run build` must have run (`npm test` does it first).
 *
 * The guide pages quote the examples; the second suite checks that every TypeScript
 * snippet of those pages is a verbatim excerpt of the example file named below it, so
 * the guide's code is code that runs here.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_DEADLINE_MS, childrenTimeoutMs, mapLimited } from '../helpers/children.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const examplesDir = path.join(root, 'examples');

/** A line the output must contain, or a check of the whole output. */
type Expectation = RegExp | ((stdout: string) => void);

/** What each example must print. Every file in examples/ needs an entry. */
const EXPECTED: Record<string, Expectation[]> = {
  'getting-started.ts': [
    /^progress: 100%$/m,
    /^result: 42 rows$/m,
    /^listed: operations\/op-000001 done=true$/m,
  ],
  'await-result.ts': [
    /^exported 3072 bytes in 2 chunks to gs:\/\/exports\/2024-06$/m,
    /^last metadata: FINISHING, 3072 bytes$/m,
  ],
  'progress.ts': [
    /^100% done$/m,
    /^state\$: operations\/op-000001 is done$/m,
    /^metadata\$ completed$/m,
    /^result: 12 files$/m,
    (stdout) => {
      // metadata$ emits distinct values in the order they happened.
      const percents = [...stdout.matchAll(/^\s*(\d+)% /gm)].map((match) => Number(match[1]));
      expect(percents).to.deep.equal([...percents].sort((a, b) => a - b));
      expect(new Set(percents).size).to.equal(percents.length);
    },
  ],
  'list-operations.ts': [
    /^running: operations\/op-000001, operations\/op-000003, operations\/op-000004, operations\/op-000006, operations\/op-000007$/m,
    /^first: operations\/op-000001$/m,
    /^ListOperations calls for the first item: 1$/m,
    /^page: op-000001 op-000002 op-000003 \| next token: yes\npage: op-000004 op-000005 op-000006 \| next token: yes\npage: op-000007 \| next token: none$/m,
    /^resumed after 3 operations: 3 more running$/m,
  ],
  'list-partial-success.ts': [
    /^without returnPartialSuccess: ListOperations failed with UNAVAILABLE$/m,
    /^listed: operations\/us\/export-1, operations\/us\/export-2$/m,
    /^unreachable: operations\/europe$/m,
  ],
  'pagination-safety.ts': [
    /^PaginationError: repeated-token \(token "again" after 2 pages\)$/m,
    /^stopped by the signal \(TimeoutError\) after \d+ of 20 operations$/m,
  ],
  'cancel.ts': [
    /^cancelled: operations\/op-000001 with CANCELLED \(Operation cancelled by the client\)$/m,
    /^on the server: done=true$/m,
  ],
  'errors.ts': [
    /^operation failed: FAILED_PRECONDITION: bucket gs:\/\/exports does not exist$/m,
    /^ {2}ErrorInfo: BUCKET_NOT_FOUND from storage\.example\.com \{"bucket":"exports"\}$/m,
    /^ {2}Help: Create the bucket first <https:\/\/example\.com\/docs\/buckets>$/m,
    /^RPC failed: GetOperation NOT_FOUND after 1 attempt\(s\)$/m,
    /^unexpected type: type\.googleapis\.com\/google\.protobuf\.Empty, expected google\.protobuf\.Struct$/m,
  ],
  'resume.ts': [
    /^first client: done=false$/m,
    (stdout) => {
      const line = /^token: (.*)$/m.exec(stdout);
      expect(line, 'a token line').to.not.equal(null);
      expect(JSON.parse(line![1])).to.deep.equal({
        version: 1, name: 'operations/op-000001', responseType: 'google.protobuf.Struct', polling: { maxDelayMs: 5000 },
      });
    },
    /^second client: operations\/op-000001 finished with gs:\/\/reports\/q3\.pdf$/m,
  ],
  'timeouts.ts': [
    /^totalTimeoutMs: PollTimeoutError for operations\/op-000001; running on the server: true$/m,
    /^promise\(\{ timeoutMs \}\): this caller stopped waiting; the other one still waits$/m,
    /^signal: rejected with the signal's reason \(TimeoutError\)$/m,
    /^the patient caller saw operations\/op-000001 finish$/m,
  ],
  'testing-with-embedded-server.ts': [
    /^ok - reportRows rides out two UNAVAILABLE answers$/m,
    /^ok - reportRows reports the operation failure$/m,
  ],
  'opentelemetry.ts': [
    /^result: \{"rows":42\}$/m,
    /^server saw traceparent: true$/m,
    /^export report$/m,
    /^ {2}longrunning\.wait longrunning\.wait\.outcome=ok$/m,
    /^ {4}- state longrunning\.operation\.progress=1 longrunning\.operation\.done=true$/m,
    /^ {4}google\.longrunning\.Operations\/GetOperation rpc\.grpc\.status_code=0$/m,
    /^ {6}- retry rpc\.grpc\.status_code=14 longrunning\.retry\.delay_ms=\d+ error\.type=UNAVAILABLE$/m,
  ],
  'migrating-from-gax.ts': [
    /^1\. promise\(\): gs:\/\/exports\/a, 4096 bytes \(FINISHING, done=true\)$/m,
    /^2\. metadata\$: RUNNING$/m,
    /^2\. state\$: done, gs:\/\/exports\/b$/m,
    /^3\. polling options: gs:\/\/exports\/c$/m,
    /^4\. by name: gs:\/\/exports\/a$/m,
    /^5\. cancel\(\): OperationCancelledError=true$/m,
    /^6\. getOperation: operations\/op-000001 done=true$/m,
  ],
};

/** The guide pages whose TypeScript snippets must be excerpts of examples. */
const GUIDE_PAGES = ['getting-started.md', 'pagination.md', 'migrating-from-gax.md', 'observability.md'];

/**
 * Examples that need `@opentelemetry/*`. Under `npm run test:no-otel` (the packages
 * hidden, `LONGRUNNING_TEST_HIDE_OTEL=1`) they must fail on exactly that import.
 */
const NEEDS_OPENTELEMETRY = new Set(['opentelemetry.ts']);
const OPENTELEMETRY_HIDDEN = process.env.LONGRUNNING_TEST_HIDE_OTEL === '1';

interface Run {
  file: string;
  exitCode: number | string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs one example with tsx; never rejects, so one failure cannot hide the others. */
function runExample(file: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(examplesDir, file)], {
      cwd: root,
      // NODE_V8_COVERAGE '' keeps c8 from merging the child's coverage; the examples
      // must not probe a metadata server (network rule).
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      // An example that does not exit by itself is killed here and fails its test. The
      // deadline only catches a hang: it is far above the few seconds an example needs.
      timeout: CHILD_DEADLINE_MS,
    }, (error, stdout, stderr) => {
      resolve({
        file,
        exitCode: error === null ? 0 : error.code ?? null,
        timedOut: error?.killed === true,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    });
  });
}

/** Whether `snippet` appears in `source` as consecutive lines, possibly with less indentation. */
function isExcerpt(snippet: string[], source: string[]): boolean {
  const [first] = snippet;
  if (first === undefined) return false;
  candidates: for (let start = 0; start + snippet.length <= source.length; start++) {
    const line = source[start];
    if (!line.endsWith(first)) continue;
    const indent = line.slice(0, line.length - first.length);
    if (indent.trim() !== '') continue;
    for (let k = 0; k < snippet.length; k++) {
      const expected = snippet[k] === '' ? '' : indent + snippet[k];
      if (source[start + k].trimEnd() !== expected.trimEnd()) continue candidates;
    }
    return true;
  }
  return false;
}

interface Snippet { page: string; line: number; code: string[]; source: string | undefined }

/** The ```ts blocks of a markdown page, each with the examples/ file named after it. */
function snippetsOf(page: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${page}:${i + 1}: unterminated code block`);
    // A block right after a `<!-- snippet ... -->` set-up runs on its own in
    // test/public/snippets.test.ts: it is real code without being an excerpt.
    if (lines[i - 1]?.trim() === '-->') {
      i = end;
      continue;
    }
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === '') next++;
    const source = /examples\/([\w.-]+\.ts)/.exec(lines[next] ?? '')?.[1];
    snippets.push({ page, line: i + 1, code: lines.slice(i + 1, end), source });
    i = end;
  }
  return snippets;
}

const exampleFiles = readdirSync(examplesDir).filter((file) => file.endsWith('.ts')).sort();

describe('examples/', function () {
  const runs = new Map<string, Run>();

  before(async function () {
    // One per CPU: each example spends most of its time starting Node and tsx, so more
    // at once only makes each slower (on a loaded machine, slower than any fixed limit).
    this.timeout(childrenTimeoutMs(exampleFiles.length));
    for (const run of await mapLimited(exampleFiles, runExample)) runs.set(run.file, run);
  });

  it('has an expectation for every example and an example for every expectation', () => {
    expect(exampleFiles, 'examples without an expectation in EXPECTED').to.include.members(Object.keys(EXPECTED));
    expect(Object.keys(EXPECTED), 'expectations without an example').to.include.members(exampleFiles);
  });

  for (const file of exampleFiles) {
    it(`${file} exits 0 by itself and prints what it shows`, () => {
      const run = runs.get(file)!;
      const output = `\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
      if (OPENTELEMETRY_HIDDEN && NEEDS_OPENTELEMETRY.has(file)) {
        expect(run.exitCode, `${file} exit code${output}`).to.not.equal(0);
        expect(run.stderr, `${file}${output}`).to.match(/Cannot find package '@opentelemetry\/[\w-]+' \(hidden by hide-opentelemetry\.mjs\)/);
        return;
      }
      expect(run.timedOut, `${file} did not exit within ${CHILD_DEADLINE_MS / 1000} s (it hangs)${output}`).to.equal(false);
      expect(run.exitCode, `${file} exit code${output}`).to.equal(0);
      // Nothing on stderr (say, an error handler that fired), apart from Node's own
      // warning lines.
      const stderr = run.stderr.split('\n').filter((line) => line !== '' && !/^\(node:\d+\) \w*Warning|^\(Use `node --trace-/.test(line));
      expect(stderr, `${file} wrote to stderr${output}`).to.deep.equal([]);
      const expectations = EXPECTED[file];
      expect(expectations, `no expectation registered for examples/${file}`).to.not.equal(undefined);
      for (const expectation of expectations) {
        if (expectation instanceof RegExp) expect(run.stdout, `${file}${output}`).to.match(expectation);
        else expectation(run.stdout);
      }
    });
  }
});

describe('guide pages (docs/)', () => {
  it('quote only real code: every TypeScript snippet is an excerpt of the example named below it', async () => {
    const sources = new Map<string, string[]>();
    for (const file of exampleFiles) sources.set(file, (await readFile(path.join(examplesDir, file), 'utf8')).split('\n'));
    let count = 0;
    for (const page of GUIDE_PAGES) {
      const markdown = await readFile(path.join(root, 'docs', page), 'utf8');
      for (const snippet of snippetsOf(page, markdown)) {
        const where = `docs/${snippet.page}:${snippet.line}`;
        expect(snippet.source, `${where}: name the examples/*.ts file on the line after the snippet`).to.be.a('string');
        const source = sources.get(snippet.source!);
        expect(source, `${where}: examples/${snippet.source} does not exist`).to.not.equal(undefined);
        expect(isExcerpt(snippet.code, source!), `${where}: not an excerpt of examples/${snippet.source}:\n${snippet.code.join('\n')}`)
          .to.equal(true);
        count++;
      }
    }
    expect(count).to.be.greaterThan(GUIDE_PAGES.length);
  });
});
