/**
 * Property test of the one name rule: the client accepts exactly the names the embedded
 * server accepts. Names the client refuses are sent anyway, through the bare transport
 * (which does not validate), to a real server over loopback: a name the client accepts
 * is never answered INVALID_ARGUMENT, and one it refuses always is. Unpaired surrogates
 * cannot cross the wire intact (proto3 strings are UTF-8), so for them the server's own
 * Node API (`createOperation`) stands in for its RPC handlers.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InvalidArgumentError, RpcError } from '../../src/errors.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { GrpcOperationsTransport } from '../../src/transport/grpc-transport.js';
import { MAX_NAME_BYTES } from '../../src/validation.js';

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const RUNS = { numRuns: 150 };

/** Characters at and around every edge of the rule. */
const edgeCharacter = fc.constantFrom(
  '\u0000', '\u0009', '\u001f', ' ', '~', '\u007f', '\u0080', '\u0085', '\u009f', '\u00a0', 'é', '名',
  '\ud83d\ude00', '\ud83d', '\ude00', '/', '%', 'a',
);
/** Any UTF-16 code unit, unpaired surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const nameArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: edgeCharacter, maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: codeUnit, maxLength: 8 }),
  // Near the length bound, ending in characters of every UTF-8 width.
  fc.tuple(fc.integer({ min: MAX_NAME_BYTES - 8, max: MAX_NAME_BYTES + 2 }), fc.string({ unit: edgeCharacter, maxLength: 3 }))
    .map(([length, tail]) => 'x'.repeat(length - tail.length) + tail),
);

const inTenSeconds = () => ({ deadline: Date.now() + 10_000 });

/** Whether the rejection is the client's own refusal of the name. */
async function clientRefuses(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return true;
    expect(error).to.be.instanceOf(RpcError).with.property('code', NOT_FOUND);
    return false;
  }
}

/** Whether the server answered INVALID_ARGUMENT (malformed) rather than NOT_FOUND. */
async function serverRefuses(call: Promise<unknown>): Promise<boolean> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(RpcError);
  const { code } = error as RpcError;
  expect([INVALID_ARGUMENT, NOT_FOUND]).to.include(code);
  return code === INVALID_ARGUMENT;
}

/** Whether `createOperation` refuses the name; an accepted one is deleted again. */
async function nodeApiRefuses(server: InMemoryOperationsServer, client: OperationsClient, name: string): Promise<boolean> {
  try {
    server.createOperation({ name });
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return true;
  }
  await client.deleteOperation({ name });
  return false;
}

/** Whether the string is well-formed UTF-16 (under `u`, a surrogate class matches only unpaired ones). */
const wellFormed = (text: string) => !/[\ud800-\udfff]/u.test(text);

describe('names: the client accepts exactly what the embedded server accepts (property)', function () {
  this.timeout(60_000);
  let server: InMemoryOperationsServer;
  let client: OperationsClient;
  let transport: GrpcOperationsTransport;

  before(async () => {
    server = await InMemoryOperationsServer.start();
    client = new OperationsClient({ address: server.address, insecure: true, retry: false });
    transport = new GrpcOperationsTransport({ address: server.address, insecure: true });
  });

  after(async () => {
    await client.close();
    await transport.close();
    await server.stop();
  });

  it('operation names: GetOperation refused by the client iff INVALID_ARGUMENT from the server', async () => {
    await fc.assert(fc.asyncProperty(nameArb, async (name) => {
      const refusedByClient = await clientRefuses(client.getOperation({ name }));
      expect(await nodeApiRefuses(server, client, name), 'the server\'s Node API agrees').to.equal(refusedByClient);
      if (wellFormed(name)) {
        expect(await serverRefuses(transport.getOperation({ name }, inTenSeconds())), 'the server\'s RPC agrees').to.equal(refusedByClient);
      } else {
        expect(refusedByClient, 'unpaired surrogates never leave the client').to.equal(true);
      }
    }), RUNS);
  });

  it('collection names: ListOperations refused by the client iff INVALID_ARGUMENT from the server', async () => {
    await fc.assert(fc.asyncProperty(nameArb, async (name) => {
      const listed = client.listOperations({ name }).then(() => undefined);
      const refusedByClient = await clientRefuses(listed);
      if (wellFormed(name)) {
        const answer = transport.listOperations({ name }, inTenSeconds()).then(
          () => false,
          (error: unknown) => error instanceof RpcError && error.code === INVALID_ARGUMENT ? true : Promise.reject(error),
        );
        expect(await answer, 'the server\'s RPC agrees').to.equal(refusedByClient);
      }
    }), RUNS);
  });
});
