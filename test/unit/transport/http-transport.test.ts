import { expect } from 'chai';
import sinon from 'sinon';
import { retryDelayFromDetails } from '../../../src/any/rpc-status.js';
import { Code } from '../../../src/code.js';
import { ClientClosedError, InvalidArgumentError, RpcError } from '../../../src/errors.js';
import type { HttpRule } from '../../../src/http/http-rule.js';
import { HttpOperationsTransport, parseRetryAfter, type HttpTransportOptions } from '../../../src/transport/http-transport.js';
import { rejectionOf, thrown } from '../../helpers/thrown.js';

/** One request the scripted fetch received. */
interface Sent { url: string; method: string; headers: Headers; body: string | undefined; signal: AbortSignal }

/** A fetch that records each request and answers with the next scripted response (or waits for abort). */
function scriptedFetch(...answers: Array<Response | Error | 'hang'>) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init!.signal!;
    sent.push({
      url: input instanceof Request ? input.url : input.toString(), method: init!.method!, headers: new Headers(init!.headers), body: init!.body as string | undefined, signal,
    });
    const answer = answers.shift() ?? new Response('{}', { status: 200 });
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch: fetch, sent };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const WAIT_RULE: HttpRule = { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' };
const USERS_RULES: HttpRule[] = [
  { selector: 'google.longrunning.Operations.ListOperations', get: '/v1/{name=users/*}/operations' },
  { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*/operations/*}' },
];

function transport(fetch: typeof globalThis.fetch, options: Partial<HttpTransportOptions> = {}) {
  return new HttpOperationsTransport({ baseUrl: 'http://127.0.0.1:9', insecure: true, fetch, ...options });
}

const later = () => ({ deadline: Date.now() + 60_000 });

describe('HttpOperationsTransport', () => {
  describe('construction', () => {
    const fetch = scriptedFetch().fetch;
    const cases: Array<[string, Partial<HttpTransportOptions> & { [key: string]: unknown }, string]> = [
      ['http:// without insecure', { baseUrl: 'http://127.0.0.1:9', insecure: undefined }, 'options.baseUrl'],
      ['https:// with insecure', { baseUrl: 'https://example.com', insecure: true }, 'options.insecure'],
      ['not a URL', { baseUrl: 'example.com:443' }, 'options.baseUrl'],
      ['another scheme', { baseUrl: 'ftp://example.com', insecure: true }, 'options.baseUrl'],
      ['a query', { baseUrl: 'http://127.0.0.1:9/?a=1' }, 'options.baseUrl'],
      ['not a string', { baseUrl: 42 as never }, 'options.baseUrl'],
      ['fetch not a function', { fetch: 'no' as never }, 'options.fetch'],
      ['auth over plaintext', { auth: { getRequestHeaders: async () => ({}) } }, 'options.auth'],
      ['auth without getRequestHeaders', { baseUrl: 'https://example.com', insecure: undefined, auth: {} as never }, 'options.auth'],
      ['a malformed rule', { httpRules: [{ selector: 'google.longrunning.Operations.GetOperation', get: 'v1/{name' }] }, 'options.httpRules[0]'],
      ['rules not an array', { httpRules: {} as never }, 'options.httpRules'],
      ['an unknown option', { address: 'x:1' }, 'options.address'],
      ['a bad receive limit', { maxReceiveMessageBytes: 0 }, 'options.maxReceiveMessageBytes'],
    ];
    for (const [what, options, argument] of cases) {
      it(`refuses ${what} with an InvalidArgumentError naming ${argument}`, () => {
        const error = thrown(() => transport(fetch, options));
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument.startsWith(argument), (error as Error).message).to.be.true;
      });
    }

    it('never echoes a password given in the URL', () => {
      const error = thrown(() => new HttpOperationsTransport({ baseUrl: 'https://me:s3cret@example.com' }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as Error).message).not.to.include('s3cret');
    });
  });

  it('GetOperation: GET on the default binding, headers, and the Operation decoded from JSON', async () => {
    const { fetch, sent } = scriptedFetch(json({ name: 'operations/a b', done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } }));
    const operation = await transport(fetch).getOperation({ name: 'operations/a b' }, { ...later(), metadata: { 'x-tenant': 'blue' } });
    expect(operation.name).to.equal('operations/a b');
    expect(operation.done).to.equal(true);
    expect(operation.response?.typeUrl).to.equal('type.googleapis.com/google.protobuf.Empty');
    expect(sent).to.have.length(1);
    expect(sent[0].method).to.equal('GET');
    expect(sent[0].url).to.equal('http://127.0.0.1:9/v1/operations/a%20b');
    expect(sent[0].body).to.equal(undefined);
    expect(sent[0].headers.get('x-tenant')).to.equal('blue');
    expect(sent[0].headers.get('accept')).to.equal('application/json');
    const serverTimeout = Number(sent[0].headers.get('x-server-timeout'));
    expect(serverTimeout).to.be.greaterThan(0).and.at.most(60);
  });

  it('keeps the base URL path prefix and drops its trailing slash', async () => {
    const { fetch, sent } = scriptedFetch(json({ name: 'operations/x' }));
    await transport(fetch, { baseUrl: 'http://127.0.0.1:9/api/' }).getOperation({ name: 'operations/x' }, later());
    expect(sent[0].url).to.equal('http://127.0.0.1:9/api/v1/operations/x');
  });

  it('ListOperations: unbound fields go to the query string with their JSON names', async () => {
    const { fetch, sent } = scriptedFetch(json({ operations: [{ name: 'operations/1' }], nextPageToken: 'p2' }));
    const page = await transport(fetch).listOperations(
      { name: 'operations', filter: 'done = false', pageSize: 2, pageToken: 'p1', returnPartialSuccess: true }, later());
    expect(page.operations.map((operation) => operation.name)).to.deep.equal(['operations/1']);
    expect(page.nextPageToken).to.equal('p2');
    expect(page.unreachable).to.deep.equal([]);
    const url = new URL(sent[0].url);
    expect(url.pathname).to.equal('/v1/operations');
    expect(url.searchParams.get('filter')).to.equal('done = false');
    expect(url.searchParams.get('pageSize')).to.equal('2');
    expect(url.searchParams.get('pageToken')).to.equal('p1');
    expect(url.searchParams.get('returnPartialSuccess')).to.equal('true');
  });

  it('the users/* rules bind list to the parent and get to the operation', async () => {
    const { fetch, sent } = scriptedFetch(json({}), json({ name: 'users/alice/operations/7' }));
    const client = transport(fetch, { httpRules: USERS_RULES });
    const page = await client.listOperations({ name: 'users/alice' }, later());
    expect(page.operations).to.deep.equal([]);
    expect(page.nextPageToken).to.equal('');
    await client.getOperation({ name: 'users/alice/operations/7' }, later());
    expect(sent.map((request) => new URL(request.url).pathname)).to.deep.equal(['/v1/users/alice/operations', '/v1/users/alice/operations/7']);
  });

  it('a name matching none of the bindings is an InvalidArgumentError before anything is sent', async () => {
    const { fetch, sent } = scriptedFetch();
    const error = await rejectionOf(transport(fetch, { httpRules: USERS_RULES }).getOperation({ name: 'projects/p/operations/1' }, later()));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((error as Error).message).to.include('projects/p/operations/1');
    expect(sent).to.have.length(0);
  });

  it('CancelOperation posts to :cancel with a JSON body; DeleteOperation sends DELETE', async () => {
    const { fetch, sent } = scriptedFetch(json({}), new Response('', { status: 200 }));
    const client = transport(fetch);
    await client.cancelOperation({ name: 'operations/1' }, later());
    await client.deleteOperation({ name: 'operations/1' }, later());
    expect(sent.map((request) => `${request.method} ${new URL(request.url).pathname}`))
      .to.deep.equal(['POST /v1/operations/1:cancel', 'DELETE /v1/operations/1']);
    expect(JSON.parse(sent[0].body!)).to.deep.equal({});
    expect(sent[0].headers.get('content-type')).to.equal('application/json');
  });

  describe('WaitOperation', () => {
    it('without a rule: UNIMPLEMENTED without a request', async () => {
      const { fetch, sent } = scriptedFetch();
      const client = transport(fetch);
      expect(client.canWait).to.equal(false);
      const error = await rejectionOf(client.waitOperation({ name: 'operations/1', timeoutMs: 1000 }, later()));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.UNIMPLEMENTED);
      expect((error as Error).message).to.include('google.longrunning.Operations.WaitOperation');
      expect(sent).to.have.length(0);
    });

    it('with a rule: POST with the timeout as a Duration in the body', async () => {
      const { fetch, sent } = scriptedFetch(json({ name: 'operations/1', done: true }));
      const client = transport(fetch, { httpRules: [WAIT_RULE] });
      expect(client.canWait).to.equal(true);
      const operation = await client.waitOperation({ name: 'operations/1', timeoutMs: 1500 }, later());
      expect(operation.done).to.equal(true);
      expect(sent[0].method).to.equal('POST');
      expect(new URL(sent[0].url).pathname).to.equal('/v1/operations/1:wait');
      expect(JSON.parse(sent[0].body!)).to.deep.equal({ timeout: '1.500s' });
    });

    it('a timeoutMs that is not a number is an InvalidArgumentError naming the field, before anything is sent', async () => {
      const { fetch, sent } = scriptedFetch();
      const error = await rejectionOf(transport(fetch, { httpRules: [WAIT_RULE] }).waitOperation({ name: 'operations/1', timeoutMs: 'soon' as never }, later()));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('request.timeoutMs');
      expect((error as InvalidArgumentError).value).to.equal('soon');
      expect(sent).to.have.length(0);
    });
  });

  describe('errors', () => {
    it('the JSON error envelope becomes an RpcError with the gRPC code of `status`', async () => {
      const { fetch } = scriptedFetch(json({ error: { code: 404, message: 'no such operation', status: 'NOT_FOUND' } }, 404));
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.NOT_FOUND);
      expect((error as RpcError).status.message).to.equal('no such operation');
      expect((error as RpcError).noConnection).to.equal(false);
    });

    it("a proxy's HTML 502 is a clear UNAVAILABLE RpcError", async () => {
      const { fetch } = scriptedFetch(new Response('<html><body>Bad Gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } }));
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
      expect((error as Error).message).to.include('502');
    });

    for (const status of [429, 503]) {
      it(`Retry-After on ${status} becomes a RetryInfo the retry honours`, async () => {
        const { fetch } = scriptedFetch(json({ error: { code: status, message: 'slow down', status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' } }, status, { 'retry-after': '3' }));
        const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
        expect(error).to.be.instanceOf(RpcError);
        expect(retryDelayFromDetails((error as RpcError).details)).to.equal(3000);
      });
    }

    it("a server's own RetryInfo wins over Retry-After", async () => {
      const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' };
      const { fetch } = scriptedFetch(json({ error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED', details: [retryInfo] } }, 429, { 'retry-after': '3' }));
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
      expect(retryDelayFromDetails((error as RpcError).details)).to.equal(7000);
    });

    it('truncated JSON in a 200 is an INTERNAL RpcError quoting it', async () => {
      const { fetch } = scriptedFetch(new Response('{"name": "operations/1", "do', { status: 200 }));
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
      expect((error as RpcError).code).to.equal(Code.INTERNAL);
      expect((error as Error).message).to.include('not JSON').and.include('operations/1');
    });

    for (const [what, body] of [['an array', []], ['an object without a name', { done: true }], ['a string', 'hello']] as const) {
      it(`a 200 whose body is ${what} is an INTERNAL RpcError`, async () => {
        const { fetch } = scriptedFetch(json(body));
        const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
        expect(error).to.be.instanceOf(RpcError);
        expect((error as RpcError).code).to.equal(Code.INTERNAL);
        expect((error as Error).message).to.include('Operation');
      });
    }

    it('a fetch that fails (nothing listening) is UNAVAILABLE with noConnection', async () => {
      const { fetch } = scriptedFetch(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, later()));
      expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
      expect((error as RpcError).noConnection).to.equal(true);
      expect((error as Error).message).to.include('ECONNREFUSED');
    });

    it('a body larger than maxReceiveMessageBytes is RESOURCE_EXHAUSTED', async () => {
      const { fetch } = scriptedFetch(json({ name: 'operations/1', metadata: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'x'.repeat(2000) } }));
      const error = await rejectionOf(transport(fetch, { maxReceiveMessageBytes: 1000 }).getOperation({ name: 'operations/1' }, later()));
      expect((error as RpcError).code).to.equal(Code.RESOURCE_EXHAUSTED);
    });

    it('the limit holds whatever the framing: declared length, none (chunked), compressed', async () => {
      const body = JSON.stringify({ name: 'operations/1', metadata: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'x'.repeat(2000) } });
      const small = JSON.stringify({ name: 'operations/1' });
      const stream = (text: string) => new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(text);
          for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.subarray(i, i + 100));
          controller.close();
        },
      });
      const answers = [
        new Response(body, { headers: { 'content-length': String(body.length) } }),
        new Response(stream(body)),
        // As a decoding fetch hands it over: the declared length is the compressed one.
        new Response(stream(body), { headers: { 'content-length': '40', 'content-encoding': 'gzip' } }),
      ];
      for (const answer of answers) {
        const { fetch } = scriptedFetch(answer);
        const error = await rejectionOf(transport(fetch, { maxReceiveMessageBytes: 1000 }).getOperation({ name: 'operations/1' }, later()));
        expect((error as RpcError).code).to.equal(Code.RESOURCE_EXHAUSTED);
      }
      for (const answer of [new Response(small, { headers: { 'content-length': String(small.length) } }), new Response(stream(small))]) {
        const { fetch } = scriptedFetch(answer);
        expect(await transport(fetch, { maxReceiveMessageBytes: 1000 }).getOperation({ name: 'operations/1' }, later()))
          .to.deep.equal({ name: 'operations/1', done: false });
      }
    });
  });

  describe('abort, deadline and close', () => {
    it("the caller's signal aborts the request and rejects with its reason", async () => {
      const { fetch, sent } = scriptedFetch('hang');
      const controller = new AbortController();
      const call = transport(fetch).getOperation({ name: 'operations/1' }, { ...later(), signal: controller.signal });
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      const reason = new Error('mine');
      controller.abort(reason);
      expect(await rejectionOf(call)).to.equal(reason);
      expect(sent[0].signal.aborted).to.equal(true);
    });

    it('the deadline aborts the request with DEADLINE_EXCEEDED', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const { fetch, sent } = scriptedFetch('hang');
        const call = rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, { deadline: Date.now() + 5_000 }));
        await clock.tickAsync(5_000);
        const error = await call;
        expect((error as RpcError).code).to.equal(Code.DEADLINE_EXCEEDED);
        expect(sent[0].signal.aborted).to.equal(true);
      } finally {
        clock.restore();
      }
    });

    it('close() rejects the requests in flight with ClientClosedError and refuses later ones', async () => {
      const { fetch, sent } = scriptedFetch('hang');
      const client = transport(fetch);
      const call = rejectionOf(client.getOperation({ name: 'operations/1' }, later()));
      await new Promise((resolve) => setImmediate(resolve));
      await client.close();
      expect(await call).to.be.instanceOf(ClientClosedError);
      expect(await rejectionOf(client.getOperation({ name: 'operations/1' }, later()))).to.be.instanceOf(ClientClosedError);
      expect(sent).to.have.length(1);
    });

    it('many requests in flight at once add no listener to a shared signal (no MaxListenersExceededWarning); close() rejects them all', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const { fetch, sent } = scriptedFetch(...Array.from({ length: 30 }, () => 'hang' as const));
        const client = transport(fetch);
        const calls = Array.from({ length: 30 }, (_, i) => rejectionOf(client.getOperation({ name: `operations/${i}` }, later())));
        await new Promise((resolve) => setImmediate(resolve));
        expect(sent).to.have.length(30);
        await client.close();
        for (const error of await Promise.all(calls)) expect(error).to.be.instanceOf(ClientClosedError);
        // Node emits the warning on a later tick.
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.map((warning) => warning.name)).to.not.include('MaxListenersExceededWarning');
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  describe('many requests in flight', () => {
    it('adds no listener per request to a shared signal (no MaxListenersExceededWarning), and close() aborts them all', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const { fetch, sent } = scriptedFetch(...Array.from({ length: 25 }, () => 'hang' as const));
        const client = transport(fetch);
        const calls = Array.from({ length: 25 }, (_, i) => rejectionOf(client.getOperation({ name: `operations/${i}` }, later())));
        await new Promise((resolve) => setImmediate(resolve));
        expect(sent).to.have.length(25);
        await client.close();
        for (const error of await Promise.all(calls)) expect(error).to.be.instanceOf(ClientClosedError);
        expect(sent.every((request) => request.signal.aborted)).to.equal(true);
        // Node emits the warning on a later tick.
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).to.deep.equal([]);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  describe('credentials', () => {
    it("adds the auth client's headers", async () => {
      const { fetch, sent } = scriptedFetch(json({ name: 'operations/1' }));
      const auth = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer t0ken' }) };
      await new HttpOperationsTransport({ baseUrl: 'https://example.com', fetch, auth }).getOperation({ name: 'operations/1' }, later());
      expect(sent[0].headers.get('authorization')).to.equal('Bearer t0ken');
      expect(sent[0].url).to.equal('https://example.com/v1/operations/1');
    });

    it("an auth client's failure is UNAUTHENTICATED and sends nothing", async () => {
      const { fetch, sent } = scriptedFetch();
      const auth = { getRequestHeaders: () => Promise.reject(new Error('no token')) };
      const error = await rejectionOf(new HttpOperationsTransport({ baseUrl: 'https://example.com', fetch, auth }).getOperation({ name: 'operations/1' }, later()));
      expect((error as RpcError).code).to.equal(Code.UNAUTHENTICATED);
      expect(sent).to.have.length(0);
    });

    it('refuses a credential header over plaintext without echoing its value', async () => {
      const { fetch, sent } = scriptedFetch();
      const error = await rejectionOf(transport(fetch).getOperation({ name: 'operations/1' }, { ...later(), metadata: { authorization: 'Bearer s3cret' } }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as Error).message).to.include('authorization').and.not.include('s3cret');
      expect(sent).to.have.length(0);
    });

    it('sends it over plaintext with allowInsecureCredentials', async () => {
      const { fetch, sent } = scriptedFetch(json({ name: 'operations/1' }));
      await transport(fetch, { allowInsecureCredentials: true }).getOperation({ name: 'operations/1' }, { ...later(), metadata: { authorization: 'Bearer t' } });
      expect(sent[0].headers.get('authorization')).to.equal('Bearer t');
    });
  });

  it('an Any of a type it does not know arrives with its JSON form', async () => {
    const { fetch } = scriptedFetch(json({ name: 'operations/1', metadata: { '@type': 'type.googleapis.com/example.v1.Progress', percent: 40 } }));
    const operation = await transport(fetch).getOperation({ name: 'operations/1' }, later());
    expect(operation.metadata?.typeUrl).to.equal('type.googleapis.com/example.v1.Progress');
    expect(operation.metadata?.json).to.deep.equal({ percent: 40 });
  });

  it('parseRetryAfter reads seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(parseRetryAfter('3', now)).to.equal(3000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 10:00:10 GMT', now)).to.equal(10_000);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(null, now)).to.equal(undefined);
  });
});
