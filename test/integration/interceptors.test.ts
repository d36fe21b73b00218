/**
 * Interceptors (`OperationsClientOptions.interceptors`) against the embedded server, over
 * both transports: order, headers reaching the server, retries re-running the chain,
 * the signal, errors, and the plaintext credential refusal after the interceptors ran.
 * The debug log's interceptor is here too, with its sink stubbed.
 */
import { expect } from 'chai';
import { setDebugLog } from '../../src/debug-log.js';
import {
  Code, InvalidArgumentError, LongRunningError, RpcError,
  type Interceptor, type InterceptorContext, type OperationsClient,
} from '../../src/index.js';
import type { InMemoryOperationsServer } from '../../src/testing.js';
import { TRANSPORTS, startServerAndClient, type ServerAndClientOptions } from '../helpers/server-and-client.js';
import { rejectionOf as thrown } from '../helpers/thrown.js';

/** Fast retries: the delays are not what is tested. */
const QUICK_RETRY = { retries: 2, initialDelayMs: 1, maxDelayMs: 1, jitter: 0 };

for (const transport of TRANSPORTS) describe(`interceptors (integration, ${transport})`, function () {
  let server: InMemoryOperationsServer | undefined;
  let client: OperationsClient | undefined;
  let stop: (() => Promise<void>) | undefined;

  async function start(options: NonNullable<ServerAndClientOptions['client']>): Promise<{ server: InMemoryOperationsServer; client: OperationsClient }> {
    ({ server, client, stop } = await startServerAndClient({ transport, client: options }));
    return { server, client };
  }

  afterEach(async () => {
    setDebugLog(undefined);
    await stop?.();
    stop = undefined;
  });

  it('runs the chain in order, the first outermost, with the context of the attempt', async () => {
    const events: string[] = [];
    const contexts: InterceptorContext[] = [];
    const named = (label: string): Interceptor => (next) => async (context) => {
      events.push(`${label} in`);
      contexts.push(context);
      const response = await next(context);
      events.push(`${label} out`);
      return response;
    };
    const { server, client } = await start({ interceptors: [named('a'), named('b')] });
    const name = server.createOperation();
    const operation = await client.getOperation({ name });
    expect(operation.name).to.equal(name);
    expect(events).to.deep.equal(['a in', 'b in', 'b out', 'a out']);
    const [context] = contexts;
    expect(context).to.include({
      method: 'GetOperation', fullMethod: 'google.longrunning.Operations/GetOperation', attempt: 1, transport,
    });
    expect(context.request).to.deep.equal({ name });
    expect(context.signal).to.be.instanceOf(AbortSignal);
    expect(context.deadline).to.be.a('number');
  });

  it('sends the headers interceptors set, over the call\'s metadata, on every RPC', async () => {
    const tenant: Interceptor = (next) => (context) => {
      context.headers['x-tenant'] = 'blue';
      delete context.headers['x-drop'];
      return next(context);
    };
    const { server, client } = await start({ interceptors: [tenant], metadata: { 'x-client': 'one', 'x-drop': 'gone' } });
    const name = server.createOperation();
    await client.getOperation({ name }, { metadata: { 'x-call': 'two' } });
    await client.listOperations({ name: 'operations' });
    await client.cancelOperation({ name });
    await client.deleteOperation({ name });
    expect(server.calls.map((call) => call.method)).to.deep.equal(['GetOperation', 'ListOperations', 'CancelOperation', 'DeleteOperation']);
    for (const call of server.calls) {
      expect(call.metadata, call.method).to.include({ 'x-tenant': 'blue', 'x-client': 'one' });
      expect(call.metadata, call.method).not.to.have.property('x-drop');
    }
    expect(server.calls[0].metadata).to.include({ 'x-call': 'two' });
  });

  it('runs the chain again for each retry, with fresh headers and the attempt number', async () => {
    const attempts: number[] = [];
    const counting: Interceptor = (next) => (context) => {
      attempts.push(context.attempt);
      context.headers['x-attempt'] = `${context.headers['x-attempt'] ?? ''}${context.attempt}`;
      return next(context);
    };
    const { server, client } = await start({ interceptors: [counting], retry: QUICK_RETRY });
    const name = server.createOperation();
    server.failNext('GetOperation', { code: Code.UNAVAILABLE, message: 'flaky' }, 2);
    await client.getOperation({ name });
    expect(attempts).to.deep.equal([1, 2, 3]);
    // Each attempt starts from the call's headers, not from what the last attempt left.
    expect(server.calls.map((call) => call.metadata['x-attempt'])).to.deep.equal(['1', '2', '3']);
  });

  it('covers the polls of an operation handle', async () => {
    const methods: string[] = [];
    const { server, client } = await start({
      interceptors: [(next) => (context) => {
        methods.push(context.method);
        return next(context);
      }],
    });
    const name = server.createOperation();
    server.complete(name);
    await client.operation(name, { polling: { strategy: 'poll' } }).promise();
    expect(methods.length).to.be.within(1, 3);
    expect(methods.every((method) => method === 'GetOperation')).to.equal(true);
  });

  it('lets an interceptor answer without sending anything', async () => {
    const cached: Interceptor = () => (context) => Promise.resolve({ name: context.request.name, done: true });
    const { server, client } = await start({ interceptors: [cached] });
    const operation = await client.getOperation({ name: 'operations/cached' });
    expect(operation).to.deep.equal({ name: 'operations/cached', done: true });
    expect(server.calls).to.deep.equal([]);
  });

  it('gives interceptors the caller\'s signal, and the caller gets the abort reason as it is', async () => {
    let seen: AbortSignal | undefined;
    const controller = new AbortController();
    const reason = new Error('caller stopped');
    const aborting: Interceptor = (next) => (context) => {
      seen = context.signal;
      controller.abort(reason);
      return next(context);
    };
    const { server, client } = await start({ interceptors: [aborting] });
    const name = server.createOperation();
    const error = await thrown(client.getOperation({ name }, { signal: controller.signal }));
    expect(error).to.equal(reason);
    expect(seen?.aborted).to.equal(true);
    expect(server.calls).to.deep.equal([]);
  });

  it('passes a LongRunningError through, and retries a transient one', async () => {
    let attempts = 0;
    const flaky: Interceptor = (next) => (context) => {
      attempts++;
      if (context.attempt === 1) throw new RpcError(context.method, { code: Code.UNAVAILABLE, message: 'token refresh', details: [] });
      return next(context);
    };
    const { server, client } = await start({ interceptors: [flaky], retry: QUICK_RETRY });
    const name = server.createOperation();
    expect((await client.getOperation({ name })).name).to.equal(name);
    expect(attempts).to.equal(2);

    const denied: Interceptor = () => (context) => Promise.reject(new RpcError(context.method, { code: Code.PERMISSION_DENIED, message: 'no', details: [] }));
    await stop!();
    const second = await start({ interceptors: [denied], retry: QUICK_RETRY });
    const error = await thrown(second.client.getOperation({ name: 'operations/x' }));
    expect(error).to.be.instanceOf(RpcError).with.property('code', Code.PERMISSION_DENIED);
  });

  it('wraps any other error of an interceptor in an RpcError UNKNOWN with the error as cause, not retried', async () => {
    class AuthError extends Error {}
    const cause = new AuthError('token expired');
    let attempts = 0;
    const auth: Interceptor = () => () => {
      attempts++;
      throw cause;
    };
    const { client } = await start({ interceptors: [auth], retry: QUICK_RETRY });
    const error = await thrown(client.getOperation({ name: 'operations/x' }));
    expect(error).to.be.instanceOf(RpcError).and.instanceOf(LongRunningError);
    expect(error).to.include({ code: Code.UNKNOWN, method: 'GetOperation', cause });
    expect((error as Error).message).to.contain('token expired');
    expect(attempts).to.equal(1);
  });

  it('checks the headers after the interceptors: bad ones and plaintext credentials are refused, nothing sent', async () => {
    const credential: Interceptor = (next) => (context) => {
      context.headers.authorization = 'Bearer secret-token';
      return next(context);
    };
    const { server, client } = await start({ interceptors: [credential] });
    const error = await thrown(client.getOperation({ name: 'operations/x' }));
    expect(error).to.be.instanceOf(InvalidArgumentError).with.property('value', 'authorization');
    expect(JSON.stringify(error)).not.to.contain('secret-token');
    expect(server.calls).to.deep.equal([]);

    const upper: Interceptor = (next) => (context) => {
      context.headers['X-Upper'] = 'value';
      return next(context);
    };
    await stop!();
    const second = await start({ interceptors: [upper] });
    expect(await thrown(second.client.getOperation({ name: 'operations/x' }))).to.be.instanceOf(InvalidArgumentError);
    expect(second.server.calls).to.deep.equal([]);
  });

  it('sends plaintext credential headers from an interceptor when allowInsecureCredentials is true', async () => {
    const credential: Interceptor = (next) => (context) => {
      context.headers.authorization = 'Bearer local';
      return next(context);
    };
    const { server, client } = await start({ interceptors: [credential], allowInsecureCredentials: true });
    const name = server.createOperation();
    await client.getOperation({ name });
    expect(server.calls[0].metadata).to.include({ authorization: 'Bearer local' });
  });

  it('writes one debug line per attempt and per retry decision, without header values', async () => {
    const lines: string[] = [];
    setDebugLog((line) => lines.push(line));
    const { server, client } = await start({
      retry: QUICK_RETRY, allowInsecureCredentials: true, metadata: { authorization: 'Bearer not-a-secret-name' },
    });
    const name = server.createOperation();
    server.failNext('GetOperation', { code: Code.UNAVAILABLE, message: 'flaky' }, 1);
    await client.getOperation({ name }, { metadata: { 'x-secret': 'hunter2' } });
    expect(server.calls[1].metadata).to.include({ authorization: 'Bearer not-a-secret-name' });
    const rpc = lines.filter((line) => line.startsWith('[longrunning] rpc '));
    expect(rpc).to.have.length(2);
    expect(rpc[0]).to.match(new RegExp(`^\\[longrunning\\] rpc GetOperation ${name} attempt=1 transport=${transport} \\d+ms UNAVAILABLE$`));
    expect(rpc[1]).to.match(new RegExp(`^\\[longrunning\\] rpc GetOperation ${name} attempt=2 transport=${transport} \\d+ms OK$`));
    expect(lines.filter((line) => line.startsWith('[longrunning] retry '))).to.have.length(1)
      .and.satisfy((retry: string[]) => /GetOperation attempt=1 failed UNAVAILABLE: retry in \d+ms \(backoff/.test(retry[0]));
    expect(lines.join('\n')).not.to.contain('hunter2').and.not.to.contain('not-a-secret-name').and.not.to.contain('flaky');
  });

  it('writes debug lines for a handle\'s poll steps and state changes', async () => {
    const lines: string[] = [];
    setDebugLog((line) => lines.push(line));
    const { server, client } = await start({ allowInsecureCredentials: true, metadata: { authorization: 'Bearer hunter2' } });
    const name = server.createOperation();
    server.fail(name, { code: Code.ABORTED, message: 'server secret message' });
    const error = await thrown(client.operation(name, { polling: { strategy: 'poll' } }).promise());
    expect(error).to.be.instanceOf(LongRunningError);
    expect(lines.find((line) => line.startsWith('[longrunning] poll '))).to.match(
      new RegExp(`^\\[longrunning\\] poll ${name} strategy=poll after=0ms \\(first poll\\): GetOperation$`));
    expect(lines.filter((line) => line.startsWith('[longrunning] state '))).to.deep.equal([
      `[longrunning] state ${name} done=true progress=unknown outcome=ABORTED`,
    ]);
    expect(lines.join('\n')).not.to.contain('hunter2').and.not.to.contain('server secret message');
  });
});
