/**
 * `longrunning-client/browser` through the package's exports map (the built `dist/`),
 * run in Node: its code is plain fetch, timers and AbortSignal, so what it does here it
 * does in a browser (the bundle check proves it needs nothing of Node). Against the
 * embedded server's HTTP/JSON front-end on loopback: the result of a handle, progress in
 * order, pages, cancel, abort, and what the entry refuses (gRPC).
 */
import { expect } from 'chai';
import * as browser from 'longrunning-client/browser';
import {
  InvalidArgumentError, OperationCancelledError, OperationsClient, TypeRegistry, type HttpRule,
} from 'longrunning-client/browser';
import * as node from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

interface Progress { percent: number }

/** A message type known only from a JSON descriptor: no .proto file, no file system. */
const DESCRIPTOR = {
  nested: {
    example: { nested: { v1: { nested: {
      ExportResult: { fields: { rows: { type: 'int64', id: 1 }, destination: { type: 'string', id: 2 } } },
    } } } },
  },
};

/** WaitOperation over HTTP, as the embedded server serves it: long polls instead of GetOperation backoff. */
const WAIT_RULE: HttpRule = { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' };

describe('public entry points: longrunning-client/browser (HTTP/JSON only)', () => {
  const types = TypeRegistry.fromJSON(DESCRIPTOR);
  const struct = (value: Record<string, unknown>) => types.pack('google.protobuf.Struct', value);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start({ http: true, types });
    client = new OperationsClient({
      baseUrl: server.httpUrl!, insecure: true, types, httpRules: [WAIT_RULE], polling: { progressIntervalMs: 50 },
    });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it('exports what the browser needs and nothing that needs Node', () => {
    expect(Object.keys(browser).sort()).to.deep.equal([
      'ClientClosedError', 'Code', 'HttpOperationsTransport', 'InvalidArgumentError', 'LongRunningError', 'LongRunningOperation',
      'OperationCancelledError', 'OperationFailedError', 'OperationsClient', 'PaginationError', 'PollTimeoutError',
      'RpcError', 'TypeMismatchError', 'TypeRegistry', 'codeName', 'typeNameOf',
    ]);
    expect(TypeRegistry).to.not.have.property('fromProtoFiles');
    // One set of error classes for both entries: instanceof works across them.
    expect(browser.OperationFailedError).to.equal(node.OperationFailedError);
    expect(node.TypeRegistry.empty()).to.be.instanceOf(TypeRegistry);
  });

  it('refuses `address` with an InvalidArgumentError that says gRPC is not in this build', () => {
    let thrown: unknown;
    try {
      new OperationsClient({ address: '127.0.0.1:1', insecure: true } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).argument).to.equal('options.address');
    expect((thrown as Error).message).to.include('gRPC is not available in the browser build').and.include('baseUrl');
  });

  it('promise() resolves with the response unpacked by a registry built from a JSON descriptor', async () => {
    const name = server.createOperation();
    const op = client.operation<{ rows: string; destination: string }>(name, { responseType: 'example.v1.ExportResult' });
    const result = op.promise();
    server.complete(name, types.pack('example.v1.ExportResult', { rows: '42', destination: 'gs://bucket/out' }));
    expect(await result).to.deep.equal({ rows: '42', destination: 'gs://bucket/out' });
  });

  it('metadata$ delivers each progress step in order, then completes', async () => {
    const name = server.createOperation({ metadata: struct({ percent: 0 }) });
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      client.operation<unknown, Progress>(name).metadata$.subscribe({
        next: ({ percent }) => {
          seen.push(percent);
          // The server moves on only after the client saw a step: none can be skipped.
          if (percent < 100) server.setMetadata(name, struct({ percent: percent + 25 }));
          else server.complete(name, struct({}));
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(seen).to.deep.equal([0, 25, 50, 75, 100]);
  });

  it('listOperationsAsync pages through every operation', async () => {
    const names = Array.from({ length: 5 }, () => server.createOperation());
    const pages: string[][] = [];
    for await (const page of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) {
      pages.push(page.operations.map((operation) => operation.name));
    }
    expect(pages.flat().sort()).to.deep.equal([...names].sort());
    expect(pages.length).to.be.within(3, 4);
  });

  it('cancel() ends the handle with OperationCancelledError', async () => {
    const name = server.createOperation();
    const op = client.operation(name);
    const result = op.promise();
    await op.cancel();
    const error = await result.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(OperationCancelledError);
    expect((error as OperationCancelledError).operationName).to.equal(name);
  });

  it('an aborted AbortSignal rejects with its reason, and no request follows', async () => {
    const name = server.createOperation();
    const controller = new AbortController();
    const result = client.operation(name).promise({ signal: controller.signal });
    const reason = new Error('user left the page');
    // Abort once the handle is waiting on the server.
    while (server.pendingWaits === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(reason);
    expect(await result.then(() => undefined, (e: unknown) => e)).to.equal(reason);
    const calls = server.calls.filter((call) => call.name === name).length;
    server.setMetadata(name, struct({ percent: 50 }));
    server.complete(name, struct({}));
    await client.getOperation({ name: 'operations/other' }).catch(() => undefined);
    expect(server.calls.filter((call) => call.name === name)).to.have.length(calls);
  });
});
