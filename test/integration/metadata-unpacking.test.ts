/**
 * Metadata of a type the client does not know (issue 9, item 7), over real loopback
 * gRPC and HTTP/JSON against the embedded server. Most real APIs send metadata of their
 * own type; a default client (no `types`) that only wants the result must still get it:
 * `promise()` depends on the response alone, `state$` keeps emitting (each snapshot
 * without `metadata`, `raw` intact) and completes, and only `metadata$` errors, with
 * a TypeMismatchError naming the type.
 *
 * The server knows the type (over HTTP/JSON it must, to render the Any as JSON); the
 * client does not. `raw` then holds the bytes over gRPC and the JSON form (`Any.json`,
 * empty `value`) over HTTP/JSON.
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, toArray } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import type { OperationsClient } from '../../src/client/operations-client.js';
import { TypeMismatchError } from '../../src/errors.js';
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import type { Any } from '../../src/types.js';
import { TRANSPORTS, startServerAndClient } from '../helpers/server-and-client.js';

const PROTOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'protos');
const UNKNOWN = 'example.v1.ExportMetadata';
const UNKNOWN_URL = `type.googleapis.com/${UNKNOWN}`;
const UNKNOWN_RESPONSE_URL = 'type.googleapis.com/example.v1.ExportResponse';
const result = TypeRegistry.empty().pack('google.protobuf.Struct', { rows: 3, destination: 'gs://bucket/out' });

const pause = () => new Promise<void>((resolve) => {
  setTimeout(resolve, 2);
});

for (const transport of TRANSPORTS) describe(`metadata of an unregistered type (integration, ${transport})`, function () {
  this.timeout(10_000);
  /** The server's registry: the example types the client does not have. */
  let example: TypeRegistry;
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;

  before(async () => {
    example = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
  });
  // A default client: no `types`, so only the well-known and google.rpc types unpack.
  beforeEach(async () => ({ server, client, stop } = await startServerAndClient({ transport, server: { http: true, types: example } })));
  afterEach(() => stop());

  const unknownMetadata = (progress: number): Any => example.pack(UNKNOWN, { processedBytes: String(progress), warnings: ['slow disk'] });
  /** The progress in metadata as the client received it (the test, unlike the client, knows the type). */
  const progressOf = (metadata: Any | undefined): number | undefined => {
    if (metadata === undefined) return undefined;
    const fields: Readonly<Record<string, unknown>> = metadata.json ?? example.unpack(metadata, UNKNOWN);
    return Number(fields.processedBytes);
  };
  /** `raw` as this transport delivers an Any of a type the client does not know. */
  const expectRaw = (actual: Any | undefined, progress: number) => {
    if (transport === 'grpc') {
      expect(actual).to.deep.equal(unknownMetadata(progress));
    } else {
      expect(actual).to.deep.equal({
        typeUrl: UNKNOWN_URL, value: new Uint8Array(0), json: { processedBytes: String(progress), warnings: ['slow disk'] },
      });
    }
  };

  it('promise() resolves with the Struct; state$ emits every state without metadata, raw intact, and completes; metadata$ errors naming the type', async () => {
    const name = server.createOperation({ metadata: unknownMetadata(10) });
    // Short wait slices while progress is watched, so the new metadata shows soon.
    const op = client.operation<{ rows: number; destination: string }>(name, { polling: { progressIntervalMs: 50 } });
    const waiting = op.promise();
    const states = firstValueFrom(op.state$.pipe(toArray()));
    const metadataError = firstValueFrom(op.metadata$).then(
      () => expect.fail('metadata$ emitted a value it cannot unpack'),
      (error: unknown) => error,
    );

    // Progress while waiting: a state$ subscriber is there, so the server sees waits.
    while (server.pendingWaits === 0) await pause();
    server.setMetadata(name, unknownMetadata(50));
    while (progressOf(op.latest?.raw.metadata) !== 50) await pause();
    server.complete(name, result);

    expect(await waiting).to.deep.equal({ rows: 3, destination: 'gs://bucket/out' });
    const snapshots = await states;
    expect(snapshots.map((s) => [s.done, progressOf(s.raw.metadata)])).to.deep.equal([[false, 10], [false, 50], [true, 50]]);
    for (const [i, snapshot] of snapshots.entries()) {
      expect(snapshot, 'no unpacked metadata').not.to.have.property('metadata');
      expectRaw(snapshot.raw.metadata, i === 0 ? 10 : 50);
    }
    expect(snapshots[2].response).to.deep.equal({ rows: 3, destination: 'gs://bucket/out' });

    const error = await metadataError as TypeMismatchError;
    expect(error).to.be.instanceOf(TypeMismatchError);
    expect(error.typeUrl).to.equal(UNKNOWN_URL);
    expect(error.message).to.include(UNKNOWN);
    // After completion: the same answers from the kept outcome, without an RPC.
    const calls = server.calls.length;
    expect(await op.promise()).to.deep.equal({ rows: 3, destination: 'gs://bucket/out' });
    expect(await firstValueFrom(op.metadata$).catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    expect(server.calls).to.have.length(calls);
  });

  it('poll() returns the snapshot without metadata instead of failing', async () => {
    const name = server.createOperation({ metadata: unknownMetadata(7) });
    const snapshot = await client.operation(name).poll();
    expect(snapshot).to.deep.include({ name, done: false });
    expect(snapshot).not.to.have.property('metadata');
    expectRaw(snapshot.raw.metadata, 7);
  });

  it('a response of an unregistered type still fails promise() and state$ with the TypeMismatchError', async () => {
    const name = server.createOperation({ metadata: unknownMetadata(1) });
    const op = client.operation(name);
    const waiting = op.promise().catch((e: unknown) => e);
    const stateError = firstValueFrom(op.state$.pipe(toArray())).catch((e: unknown) => e);
    while (server.pendingWaits === 0) await pause();
    server.complete(name, example.pack('example.v1.ExportResponse', { destination: 'gs://bucket/out' }));
    const error = await waiting;
    expect(error).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', UNKNOWN_RESPONSE_URL);
    expect((error as TypeMismatchError).message).to.include('example.v1.ExportResponse');
    expect(await stateError).to.equal(error);
  });
});
