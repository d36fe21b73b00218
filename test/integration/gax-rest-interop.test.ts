/**
 * google-gax's REST fallback OperationsClient (`gax.fallback.lro`, `protocol: 'http'`)
 * against the embedded server's HTTP/JSON front-end, with the default bindings and with
 * the `users/*` ones: get (Anys intact), list (every page, a filter), cancel, delete;
 * and our HTTP client sees what gax did. gax gets a static token and `universeDomain`
 * (test/helpers/gax-rest.ts), so it never looks for credentials.
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProtoFiles } from '../../src/any/proto-files.js';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationsClient } from '../../src/client/operations-client.js';
import { Code } from '../../src/code.js';
import { OperationCancelledError, RpcError } from '../../src/errors.js';
import type { HttpRule } from '../../src/http/http-rule.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import type { Any } from '../../src/types.js';
import { createGaxRestOperationsClient, GAX_REST_TOKEN, type GaxRestOperation, type GaxRestOperationsClient } from '../helpers/gax-rest.js';
import { rejectionOf } from '../helpers/thrown.js';
import { USERS_RULES } from '../helpers/server-and-client.js';

const PROTOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'protos');
const METADATA = 'example.v1.ExportMetadata';
const RESPONSE = 'example.v1.ExportResponse';

interface Bindings {
  title: string;
  rules: readonly HttpRule[] | undefined;
  /** The collection listed, and the name of its n-th operation (undefined: let the server name it). */
  collection: string;
  other: string;
  nameOf: (n: number) => string | undefined;
  otherName: (n: number) => string | undefined;
}

const BINDINGS: Bindings[] = [
  {
    title: 'the default bindings',
    rules: undefined,
    collection: 'operations',
    other: 'operations',
    nameOf: () => undefined,
    otherName: () => undefined,
  },
  {
    title: 'the users/* bindings',
    rules: USERS_RULES,
    collection: 'users/alice',
    other: 'users/bob',
    nameOf: (n) => `users/alice/operations/job-${n}`,
    otherName: (n) => `users/bob/operations/job-${n}`,
  },
];

const root = loadProtoFiles(['example/v1/service.proto'], [PROTOS]);
const types = TypeRegistry.fromRoot(root);

/** gax's Any (protobufjs `type_url`, a Buffer) in our shape. */
function anyOf(gaxAny: GaxRestOperation['metadata']): Any {
  expect(gaxAny?.type_url, 'the Any has a type URL').to.be.a('string');
  return { typeUrl: gaxAny!.type_url!, value: Uint8Array.from(gaxAny!.value ?? []) };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

for (const bindings of BINDINGS) {
  describe(`google-gax REST fallback OperationsClient against the embedded HTTP server, ${bindings.title} (interop)`, function () {
    this.timeout(15_000);
    let server: InMemoryOperationsServer;
    let gaxClient: GaxRestOperationsClient;
    let ours: OperationsClient;
    let created = 0;

    /** A new operation in the listed collection (or, with `other`, in the second one). */
    const create = (init: Parameters<InMemoryOperationsServer['createOperation']>[0] = {}, other = false): string => {
      const name = (other ? bindings.otherName : bindings.nameOf)(++created);
      return server.createOperation(name === undefined ? init : { ...init, name });
    };

    beforeEach(async () => {
      server = await InMemoryOperationsServer.start({ http: true, types, ...(bindings.rules ? { httpRules: bindings.rules } : {}) });
      gaxClient = createGaxRestOperationsClient(server.httpUrl!, { types: root.toJSON(), ...(bindings.rules ? { httpRules: bindings.rules } : {}) });
      ours = new OperationsClient({ baseUrl: server.httpUrl!, insecure: true, types, ...(bindings.rules ? { httpRules: bindings.rules } : {}) });
    });

    afterEach(async () => {
      await ours.close();
      await Promise.resolve(gaxClient.close());
      await server.stop();
    });

    it('gets an operation: metadata and response Anys intact, sent with the static token over HTTP', async () => {
      const metadata = { state: 'RUNNING', processedBytes: '1099511627776', cursor: 'AAEC', warnings: ['slow disk'], ratio: 0.25 };
      const response = {
        destination: 'gs://bucket/out',
        chunks: [{ uri: 'gs://bucket/out/0', checksum: 'qrs=', sizeBytes: '12' }],
        totalBytes: '9007199254740993',
        finishTime: { seconds: '1767225600', nanos: 5 },
        note: { value: 'done' },
        summary: 'all rows',
      };
      const name = create({ metadata: types.pack(METADATA, metadata) });
      server.complete(name, types.pack(RESPONSE, response));

      const [op] = await gaxClient.getOperation({ name });
      expect(op.name).to.equal(name);
      expect(op.done).to.equal(true);
      expect(op.result).to.equal('response');
      expect(anyOf(op.metadata).typeUrl).to.equal(`type.googleapis.com/${METADATA}`);
      expect(anyOf(op.response).typeUrl).to.equal(`type.googleapis.com/${RESPONSE}`);
      // Bytes re-encoded from JSON may differ from the original (map order): compare values.
      expect(types.unpack(anyOf(op.metadata), METADATA)).to.deep.equal(types.unpack(server.get(name)!.metadata!, METADATA));
      expect(types.unpack(anyOf(op.response), RESPONSE)).to.deep.equal(types.unpack(server.get(name)!.response!, RESPONSE));

      const [call] = server.calls;
      expect(call).to.deep.include({ method: 'GetOperation', name, transport: 'http' });
      expect(call.metadata?.authorization).to.equal(`Bearer ${GAX_REST_TOKEN}`);
    });

    it('gets responses of well-known types, whose JSON nests under "value" (Duration) or is empty (Empty)', async () => {
      const duration = create();
      server.complete(duration, types.pack('google.protobuf.Duration', { seconds: '7', nanos: 500_000_000 }));
      const empty = create();
      server.complete(empty, types.pack('google.protobuf.Empty', {}));

      const [durationOp] = await gaxClient.getOperation({ name: duration });
      expect(types.unpack(anyOf(durationOp.response), 'google.protobuf.Duration')).to.deep.equal({ seconds: '7', nanos: 500_000_000 });
      const [emptyOp] = await gaxClient.getOperation({ name: empty });
      expect(anyOf(emptyOp.response)).to.deep.equal({ typeUrl: 'type.googleapis.com/google.protobuf.Empty', value: new Uint8Array() });
    });

    it('gets a failed operation with its error', async () => {
      const name = create();
      server.fail(name, { code: Code.RESOURCE_EXHAUSTED, message: 'quota', details: [] });
      const [op] = await gaxClient.getOperation({ name });
      expect(op).to.deep.include({ name, done: true, result: 'error' });
      expect(op.error).to.deep.include({ code: Code.RESOURCE_EXHAUSTED, message: 'quota' });
    });

    it('lists every page of a collection, and with a filter', async () => {
      const running = [create(), create(), create()];
      const finished = [create(), create()];
      for (const name of finished) server.complete(name, types.pack(RESPONSE, { destination: name }));
      if (bindings.other !== bindings.collection) create({}, true); // another user's: never listed

      const all = await collect(gaxClient.listOperationsAsync({ name: bindings.collection, filter: '', pageSize: 2 }, { autoPaginate: false }));
      expect(all.map((op) => op.name)).to.have.members([...running, ...finished]).and.have.lengthOf(5);
      // Three pages of at most two.
      expect(server.calls.filter((c) => c.method === 'ListOperations')).to.have.lengthOf(3);
      const done = all.filter((op) => op.done);
      expect(done.map((op) => types.unpack<{ destination: string }>(anyOf(op.response), RESPONSE).destination)).to.have.members(finished);

      const [filtered] = await gaxClient.listOperations({ name: bindings.collection, filter: 'done = false' });
      expect(filtered.map((op) => op.name)).to.have.members(running).and.have.lengthOf(3);
      const lastList = server.calls.filter((c) => c.method === 'ListOperations').at(-1);
      expect(lastList?.request).to.deep.include({ name: bindings.collection, filter: 'done = false' });
    });

    it('cancels an operation, and our HTTP client sees it cancelled', async () => {
      const name = create({ metadata: types.pack(METADATA, { state: 'RUNNING' }) });
      await gaxClient.cancelOperation({ name });
      expect(server.get(name)?.error?.code).to.equal(Code.CANCELLED);

      const seen = await ours.getOperation({ name });
      expect(seen).to.deep.include({ name, done: true });
      expect(seen.error?.code).to.equal(Code.CANCELLED);
      const failure = await rejectionOf(ours.operation(name).promise());
      expect(failure).to.be.instanceOf(OperationCancelledError);
      expect(server.calls.map((c) => c.method)).to.include.members(['CancelOperation', 'GetOperation']);
    });

    it('deletes an operation, and our HTTP client then gets NOT_FOUND', async () => {
      const name = create();
      const kept = create();
      await gaxClient.deleteOperation({ name });
      expect(server.get(name)).to.equal(undefined);

      const error = await rejectionOf(ours.getOperation({ name }));
      expect(error).to.be.instanceOf(RpcError).and.to.have.property('code', Code.NOT_FOUND);
      const [listed] = await gaxClient.listOperations({ name: bindings.collection, filter: '' });
      expect(listed.map((op) => op.name)).to.deep.equal([kept]);
    });

    it('reads the operations our client pages through, alike', async () => {
      for (let i = 0; i < 4; i++) {
        const name = create({ metadata: types.pack(METADATA, { processedBytes: String(i) }) });
        if (i % 2 === 1) server.complete(name, types.pack(RESPONSE, { totalBytes: String(i) }));
      }
      const theirs = await collect(gaxClient.listOperationsAsync({ name: bindings.collection, filter: '', pageSize: 3 }, { autoPaginate: false }));
      const mine = await collect(ours.listOperationsAsync({ name: bindings.collection, pageSize: 3 }));
      expect(theirs.map((op) => ({ name: op.name, done: op.done, metadata: types.unpack(anyOf(op.metadata), METADATA) })))
        .to.deep.equal(mine.map((op) => ({ name: op.name, done: op.done, metadata: types.unpack(op.metadata!, METADATA) })));
    });
  });
}
