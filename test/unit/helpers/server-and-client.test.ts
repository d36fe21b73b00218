/**
 * The shared server+client fixture tears down what it starts, in order, whatever
 * happens: a fixture that leaked on a failing path would turn one failed test into a
 * failed run ("still alive after the last test") far from the cause. Nothing connects
 * here: the client's channel is lazy and no RPC is sent.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { InvalidArgumentError } from '../../../src/errors.js';
import { InMemoryOperationsServer } from '../../../src/testing.js';
import { startServerAndClient, withServerAndClient, type ServerAndClient } from '../../helpers/server-and-client.js';

/** Records the order of the pair's close and stop; `closeFails` makes the close reject after closing. */
function watch(pair: ServerAndClient, closeFails = false): string[] {
  const order: string[] = [];
  const close = pair.client.close.bind(pair.client);
  sinon.stub(pair.client, 'close').callsFake(async () => {
    order.push('client.close');
    await close();
    if (closeFails) throw new Error('close failed');
  });
  const stop = pair.server.stop.bind(pair.server);
  sinon.stub(pair.server, 'stop').callsFake(async () => {
    order.push('server.stop');
    await stop();
  });
  return order;
}

describe('test/helpers/server-and-client.ts', () => {
  afterEach(() => sinon.restore());

  it('starts a server on 127.0.0.1 and a plaintext client with the given options; stop() closes the client, then stops the server', async () => {
    const pair = await startServerAndClient({ server: { defaultPageSize: 3 }, client: { retry: false } });
    const order = watch(pair);
    expect(pair.server.address).to.equal(`127.0.0.1:${pair.server.port}`);
    expect(pair.client.closed).to.equal(false);
    await pair.stop();
    expect(order).to.deep.equal(['client.close', 'server.stop']);
    expect(pair.client.closed).to.equal(true);
  });

  it('stop() stops the server even when the client close rejects, and passes the rejection on', async () => {
    const pair = await startServerAndClient();
    const order = watch(pair, true);
    const error = await pair.stop().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error).with.property('message', 'close failed');
    expect(order).to.deep.equal(['client.close', 'server.stop']);
  });

  it('withServerAndClient stops the pair when the body throws, and rethrows what it threw', async () => {
    let order: string[] = [];
    const thrown = new Error('the test failed');
    const error = await withServerAndClient({}, async (pair) => {
      order = watch(pair);
      throw thrown;
    }).catch((e: unknown) => e);
    expect(error).to.equal(thrown);
    expect(order).to.deep.equal(['client.close', 'server.stop']);
  });

  it('withServerAndClient returns what the body returned, after stopping the pair', async () => {
    let order: string[] = [];
    const result = await withServerAndClient({}, async (pair) => {
      order = watch(pair);
      return pair.server.createOperation();
    });
    expect(result).to.equal('operations/op-000001');
    expect(order).to.deep.equal(['client.close', 'server.stop']);
  });

  it('a client option the constructor refuses stops the server it started, and the error reaches the test', async () => {
    const stop = sinon.spy(InMemoryOperationsServer.prototype, 'stop');
    const error = await startServerAndClient({ client: { timeoutMs: -1 } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'options.timeoutMs');
    expect(stop.callCount).to.equal(1);
  });
});
