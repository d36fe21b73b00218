/**
 * The README's operation-handle scenarios through the package's public entry points
 * only (the built `dist/` via the exports map): await a result while rendering
 * progress from `metadata$`, and resume a handle from its token.
 */
import { expect } from 'chai';
import {
  LongRunningError, LongRunningOperation, OperationFailedError, OperationsClient, TypeRegistry,
  type OperationSnapshot, type ResumeToken,
} from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

interface ExportProgress { percent: number; stage: string }
interface ExportResult { rows: number; destination: string }

describe('public entry points: the operation handle (README scenarios)', () => {
  const types = TypeRegistry.empty();
  const struct = (value: Record<string, unknown>) => types.pack('google.protobuf.Struct', value);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start();
    // A short progress interval keeps each WaitOperation short, so the test is quick.
    client = new OperationsClient({ address: server.address, insecure: true, types, polling: { progressIntervalMs: 50 } });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it('awaits the result of an operation while rendering its progress', async () => {
    const name = server.createOperation({ metadata: struct({ percent: 0, stage: 'queued' }) });
    // The server moves on once the client has seen a step (no race with a timeline).
    const next: Record<number, () => void> = {
      0: () => server.setMetadata(name, struct({ percent: 40, stage: 'reading' })),
      40: () => server.setMetadata(name, struct({ percent: 80, stage: 'writing' })),
      80: () => {
        server.setMetadata(name, struct({ percent: 100, stage: 'done' }));
        server.complete(name, struct({ rows: 42, destination: 'gs://bucket/out' }));
      },
    };

    const op = client.operation<ExportResult, ExportProgress>(name);
    expect(op).to.be.instanceOf(LongRunningOperation);
    const rendered: string[] = [];
    let progressDone = false;
    op.metadata$.subscribe({
      next: (m) => {
        rendered.push(`${m.stage} ${m.percent}%`);
        next[m.percent]?.();
      },
      complete: () => {
        progressDone = true;
      },
    });
    const states: OperationSnapshot<ExportResult, ExportProgress>[] = [];
    op.state$.subscribe((s) => states.push(s));

    const result = await op.promise();

    expect(result).to.deep.equal({ rows: 42, destination: 'gs://bucket/out' });
    expect(rendered).to.deep.equal(['queued 0%', 'reading 40%', 'writing 80%', 'done 100%']);
    expect(progressDone).to.equal(true);
    expect(states.at(-1)).to.deep.include({ name, done: true, response: result });
    expect(op.latest?.done).to.equal(true);
    expect(await op.promise(), 'again, after completion').to.equal(result);
  });

  it('resumes from a token written as JSON, in a new client', async () => {
    const name = server.createOperation();
    const op = client.operation<ExportResult>(name, { responseType: 'google.protobuf.Struct' });
    const saved = JSON.stringify(op);
    const token = JSON.parse(saved) as ResumeToken;
    expect(token).to.deep.equal({ version: 1, name, responseType: 'google.protobuf.Struct' });

    const later = new OperationsClient({ address: server.address, insecure: true });
    try {
      const resumed = later.resume<ExportResult>(saved);
      expect(resumed.name).to.equal(name);
      const fromObject = later.resume<ExportResult>(token);
      const waiting = Promise.all([resumed.promise(), fromObject.promise()]);
      setTimeout(() => server.complete(name, struct({ rows: 7, destination: 'gs://bucket/resumed' })), 50);
      const [a, b] = await waiting;
      expect(a).to.deep.equal({ rows: 7, destination: 'gs://bucket/resumed' });
      expect(b).to.deep.equal(a);
    } finally {
      await later.close();
    }
  });

  it('a failed operation rejects with a typed error carrying its status', async () => {
    const name = server.createOperation();
    server.script(name, [{ afterMs: 30, error: { code: 9, message: 'bucket is gone' } }]);
    const error = await client.operation(name).promise().catch((e: unknown) => e) as OperationFailedError;
    expect(error).to.be.instanceOf(OperationFailedError).and.instanceOf(LongRunningError);
    expect(error.code).to.equal(9);
    expect(error.status).to.deep.equal({ code: 9, message: 'bucket is gone', details: [] });
    expect(error.operationName).to.equal(name);
  });
});
