/**
 * metadata$ is derived from state$: the pieces of its contract that the derivation itself
 * must keep (test/unit/operation/long-running-operation.test.ts has the rest).
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import sinon from 'sinon';
import { TypeRegistry } from '../../../src/any/type-registry.js';
import { OperationsClient } from '../../../src/client/operations-client.js';
import { TypeMismatchError } from '../../../src/errors.js';
import { FakeTransport } from '../../helpers/fake-transport.js';

describe('metadata$ derived from state$ (unit, fake transport and clock)', () => {
  it('late metadata$ subscriber on bad latest metadata, no loop running: error at once, no RPC, no timer', async () => {
    const clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const transport = new FakeTransport().on('getOperation', (r) => ({ name: r.name, done: false }));
    const client = new OperationsClient({ transport, random: () => 0, types: TypeRegistry.empty() });
    const op = client.operation({ name: 'operations/a', done: false, metadata: { typeUrl: 'type.googleapis.com/x.Unknown', value: new Uint8Array([8, 1]) } });
    let err: unknown;
    op.metadata$.subscribe({ error: (e: unknown) => (err = e) });
    expect(err).to.be.instanceOf(TypeMismatchError);
    expect(transport.calls).to.have.length(0);
    await clock.tickAsync(60_000);
    expect(transport.calls).to.have.length(0);
    expect(await firstValueFrom(op.metadata$).catch((e: unknown) => e)).to.be.instanceOf(TypeMismatchError);
    await client.close();
    clock.restore();
  });
});
