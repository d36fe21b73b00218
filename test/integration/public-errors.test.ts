/**
 * Typed errors everywhere (issue 9, item 13): every public entry point of
 * `longrunning-client` and `longrunning-client/testing` rejects (or throws) only with a
 * `LongRunningError` or the caller's own abort reason. Every public member (enumerated
 * from the barrels, so a new one fails the completeness test until it is added to
 * MEMBERS) is called
 * - with junk in each argument position (the other arguments valid),
 * and every member that sends RPCs also
 * - against an unreachable address (a loopback port where nothing listens),
 * - with an already aborted signal,
 * - after `close()`,
 * - against a server that answers every RPC with an error.
 * Whatever a call returns is driven to the end: promises awaited, async iterables
 * iterated, observables subscribed.
 */
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { isObservable } from 'rxjs';
import * as api from '../../src/index.js';
import * as testing from '../../src/testing.js';
import {
  GrpcOperationsTransport, HttpOperationsTransport, LongRunningError, OperationsClient, TypeRegistry, codeName, typeNameOf,
  type LongRunningOperation, type Operation,
} from '../../src/index.js';
import { InMemoryOperationsServer, seededRandom } from '../../src/testing.js';
import { closedPort } from '../helpers/network.js';
import { withServerAndClient } from '../helpers/server-and-client.js';

type Scenario = 'bad input' | 'unreachable' | 'aborted' | 'closed' | 'server errors';
const NETWORK_SCENARIOS: readonly Scenario[] = ['unreachable', 'aborted', 'closed', 'server errors'];

interface Env {
  readonly scenario: Scenario;
  /** The healthy server ('bad input', and the server's own members). */
  readonly server: InMemoryOperationsServer;
  /** The client for this scenario: healthy, unreachable, closed, or of the failing server. */
  readonly client: OperationsClient;
  readonly transport: GrpcOperationsTransport;
  /** An HTTP/JSON transport to the same server (or the same dead port). */
  readonly httpTransport: HttpOperationsTransport;
  /** An operation name: running on the healthy server, unknown elsewhere. */
  readonly name: string;
  /** A handle of `client` on `name`, whose waits are bounded. */
  readonly handle: LongRunningOperation;
  /** Call options: `{ signal }` (aborted) in 'aborted', else empty. */
  readonly options: { signal?: AbortSignal };
  readonly abortReason: unknown;
  /** A transport call's options: a deadline a few seconds out, and the signal. */
  readonly transportOptions: () => { deadline: number; signal?: AbortSignal };
}

interface Member {
  /** Valid arguments; each position is replaced by junk in turn. */
  readonly valid: (env: Env) => unknown[];
  readonly call: (env: Env, args: unknown[]) => unknown;
  /** Sends RPCs: also run in the network scenarios. */
  readonly rpc?: boolean;
}

const WAIT_BOUND = { timeoutMs: 1_500 };
const JUNK: readonly unknown[] = [
  undefined, null, 0, -1, Number.NaN, Infinity, '', 'junk', '\u0000', true, {}, [], () => undefined,
  Symbol('junk'), 10n, { name: 42, timeoutMs: 'soon', signal: 'abort', pageSize: -1, deadline: 'soon', metadata: { 'x-k': 5 } },
  { name: 'operations/x', deadline: Date.now() + 1_000, metadata: { 'Bad Key': '\n' } },
];

/** Every public member and how to call it. Keys: `Class#member`, `Class.static`, `new Class`, `function`. */
const MEMBERS: Record<string, Member> = {
  // --- transport ------------------------------------------------------------------------------
  'new GrpcOperationsTransport': { valid: (e) => [{ address: e.server.address, insecure: true }], call: (_e, a) => new GrpcOperationsTransport(...(a as [never])) },
  'GrpcOperationsTransport#target': { valid: () => [], call: (e) => e.transport.target },
  'GrpcOperationsTransport#plaintext': { valid: () => [], call: (e) => e.transport.plaintext },
  'GrpcOperationsTransport#channelOptions': { valid: () => [], call: (e) => e.transport.channelOptions },
  'GrpcOperationsTransport#getOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.transport.getOperation(...(a as [never, never])) },
  'GrpcOperationsTransport#listOperations': { rpc: true, valid: (e) => [{ name: 'operations' }, e.transportOptions()], call: (e, a) => e.transport.listOperations(...(a as [never, never])) },
  'GrpcOperationsTransport#cancelOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.transport.cancelOperation(...(a as [never, never])) },
  'GrpcOperationsTransport#deleteOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.transport.deleteOperation(...(a as [never, never])) },
  'GrpcOperationsTransport#waitOperation': { rpc: true, valid: (e) => [{ name: e.name, timeoutMs: 20 }, e.transportOptions()], call: (e, a) => e.transport.waitOperation(...(a as [never, never])) },
  'GrpcOperationsTransport#close': { valid: () => [], call: (e) => e.transport.close() },
  'new HttpOperationsTransport': { valid: (e) => [{ baseUrl: e.server.httpUrl, insecure: true }], call: (_e, a) => new HttpOperationsTransport(...(a as [never])) },
  'HttpOperationsTransport#baseUrl': { valid: () => [], call: (e) => e.httpTransport.baseUrl },
  'HttpOperationsTransport#plaintext': { valid: () => [], call: (e) => e.httpTransport.plaintext },
  'HttpOperationsTransport#canWait': { valid: () => [], call: (e) => e.httpTransport.canWait },
  'HttpOperationsTransport#getOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.httpTransport.getOperation(...(a as [never, never])) },
  'HttpOperationsTransport#listOperations': { rpc: true, valid: (e) => [{ name: 'operations' }, e.transportOptions()], call: (e, a) => e.httpTransport.listOperations(...(a as [never, never])) },
  'HttpOperationsTransport#cancelOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.httpTransport.cancelOperation(...(a as [never, never])) },
  'HttpOperationsTransport#deleteOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.transportOptions()], call: (e, a) => e.httpTransport.deleteOperation(...(a as [never, never])) },
  'HttpOperationsTransport#waitOperation': { rpc: true, valid: (e) => [{ name: e.name, timeoutMs: 20 }, e.transportOptions()], call: (e, a) => e.httpTransport.waitOperation(...(a as [never, never])) },
  'HttpOperationsTransport#close': { valid: () => [], call: (e) => e.httpTransport.close() },

  // --- client ---------------------------------------------------------------------------------
  'new OperationsClient': { valid: (e) => [{ address: e.server.address, insecure: true }], call: (_e, a) => new OperationsClient(...(a as [never])) },
  'OperationsClient#getOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.options], call: (e, a) => e.client.getOperation(...(a as [never, never])) },
  'OperationsClient#listOperations': { rpc: true, valid: (e) => [{ name: 'operations' }, e.options], call: (e, a) => e.client.listOperations(...(a as [never, never])) },
  'OperationsClient#listOperationsAsync': { rpc: true, valid: (e) => [{ name: 'operations' }, e.options], call: (e, a) => e.client.listOperationsAsync(...(a as [never, never])) },
  'OperationsClient#listOperationsAsync().byPage': { rpc: true, valid: () => [{ pageSize: 2 }], call: (e, a) => e.client.listOperationsAsync({ name: 'operations' }, e.options).byPage(...(a as [never])) },
  'OperationsClient#cancelOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.options], call: (e, a) => e.client.cancelOperation(...(a as [never, never])) },
  'OperationsClient#deleteOperation': { rpc: true, valid: (e) => [{ name: e.name }, e.options], call: (e, a) => e.client.deleteOperation(...(a as [never, never])) },
  'OperationsClient#waitOperation': { rpc: true, valid: (e) => [{ name: e.name, timeoutMs: 20 }, e.options], call: (e, a) => e.client.waitOperation(...(a as [never, never])) },
  'OperationsClient#operation': { valid: (e) => [e.name, { polling: { totalTimeoutMs: 1_000 } }], call: (e, a) => e.client.operation(...(a as [never, never])) },
  'OperationsClient#resume': { valid: (e) => [{ version: 1, name: e.name }], call: (e, a) => e.client.resume(...(a as [never])) },
  'OperationsClient#close': { valid: () => [], call: (e) => e.client.close() },
  'OperationsClient#closed': { valid: () => [], call: (e) => e.client.closed },

  // --- operation handle -----------------------------------------------------------------------
  'LongRunningOperation#name': { valid: () => [], call: (e) => e.handle.name },
  'LongRunningOperation#latest': { valid: () => [], call: (e) => e.handle.latest },
  'LongRunningOperation#promise': { rpc: true, valid: (e) => [{ ...WAIT_BOUND, ...e.options }], call: (e, a) => e.handle.promise(...(a as [never])) },
  'LongRunningOperation#poll': { rpc: true, valid: (e) => [e.options], call: (e, a) => e.handle.poll(...(a as [never])) },
  'LongRunningOperation#cancel': { rpc: true, valid: (e) => [e.options], call: (e, a) => e.handle.cancel(...(a as [never])) },
  'LongRunningOperation#delete': { rpc: true, valid: (e) => [e.options], call: (e, a) => e.handle.delete(...(a as [never])) },
  'LongRunningOperation#toJSON': { valid: () => [], call: (e) => e.handle.toJSON() },
  'LongRunningOperation#state$': { rpc: true, valid: () => [], call: (e) => e.handle.state$ },
  'LongRunningOperation#metadata$': { rpc: true, valid: () => [], call: (e) => e.handle.metadata$ },

  // --- Any unpacking --------------------------------------------------------------------------
  'new TypeRegistry': { valid: () => [undefined], call: (_e, a) => new TypeRegistry(...(a as [never])) },
  'TypeRegistry.empty': { valid: () => [], call: () => TypeRegistry.empty() },
  'TypeRegistry.fromRoot': { valid: () => [new protobuf.Root()], call: (_e, a) => TypeRegistry.fromRoot(...(a as [never])) },
  'TypeRegistry.fromJSON': { valid: () => [{ nested: { x: { nested: { M: { fields: { a: { type: 'int32', id: 1 } } } } } } }], call: (_e, a) => TypeRegistry.fromJSON(...(a as [never])) },
  'TypeRegistry.fromProtoFiles': { valid: () => [['google/rpc/status.proto'], { includeDirs: [] }], call: (_e, a) => TypeRegistry.fromProtoFiles(...(a as [never, never])) },
  'TypeRegistry#has': { valid: () => ['google.rpc.Status'], call: (_e, a) => TypeRegistry.empty().has(...(a as [never])) },
  'TypeRegistry#unpack': { valid: () => [TypeRegistry.empty().pack('google.protobuf.Struct', {}), 'google.protobuf.Struct'], call: (_e, a) => TypeRegistry.empty().unpack(...(a as [never, never])) },
  'TypeRegistry#pack': { valid: () => ['google.protobuf.Struct', { a: 1 }], call: (_e, a) => TypeRegistry.empty().pack(...(a as [never, never])) },
  // @internal (the HTTP/JSON codec's type resolver), but a runtime member of a public class.
  'TypeRegistry#messageType': { valid: () => ['google.rpc.Status'], call: (_e, a) => TypeRegistry.empty().messageType(...(a as [never])) },
  'TypeRegistry#operationInfo': { valid: () => ['google.longrunning.Operations.GetOperation'], call: (_e, a) => TypeRegistry.empty().operationInfo(...(a as [never])) },
  typeNameOf: { valid: () => ['type.googleapis.com/google.rpc.Status'], call: (_e, a) => typeNameOf(...(a as [never])) },
  codeName: { valid: () => [14], call: (_e, a) => codeName(...(a as [never])) },

  // --- the embedded server --------------------------------------------------------------------
  'InMemoryOperationsServer.start': { valid: () => [{}], call: (_e, a) => InMemoryOperationsServer.start(...(a as [never])) },
  'seededRandom': { valid: () => [42], call: (_e, a) => seededRandom(...(a as [never])) },
  'InMemoryOperationsServer#address': { valid: () => [], call: (e) => e.server.address },
  'InMemoryOperationsServer#port': { valid: () => [], call: (e) => e.server.port },
  'InMemoryOperationsServer#httpUrl': { valid: () => [], call: (e) => e.server.httpUrl },
  'InMemoryOperationsServer#createOperation': { valid: () => [{}], call: (e, a) => e.server.createOperation(...(a as [never])) },
  'InMemoryOperationsServer#setMetadata': { valid: (e) => [e.name, TypeRegistry.empty().pack('google.protobuf.Struct', {})], call: (e, a) => e.server.setMetadata(...(a as [never, never])) },
  'InMemoryOperationsServer#complete': { valid: (e) => [e.name], call: (e, a) => e.server.complete(...(a as [never])) },
  'InMemoryOperationsServer#fail': { valid: (e) => [e.name, { code: 9 }], call: (e, a) => e.server.fail(...(a as [never, never])) },
  'InMemoryOperationsServer#get': { valid: (e) => [e.name], call: (e, a) => e.server.get(...(a as [never])) },
  'InMemoryOperationsServer#operations': { valid: () => [], call: (e) => e.server.operations },
  'InMemoryOperationsServer#pendingWaits': { valid: () => [], call: (e) => e.server.pendingWaits },
  'InMemoryOperationsServer#script': { valid: (e) => [e.name, [{ afterMs: 1, done: true }]], call: (e, a) => e.server.script(...(a as [never, never])) },
  'InMemoryOperationsServer#failNext': { valid: () => ['GetOperation', { code: 14 }, 1], call: (e, a) => e.server.failNext(...(a as [never, never, never])) },
  'InMemoryOperationsServer#override': { valid: () => ['GetOperation', undefined], call: (e, a) => e.server.override(...(a as [never, never])) },
  'InMemoryOperationsServer#setFaults': { valid: () => [undefined], call: (e, a) => e.server.setFaults(...(a as [never])) },
  'InMemoryOperationsServer#setUnreachable': { valid: () => [['operations/zone-b']], call: (e, a) => e.server.setUnreachable(...(a as [never])) },
  'InMemoryOperationsServer#calls': { valid: () => [], call: (e) => e.server.calls },
  'InMemoryOperationsServer#clearCalls': { valid: () => [], call: (e) => e.server.clearCalls() },
  'InMemoryOperationsServer#stop': { valid: () => [], call: (e) => e.server.stop() },
};

/**
 * Members deliberately not called, with the reason. Error constructors build errors,
 * they do not report them; the handle's and the server's constructors are not public
 * (`@internal`, private: made by `client.operation()` and `start()`).
 */
const NOT_CALLED = new Map<string, string>([
  ...Object.entries(api).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error || value === LongRunningError)
    .map(([name]) => [`new ${name}`, 'an error class'] as [string, string]),
  ['new LongRunningOperation', '@internal constructor: handles come from client.operation() / resume()'],
  ['new InMemoryOperationsServer', 'private constructor: servers come from start()'],
]);

const isClass = (value: unknown): value is abstract new (...args: never[]) => unknown =>
  typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));

const EXPORTED: ReadonlySet<unknown> = new Set([...Object.values(api), ...Object.values(testing)]);

/**
 * A class and the bases it inherits public members from that no barrel exports: the
 * cores the Node and browser entries share (OperationsClientCore, PortableTypeRegistry).
 * An exported base (an error class's parent) has its own rows.
 */
function ownAndSharedClasses(value: abstract new (...args: never[]) => unknown): Array<abstract new (...args: never[]) => unknown> {
  const classes = [value];
  for (let base: unknown = Object.getPrototypeOf(value); isClass(base) && !EXPORTED.has(base); base = Object.getPrototypeOf(base)) {
    classes.push(base);
  }
  return classes;
}

/** The public surface as the barrels export it, plus instance fields seen on live instances. */
function publicSurface(instances: ReadonlyMap<string, object>): string[] {
  const surface: string[] = [];
  for (const [exportName, value] of [...Object.entries(api), ...Object.entries(testing)]) {
    if (typeof value !== 'function') continue;
    if (!isClass(value)) {
      surface.push(exportName);
      continue;
    }
    surface.push(`new ${exportName}`);
    for (const cls of ownAndSharedClasses(value)) {
      for (const key of Object.getOwnPropertyNames(cls)) {
        if (!['length', 'name', 'prototype'].includes(key)) surface.push(`${exportName}.${key}`);
      }
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        if (key !== 'constructor') surface.push(`${exportName}#${key}`);
      }
    }
    const instance = instances.get(exportName);
    if (instance !== undefined) {
      for (const key of Object.keys(instance)) surface.push(`${exportName}#${key}`);
    }
  }
  return surface;
}

const SETTLE_BOUND_MS = 8_000;
const HUNG = Symbol('hung');

/** Drives whatever a call returned to its end; resolves with what it ended in (`undefined` when fine). */
async function outcomeOf(run: () => unknown, closables: Array<{ close?: () => unknown; stop?: () => unknown }>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), SETTLE_BOUND_MS);
  });
  const drive = async (): Promise<unknown> => {
    const value = run();
    const result = value instanceof Promise ? await value : value;
    if (result instanceof OperationsClient || result instanceof GrpcOperationsTransport || result instanceof HttpOperationsTransport || result instanceof InMemoryOperationsServer) {
      closables.push(result);
    }
    if (isObservable(result)) {
      await new Promise<void>((resolve, reject) => {
        result.subscribe({ error: reject, complete: resolve });
      });
    } else if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
      let items = 0;
      for await (const item of result as AsyncIterable<unknown>) {
        void item;
        if (++items > 100) break;
      }
    }
    return undefined;
  };
  try {
    return await Promise.race([drive().catch((error: unknown) => ({ error })), bound]);
  } finally {
    clearTimeout(timer);
  }
}

interface Finding { member: string; scenario: Scenario; args: string; outcome: string }

const describeArg = (value: unknown): string => {
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

describe('typed errors from every public entry point (integration)', function () {
  this.timeout(300_000);
  it('MEMBERS covers the whole public surface of both entry points, and nothing else', async () => {
    await withServerAndClient({}, async ({ server, client }) => {
      const instances = new Map<string, object>([
        ['LongRunningOperation', client.operation('operations/x')],
        ['InMemoryOperationsServer', server],
        ['OperationsClient', client],
        ['TypeRegistry', TypeRegistry.empty()],
        ['GrpcOperationsTransport', new GrpcOperationsTransport({ address: server.address, insecure: true })],
        ['HttpOperationsTransport', new HttpOperationsTransport({ baseUrl: 'http://127.0.0.1:1', insecure: true })],
      ]);
      await (instances.get('GrpcOperationsTransport') as GrpcOperationsTransport).close();
      await (instances.get('HttpOperationsTransport') as HttpOperationsTransport).close();
      const surface = publicSurface(instances).filter((member) => !NOT_CALLED.has(member));
      const covered = Object.keys(MEMBERS).filter((member) => !member.includes('()'));
      expect(surface.filter((member) => !covered.includes(member)), 'public members this test does not call: add them to MEMBERS').to.deep.equal([]);
      expect(covered.filter((member) => !surface.includes(member)), 'MEMBERS no longer public').to.deep.equal([]);
    });
  });

  /** Runs `member` in `scenario` with each argument list; collects every outcome that is not allowed. */
  async function probe(memberName: string, scenario: Scenario, argLists: (env: Env) => unknown[][]): Promise<Finding[]> {
    const member = MEMBERS[memberName];
    const findings: Finding[] = [];
    const server = await InMemoryOperationsServer.start({ http: true });
    const failing = scenario === 'server errors' ? await InMemoryOperationsServer.start({ http: true }) : undefined;
    if (failing) {
      for (const method of ['GetOperation', 'ListOperations', 'CancelOperation', 'DeleteOperation', 'WaitOperation'] as const) {
        failing.override(method, () => ({ status: { code: 7, message: 'permission denied by the test server' } }));
      }
    }
    // A port closed just now, per probe: one taken at the start of the run may be a live
    // server's by the time the probe runs (the kernel hands freed ports out again).
    const deadPort = scenario === 'unreachable' ? await closedPort() : 0;
    const address = scenario === 'unreachable' ? `127.0.0.1:${deadPort}` : (failing ?? server).address;
    const baseUrl = scenario === 'unreachable' ? `http://127.0.0.1:${deadPort}` : (failing ?? server).httpUrl!;
    const controller = new AbortController();
    const abortReason = new Error('the caller aborted');
    controller.abort(abortReason);
    const closables: Array<{ close?: () => unknown; stop?: () => unknown }> = [];
    try {
      const count = argLists(makeEnv(server, address, baseUrl, scenario, controller.signal, abortReason, closables)).length;
      for (let index = 0; index < count; index++) {
        // A fresh client per call: one call's close() or handle state must not decide the next.
        const env = makeEnv(server, address, baseUrl, scenario, controller.signal, abortReason, closables);
        const args = argLists(env)[index];
        if (scenario === 'closed') await env.client.close();
        if (scenario === 'closed') await env.transport.close();
        if (scenario === 'closed') await env.httpTransport.close();
        const outcome = await outcomeOf(() => member.call(env, args), closables);
        if (outcome === undefined) {
          // Unreachable, aborted, closed or failing: an RPC member cannot succeed.
          if (scenario !== 'bad input') findings.push({ member: memberName, scenario, args: args.map(describeArg).join(', '), outcome: 'no error' });
          continue;
        }
        const error = outcome === HUNG ? HUNG : (outcome as { error: unknown }).error;
        const allowed = error instanceof LongRunningError || (scenario === 'aborted' && error === abortReason);
        if (!allowed) {
          findings.push({
            member: memberName,
            scenario,
            args: args.map(describeArg).join(', '),
            outcome: error === HUNG ? `did not settle within ${SETTLE_BOUND_MS} ms`
              : `${error instanceof Error ? error.constructor.name : typeof error}: ${String((error as Error)?.message ?? error)}`,
          });
        }
      }
    } finally {
      for (const closable of closables.splice(0)) await Promise.resolve(closable.close?.() ?? closable.stop?.()).catch(() => undefined);
      await server.stop();
      await failing?.stop();
    }
    return findings;
  }

  function makeEnv(
    server: InMemoryOperationsServer, address: string, baseUrl: string, scenario: Scenario, signal: AbortSignal, abortReason: unknown,
    closables: Array<{ close?: () => unknown }>,
  ): Env {
    const healthy = scenario === 'bad input';
    const client = new OperationsClient({ address, insecure: true, timeoutMs: 3_000, retry: { initialDelayMs: 10, maxDelayMs: 50 } });
    const transport = new GrpcOperationsTransport({ address, insecure: true });
    // The embedded server's WaitOperation binding, so waitOperation reaches it.
    const httpTransport = new HttpOperationsTransport({
      baseUrl, insecure: true,
      httpRules: [{ selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' }],
    });
    closables.push(client, transport, httpTransport);
    const name = healthy ? server.createOperation() : 'operations/unknown';
    // Bad input: a done handle (no wait can hang); elsewhere a running one with bounded waits.
    const given: Operation = { name: 'operations/given', done: true, response: TypeRegistry.empty().pack('google.protobuf.Struct', {}) };
    const handle = healthy ? client.operation(given) : client.operation(name, { polling: { totalTimeoutMs: 1_000, initialDelayMs: 50 } });
    const options = scenario === 'aborted' ? { signal } : {};
    return {
      scenario, server, client, transport, httpTransport, name, handle, options, abortReason,
      transportOptions: () => ({ deadline: Date.now() + 3_000, ...options }),
    };
  }

  const junkArgLists = (member: Member) => (env: Env): unknown[][] => {
    const valid = member.valid(env);
    const positions = Math.max(valid.length, 1);
    const lists: unknown[][] = [];
    for (let position = 0; position < positions; position++) {
      for (const junk of JUNK) {
        const args = [...valid];
        args[position] = junk;
        lists.push(args);
      }
    }
    return lists;
  };

  for (const memberName of Object.keys(MEMBERS)) {
    it(`${memberName}: junk in each argument gives a LongRunningError or a result`, async () => {
      expect(await probe(memberName, 'bad input', junkArgLists(MEMBERS[memberName]))).to.deep.equal([]);
    });
    if (MEMBERS[memberName].rpc) {
      for (const scenario of NETWORK_SCENARIOS) {
        it(`${memberName}: ${scenario} gives a LongRunningError${scenario === 'aborted' ? ' or the abort reason' : ''}`, async () => {
          expect(await probe(memberName, scenario, (env) => [MEMBERS[memberName].valid(env)])).to.deep.equal([]);
        });
      }
    }
  }
});
