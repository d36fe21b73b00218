/**
 * The same scripted server state, seen through a gRPC client and an HTTP/JSON client:
 * `promise()`, the sequence of `state$` values and `metadata$` must give deep-equal
 * unpacked values (issue 11: "identical unpacked values on both transports for the same
 * server state"). Bytes re-encoded from JSON may differ from the gRPC bytes (map order),
 * so the decoded values are compared, never `raw`.
 *
 * The timeline advances on the client's own polls (one step per answered poll), so every
 * state is seen on any machine, however loaded; only order and values are asserted.
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import { TypeRegistry } from '../../src/any/type-registry.js';
import { OperationCancelledError, OperationFailedError } from '../../src/errors.js';
import type { Any, OperationSnapshot, PollingOptions, Status } from '../../src/types.js';
import { TRANSPORTS, withServerAndClient, type TransportKind } from '../helpers/server-and-client.js';
import { afterPolls } from '../helpers/after-polls.js';

const PROTOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'protos');
const EXPORT = 'example.v1.ExportService.Export';
const EXPORT_METADATA = 'example.v1.ExportMetadata';
const EXPORT_RESPONSE = 'example.v1.ExportResponse';
const FAILED_PRECONDITION = 9;

/** Both polling paths: GetOperation polls, and WaitOperation slices (HTTP binds it with WAIT_RULE). */
const STRATEGIES: Record<string, PollingOptions> = {
  poll: { strategy: 'poll', initialDelayMs: 5, maxDelayMs: 10, jitter: 0 },
  wait: { strategy: 'wait', waitSliceMs: 50, progressIntervalMs: 50 },
};

/** Everything an observable delivered, once it ended. */
interface Ended<T> { values: T[]; error?: unknown; completed: boolean }

function recordUntilEnd<T>(source: Observable<T>): Promise<Ended<T>> {
  const values: T[] = [];
  return new Promise((resolve) => {
    source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

describe('transport parity: the same server state over gRPC and HTTP/JSON (integration)', function () {
  this.timeout(20_000);
  let types: TypeRegistry;

  before(async () => {
    types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
  });

  // Every scalar kind the JSON mapping treats specially: enum, int64, sint64, bytes,
  // a nested message, repeated fields, double, bool, fixed64, Empty.
  const metadataAt = (step: number): Any => types.pack(EXPORT_METADATA, {
    state: step < 3 ? 'RUNNING' : 'FINISHING',
    processedBytes: String(step * 512),
    delta: String(-step),
    cursor: new Uint8Array([step, 0xff, 0x00, 0x7f]),
    current: { uri: `gs://bucket/out/${step}`, checksum: new Uint8Array([0xfb, step]), sizeBytes: '18446744073709551615' },
    warnings: step === 0 ? [] : [`slow disk ${step}`, 'retrying'],
    percentHistory: Array.from({ length: step }, (_, i) => (i + 1) * 25),
    ratio: step / 3,
    paused: step === 2,
    checksum: String(1234567890123 + step),
    ...(step === 3 ? { marker: {} } : {}),
  });
  // A map with several keys (its order on the wire is the encoder's), a Struct, a
  // Timestamp, a wrapper, a oneof and an optional field.
  const response = (): Any => types.pack(EXPORT_RESPONSE, {
    destination: 'gs://bucket/out',
    chunks: [{ uri: 'gs://bucket/out/0', sizeBytes: '1024', checksum: new Uint8Array([1, 2, 3]) }, { uri: 'gs://bucket/out/1', sizeBytes: '0' }],
    totalBytes: '-9007199254740993',
    counts: { rows: 3, files: 2, skipped: 0, 'ünïcode key': -1 },
    labels: { fields: { team: { stringValue: 'data' }, priority: { numberValue: 1.5 }, flags: { listValue: { values: [{ boolValue: true }, { nullValue: 0 }] } } } },
    finishTime: { seconds: '1718000000', nanos: 123_000_000 },
    note: { value: 'done' },
    summary: 'all rows exported',
    retries: 0,
  });
  const failure = (): Status => ({
    code: FAILED_PRECONDITION,
    message: 'bucket is gone: gs://bucket ✗',
    details: [
      types.pack('google.rpc.ErrorInfo', { reason: 'BUCKET_DELETED', domain: 'example.com', metadata: { zone: 'a', bucket: 'b', project: 'p' } }),
      types.pack('google.rpc.RetryInfo', { retryDelay: { seconds: '2', nanos: 500_000_000 } }),
      types.pack('google.rpc.BadRequest', { fieldViolations: [{ field: 'destination', description: 'no such bucket' }] }),
      types.pack(EXPORT_METADATA, { state: 'RUNNING', processedBytes: '7' }),
    ],
  });

  /** A status with its details unpacked (their bytes may differ between transports). */
  const statusView = (status: Status) => ({
    code: status.code,
    message: status.message,
    details: status.details.map((detail) => ({ typeUrl: detail.typeUrl, value: types.unpack(detail) })),
  });
  /** What the user reads from a snapshot, without `raw`. */
  const snapshotView = (snapshot: OperationSnapshot) => ({
    name: snapshot.name,
    done: snapshot.done,
    metadata: snapshot.metadata,
    response: snapshot.response,
    error: snapshot.error === undefined ? undefined : statusView(snapshot.error),
  });
  const errorView = (error: unknown) => {
    expect(error).to.be.instanceOf(OperationFailedError);
    const failed = error as OperationFailedError;
    return {
      kind: failed instanceof OperationCancelledError ? 'cancelled' : 'failed',
      code: failed.code, operationName: failed.operationName, status: statusView(failed.status),
    };
  };

  /**
   * Runs one scripted operation against a fresh server through a client on `transport`:
   * progress twice, then `end` (after the third answered poll). Returns what `promise()`,
   * `state$` and `metadata$` delivered, in views free of bytes.
   */
  async function observe(transport: TransportKind, polling: PollingOptions, end: 'complete' | 'fail') {
    return await withServerAndClient({ transport, server: { http: true, types }, client: { types, polling } }, async ({ server, client }) => {
      const name = server.createOperation({ name: 'operations/export-1', metadata: metadataAt(0) });
      afterPolls(server, name, {
        1: () => server.setMetadata(name, metadataAt(1)),
        2: () => server.setMetadata(name, metadataAt(2)),
        3: () => {
          server.setMetadata(name, metadataAt(3));
          if (end === 'complete') server.complete(name, response());
          else server.fail(name, failure());
        },
      });
      const op = client.operation<Record<string, unknown>, Record<string, unknown>>(name, { method: EXPORT });
      const states = recordUntilEnd(op.state$);
      const metadata = recordUntilEnd(op.metadata$);
      const outcome = await op.promise().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const [stateRecord, metadataRecord] = await Promise.all([states, metadata]);
      // One client, one stream: state$ ends with the very error promise() rejected with.
      if ('error' in outcome) expect(stateRecord.error).to.equal(outcome.error);
      else expect(stateRecord.completed, 'state$ completed').to.equal(true);
      // The client really used the transport under test.
      expect(new Set(server.calls.map((call) => call.transport))).to.deep.equal(new Set([transport]));
      return {
        promise: 'error' in outcome ? { rejected: errorView(outcome.error) } : { resolved: outcome.value },
        states: stateRecord.values.map(snapshotView),
        stateEnd: stateRecord.completed ? 'completed' : { error: errorView(stateRecord.error) },
        metadata: metadataRecord.values,
        metadataEnd: metadataRecord.completed ? 'completed' : { error: metadataRecord.error },
      };
    });
  }

  for (const [strategy, polling] of Object.entries(STRATEGIES)) {
    it(`a completed operation (${strategy}): promise(), state$ and metadata$ give deep-equal values`, async () => {
      const [grpc, http] = await Promise.all(TRANSPORTS.map((transport) => observe(transport, polling, 'complete')));
      expect(http).to.deep.equal(grpc);

      // And those values are the server's, in order.
      const expectedMetadata = [0, 1, 2, 3].map((step) => types.unpack(metadataAt(step)));
      const expectedResponse = types.unpack(response());
      expect(grpc.promise).to.deep.equal({ resolved: expectedResponse });
      expect(grpc.states.map((s) => [s.done, s.metadata])).to.deep.equal([
        [false, expectedMetadata[0]], [false, expectedMetadata[1]], [false, expectedMetadata[2]], [true, expectedMetadata[3]],
      ]);
      expect(grpc.states.at(-1)).to.deep.equal({
        name: 'operations/export-1', done: true, metadata: expectedMetadata[3], response: expectedResponse, error: undefined,
      });
      expect(grpc.stateEnd).to.equal('completed');
      expect(grpc.metadata).to.deep.equal(expectedMetadata);
      expect(grpc.metadataEnd).to.equal('completed');
      // The map, the int64 beyond 2^53, the bytes and the Struct came through JSON intact.
      expect(http.promise).to.deep.nested.include({
        'resolved.counts': { rows: 3, files: 2, skipped: 0, 'ünïcode key': -1 }, 'resolved.totalBytes': '-9007199254740993',
      });
    });

    it(`a failed operation with status details (${strategy}): the same rejection, states and metadata`, async () => {
      const [grpc, http] = await Promise.all(TRANSPORTS.map((transport) => observe(transport, polling, 'fail')));
      expect(http).to.deep.equal(grpc);

      const expectedStatus = statusView(failure());
      const rejected = { kind: 'failed', code: FAILED_PRECONDITION, operationName: 'operations/export-1', status: expectedStatus };
      expect(grpc.promise).to.deep.equal({ rejected });
      expect(grpc.stateEnd).to.deep.equal({ error: rejected });
      expect(grpc.states.map((s) => s.done)).to.deep.equal([false, false, false, true]);
      expect(grpc.states.at(-1)).to.deep.include({ error: expectedStatus, response: undefined });
      // metadata$ completes on the operation's own failure, after every progress value.
      expect(grpc.metadata).to.deep.equal([0, 1, 2, 3].map((step) => types.unpack(metadataAt(step))));
      expect(grpc.metadataEnd).to.equal('completed');
    });
  }
});
