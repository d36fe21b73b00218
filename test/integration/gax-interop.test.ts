/**
 * google-gax's own OperationsClient works against the embedded server, and our client
 * reads what gax clients write. The gax client gets `universeDomain` and insecure
 * channel credentials, and its GoogleAuth is made unable to look for credentials, so
 * it never probes a metadata server.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import * as gax from 'google-gax';
import sinon from 'sinon';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import type { Any } from '../../src/types.js';

interface GaxOperation { name: string; done: boolean; response?: { type_url?: string; typeUrl?: string; value: Uint8Array } | null }
type GaxOperationsClient = {
  getOperation(request: { name: string }): Promise<[GaxOperation]>;
  listOperations(request: { name: string; filter: string; pageSize?: number }): Promise<[GaxOperation[]]>;
  cancelOperation(request: { name: string }): Promise<unknown>;
  deleteOperation(request: { name: string }): Promise<unknown>;
  close(): Promise<void>;
};

function gaxOperationsClient(address: string): GaxOperationsClient {
  const [host, port] = address.split(':') as [string, string];
  const auth = new gax.GoogleAuth({ universeDomain: 'googleapis.com' });
  // Any attempt to discover credentials fails the test instead of touching the network.
  sinon.stub(auth, 'getClient').rejects(new Error('gax tried to discover Google credentials'));
  return gax.lro({ auth, grpc: grpc }).operationsClient({
    servicePath: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  }) as unknown as GaxOperationsClient;
}

describe('google-gax OperationsClient against the embedded server (interop)', function () {
  this.timeout(15_000);
  let server: InMemoryOperationsServer;
  let gaxClient: GaxOperationsClient;

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start();
    gaxClient = gaxOperationsClient(server.address);
  });

  afterEach(async () => {
    await gaxClient.close();
    await server.stop();
    sinon.restore();
  });

  const result: Any = { typeUrl: 'type.googleapis.com/google.protobuf.Empty', value: new Uint8Array() };

  it('gets an operation, with the response Any intact', async () => {
    const name = server.createOperation();
    server.complete(name, { typeUrl: 'type.googleapis.com/pkg.Result', value: new Uint8Array([5, 6]) });
    const [op] = await gaxClient.getOperation({ name });
    expect(op.name).to.equal(name);
    expect(op.done).to.equal(true);
    expect(op.response?.type_url ?? op.response?.typeUrl).to.equal('type.googleapis.com/pkg.Result');
    expect([...op.response!.value]).to.deep.equal([5, 6]);
  });

  it('lists operations with a filter', async () => {
    const names = [server.createOperation(), server.createOperation(), server.createOperation()];
    server.complete(names[1], result);
    const [running] = await gaxClient.listOperations({ name: 'operations', filter: 'done = false' });
    expect(running.map((o) => o.name)).to.have.members([names[0], names[2]]);
  });

  it('cancels and deletes operations', async () => {
    const name = server.createOperation();
    await gaxClient.cancelOperation({ name });
    expect(server.get(name)?.error?.code).to.equal(1);
    await gaxClient.deleteOperation({ name });
    expect(server.get(name)).to.equal(undefined);
  });
});
