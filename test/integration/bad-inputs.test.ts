/**
 * Bad inputs (issue 6, item 3): a table of what users and servers get wrong, each row
 * run against the embedded server over real gRPC. A row asserts the typed error (and
 * for an InvalidArgumentError the `argument` it names and the `value` it rejected),
 * whether it is thrown synchronously (where the mistake is made) or as a rejection,
 * how many RPCs reached the server (none for anything the client can refuse itself),
 * and that nothing is lost: a bystander operation waits on the same client through
 * the whole table and must still resolve with its own result at the end.
 *
 * Decisions recorded here (see also docs/errors.md):
 * - A done Operation carrying both `error` and `response` is a failure: the codec keeps
 *   the error whatever the wire order (rows "both error and response").
 * - A done Operation whose error has code 0 (OK) is still a failure: the server said
 *   `error`. Its `code` should read UNKNOWN (2), as gRPC does for an invalid status,
 *   so that code checks never see "OK" on a failure; `status` keeps what was sent.
 * - A reply naming another operation than the one asked for must not settle the
 *   handle with that operation's result.
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import {
  ClientClosedError, InvalidArgumentError, LongRunningError, OperationCancelledError, OperationFailedError,
  PaginationError, TypeMismatchError,
} from '../../src/errors.js';
import type { LongRunningOperation } from '../../src/operation/long-running-operation.js';
import type { InMemoryOperationsServer, OperationsMethod } from '../../src/testing/in-memory-server.js';
import { CODECS } from '../../src/transport/codec.js';
import type { Any, Operation, PollingOptions } from '../../src/types.js';
import { startServerAndClient } from '../helpers/server-and-client.js';

const types = TypeRegistry.empty();
const struct = (value: Record<string, unknown>): Any => types.pack('google.protobuf.Struct', value);
const STRUCT_URL = 'type.googleapis.com/google.protobuf.Struct';
/** Field 1 (a string) claims 5 bytes, 1 follows: no message decodes from this. */
const UNDECODABLE = new Uint8Array([0x0a, 0x05, 0x61]);
const LONG_NAME = `operations/${'x'.repeat(4096)}`;
const FAST: PollingOptions = { strategy: 'poll', initialDelayMs: 5, maxDelayMs: 10, jitter: 0 };
const FAILED_PRECONDITION = 9;
const UNKNOWN = 2;
const METHODS: readonly OperationsMethod[] = ['GetOperation', 'ListOperations', 'CancelOperation', 'DeleteOperation', 'WaitOperation'];

const delay = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms);
});

interface Env {
  server: InMemoryOperationsServer;
  client: OperationsClient;
  /** A client closed before the table runs. */
  closed: OperationsClient;
  /** A handle of `closed`, made before it was closed, on a running operation. */
  closedHandle: LongRunningOperation;
  /** A fresh running operation on the server. */
  running: () => string;
  /** Makes `server` answer GetOperation for `name` with `reply` (other names as usual). */
  replyTo: (name: string, reply: Operation) => void;
}

interface Row {
  title: string;
  /** The bad call. A synchronous throw and a rejection are told apart. */
  act: (env: Env) => unknown;
  /** The error class expected; absent: the call must succeed (`check` inspects the result). */
  error?: abstract new (...args: never[]) => Error;
  /** InvalidArgumentError.argument. */
  argument?: string | RegExp;
  /** InvalidArgumentError.value (compared with Object.is, or deeply for objects). */
  value?: unknown;
  /** Thrown synchronously (true) or a rejection (false). @defaultValue false */
  sync?: boolean;
  /** RPCs that reach the server (the bystander's excluded); `'any'` when a fix may change it. @defaultValue 0 */
  rpcs?: number | 'any';
  /** Further checks of the error (or of the result when no error is expected). */
  check?: (outcome: any, env: Env) => unknown;
}

const NO_ERROR = Symbol('no error');

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** A done Operation given up front, unpacked with the client's registry: zero RPCs. */
const doneWith = (fields: Record<string, unknown>) => (env: Env) =>
  env.client.operation({ name: 'operations/given', done: true, ...fields }).promise();

const nameRows = (method: 'getOperation' | 'cancelOperation' | 'deleteOperation' | 'waitOperation'): Row[] => [
  { title: `${method}: empty name`, act: ({ client }) => client[method]({ name: '' }), error: InvalidArgumentError, argument: 'request.name', value: '' },
  { title: `${method}: oversized name (4107 characters)`, act: ({ client }) => client[method]({ name: LONG_NAME }), error: InvalidArgumentError, argument: 'request.name', value: LONG_NAME },
  { title: `${method}: name with a newline`, act: ({ client }) => client[method]({ name: 'operations/a\nb' }), error: InvalidArgumentError, argument: 'request.name', value: 'operations/a\nb' },
];

const ROWS: Row[] = [
  // --- names -------------------------------------------------------------------------
  ...nameRows('getOperation'),
  ...nameRows('cancelOperation'),
  ...nameRows('deleteOperation'),
  ...nameRows('waitOperation'),
  { title: 'getOperation: name with NUL', act: ({ client }) => client.getOperation({ name: 'operations/a\u0000b' }), error: InvalidArgumentError, argument: 'request.name', value: 'operations/a\u0000b' },
  { title: 'getOperation: name with DEL', act: ({ client }) => client.getOperation({ name: 'operations/a\u007fb' }), error: InvalidArgumentError, argument: 'request.name' },
  { title: 'getOperation: name not a string', act: ({ client }) => client.getOperation({ name: 42 } as never), error: InvalidArgumentError, argument: 'request.name', value: 42 },
  { title: 'getOperation: request null', act: ({ client }) => client.getOperation(null as never), error: InvalidArgumentError, argument: 'request', value: null },
  { title: 'cancelOperation: name with a tab', act: ({ client }) => client.cancelOperation({ name: 'operations/\t' }), error: InvalidArgumentError, argument: 'request.name' },
  { title: 'deleteOperation: name with a carriage return', act: ({ client }) => client.deleteOperation({ name: 'operations/\r' }), error: InvalidArgumentError, argument: 'request.name' },
  { title: 'listOperations: collection with a control character', act: ({ client }) => client.listOperations({ name: 'operations\u0001' }), error: InvalidArgumentError, argument: 'request.name', value: 'operations\u0001' },
  { title: 'listOperations: oversized collection', act: ({ client }) => client.listOperations({ name: LONG_NAME }), error: InvalidArgumentError, argument: 'request.name' },
  { title: 'listOperationsAsync: collection with a newline (thrown where the iterable is made)', act: ({ client }) => client.listOperationsAsync({ name: 'operations\n' }), error: InvalidArgumentError, argument: 'request.name', sync: true },
  { title: 'client.operation: empty name', act: ({ client }) => client.operation(''), error: InvalidArgumentError, argument: 'nameOrOperation', value: '', sync: true },
  { title: 'client.operation: oversized name', act: ({ client }) => client.operation(LONG_NAME), error: InvalidArgumentError, argument: 'nameOrOperation', sync: true },
  { title: 'client.operation: name with NUL', act: ({ client }) => client.operation('operations/\u0000'), error: InvalidArgumentError, argument: 'nameOrOperation', sync: true },
  { title: 'client.operation: neither a name nor an Operation', act: ({ client }) => client.operation(42 as never), error: InvalidArgumentError, argument: 'nameOrOperation', value: 42, sync: true },
  { title: 'client.operation: Operation with an empty name', act: ({ client }) => client.operation({ name: '', done: true }), error: InvalidArgumentError, argument: 'nameOrOperation.name', value: '', sync: true },
  // The same name rules as for a name string: refused where the handle is made, not
  // later by the first RPC of the loop (or never, for a done Operation).
  { title: 'client.operation: running Operation whose name has a newline', act: ({ client }) => client.operation({ name: 'operations/a\nb', done: false }), error: InvalidArgumentError, argument: 'nameOrOperation.name', value: 'operations/a\nb', sync: true },
  { title: 'client.operation: done Operation with an oversized name', act: ({ client }) => client.operation({ name: LONG_NAME, done: true }), error: InvalidArgumentError, argument: 'nameOrOperation.name', sync: true },

  // --- option types and ranges ---------------------------------------------------------
  { title: 'timeoutMs NaN', act: ({ client, running }) => client.getOperation({ name: running() }, { timeoutMs: Number.NaN }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: Number.NaN },
  { title: 'timeoutMs -1', act: ({ client, running }) => client.getOperation({ name: running() }, { timeoutMs: -1 }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: -1 },
  { title: 'timeoutMs -Infinity', act: ({ client, running }) => client.getOperation({ name: running() }, { timeoutMs: -Infinity }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: -Infinity },
  { title: "timeoutMs '5' (a string)", act: ({ client, running }) => client.getOperation({ name: running() }, { timeoutMs: '5' as never }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: '5' },
  { title: 'waitOperation: request.timeoutMs -1', act: ({ client, running }) => client.waitOperation({ name: running(), timeoutMs: -1 }), error: InvalidArgumentError, argument: 'request.timeoutMs', value: -1 },
  { title: 'waitOperation: request.timeoutMs NaN', act: ({ client, running }) => client.waitOperation({ name: running(), timeoutMs: Number.NaN }), error: InvalidArgumentError, argument: 'request.timeoutMs' },
  { title: 'pageSize -1', act: ({ client }) => client.listOperations({ name: 'operations', pageSize: -1 }), error: InvalidArgumentError, argument: 'request.pageSize', value: -1 },
  { title: 'pageSize 1.5', act: ({ client }) => client.listOperations({ name: 'operations', pageSize: 1.5 }), error: InvalidArgumentError, argument: 'request.pageSize', value: 1.5 },
  { title: "pageSize '10' (a string)", act: ({ client }) => client.listOperations({ name: 'operations', pageSize: '10' as never }), error: InvalidArgumentError, argument: 'request.pageSize', value: '10' },
  { title: 'byPage({ pageSize: -1 }) (thrown where the page iterable is made)', act: ({ client }) => client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: -1 }), error: InvalidArgumentError, argument: 'settings.pageSize', value: -1, sync: true },
  { title: 'byPage({ pageToken: 5 })', act: ({ client }) => client.listOperationsAsync({ name: 'operations' }).byPage({ pageToken: 5 as never }), error: InvalidArgumentError, argument: 'settings.pageToken', value: 5, sync: true },
  { title: 'call retry.jitter 2', act: ({ client, running }) => client.getOperation({ name: running() }, { retry: { jitter: 2 } }), error: InvalidArgumentError, argument: 'options.retry.jitter', value: 2 },
  { title: 'call retry.retries -1', act: ({ client, running }) => client.getOperation({ name: running() }, { retry: { retries: -1 } }), error: InvalidArgumentError, argument: 'options.retry.retries', value: -1 },
  { title: 'client retry.jitter 2', act: ({ server }) => new OperationsClient({ address: server.address, insecure: true, retry: { jitter: 2 } }), error: InvalidArgumentError, argument: 'options.retry.jitter', value: 2, sync: true },
  { title: "client polling.strategy 'fast'", act: ({ server }) => new OperationsClient({ address: server.address, insecure: true, polling: { strategy: 'fast' as never } }), error: InvalidArgumentError, argument: 'options.polling.strategy', value: 'fast', sync: true },
  { title: "handle polling.strategy 'fast'", act: ({ client, running }) => client.operation(running(), { polling: { strategy: 'fast' as never } }), error: InvalidArgumentError, argument: 'options.polling.strategy', value: 'fast', sync: true },
  { title: 'handle polling.multiplier 0.5', act: ({ client, running }) => client.operation(running(), { polling: { multiplier: 0.5 } }), error: InvalidArgumentError, argument: 'options.polling.multiplier', value: 0.5, sync: true },
  { title: 'handle polling.totalTimeoutMs -5', act: ({ client, running }) => client.operation(running(), { polling: { totalTimeoutMs: -5 } }), error: InvalidArgumentError, argument: 'options.polling.totalTimeoutMs', value: -5, sync: true },
  { title: "metadata key 'Bad Key'", act: ({ client, running }) => client.getOperation({ name: running() }, { metadata: { 'Bad Key': 'v' } }), error: InvalidArgumentError, argument: 'options.metadata key', value: 'Bad Key' },
  { title: "metadata key 'grpc-timeout' (reserved)", act: ({ client, running }) => client.getOperation({ name: running() }, { metadata: { 'grpc-timeout': '1S' } }), error: InvalidArgumentError, argument: 'options.metadata key', value: 'grpc-timeout' },
  { title: "metadata key 'x-trace-bin' (binary)", act: ({ client, running }) => client.getOperation({ name: running() }, { metadata: { 'x-trace-bin': 'AA==' } }), error: InvalidArgumentError, argument: 'options.metadata key', value: 'x-trace-bin' },
  { title: 'metadata value with a newline', act: ({ client, running }) => client.getOperation({ name: running() }, { metadata: { 'x-k': 'a\nb' } }), error: InvalidArgumentError, argument: 'options.metadata.x-k' },
  { title: 'metadata value not a string', act: ({ client, running }) => client.getOperation({ name: running() }, { metadata: { 'x-k': 5 as never } }), error: InvalidArgumentError, argument: 'options.metadata.x-k' },
  { title: 'signal not an AbortSignal (call)', act: ({ client, running }) => client.getOperation({ name: running() }, { signal: { aborted: false } as never }), error: InvalidArgumentError, argument: 'options.signal' },
  { title: 'signal not an AbortSignal (promise)', act: ({ client, running }) => client.operation(running()).promise({ signal: 'abort' as never }), error: InvalidArgumentError, argument: 'options.signal', value: 'abort' },
  { title: 'promise({ timeoutMs: -1 })', act: ({ client, running }) => client.operation(running()).promise({ timeoutMs: -1 }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: -1 },
  { title: 'types not a TypeRegistry', act: ({ server }) => new OperationsClient({ address: server.address, insecure: true, types: {} as never }), error: InvalidArgumentError, argument: 'options.types', sync: true },
  { title: "address 'http://127.0.0.1:1' (a URL)", act: () => new OperationsClient({ address: 'http://127.0.0.1:1', insecure: true }), error: InvalidArgumentError, argument: /address$/, value: 'http://127.0.0.1:1', sync: true },
  { title: "address '127.0.0.1:99999' (port out of range)", act: () => new OperationsClient({ address: '127.0.0.1:99999', insecure: true }), error: InvalidArgumentError, argument: /address$/, value: '127.0.0.1:99999', sync: true },
  { title: "address '' (empty)", act: () => new OperationsClient({ address: '', insecure: true }), error: InvalidArgumentError, argument: /address$/, value: '', sync: true },
  { title: "insecure 'yes' (not a boolean)", act: () => new OperationsClient({ address: '127.0.0.1:1', insecure: 'yes' as never }), error: InvalidArgumentError, argument: /insecure$/, value: 'yes', sync: true },
  { title: 'client timeoutMs NaN', act: () => new OperationsClient({ address: '127.0.0.1:1', insecure: true, timeoutMs: Number.NaN }), error: InvalidArgumentError, argument: 'options.timeoutMs', value: Number.NaN, sync: true },
  { title: 'client maxConsecutiveEmptyPages -1', act: () => new OperationsClient({ address: '127.0.0.1:1', insecure: true, maxConsecutiveEmptyPages: -1 }), error: InvalidArgumentError, argument: 'options.maxConsecutiveEmptyPages', value: -1, sync: true },
  { title: "handle responseType 'not a type!'", act: ({ client, running }) => client.operation(running(), { responseType: 'not a type!' }), error: InvalidArgumentError, argument: 'options.responseType', value: 'not a type!', sync: true },
  { title: "handle unpack 'yes'", act: ({ client, running }) => client.operation(running(), { unpack: 'yes' as never }), error: InvalidArgumentError, argument: 'options.unpack', value: 'yes', sync: true },

  // --- malformed Any ---------------------------------------------------------------------
  {
    title: "response Any with type URL ''", act: doneWith({ response: { typeUrl: '', value: new Uint8Array() } }), error: TypeMismatchError,
    check: (error: TypeMismatchError) => expect(error.typeUrl).to.equal(''),
  },
  {
    title: "response Any with type URL 'no-slash-but-unknown'", act: doneWith({ response: { typeUrl: 'no-slash-but-unknown', value: new Uint8Array() } }), error: TypeMismatchError,
    check: (error: TypeMismatchError) => {
      expect(error.typeUrl).to.equal('no-slash-but-unknown');
      expect(error.message).to.include('no-slash-but-unknown');
    },
  },
  {
    title: 'response Any whose bytes do not decode as its type', act: doneWith({ response: { typeUrl: STRUCT_URL, value: UNDECODABLE } }), error: TypeMismatchError,
    check: (error: TypeMismatchError) => {
      expect(error.typeUrl).to.equal(STRUCT_URL);
      expect(error.cause, 'the decoder error is kept').to.be.instanceOf(Error);
    },
  },
  // Metadata that does not unpack fails metadata$ alone; promise() depends on the response (issue 9, item 7).
  {
    title: 'metadata Any whose bytes do not decode (on a done operation with a good response): promise() resolves',
    act: doneWith({ metadata: { type_url: STRUCT_URL, value: Buffer.from(UNDECODABLE) }, response: struct({ ok: true }) }),
    check: (response: unknown) => expect(response).to.deep.equal({ ok: true }),
  },
  {
    title: 'metadata Any whose bytes do not decode: metadata$ errors',
    act: ({ client }) => firstValueFrom(client.operation({ name: 'operations/given', done: true, metadata: { typeUrl: STRUCT_URL, value: UNDECODABLE } }).metadata$),
    error: TypeMismatchError, check: (error: TypeMismatchError) => expect(error.typeUrl).to.equal(STRUCT_URL),
  },
  {
    title: 'response of another type than responseType', act: ({ client }) => client.operation({ name: 'operations/given', done: true, response: struct({}) }, { responseType: 'google.rpc.ErrorInfo' }).promise(),
    error: TypeMismatchError, check: (error: TypeMismatchError) => expect([error.typeUrl, error.expected]).to.deep.equal([STRUCT_URL, 'google.rpc.ErrorInfo']),
  },
  { title: 'response Any value not bytes', act: doneWith({ response: { typeUrl: STRUCT_URL, value: 'abc' } }), error: InvalidArgumentError, argument: 'nameOrOperation.response.value', value: 'abc', sync: true },
  { title: 'response Any without a type URL', act: doneWith({ response: { value: new Uint8Array() } }), error: InvalidArgumentError, argument: 'nameOrOperation.response.typeUrl', sync: true },
  { title: 'error with code -1', act: doneWith({ error: { code: -1, message: 'x', details: [] } }), error: InvalidArgumentError, argument: 'nameOrOperation.error.code', value: -1, sync: true },
  { title: "done 'yes' (not a boolean)", act: doneWith({ done: 'yes' }), error: InvalidArgumentError, argument: 'nameOrOperation.done', value: 'yes', sync: true },

  // --- malformed server replies -----------------------------------------------------------
  {
    title: 'reply: done with both error and response (the error is kept)', rpcs: 1,
    act: (env) => {
      const name = env.running();
      env.replyTo(name, { name, done: true, error: { code: FAILED_PRECONDITION, message: 'both', details: [] }, response: struct({ ignored: true }) });
      return env.client.operation(name, { polling: FAST }).promise();
    },
    error: OperationFailedError, check: (error: OperationFailedError) => expect([error.code, error.status.message]).to.deep.equal([FAILED_PRECONDITION, 'both']),
  },
  {
    title: 'wire: an Operation message with both error and response, in either order, decodes with the error',
    act: () => {
      const error = Buffer.from([0x08, FAILED_PRECONDITION, 0x12, 0x01, 0x78]); // code 9, message 'x'
      const any = struct({ x: 1 });
      const anyBytes = Buffer.concat([Buffer.from([0x0a, any.typeUrl.length]), Buffer.from(any.typeUrl), Buffer.from([0x12, any.value.length]), Buffer.from(any.value)]);
      const head = Buffer.concat([Buffer.from([0x0a, 0x03]), Buffer.from('o/1'), Buffer.from([0x18, 0x01])]);
      const errorField = Buffer.concat([Buffer.from([0x22, error.length]), error]);
      const responseField = Buffer.concat([Buffer.from([0x2a, anyBytes.length]), anyBytes]);
      return [
        CODECS.GetOperation.deserializeResponse(Buffer.concat([head, errorField, responseField])),
        CODECS.GetOperation.deserializeResponse(Buffer.concat([head, responseField, errorField])),
      ];
    },
    check: (decoded: Operation[]) => {
      for (const operation of decoded) {
        expect(operation).to.deep.equal({ name: 'o/1', done: true, error: { code: FAILED_PRECONDITION, message: 'x', details: [] } });
      }
    },
  },
  {
    title: 'reply: done with an error without a code (0) is a failure, not a result; the status is kept', rpcs: 1,
    act: (env) => {
      const name = env.running();
      env.replyTo(name, { name, done: true, error: { code: 0, message: 'no code', details: [] } });
      return env.client.operation(name, { polling: FAST }).promise();
    },
    error: OperationFailedError,
    check: (error: OperationFailedError) => {
      expect(error).to.not.be.instanceOf(OperationCancelledError);
      expect(error.status).to.deep.equal({ code: 0, message: 'no code', details: [] });
    },
  },
  {
    title: 'reply: done with an error without a code (0): OperationFailedError.code reads UNKNOWN (2), never OK', rpcs: 1,
    act: (env) => {
      const name = env.running();
      env.replyTo(name, { name, done: true, error: { code: 0, message: '', details: [] } });
      return env.client.operation(name, { polling: FAST }).promise();
    },
    error: OperationFailedError, check: (error: OperationFailedError) => expect(error.code).to.equal(UNKNOWN),
  },
  {
    title: "reply: metadata of another type than the handle's metadataType errors metadata$, nothing sent after", rpcs: 1,
    act: async (env) => {
      const name = env.server.createOperation({ metadata: struct({ percent: 5 }) });
      return firstValueFrom(env.client.operation(name, { metadataType: 'google.rpc.ErrorInfo', polling: FAST }).metadata$);
    },
    error: TypeMismatchError,
    check: async (error: TypeMismatchError) => {
      expect([error.typeUrl, error.expected]).to.deep.equal([STRUCT_URL, 'google.rpc.ErrorInfo']);
      await delay(60); // the row's RPC count is taken after this: still one
    },
  },
  {
    // Rejecting the reply or ignoring it until the deadline would both do; resolving with
    // somebody else's result is the one wrong answer.
    title: 'reply: the state of another operation than the one asked for does not settle the handle with its result', rpcs: 'any',
    act: (env) => {
      const name = env.running();
      env.replyTo(name, { name: 'operations/somebody-else', done: true, response: struct({ owner: 'somebody-else' }) });
      return env.client.operation(name, { polling: { ...FAST, totalTimeoutMs: 300 } }).promise();
    },
    error: LongRunningError,
  },
  {
    title: 'reply: a page token that repeats ends with PaginationError after the items before it', rpcs: 2,
    act: async (env) => {
      const seen: string[] = [];
      env.server.override('ListOperations', (request, context) => (request.name !== 'operations/cycle' ? context.next()
        : { operations: [{ name: `operations/cycle/${request.pageToken ?? 'first'}`, done: false }], nextPageToken: 'again', unreachable: [] }));
      try {
        for await (const op of env.client.listOperationsAsync({ name: 'operations/cycle' })) seen.push(op.name);
      } catch (error) {
        return Promise.reject(Object.assign(error as Error, { seen }));
      }
      return seen;
    },
    error: PaginationError,
    check: (error: PaginationError & { seen: string[] }) => {
      expect([error.reason, error.pageToken, error.pagesReceived]).to.deep.equal(['repeated-token', 'again', 2]);
      expect(error.seen).to.deep.equal(['operations/cycle/first', 'operations/cycle/again']);
    },
  },
  {
    title: 'reply: endless empty pages with fresh tokens end with PaginationError (maxConsecutiveEmptyPages)', rpcs: 4,
    act: async (env) => {
      let page = 0;
      env.server.override('ListOperations', (request, context) => (request.name !== 'operations/empty' ? context.next()
        : { operations: [], nextPageToken: `token-${++page}`, unreachable: [] }));
      const strict = new OperationsClient({ address: env.server.address, insecure: true, maxConsecutiveEmptyPages: 3 });
      try {
        return await collect(strict.listOperationsAsync({ name: 'operations/empty' }));
      } finally {
        await strict.close();
      }
    },
    error: PaginationError, check: (error: PaginationError) => expect([error.reason, error.pagesReceived]).to.deep.equal(['too-many-empty-pages', 4]),
  },
  {
    title: 'reply: a huge page (5,000 operations) is iterated whole, in order, from one RPC', rpcs: 1,
    act: async (env) => {
      const operations = Array.from({ length: 5000 }, (_, i) => ({ name: `operations/huge/${String(i).padStart(4, '0')}`, done: i % 2 === 0 }));
      env.server.override('ListOperations', (request, context) => (request.name !== 'operations/huge' ? context.next()
        : { operations, nextPageToken: '', unreachable: [] }));
      return collect(env.client.listOperationsAsync({ name: 'operations/huge' }));
    },
    check: (items: Operation[]) => {
      expect(items).to.have.length(5000);
      expect(items.map((op) => op.name)).to.deep.equal(Array.from({ length: 5000 }, (_, i) => `operations/huge/${String(i).padStart(4, '0')}`));
      expect(items[1]).to.deep.equal({ name: 'operations/huge/0001', done: false });
    },
  },
  {
    title: "reply: a response Any with type URL '' from the server", rpcs: 1,
    act: (env) => {
      const name = env.running();
      env.replyTo(name, { name, done: true, response: { typeUrl: '', value: new Uint8Array() } });
      return env.client.operation(name, { polling: FAST }).promise();
    },
    error: TypeMismatchError, check: (error: TypeMismatchError) => expect(error.typeUrl).to.equal(''),
  },

  // --- a closed client ---------------------------------------------------------------------
  { title: 'closed client: getOperation', act: ({ closed, running }) => closed.getOperation({ name: running() }), error: ClientClosedError },
  { title: 'closed client: listOperations', act: ({ closed }) => closed.listOperations({ name: 'operations' }), error: ClientClosedError },
  { title: 'closed client: listOperationsAsync', act: ({ closed }) => closed.listOperationsAsync({ name: 'operations' }), error: ClientClosedError, sync: true },
  { title: 'closed client: cancelOperation', act: ({ closed, running }) => closed.cancelOperation({ name: running() }), error: ClientClosedError },
  { title: 'closed client: deleteOperation', act: ({ closed, running }) => closed.deleteOperation({ name: running() }), error: ClientClosedError },
  { title: 'closed client: waitOperation', act: ({ closed, running }) => closed.waitOperation({ name: running(), timeoutMs: 10 }), error: ClientClosedError },
  { title: 'closed client: operation()', act: ({ closed, running }) => closed.operation(running()), error: ClientClosedError, sync: true },
  { title: 'closed client: resume()', act: ({ closed, running }) => closed.resume({ version: 1, name: running() }), error: ClientClosedError, sync: true },
  { title: 'closed client: promise() of a handle made before close()', act: ({ closedHandle }) => closedHandle.promise(), error: ClientClosedError },
  { title: 'closed client: poll() of a handle made before close()', act: ({ closedHandle }) => closedHandle.poll(), error: ClientClosedError },
  { title: 'closed client: cancel() of a handle made before close()', act: ({ closedHandle }) => closedHandle.cancel(), error: ClientClosedError },
  { title: 'closed client: delete() of a handle made before close()', act: ({ closedHandle }) => closedHandle.delete(), error: ClientClosedError },
  {
    title: 'closed client: state$ of a handle made before close() errors',
    act: ({ closedHandle }) => new Promise((resolve, reject) => {
      closedHandle.state$.subscribe({ error: reject, complete: () => resolve('completed') });
    }),
    error: ClientClosedError,
  },
];

describe('bad inputs: typed errors that name the bad value, no RPC, nothing lost (integration)', function () {
  this.timeout(10_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;
  let closed: OperationsClient;
  let env: Env;
  let bystanderName: string;
  let bystander: Promise<unknown>;
  let bystanderSettled = false;
  const rowCalls = () => server.calls.filter((call) => call.name !== bystanderName);

  before(async () => {
    ({ server, client, stop } = await startServerAndClient({ client: { retry: false } }));
    closed = new OperationsClient({ address: server.address, insecure: true });
    const closedHandle = closed.operation(server.createOperation());
    await closed.close();
    env = {
      server,
      client,
      closed,
      closedHandle,
      running: () => server.createOperation(),
      replyTo: (name, reply) => {
        server.override('GetOperation', (request, context) => (request.name === name ? reply : context.next()));
      },
    };
    // A long-polling bystander on the same client: every row must leave it waiting.
    bystanderName = server.createOperation();
    bystander = client.operation(bystanderName, { polling: { strategy: 'wait' } }).promise();
    bystander.then(() => {
      bystanderSettled = true;
    }, () => {
      bystanderSettled = true;
    });
    await delay(20);
  });

  afterEach(() => {
    for (const method of METHODS) server.override(method, undefined);
  });

  after(() => stop());

  it(`has at least 30 rows (${ROWS.length})`, () => {
    expect(ROWS.length).to.be.at.least(30);
  });

  for (const row of ROWS) {
    it(row.title, async () => {
      const callsBefore = rowCalls().length;
      let thrownSync = false;
      let outcome: unknown = NO_ERROR;
      let result: unknown;
      let returned: unknown;
      try {
        returned = row.act(env);
      } catch (error) {
        outcome = error;
        thrownSync = true;
      }
      if (!thrownSync) {
        try {
          result = returned instanceof Promise ? await returned : returned;
        } catch (error) {
          outcome = error;
        }
      }
      if (row.error === undefined) {
        expect(outcome, 'no error expected').to.equal(NO_ERROR);
        await row.check?.(result, env);
      } else {
        expect(outcome, `expected ${row.error.name}`).to.be.instanceOf(row.error);
        expect(thrownSync, row.sync ? 'thrown synchronously' : 'a rejection, not a synchronous throw').to.equal(row.sync ?? false);
        if (row.argument !== undefined) {
          const { argument } = outcome as InvalidArgumentError;
          if (row.argument instanceof RegExp) expect(argument).to.match(row.argument);
          else expect(argument).to.equal(row.argument);
        }
        if ('value' in row) {
          const { value } = outcome as InvalidArgumentError;
          if (typeof row.value === 'object' && row.value !== null) expect(value).to.deep.equal(row.value);
          else expect(Object.is(value, row.value), `value ${String(value)}`).to.equal(true);
          expect((outcome as Error).message, 'the message shows the argument').to.include((outcome as InvalidArgumentError).argument);
        }
        await row.check?.(outcome, env);
      }
      await delay(15); // an RPC sent by mistake would arrive by now
      if (row.rpcs !== 'any') expect(rowCalls().length - callsBefore, 'RPCs that reached the server').to.equal(row.rpcs ?? 0);
      expect(bystanderSettled, 'the bystander operation is still waiting').to.equal(false);
    });
  }

  it('lost nothing: the bystander, waiting through every row, resolves with its own result', async () => {
    server.complete(bystanderName, struct({ bystander: true }));
    expect(await bystander).to.deep.equal({ bystander: true });
  });
});
