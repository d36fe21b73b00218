/**
 * The `longrunning` CLI over HTTP/JSON: `--base-url` (and `LONGRUNNING_BASE_URL`) with
 * `--http-rules` files, against the embedded server's HTTP front-end on 127.0.0.1 with
 * the `users/*` bindings of operations.proto's example. Every command, once with a
 * service config in YAML and once with a JSON list of rules in snake case
 * (`additional_bindings`), and every bad input: one line, exit 2.
 *
 * Same pattern as commands.test.ts: each case runs as a child process (as users run the
 * CLI, here also proving that the YAML parser loads in a real process) and in process,
 * unless a case says otherwise; all runs start together in `before`.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TypeRegistry, type Any, type HttpRule } from '../../src/index.js';
import { loadHttpRules } from '../../src/cli/http-rules.js';
import { InMemoryOperationsServer, type CallRecord } from '../../src/testing.js';
import {
  describeCliCases, expectOneErrorLine, REPO_ROOT, whenCalled, type CliCase, type CliMode, type CliResult, type Runner,
} from './harness.js';

type Mode = CliMode;

interface Context {
  readonly mode: Mode;
  /** HTTP/JSON with the users/* rules (WaitOperation bound too). */
  readonly server: InMemoryOperationsServer;
  /** HTTP/JSON with the default bindings of operations.proto. */
  readonly plain: InMemoryOperationsServer;
  /** Path of each rules file by its key in {@link FILES}. */
  readonly file: (key: keyof typeof FILES) => string;
  readonly cli: Runner;
  /** A user (`users/cN`) of this case alone: its operations are `${user}/operations/x`. */
  readonly user: string;
}

type Case<T> = CliCase<Context, T>;

const OPS = 'google.longrunning.Operations';

/** The server's bindings: the users/* example of operations.proto, WaitOperation included. */
const SERVER_RULES: HttpRule[] = [
  { selector: `${OPS}.ListOperations`, get: '/v1/{name=users/*}/operations' },
  { selector: `${OPS}.GetOperation`, get: '/v1/{name=users/*/operations/*}' },
  { selector: `${OPS}.DeleteOperation`, delete: '/v1/{name=users/*/operations/*}' },
  { selector: `${OPS}.CancelOperation`, post: '/v1/{name=users/*/operations/*}:cancel', body: '*' },
  { selector: `${OPS}.WaitOperation`, post: '/v1/{name=users/*/operations/*}:wait', body: '*' },
];

/** The rule files the cases use, by name: contents as written to disk. */
const FILES = {
  // A service config as Google APIs publish them: other APIs' rules beside the Operations mixin.
  'service.yaml': `type: google.api.Service
config_version: 3
name: example.googleapis.com
http:
  rules:
  - selector: google.cloud.location.Locations.ListLocations
    get: '/v1/{name=projects/*}/locations'
  - selector: ${OPS}.ListOperations
    get: '/v1/{name=users/*}/operations'
  - selector: ${OPS}.GetOperation
    get: '/v1/{name=users/*/operations/*}'
  - selector: ${OPS}.CancelOperation
    post: '/v1/{name=users/*/operations/*}:cancel'
    body: '*'
  - selector: ${OPS}.DeleteOperation
    delete: '/v1/{name=users/*/operations/*}'
  - selector: ${OPS}.WaitOperation
    post: '/v1/{name=users/*/operations/*}:wait'
    body: '*'
`,
  // A JSON list in the proto field names: the users/* bindings are additional ones. No WaitOperation.
  'rules.json': JSON.stringify([
    { selector: `${OPS}.ListOperations`, get: '/v1/{name=projects/*}/operations', additional_bindings: [{ get: '/v1/{name=users/*}/operations' }] },
    { selector: `${OPS}.GetOperation`, get: '/v1/{name=projects/*/operations/*}', additional_bindings: [{ get: '/v1/{name=users/*/operations/*}' }] },
    { selector: `${OPS}.CancelOperation`, post: '/v1/{name=users/*/operations/*}:cancel', body: '*' },
    { selector: `${OPS}.DeleteOperation`, delete: '/v1/{name=projects/*/operations/*}', additional_bindings: [{ delete: '/v1/{name=users/*/operations/*}' }] },
  ], null, 2),
  // The `http:` section alone, in JSON.
  'http-section.json': JSON.stringify({ rules: SERVER_RULES }),
  'broken.json': '[{"selector": "google.longrunning.Operations.GetOperation",',
  'broken.yaml': 'http:\n  rules: [\n  - selector: x\n',
  'shape.json': JSON.stringify({ bindings: SERVER_RULES }),
  'not-a-list.yaml': 'http:\n  rules: 42\n',
  'scalar.json': '[42]',
  'empty.yaml': 'http:\n  rules: []\n',
  'others-only.yaml': 'http:\n  rules:\n  - selector: google.cloud.location.Locations.ListLocations\n    get: /v1/{name=projects/*}/locations\n',
  // The bad template is the file's third rule: the message must say so, not "the second Operations rule".
  'bad-template.yaml': `http:
  rules:
  - selector: google.cloud.location.Locations.ListLocations
    get: '/v1/{name=projects/*}/locations'
  - selector: ${OPS}.ListOperations
    get: '/v1/{name=users/*}/operations'
  - selector: ${OPS}.GetOperation
    get: '/v1/{name=users/*/operations/*'
`,
  'unknown-method.json': JSON.stringify([{ selector: `${OPS}.Frobnicate`, get: '/v1/{name=x/*}' }]),
  'both-spellings.json': JSON.stringify([{ selector: `${OPS}.GetOperation`, get: '/v1/{name=a/*}', additionalBindings: [], additional_bindings: [] }]),
  'response-body.json': JSON.stringify([{ selector: `${OPS}.GetOperation`, get: '/v1/{name=a/*}', response_body: 'name' }]),
} as const;

const PROTO_FLAGS = ['--proto', 'example/v1/service.proto', '--include', path.join('test', 'fixtures', 'protos')];
const wkt = TypeRegistry.empty();
/** The fixture's types: the HTTP/JSON server needs them to write their JSON; the CLI only with --proto. */
let types: TypeRegistry;
const struct = (value: Record<string, unknown>): Any => wkt.pack('google.protobuf.Struct', value);

function json<T = any>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

/** The calls the server received for `name`. */
function callsFor(server: InMemoryOperationsServer, name: string): CallRecord[] {
  return server.calls.filter((call) => call.name === name);
}

const cases: Array<Case<any>> = [];
function add<T>(testCase: Case<T>): void {
  cases.push(testCase);
}

/** The flags that reach the users/* server with one of the rule files. */
const over = (ctx: Context, rules: keyof typeof FILES): string[] =>
  ['--base-url', ctx.server.httpUrl!, '--insecure', '--http-rules', ctx.file(rules)];

// ---- every command, with each kind of rules file ----------------------------------------

for (const rules of ['service.yaml', 'rules.json'] as const) {
  add({
    title: `${rules}: get prints an operation fetched over HTTP/JSON`,
    start: async (ctx) => {
      const op = ctx.server.createOperation({ name: `${ctx.user}/operations/done`, response: struct({ rows: 5 }) });
      return { op, result: await ctx.cli([...over(ctx, rules), 'get', op]), calls: callsFor(ctx.server, op) };
    },
    check: ({ op, result, calls }: { op: string; result: CliResult; calls: CallRecord[] }) => {
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal(`name:      ${op}\nstate:     SUCCEEDED\nresponse:  google.protobuf.Struct {"rows":5}\n`);
      expect(calls.map((call) => `${call.transport} ${call.method}`)).to.deep.equal(['http GetOperation']);
    },
  });

  add({
    title: `${rules}: list --all fetches every page of a user's operations`,
    start: async (ctx) => {
      const names = Array.from({ length: 5 }, (_, i) => ctx.server.createOperation({ name: `${ctx.user}/operations/op-${i}` }));
      const result = await ctx.cli([...over(ctx, rules), 'list', ctx.user, '--all', '--page-size', '2', '--json']);
      return { names, result, calls: callsFor(ctx.server, ctx.user) };
    },
    check: ({ names, result, calls }: { names: string[]; result: CliResult; calls: CallRecord[] }) => {
      expect(result.code, result.stderr).to.equal(0);
      const listing = json(result);
      expect(listing.operations.map((op: { name: string }) => op.name)).to.deep.equal(names);
      expect(listing.nextPageToken).to.equal('');
      // 2 + 2 + 1: three pages, each one HTTP request.
      expect(calls.map((call) => `${call.transport} ${call.method}`)).to.deep.equal(Array(3).fill('http ListOperations'));
    },
  });

  add({
    title: `${rules}: cancel, then wait exits 3 with the cancelled operation`,
    start: async (ctx) => {
      const op = ctx.server.createOperation({ name: `${ctx.user}/operations/long` });
      const cancel = await ctx.cli([...over(ctx, rules), 'cancel', op]);
      const wait = await ctx.cli([...over(ctx, rules), 'wait', op]);
      return { op, cancel, wait };
    },
    check: ({ op, cancel, wait }: { op: string; cancel: CliResult; wait: CliResult }) => {
      expect(cancel.code, cancel.stderr).to.equal(0);
      expect(cancel.stdout).to.include(`Cancellation requested for ${op}`);
      expect(wait.code).to.equal(3);
      expect(wait.stdout).to.include('state:     CANCELLED');
      expectOneErrorLine(wait, /failed with CANCELLED/);
    },
  });

  add({
    title: `${rules}: delete, then get is NOT_FOUND (exit 5)`,
    start: async (ctx) => {
      const op = ctx.server.createOperation({ name: `${ctx.user}/operations/old`, response: struct({}) });
      const deleted = await ctx.cli([...over(ctx, rules), 'delete', op, '--json']);
      const get = await ctx.cli([...over(ctx, rules), 'get', op]);
      return { op, deleted, get };
    },
    check: ({ op, deleted, get }: { op: string; deleted: CliResult; get: CliResult }) => {
      expect(deleted.code, deleted.stderr).to.equal(0);
      expect(json(deleted)).to.deep.equal({ name: op, deleted: true });
      expect(get.code).to.equal(5);
      expectOneErrorLine(get, /^longrunning: GetOperation failed with NOT_FOUND/);
    },
  });

  add({
    title: `${rules}: wait follows a running operation until it completes` +
      (rules === 'service.yaml' ? ', long-polling the bound WaitOperation' : ', polling GetOperation (no WaitOperation rule)'),
    start: async (ctx) => {
      const op = ctx.server.createOperation({ name: `${ctx.user}/operations/later` });
      void whenCalled(ctx.server, op).then(() => ctx.server.complete(op, struct({ rows: 7 })));
      const result = await ctx.cli([...over(ctx, rules), 'wait', op, '--json']);
      return { result, calls: callsFor(ctx.server, op) };
    },
    check: ({ result, calls }: { result: CliResult; calls: CallRecord[] }) => {
      expect(result.code, result.stderr).to.equal(0);
      expect(json(result)).to.deep.include({ done: true, state: 'SUCCEEDED' });
      expect(json(result).response.value).to.deep.equal({ rows: 7 });
      expect(calls.length).to.be.at.least(1);
      expect(calls.every((call) => call.transport === 'http')).to.equal(true);
      const waits = calls.filter((call) => call.method === 'WaitOperation').length;
      if (rules === 'service.yaml') expect(waits).to.be.at.least(1);
      else expect(waits).to.equal(0);
    },
  });
}

add({
  title: 'the http: section alone (rules: [...]) is a rules file too',
  only: 'in process',
  start: async (ctx) => {
    const op = ctx.server.createOperation({ name: `${ctx.user}/operations/x`, response: struct({}) });
    return ctx.cli([...over(ctx, 'http-section.json'), 'get', op]);
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('state:     SUCCEEDED');
  },
});

add({
  title: '--debug says which rules of other APIs were skipped and where it waits',
  only: 'in process',
  start: async (ctx) => {
    const op = ctx.server.createOperation({ name: `${ctx.user}/operations/x`, response: struct({}) });
    return ctx.cli([...over(ctx, 'service.yaml'), '--debug', 'wait', op]);
  },
  check: (result: CliResult, ctx) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('longrunning: --http-rules: skipped 1 rule(s) of other APIs\n');
    expect(result.stderr).to.include(` at ${ctx.server.httpUrl!} `);
  },
});

add({
  title: '--header is sent as an HTTP request header with every request',
  start: async (ctx) => {
    const op = ctx.server.createOperation({ name: `${ctx.user}/operations/x`, response: struct({}) });
    const result = await ctx.cli([...over(ctx, 'service.yaml'), '--header', 'x-tenant: blue', '--header', 'x-trace=7', 'get', op]);
    return { result, calls: callsFor(ctx.server, op) };
  },
  check: ({ result, calls }: { result: CliResult; calls: CallRecord[] }) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(calls).to.have.length(1);
    expect(calls[0].transport).to.equal('http');
    expect(calls[0].metadata).to.include({ 'x-tenant': 'blue', 'x-trace': '7' });
  },
});

add({
  title: 'without --http-rules, the default bindings; an Any of a type the CLI does not know shows the server\'s JSON',
  start: async (ctx) => {
    const id = ctx.user.slice('users/'.length);
    const done = ctx.plain.createOperation({
      name: `operations/${id}-done`,
      metadata: types.pack('example.v1.ExportMetadata', { state: 'FINISHING' }),
      response: types.pack('example.v1.ExportResponse', { destination: 'gs://b/o' }),
    });
    const running = ctx.plain.createOperation({ name: `operations/${id}-run`, metadata: types.pack('example.v1.ExportMetadata', { state: 'RUNNING' }) });
    const base = ['--base-url', ctx.plain.httpUrl!, '--insecure'];
    return {
      done,
      running,
      human: await ctx.cli([...base, 'get', done]),
      machine: await ctx.cli([...base, 'get', done, '--json']),
      decoded: await ctx.cli([...base, ...PROTO_FLAGS, 'get', done, '--json']),
      listing: await ctx.cli([...base, 'list', 'operations', '--all']),
    };
  },
  check: ({ done, running, human, machine, decoded, listing }: Record<string, any>) => {
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.equal(`name:      ${done}\nstate:     SUCCEEDED\n` +
      'metadata:  example.v1.ExportMetadata (unknown type, as the server\'s JSON; load its .proto with --proto) {"state":"FINISHING"}\n' +
      'response:  example.v1.ExportResponse (unknown type, as the server\'s JSON; load its .proto with --proto) {"destination":"gs://b/o"}\n');
    expect(machine.code, machine.stderr).to.equal(0);
    expect(json(machine).response).to.deep.equal({ typeUrl: 'type.googleapis.com/example.v1.ExportResponse', json: { destination: 'gs://b/o' } });
    // With the .proto, the JSON becomes the message: decoded as over gRPC.
    expect(decoded.code, decoded.stderr).to.equal(0);
    expect(json(decoded).response.value).to.include({ destination: 'gs://b/o' });
    // The state a running operation's JSON metadata reports, as for a decoded one.
    expect(listing.code, listing.stderr).to.equal(0);
    expect(listing.stdout).to.match(new RegExp(`^${running}\\s+RUNNING\\s+RUNNING$`, 'm'));
  },
});

add({
  title: 'LONGRUNNING_BASE_URL supplies the base URL',
  only: 'in process',
  start: async (ctx) => {
    const op = ctx.server.createOperation({ name: `${ctx.user}/operations/env`, response: struct({}) });
    return ctx.cli(['--insecure', '--http-rules', ctx.file('service.yaml'), 'get', op], { env: { LONGRUNNING_BASE_URL: ctx.server.httpUrl! } });
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('state:     SUCCEEDED');
  },
});

add({
  title: '--base-url wins over LONGRUNNING_ADDRESS (a flag over the environment)',
  only: 'in process',
  start: async (ctx) => {
    const op = ctx.server.createOperation({ name: `${ctx.user}/operations/env`, response: struct({}) });
    return ctx.cli([...over(ctx, 'service.yaml'), 'get', op], { env: { LONGRUNNING_ADDRESS: '127.0.0.1:1' } });
  },
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
  },
});

add({
  title: 'demo --http runs the demo over the embedded server\'s HTTP/JSON front-end, long-polling its :wait binding',
  only: 'in process',
  start: ({ cli }) => cli(['demo', '--http', '--json']),
  check: (result: CliResult) => {
    expect(result.code, result.stderr).to.equal(0);
    const document = json(result);
    expect(document.server).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(document.jobs.map((job: { name: string; state: string }) => `${job.name} ${job.state}`)).to.deep.equal([
      'operations/fast-export SUCCEEDED',
      'operations/long-import SUCCEEDED',
      'operations/failing-train FAILED',
      'operations/cancelled-scan CANCELLED',
    ]);
    expect(document.jobs[2].operation.error.details[0].value).to.include({ reason: 'GPU_QUOTA_EXCEEDED' });
    expect(document.pages).to.have.length(2);
    expect(document.rpcs.byMethod).to.have.property('CancelOperation', 1);
    expect(document.rpcs.byMethod.WaitOperation).to.be.at.least(4);
  },
});

// ---- bad input: one line, exit 2, nothing sent -----------------------------------------

const usage = (title: string, args: (ctx: Context) => string[], pattern: RegExp,
  options: { only?: Mode; env?: Record<string, string> } = {}): void => add({
  title: `usage error (exit 2): ${title}`,
  only: options.only ?? 'in process',
  start: async (ctx) => {
    const before = ctx.server.calls.length;
    const result = await ctx.cli(args(ctx), options.env === undefined ? {} : { env: options.env });
    return { result, sent: ctx.server.calls.slice(before).filter((call) => call.name.startsWith(ctx.user)).length };
  },
  check: ({ result, sent }: { result: CliResult; sent: number }) => {
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stdout).to.equal('');
    expectOneErrorLine(result, pattern);
    expect(sent).to.equal(0);
  },
});

const rulesFile = (key: keyof typeof FILES) => (ctx: Context) => [...over(ctx, key), 'get', `${ctx.user}/operations/x`];

usage('a missing --http-rules file', (ctx) => [...over(ctx, 'service.yaml').slice(0, -1), path.join(REPO_ROOT, 'no', 'such.yaml'), 'get', 'users/a/operations/b'],
  /^longrunning: --http-rules \S*no\/such\.yaml: cannot read it \(ENOENT\)$/, { only: 'child process' });
usage('unparseable JSON', rulesFile('broken.json'), /^longrunning: --http-rules \S*broken\.json: not valid JSON: /);
usage('unparseable YAML, with its line', rulesFile('broken.yaml'), /^longrunning: --http-rules \S*broken\.yaml: not valid YAML: .*line \d+, column \d+$/,
  { only: 'child process' });
usage('a document of neither shape', rulesFile('shape.json'),
  /^longrunning: --http-rules \S*shape\.json: expected a list of google\.api\.HttpRule objects, or a service config with http: \{ rules: \[\.\.\.\] \}$/);
usage('http.rules that is not a list', rulesFile('not-a-list.yaml'), /not-a-list\.yaml: http\.rules is not a list of rules$/);
usage('a rule that is not an object', rulesFile('scalar.json'), /scalar\.json: rules\[0\] is not an object/);
usage('no rules', rulesFile('empty.yaml'), /empty\.yaml: http\.rules is empty/);
usage('only other APIs\' rules', rulesFile('others-only.yaml'), /others-only\.yaml: http\.rules has no rule for google\.longrunning\.Operations/);
usage('a malformed template, named by its place in the file', rulesFile('bad-template.yaml'),
  /^longrunning: --http-rules \S*bad-template\.yaml: Expected `http\.rules\[2\]\.get` to be /);
usage('an unknown Operations method', rulesFile('unknown-method.json'), /unknown-method\.json: Expected `rules\[0\]\.selector` to be .*Frobnicate/);
usage('a key in both spellings', rulesFile('both-spellings.json'), /both-spellings\.json: rules\[0\] has both additionalBindings and additional_bindings: give one$/);
usage('response_body, normalized and refused as the SDK refuses it', rulesFile('response-body.json'),
  /response-body\.json: Expected `rules\[0\]\.responseBody` to be absent: responseBody is not supported/);
usage('--http-rules with --address', (ctx) => ['--address', '127.0.0.1:1', '--insecure', '--http-rules', ctx.file('service.yaml'), 'get', 'operations/x'],
  /^longrunning: --http-rules needs --base-url/);
usage('--ca with --base-url', (ctx) => [...over(ctx, 'service.yaml'), '--ca', ctx.file('service.yaml'), 'get', 'operations/x'],
  /^longrunning: --ca is for gRPC TLS \(--address\)/);
usage('--address and --base-url', (ctx) => ['--address', '127.0.0.1:1', ...over(ctx, 'service.yaml'), 'get', 'operations/x'],
  /^longrunning: --address and --base-url exclude each other/);
usage('both environment variables', (ctx) => ['--insecure', 'get', `${ctx.user}/operations/x`],
  /^longrunning: LONGRUNNING_ADDRESS and LONGRUNNING_BASE_URL are both set/, { env: { LONGRUNNING_ADDRESS: '127.0.0.1:1', LONGRUNNING_BASE_URL: 'http://127.0.0.1:1' } });
usage('an http:// --base-url without --insecure', (ctx) => ['--base-url', ctx.server.httpUrl!, 'get', `${ctx.user}/operations/x`],
  /^longrunning: --base-url "http:\/\/127\.0\.0\.1:\d+" is plaintext http:\/\/: pass --insecure, or use https:\/\/$/);
usage('--insecure with an https:// --base-url', () => ['--base-url', 'https://127.0.0.1:1', '--insecure', 'get', 'operations/x'],
  /^longrunning: --insecure is for a plaintext http:\/\/ --base-url/);
usage('a --base-url that is not a URL', () => ['--base-url', 'localhost:8080/x y', '--insecure', 'get', 'operations/x'],
  /^longrunning: --base-url expects an https:\/\/ URL \(or http:\/\/ with --insecure\)/);
usage('an empty --base-url', () => ['--base-url', '', 'get', 'operations/x'], /^longrunning: --base-url expects a URL/);
usage('a --base-url with a password (not echoed)', () => ['--base-url', 'https://me:hunter2@127.0.0.1:1', 'get', 'operations/x'],
  /^longrunning: --base-url must not carry a user name or password: send credentials with --header$/);
usage('a credential --header over plaintext HTTP', (ctx) => [...over(ctx, 'service.yaml'), '--header', 'authorization: Bearer s3cret', 'get', 'operations/x'],
  /--header: credential headers are not sent over --insecure/);
usage('a name that matches none of the bindings', (ctx) => [...over(ctx, 'service.yaml'), 'get', 'operations/x'],
  /^longrunning: Expected `request\.name` to be a name matching one of the GetOperation bindings \(GET \/v1\/\{name=users\/\*\/operations\/\*\}\)/);

// ---- the suites -----------------------------------------------------------------------

for (const mode of ['child process', 'in process'] as const) {
  let server: InMemoryOperationsServer | undefined;
  let plain: InMemoryOperationsServer | undefined;
  let dir: string | undefined;
  describeCliCases<Context>(`longrunning CLI over HTTP/JSON (${mode})`, mode, cases, {
    async setUp(cli) {
      const files = mkdtempSync(path.join(tmpdir(), 'longrunning-cli-http-'));
      dir = files;
      for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(files, name), text);
      const users = await InMemoryOperationsServer.start({ http: true, httpRules: SERVER_RULES });
      server = users;
      types ??= await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [path.join(REPO_ROOT, 'test', 'fixtures', 'protos')] });
      const defaults = await InMemoryOperationsServer.start({ http: true, types });
      plain = defaults;
      return (index) => ({ mode, server: users, plain: defaults, cli, file: (key) => path.join(files, key), user: `users/c${index}` });
    },
    async tearDown() {
      await server?.stop();
      await plain?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    outputs: {
      title: 'never prints a credential',
      check(everything) {
        expect(everything).not.to.include('hunter2');
        expect(everything).not.to.include('s3cret');
      },
    },
  });
}

describe('docs/cli.md', () => {
  it('its --http-rules example is a rules file the CLI reads as documented', async () => {
    const page = readFileSync(path.join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(page)?.[1];
    expect(example, 'a yaml block').to.be.a('string');
    const dir = mkdtempSync(path.join(tmpdir(), 'longrunning-cli-docs-'));
    try {
      const file = path.join(dir, 'service.yaml');
      writeFileSync(file, example!);
      const { rules, skipped } = await loadHttpRules(file);
      expect(skipped).to.equal(1);
      expect(rules.map((rule) => rule.selector)).to.deep.equal(['ListOperations', 'GetOperation', 'CancelOperation', 'DeleteOperation'].map((m) => `${OPS}.${m}`));
      expect(rules[3]).to.deep.equal({
        selector: `${OPS}.DeleteOperation`,
        delete: '/v1/{name=users/*/operations/*}',
        additionalBindings: [{ delete: '/v1/{name=projects/*/operations/*}' }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
