/**
 * Metadata of a type the client does not know (issue 9, item 7), over real loopback
 * gRPC against the embedded server. Most real APIs send metadata of their own type; a
 * default client (no `types`) that only wants the result must still get it:
 * `promise()` depends on the response alone, `state$` keeps emitting (each snapshot
 * without `metadata`, `raw` intact) and completes, and only `metadata$` errors, with
 * a TypeMismatchError naming the type.
 */
import { expect } from 'chai';
import { firstValueFrom, toArray } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import type { OperationsClient } from '../../src/client/operations-client.js';
import { TypeMismatchError } from '../../src/errors.js';
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import type { Any } from '../../src/types.js';
import { startServerAndClient } from '../helpers/server-and-client.js';

const UNKNOWN_URL = 'type.googleapis.com/example.v1.Unknown';
/** Arbitrary bytes under a type URL that no registry knows. */
const unknownMetadata = (progress: number): Any => ({ typeUrl: UNKNOWN_URL, value: new Uint8Array([0x08, progress, 0x12, 0x01, 0x78]) });
const result = TypeRegistry.empty().pack('google.protobuf.Struct', { rows: 3, destination: 'gs://bucket/out' });

const pause = () => new Promise<void>((resolve) => {
  setTimeout(resolve, 2);
});

describe('metadata of an unregistered type (integration)', function () {
  this.timeout(10_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let stop: () => Promise<void>;

  // A default client: no `types`, so only the well-known and google.rpc types unpack.
  beforeEach(async () => ({ server, client, stop } = await startServerAndClient()));
  afterEach(() => stop());

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
    while (op.latest?.raw.metadata?.value[1] !== 50) await pause();
    server.complete(name, result);

    expect(await waiting).to.deep.equal({ rows: 3, destination: 'gs://bucket/out' });
    const snapshots = await states;
    expect(snapshots.map((s) => [s.done, s.raw.metadata?.value[1]])).to.deep.equal([[false, 10], [false, 50], [true, 50]]);
    for (const snapshot of snapshots) {
      expect(snapshot, 'no unpacked metadata').not.to.have.property('metadata');
      expect(snapshot.raw.metadata?.typeUrl).to.equal(UNKNOWN_URL);
    }
    expect(snapshots[2].response).to.deep.equal({ rows: 3, destination: 'gs://bucket/out' });

    const error = await metadataError as TypeMismatchError;
    expect(error).to.be.instanceOf(TypeMismatchError);
    expect(error.typeUrl).to.equal(UNKNOWN_URL);
    expect(error.message).to.include('example.v1.Unknown');
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
    expect(snapshot.raw.metadata).to.deep.equal(unknownMetadata(7));
  });

  it('a response of an unregistered type still fails promise() and state$ with the TypeMismatchError', async () => {
    const name = server.createOperation({ metadata: unknownMetadata(1) });
    const op = client.operation(name);
    const waiting = op.promise().catch((e: unknown) => e);
    const stateError = firstValueFrom(op.state$.pipe(toArray())).catch((e: unknown) => e);
    while (server.pendingWaits === 0) await pause();
    server.complete(name, { typeUrl: 'type.googleapis.com/example.v1.UnknownResponse', value: new Uint8Array([1, 2]) });
    const error = await waiting;
    expect(error).to.be.instanceOf(TypeMismatchError).with.property('typeUrl', 'type.googleapis.com/example.v1.UnknownResponse');
    expect(await stateError).to.equal(error);
  });
});
