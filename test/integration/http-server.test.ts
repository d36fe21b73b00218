/**
 * The embedded server's HTTP/JSON front-end, with plain `fetch` against `httpUrl`: the
 * default and the `users/*` bindings, proto3 JSON answers with only Operation fields,
 * Google's error envelope, CORS, faults, the call log's transport, deadlines and stop().
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRetryInfo } from '../../src/any/rpc-status.js';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { Code } from '../../src/code.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { InMemoryOperationsServer, type InMemoryOperationsServerOptions } from '../../src/testing/in-memory-server.js';
import { GrpcOperationsTransport } from '../../src/transport/grpc-transport.js';
import { USERS_RULES } from '../helpers/server-and-client.js';

const PROTOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'protos');
const OPERATION_FIELDS = ['name', 'metadata', 'done', 'error', 'response'];
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds; the limit is a hang guard, not a speed check. */
async function until(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(5);
  }
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Parses the answer as JSON (every answer but a preflight's is). */
async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
}

/** The envelope's `error`, checked to have Google's shape. */
function envelope(answer: Reply, httpStatus: number, status: string): Record<string, unknown> {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(httpStatus);
  expect(Object.keys(answer.body)).to.deep.equal(['error']);
  const error = answer.body.error as Record<string, unknown>;
  expect(error.code).to.equal(httpStatus);
  expect(error.status).to.equal(status);
  expect(error.message).to.be.a('string');
  return error;
}

function thrown(fn: () => unknown): Promise<InvalidArgumentError> {
  return Promise.resolve().then(fn).then(
    () => { throw new Error('expected an InvalidArgumentError'); },
    (error: unknown) => {
      expect(error).to.be.instanceOf(InvalidArgumentError);
      return error as InvalidArgumentError;
    },
  );
}

describe('InMemoryOperationsServer over HTTP/JSON', () => {
  let server: InMemoryOperationsServer;

  async function start(options: InMemoryOperationsServerOptions = {}): Promise<InMemoryOperationsServer> {
    server = await InMemoryOperationsServer.start({ http: true, ...options });
    return server;
  }

  const call = async (verb: string, target: string, init: RequestInit = {}): Promise<Reply> =>
    reply(await fetch(`${server.httpUrl}${target}`, { method: verb, ...init }));

  afterEach(async () => {
    await server?.stop();
  });

  describe('options', () => {
    it('httpUrl is http://127.0.0.1:PORT, another port than gRPC, and undefined without http', async () => {
      await start();
      expect(server.httpUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new URL(server.httpUrl!).port).to.not.equal(String(server.port));
      const grpcOnly = await InMemoryOperationsServer.start();
      try {
        expect(grpcOnly.httpUrl).to.equal(undefined);
      } finally {
        await grpcOnly.stop();
      }
    });

    it('refuses httpRules or types without http: true, naming the option', async () => {
      const rules = await thrown(() => InMemoryOperationsServer.start({ httpRules: USERS_RULES }));
      expect(rules.argument).to.equal('options.httpRules');
      const types = await thrown(() => InMemoryOperationsServer.start({ http: false, types: TypeRegistry.empty() }));
      expect(types.argument).to.equal('options.types');
    });

    it('refuses a non-boolean http, a types that is not a TypeRegistry, and a malformed rule, naming it', async () => {
      expect((await thrown(() => InMemoryOperationsServer.start({ http: 'yes' as never }))).argument).to.equal('options.http');
      expect((await thrown(() => InMemoryOperationsServer.start({ http: true, types: {} as never }))).argument).to.equal('options.types');
      expect((await thrown(() => InMemoryOperationsServer.start({ http: true, httpRules: 'rules' as never }))).argument)
        .to.equal('options.httpRules');
      const malformed = await thrown(() => InMemoryOperationsServer.start({
        http: true, httpRules: [{ selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*' }],
      }));
      expect(malformed.argument).to.equal('options.httpRules[0].get');
    });
  });

  describe('the default bindings', () => {
    it('GET /v1/{name=operations/**} answers the operation, default values left out', async () => {
      await start();
      const running = server.createOperation({ metadata: TypeRegistry.empty().pack('google.protobuf.Struct', { percent: 40 }) });
      const answer = await call('GET', `/v1/${running}`);
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({
        name: running,
        metadata: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { percent: 40 } },
      });
    });

    it('answers a failed operation with its error, the gRPC code in Operation.error.code', async () => {
      await start();
      const failed = server.createOperation({ error: { code: Code.RESOURCE_EXHAUSTED, message: 'quota' } });
      const answer = await call('GET', `/v1/${failed}`);
      expect(answer.body).to.deep.equal({ name: failed, done: true, error: { code: Code.RESOURCE_EXHAUSTED, message: 'quota' } });
      for (const key of Object.keys(answer.body)) expect(OPERATION_FIELDS).to.include(key);
    });

    it('GET /v1/operations lists in pages until a page without nextPageToken', async () => {
      await start();
      const names = Array.from({ length: 5 }, () => server.createOperation());
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const query = new URLSearchParams({ pageSize: '2', ...(token === undefined ? {} : { pageToken: token }) });
        const answer = await call('GET', `/v1/operations?${query.toString()}`);
        expect(answer.status).to.equal(200);
        for (const key of Object.keys(answer.body)) expect(['operations', 'nextPageToken', 'unreachable']).to.include(key);
        seen.push(...(answer.body.operations as Array<{ name: string }>).map((op) => op.name));
        token = answer.body.nextPageToken as string | undefined;
        pages += 1;
      } while (token !== undefined && pages < 10);
      expect(seen).to.deep.equal(names);
      expect(pages).to.equal(3);
    });

    it('reads camelCase query parameters with + for spaces, and ignores $alt', async () => {
      await start();
      server.createOperation();
      const finished = server.createOperation({ done: true });
      const answer = await call('GET', '/v1/operations?filter=done+%3D+true&returnPartialSuccess=false&$alt=json%3Benum-encoding%3Dint');
      expect(answer.body).to.deep.equal({ operations: [{ name: finished, done: true }] });
      expect(server.calls.at(-1)?.request).to.deep.equal({ name: 'operations', filter: 'done = true', returnPartialSuccess: false });
    });

    it('POST :cancel with an empty body (as google-api-core sends it) answers {} and cancels', async () => {
      await start();
      const name = server.createOperation();
      const answer = await call('POST', `/v1/${name}:cancel`);
      expect(answer).to.include({ status: 200 });
      expect(answer.body).to.deep.equal({});
      expect(server.get(name)?.error?.code).to.equal(Code.CANCELLED);
      // A JSON body with the name (body "*") is accepted too.
      const other = server.createOperation();
      expect((await call('POST', `/v1/${other}:cancel`, { body: JSON.stringify({ name: other }) })).body).to.deep.equal({});
    });

    it('DELETE answers {} and removes the operation; GET then answers a 404 envelope', async () => {
      await start();
      const name = server.createOperation({ done: true });
      expect((await call('DELETE', `/v1/${name}`)).body).to.deep.equal({});
      expect(server.get(name)).to.equal(undefined);
      const error = envelope(await call('GET', `/v1/${name}`), 404, 'NOT_FOUND');
      expect(error.message).to.contain(name);
    });

    it('POST /v1/{name=operations/**}:wait holds until the operation is done', async () => {
      await start();
      const name = server.createOperation();
      const waiting = call('POST', `/v1/${name}:wait`, { body: JSON.stringify({ timeout: '30s' }) });
      await until(() => server.pendingWaits === 1);
      server.complete(name, TypeRegistry.empty().pack('google.protobuf.Duration', { seconds: 7, nanos: 500_000_000 }));
      const answer = await waiting;
      expect(answer.body).to.deep.equal({
        name, done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '7.500s' },
      });
      expect(server.calls.at(-1)?.request).to.deep.equal({ name, timeoutMs: 30_000 });
    });

    it('a wait answered at its timeout gives the running operation', async () => {
      await start();
      const name = server.createOperation();
      const answer = await call('POST', `/v1/${name}:wait`, { body: JSON.stringify({ timeout: '0.010s' }) });
      expect(answer.body).to.deep.equal({ name });
    });

    it('a wait of a server started with waitOperation: false answers 501 UNIMPLEMENTED', async () => {
      await start({ waitOperation: false });
      const name = server.createOperation();
      envelope(await call('POST', `/v1/${name}:wait`, { body: '{}' }), 501, 'UNIMPLEMENTED');
    });
  });

  describe('the users/* bindings (httpRules)', () => {
    it('serves list (pages), get, cancel, wait and delete under users/*', async () => {
      await start({ httpRules: USERS_RULES, defaultPageSize: 1 });
      const a = server.createOperation({ name: 'users/alice/operations/a' });
      const b = server.createOperation({ name: 'users/alice/operations/b' });
      server.createOperation({ name: 'users/bob/operations/c' });

      const first = await call('GET', '/v1/users/alice/operations');
      expect(first.body.operations).to.deep.equal([{ name: a }]);
      const second = await call('GET', `/v1/users/alice/operations?pageToken=${encodeURIComponent(first.body.nextPageToken as string)}`);
      expect(second.body).to.deep.equal({ operations: [{ name: b }] });

      expect((await call('GET', `/v1/${a}`)).body).to.deep.equal({ name: a });
      expect((await call('POST', `/v1/${a}:cancel`)).body).to.deep.equal({});
      const waited = await call('POST', `/v1/${a}:wait`, { body: JSON.stringify({ timeout: '5s' }) });
      expect(waited.body).to.deep.include({ name: a, done: true });
      expect((await call('DELETE', `/v1/${a}`)).body).to.deep.equal({});
      expect(server.get(a)).to.equal(undefined);

      expect(server.calls.map((c) => `${c.method} ${c.name}`)).to.deep.equal([
        'ListOperations users/alice', 'ListOperations users/alice', `GetOperation ${a}`, `CancelOperation ${a}`,
        `WaitOperation ${a}`, `DeleteOperation ${a}`,
      ]);
    });

    it('the default paths are gone for the overridden methods', async () => {
      await start({ httpRules: USERS_RULES });
      const name = server.createOperation();
      envelope(await call('GET', `/v1/${name}`), 404, 'NOT_FOUND');
    });
  });

  describe('errors', () => {
    beforeEach(() => start());

    it('an unknown path is a 404 envelope naming it', async () => {
      const error = envelope(await call('GET', '/v2/nothing/here'), 404, 'NOT_FOUND');
      expect(error.message).to.contain('/v2/nothing/here');
      expect(server.calls).to.deep.equal([]);
    });

    it('a known path with the wrong verb is a 405 UNIMPLEMENTED envelope with Allow', async () => {
      const name = server.createOperation();
      const answer = await call('PUT', `/v1/${name}`, { body: '{}' });
      envelope(answer, 405, 'UNIMPLEMENTED');
      expect(answer.headers.get('allow')).to.equal('GET, DELETE');
      expect((await call('POST', '/v1/operations')).headers.get('allow')).to.equal('GET');
    });

    it('a body that is not JSON, has an unknown field, or is not an object is a 400 INVALID_ARGUMENT', async () => {
      const name = server.createOperation();
      expect(envelope(await call('POST', `/v1/${name}:wait`, { body: '{"timeout":' }), 400, 'INVALID_ARGUMENT').message)
        .to.contain('not valid JSON');
      expect(envelope(await call('POST', `/v1/${name}:wait`, { body: '{"deadline":"1s"}' }), 400, 'INVALID_ARGUMENT').message)
        .to.contain('deadline');
      envelope(await call('POST', `/v1/${name}:cancel`, { body: '[]' }), 400, 'INVALID_ARGUMENT');
      expect(envelope(await call('POST', `/v1/${name}:wait`, { body: '{"timeout":"soon"}' }), 400, 'INVALID_ARGUMENT').message)
        .to.contain('timeout');
      expect(server.calls).to.deep.equal([]);
    });

    it('a bad query parameter is a 400 naming it', async () => {
      expect(envelope(await call('GET', '/v1/operations?pageSize=ten'), 400, 'INVALID_ARGUMENT').message).to.contain('pageSize');
      expect(envelope(await call('GET', '/v1/operations?bogus=1'), 400, 'INVALID_ARGUMENT').message).to.contain('bogus');
      expect(envelope(await call('GET', '/v1/operations?returnPartialSuccess=maybe'), 400, 'INVALID_ARGUMENT').message)
        .to.contain('returnPartialSuccess');
    });

    it('a bad X-Server-Timeout is a 400 naming the header', async () => {
      const name = server.createOperation();
      const error = envelope(await call('GET', `/v1/${name}`, { headers: { 'X-Server-Timeout': 'soon' } }), 400, 'INVALID_ARGUMENT');
      expect(error.message).to.contain('X-Server-Timeout');
    });

    it('a body over the size limit is a 413 INVALID_ARGUMENT envelope', async () => {
      const name = server.createOperation();
      const body = JSON.stringify({ timeout: '1s', padding: 'x'.repeat(1024 * 1024) });
      envelope(await call('POST', `/v1/${name}:wait`, { body }), 413, 'INVALID_ARGUMENT');
      expect(server.calls).to.deep.equal([]);
      // The server still answers afterwards.
      expect((await call('GET', `/v1/${name}`)).status).to.equal(200);
    });

    it('an error from the store or an override is the envelope of its status, details in JSON', async () => {
      server.override('GetOperation', () => ({
        status: { code: Code.FAILED_PRECONDITION, message: 'not yet', details: [encodeRetryInfo(1500)] },
      }));
      const error = envelope(await call('GET', '/v1/operations/x'), 400, 'FAILED_PRECONDITION');
      expect(error).to.deep.equal({
        code: 400, message: 'not yet', status: 'FAILED_PRECONDITION', details: [{ '@type': RETRY_INFO, retryDelay: '1.500s' }],
      });
    });

    it('an Any the server cannot render as JSON is a 500 naming its type', async () => {
      const name = server.createOperation({ metadata: { typeUrl: 'type.googleapis.com/test.Progress', value: Uint8Array.from([8, 1]) } });
      const error = envelope(await call('GET', `/v1/${name}`), 500, 'INTERNAL');
      expect(error.message).to.contain('test.Progress').and.contain('types');
      const list = envelope(await call('GET', '/v1/operations'), 500, 'INTERNAL');
      expect(list.message).to.contain('test.Progress');
    });
  });

  it('renders Anys of the types given as `types`', async () => {
    const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
    await start({ types });
    const name = server.createOperation({ metadata: types.pack('example.v1.ExportMetadata', { processedBytes: 42, warnings: ['slow'] }) });
    expect((await call('GET', `/v1/${name}`)).body).to.deep.equal({
      name,
      metadata: { '@type': 'type.googleapis.com/example.v1.ExportMetadata', processedBytes: '42', warnings: ['slow'] },
    });
  });

  describe('CORS', () => {
    beforeEach(() => start());

    it('answers a preflight with 204, every verb, the requested headers and a 10-minute max age', async () => {
      const name = server.createOperation();
      const response = await fetch(`${server.httpUrl}/v1/${name}:cancel`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-goog-api-client' },
      });
      expect(response.status).to.equal(204);
      expect(await response.text()).to.equal('');
      expect(response.headers.get('access-control-allow-origin')).to.equal('*');
      expect(response.headers.get('access-control-allow-methods')).to.contain('POST').and.contain('DELETE').and.contain('GET');
      expect(response.headers.get('access-control-allow-headers')).to.equal('content-type, x-goog-api-client');
      expect(response.headers.get('access-control-max-age')).to.equal('600');
      expect(server.calls).to.deep.equal([]);
    });

    it('every answer, errors included, allows any origin and exposes Retry-After', async () => {
      const name = server.createOperation();
      for (const answer of [await call('GET', `/v1/${name}`), await call('GET', '/nowhere'), await call('PATCH', `/v1/${name}`)]) {
        expect(answer.headers.get('access-control-allow-origin')).to.equal('*');
        expect(answer.headers.get('access-control-expose-headers')).to.equal('Retry-After');
      }
    });
  });

  describe('faults, overrides and the call log', () => {
    it('failNext UNAVAILABLE with RetryInfo is a 503 envelope with the detail in JSON and Retry-After', async () => {
      await start();
      const name = server.createOperation();
      server.failNext('GetOperation', { code: Code.UNAVAILABLE, message: 'try later', details: [encodeRetryInfo(1500)] });
      const answer = await call('GET', `/v1/${name}`);
      expect(envelope(answer, 503, 'UNAVAILABLE')).to.deep.equal({
        code: 503, message: 'try later', status: 'UNAVAILABLE', details: [{ '@type': RETRY_INFO, retryDelay: '1.500s' }],
      });
      expect(answer.headers.get('retry-after')).to.equal('2');
      expect((await call('GET', `/v1/${name}`)).status).to.equal(200);
    });

    it('random faults apply: unavailableRate 1 with retryDelayMs answers 503 with RetryInfo, only for the chosen methods', async () => {
      await start({ faults: { unavailableRate: 1, retryDelayMs: 250, methods: ['ListOperations'] } });
      const name = server.createOperation();
      const error = envelope(await call('GET', '/v1/operations'), 503, 'UNAVAILABLE');
      expect(error.details).to.deep.equal([{ '@type': RETRY_INFO, retryDelay: '0.250s' }]);
      expect((await call('GET', `/v1/${name}`)).status).to.equal(200);
    });

    it('injected latency holds the answer until the X-Server-Timeout deadline: 504 DEADLINE_EXCEEDED', async () => {
      await start({ faults: { latencyMs: 60_000 } });
      const name = server.createOperation();
      const answer = await call('GET', `/v1/${name}`, { headers: { 'X-Server-Timeout': '0.05' } });
      envelope(answer, 504, 'DEADLINE_EXCEEDED');
    });

    it('a held wait answers before its X-Server-Timeout deadline with the operation', async () => {
      await start();
      const name = server.createOperation();
      const answer = await call('POST', `/v1/${name}:wait`, { body: '{}', headers: { 'X-Server-Timeout': '0.2' } });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ name });
      expect(server.calls[0]?.request).to.deep.equal({ name });
    });

    it('overrides answer over HTTP too', async () => {
      await start();
      server.override('GetOperation', (request) => ({ name: request.name, done: true }));
      expect((await call('GET', '/v1/operations/made-up')).body).to.deep.equal({ name: 'operations/made-up', done: true });
    });

    it('records each call with its transport and its headers (lower case) as metadata', async () => {
      await start();
      const name = server.createOperation();
      await call('GET', `/v1/${name}`, { headers: { 'X-Custom-Header': 'Value' } });
      const transport = new GrpcOperationsTransport({ address: server.address, insecure: true });
      try {
        await transport.getOperation({ name }, { deadline: Date.now() + 5000 });
      } finally {
        await transport.close();
      }
      expect(server.calls.map((c) => [c.method, c.transport])).to.deep.equal([['GetOperation', 'http'], ['GetOperation', 'grpc']]);
      expect(server.calls[0]?.metadata['x-custom-header']).to.equal('Value');
      expect(server.calls[0]?.metadata.host).to.equal(new URL(server.httpUrl!).host);
    });

    it('a client that goes away during a held wait leaves no pending wait', async () => {
      await start();
      const name = server.createOperation();
      const controller = new AbortController();
      const waiting = fetch(`${server.httpUrl}/v1/${name}:wait`, { method: 'POST', body: '{}', signal: controller.signal })
        .catch((error: unknown) => error);
      await until(() => server.pendingWaits === 1);
      controller.abort();
      expect(await waiting).to.be.instanceOf(Error);
      await until(() => server.pendingWaits === 0);
    });
  });

  describe('stop()', () => {
    it('answers a held wait with the current state, other calls in flight 503, with Connection: close', async () => {
      await start();
      const held = server.createOperation({ metadata: TypeRegistry.empty().pack('google.protobuf.Struct', { percent: 10 }) });
      const slow = server.createOperation();
      const waiting = call('POST', `/v1/${held}:wait`, { body: '{}' });
      server.override('GetOperation', (_request, context) => new Promise((resolve) => {
        context.signal.addEventListener('abort', () => resolve({ name: slow, done: false }));
      }));
      const getting = call('GET', `/v1/${slow}`);
      await until(() => server.pendingWaits === 1 && server.calls.length === 2);
      const stopped = server.stop();
      const [waited, got] = await Promise.all([waiting, getting]);
      await stopped;
      expect(waited.status).to.equal(200);
      expect(waited.body).to.deep.equal({
        name: held, metadata: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { percent: 10 } },
      });
      expect(waited.headers.get('connection')).to.equal('close');
      envelope(got, 503, 'UNAVAILABLE');
      expect(got.headers.get('connection')).to.equal('close');
    });

    it('closes the listener: a request afterwards fails to connect', async () => {
      await start();
      const name = server.createOperation();
      expect((await call('GET', `/v1/${name}`)).status).to.equal(200);
      await server.stop();
      const failure = await fetch(`${server.httpUrl}/v1/${name}`).then(() => undefined, (error: unknown) => error);
      expect(failure).to.be.instanceOf(TypeError);
    });

    it('a stop while a request body is still being sent ends without waiting for it', async () => {
      await start();
      const name = server.createOperation();
      let feed!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (controller) => { feed = controller; } });
      const sending = fetch(`${server.httpUrl}/v1/${name}:wait`, { method: 'POST', body, duplex: 'half' })
        .then((response) => response.text(), (error: unknown) => error);
      feed.enqueue(new TextEncoder().encode('{"timeout":'));
      // Whether or not the request has reached the server by now, stop() must end.
      await delay(20);
      await server.stop();
      feed.close();
      await sending;
      expect(server.pendingWaits).to.equal(0);
    });
  });
});
