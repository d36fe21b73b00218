/**
 * Bad inputs over HTTP/JSON (issue 11, item 4), against real servers on loopback: the
 * embedded server with the `users/*` bindings, and a scripted server that is not ours
 * (a proxy's HTML 502, JSON cut off, a 200 that is no Operation, a request never
 * answered). Each is a typed error; nothing hangs (every call is bounded by a deadline
 * and the test by mocha's timeout); the client stays usable afterwards.
 */
import { expect } from 'chai';
import { OperationsClient } from '../../src/client/operations-client.js';
import { Code } from '../../src/code.js';
import { InvalidArgumentError, PollTimeoutError, RpcError } from '../../src/errors.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { startScriptedHttpServer, type ScriptedAnswer, type ScriptedHttpServer } from '../helpers/scripted-http-server.js';
import { rejectionOf, thrown } from '../helpers/thrown.js';
import { USERS_RULES } from '../helpers/server-and-client.js';

describe('HTTP/JSON bad inputs against real servers (integration)', function () {
  this.timeout(20_000);

  describe('the embedded server with users/* bindings', () => {
    let server: InMemoryOperationsServer;
    let client: OperationsClient;

    beforeEach(async () => {
      server = await InMemoryOperationsServer.start({ http: true, httpRules: USERS_RULES });
      client = new OperationsClient({ baseUrl: server.httpUrl!, insecure: true, httpRules: USERS_RULES, retry: false, timeoutMs: 5_000 });
    });

    afterEach(async () => {
      await client.close();
      await server.stop();
    });

    it('a malformed rule is an InvalidArgumentError at construction, naming the rule', () => {
      const error = thrown(() => new OperationsClient({
        baseUrl: server.httpUrl!, insecure: true,
        httpRules: [{ selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*' }],
      }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('options.httpRules[0].get');
      expect((error as InvalidArgumentError).value).to.equal('/v1/{name=users/*');
    });

    it('a rule for a method that does not exist is an InvalidArgumentError naming its selector', () => {
      const error = thrown(() => new OperationsClient({
        baseUrl: server.httpUrl!, insecure: true, httpRules: [{ selector: 'google.longrunning.Operations.GetOperations', get: '/v1/{name=x/*}' }],
      }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('options.httpRules[0].selector');
    });

    it('a name matching no binding is an InvalidArgumentError, and no request is sent', async () => {
      const before = server.calls.length;
      const error = await rejectionOf(client.getOperation({ name: 'projects/p/operations/1' }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as Error).message).to.include('projects/p/operations/1');
      expect(server.calls.length).to.equal(before);
      // The client is fine afterwards.
      const name = server.createOperation({ name: 'users/alice/operations/1', done: true });
      expect((await client.getOperation({ name })).done).to.equal(true);
    });

    it('an http:// URL without `insecure` is an InvalidArgumentError naming baseUrl, with the hint', () => {
      const error = thrown(() => new OperationsClient({ baseUrl: server.httpUrl! }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('options.baseUrl');
      expect((error as Error).message).to.include('insecure');
    });

    it('https:// against this plaintext server fails as an RpcError without a connection, not a hang', async () => {
      const tls = new OperationsClient({ baseUrl: server.httpUrl!.replace('http:', 'https:'), httpRules: USERS_RULES, retry: false, timeoutMs: 5_000 });
      try {
        const error = await rejectionOf(tls.getOperation({ name: 'users/alice/operations/1' }));
        expect(error).to.be.instanceOf(RpcError);
        expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
        expect((error as RpcError).noConnection).to.equal(true);
      } finally {
        await tls.close();
      }
    });

    it('the server\'s own 404 for an unknown operation is NOT_FOUND', async () => {
      const error = await rejectionOf(client.getOperation({ name: 'users/alice/operations/none' }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.NOT_FOUND);
    });
  });

  describe('a scripted server that is not ours', () => {
    let scripted: ScriptedHttpServer;
    let answer: ScriptedAnswer;
    let client: OperationsClient;

    beforeEach(async () => {
      scripted = await startScriptedHttpServer(() => answer);
      client = new OperationsClient({ baseUrl: scripted.url, insecure: true, retry: false, timeoutMs: 5_000 });
    });

    afterEach(async () => {
      await client.close();
      await scripted.stop();
    });

    it("a proxy's HTML 502 is an UNAVAILABLE RpcError naming the status and quoting the body", async () => {
      answer = { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } };
      const error = await rejectionOf(client.getOperation({ name: 'operations/1' }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
      expect((error as Error).message).to.include('502').and.include('Bad Gateway');
    });

    it('a 502 is retried as a transient failure, a bounded number of times', async () => {
      answer = { status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/plain' } };
      const retrying = new OperationsClient({
        baseUrl: scripted.url, insecure: true, timeoutMs: 5_000, retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 2, jitter: 0 },
      });
      try {
        const error = await rejectionOf(retrying.getOperation({ name: 'operations/1' }));
        expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
        expect(scripted.received).to.have.length(3);
      } finally {
        await retrying.close();
      }
    });

    it('truncated JSON in a 200 is an INTERNAL RpcError quoting it', async () => {
      answer = { status: 200, body: '{"name": "operations/1", "done": tr' };
      const error = await rejectionOf(client.getOperation({ name: 'operations/1' }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.INTERNAL);
      expect((error as Error).message).to.include('"done": tr');
    });

    it('a body cut off by a dropped connection is an UNAVAILABLE RpcError', async () => {
      answer = 'cut';
      const error = await rejectionOf(client.getOperation({ name: 'operations/1' }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
    });

    for (const [what, body] of [['an array', '[]'], ['a string', '"ok"'], ['an Operation with a wrongly typed field', '{"name": "operations/1", "done": "yes"}']] as const) {
      it(`a 200 whose body is ${what} is an INTERNAL RpcError naming Operation`, async () => {
        answer = { status: 200, body };
        const error = await rejectionOf(client.getOperation({ name: 'operations/1' }));
        expect(error).to.be.instanceOf(RpcError);
        expect((error as RpcError).code).to.equal(Code.INTERNAL);
        expect((error as Error).message).to.include('Operation');
      });
    }

    it('a ListOperations 200 that is not a ListOperationsResponse is an INTERNAL RpcError', async () => {
      answer = { status: 200, body: '{"operations": {"name": "operations/1"}}' };
      const error = await rejectionOf(client.listOperations({ name: 'operations' }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.INTERNAL);
    });

    it('a request the server never answers ends at the deadline with DEADLINE_EXCEEDED', async () => {
      answer = 'hang';
      const error = await rejectionOf(client.getOperation({ name: 'operations/1' }, { timeoutMs: 200 }));
      expect(error).to.be.instanceOf(RpcError);
      expect((error as RpcError).code).to.equal(Code.DEADLINE_EXCEEDED);
    });

    it('a handle polling a server that answers garbage keeps polling (INTERNAL is transient) and ends at its timeout', async () => {
      answer = { status: 200, body: '[]' };
      const error = await rejectionOf(client.operation('operations/1', {
        polling: { strategy: 'poll', initialDelayMs: 5, maxDelayMs: 10, jitter: 0, totalTimeoutMs: 500 },
      }).promise());
      expect(error).to.be.instanceOf(PollTimeoutError);
      expect(scripted.received.length).to.be.at.least(2);
    });

    it('Retry-After on a 503 is honoured by the retry: the second attempt waits at least that long', async () => {
      answer = { status: 503, body: '{"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}', headers: { 'retry-after': '1' } };
      const retrying = new OperationsClient({
        baseUrl: scripted.url, insecure: true, timeoutMs: 10_000, retry: { retries: 1, initialDelayMs: 1, maxDelayMs: 2, jitter: 0 },
      });
      try {
        const started = Date.now();
        const error = await rejectionOf(retrying.getOperation({ name: 'operations/1' }));
        expect((error as RpcError).code).to.equal(Code.UNAVAILABLE);
        expect(scripted.received).to.have.length(2);
        // A lower bound only (what is guaranteed): the retry's own delay is 1-2 ms.
        expect(Date.now() - started).to.be.at.least(1_000);
      } finally {
        await retrying.close();
      }
    });
  });
});
