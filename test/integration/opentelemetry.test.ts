/**
 * OpenTelemetry with the real SDK (sdk-trace-base's in-memory exporter, an async-hooks
 * context manager, the W3C propagator), on both transports: the complete span tree of a
 * wait that is retried once, makes progress twice and completes; the `traceparent` the
 * embedded server received; and no span at all once the SDK is gone.
 *
 * The only test file that imports `@opentelemetry/*`: `npm run test:no-otel` leaves it
 * out and runs everything else with the package hidden.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { TypeRegistry } from '../../src/any/type-registry.js';
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { openTelemetryFound } from '../../src/telemetry/otel-api.js';
import type { Any, PollingOptions } from '../../src/types.js';
import { startServerAndClient, TRANSPORTS } from '../helpers/server-and-client.js';

const UNAVAILABLE = 14;
const NOT_FOUND = 5;
const SERVICE = 'google.longrunning.Operations';
/** GetOperation only (no WaitOperation probe): the same RPCs on both transports. */
const FAST_POLL: PollingOptions = { strategy: 'poll', initialDelayMs: 1, maxDelayMs: 5, jitter: 0 };
const FAST_RETRY = { retries: 3, initialDelayMs: 1, maxDelayMs: 5, jitter: 0 };

const wkt = TypeRegistry.empty();
const percent = (value: number): Any => wkt.pack('google.protobuf.Struct', { percent: value });

/** After the n-th answered GetOperation of `name`, runs `steps[n]`: the timeline follows the client's polls. */
function afterPolls(server: InMemoryOperationsServer, name: string, steps: Record<number, () => void>): void {
  let polls = 0;
  server.override('GetOperation', async (request, call) => {
    const answer = await call.next();
    if (request.name === name) steps[++polls]?.();
    return answer;
  });
}

/** Resolves once `condition()` holds; a hang guard far above the need (checked every 5 ms). */
async function until(condition: () => boolean, guardMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > guardMs) throw new Error('until: the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
}

describe('OpenTelemetry (real SDK)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  before(() => {
    context.setGlobalContextManager(new AsyncHooksContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    trace.disable();
    propagation.disable();
    context.disable();
    await provider.shutdown();
  });
  afterEach(() => exporter.reset());

  it('finds @opentelemetry/api (the Node entry loads it synchronously)', async () => {
    const { stop } = await startServerAndClient();
    await stop();
    expect(openTelemetryFound()).to.equal(true);
  });

  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      it('records the complete span tree of a wait retried once, with two progress steps, that completes', async () => {
        const { server, client, stop } = await startServerAndClient({
          transport, client: { retry: FAST_RETRY, polling: FAST_POLL },
        });
        try {
          const name = server.createOperation();
          server.failNext('GetOperation', { code: UNAVAILABLE, message: 'try again', details: [] });
          afterPolls(server, name, {
            1: () => server.setMetadata(name, percent(25)),
            2: () => server.setMetadata(name, percent(75)),
            3: () => server.complete(name, percent(100)),
          });
          // The first poll answers the initial state; then 25%, 75%, done.
          server.setMetadata(name, percent(0));
          const tracer = trace.getTracer('test');
          const result = await tracer.startActiveSpan('caller', async (caller) => {
            try {
              return await client.operation(name, { responseType: 'google.protobuf.Struct' }).promise();
            } finally {
              caller.end();
            }
          });
          expect(result).to.deep.equal({ percent: 100 });

          const spans = exporter.getFinishedSpans();
          const caller = spans.find((span) => span.name === 'caller')!;
          const wait = spans.find((span) => span.name === 'longrunning.wait')!;
          const rpcs = spans.filter((span) => span.name === `${SERVICE}/GetOperation`);
          // Exactly these spans: the caller, one wait, four GetOperation calls (one retried).
          expect(spans.map((span) => span.name).sort()).to.deep.equal(
            ['caller', 'longrunning.wait', ...Array<string>(4).fill(`${SERVICE}/GetOperation`)].sort());

          // The tree: caller -> wait -> every RPC; one trace.
          expect(wait.parentSpanContext?.spanId).to.equal(caller.spanContext().spanId);
          expect(childrenOf(spans, wait)).to.have.members(rpcs);
          for (const span of spans) expect(span.spanContext().traceId).to.equal(caller.spanContext().traceId);

          // The wait: attributes, a state event per distinct state with its progress, outcome ok.
          expect(wait.kind).to.equal(SpanKind.INTERNAL);
          expect(wait.attributes).to.deep.include({
            'longrunning.operation.name': name, 'longrunning.wait.outcome': 'ok', 'longrunning.wait.states': 4,
          });
          expect(wait.status.code).to.equal(SpanStatusCode.OK);
          expect(wait.events.map((event) => [event.name, event.attributes])).to.deep.equal([
            ['state', { 'longrunning.operation.done': false, 'longrunning.operation.progress': 0 }],
            ['state', { 'longrunning.operation.done': false, 'longrunning.operation.progress': 0.25 }],
            ['state', { 'longrunning.operation.done': false, 'longrunning.operation.progress': 0.75 }],
            ['state', { 'longrunning.operation.done': true, 'longrunning.operation.progress': 0.75 }],
          ]);

          // Each RPC span: CLIENT, the semantic-convention attributes of its transport, OK.
          const [host, port] = [server.address.split(':')[0], Number(server.address.split(':')[1])];
          for (const rpc of rpcs) {
            expect(rpc.kind).to.equal(SpanKind.CLIENT);
            expect(rpc.status.code).to.equal(SpanStatusCode.UNSET);
            expect(rpc.attributes).to.deep.include({
              'rpc.service': SERVICE, 'rpc.method': 'GetOperation', 'server.address': host, 'longrunning.operation.name': name,
            });
            if (transport === 'grpc') {
              expect(rpc.attributes).to.deep.include({ 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0, 'server.port': port });
            } else {
              const httpPort = Number(new URL(server.httpUrl!).port);
              expect(rpc.attributes).to.deep.include({
                'http.request.method': 'GET', 'url.full': `${server.httpUrl!}/v1/${name}`,
                'http.response.status_code': 200, 'server.port': httpPort,
              });
              expect(rpc.attributes).to.not.have.property('rpc.system');
            }
          }
          // One of them was retried once: one retry event, with the delay and the error.
          const retried = rpcs.filter((rpc) => rpc.events.length > 0);
          expect(retried).to.have.length(1);
          expect(retried[0].events.map((event) => event.name)).to.deep.equal(['retry']);
          const retry = retried[0].events[0].attributes!;
          expect(retry).to.deep.include({
            'longrunning.retry.attempt': 2, 'error.type': 'UNAVAILABLE', 'exception.message': 'GetOperation failed with UNAVAILABLE: try again',
          });
          expect(retry['longrunning.retry.delay_ms']).to.be.a('number').within(0, FAST_RETRY.maxDelayMs);
          if (transport === 'grpc') expect(retry).to.deep.include({ 'rpc.grpc.status_code': UNAVAILABLE });
          else expect(retry).to.deep.include({ 'http.response.status_code': 503 });

          // On the wire: every request carried its call span's context; both attempts of the retried call the same.
          const calls = server.calls.filter((call) => call.method === 'GetOperation');
          expect(calls).to.have.length(5);
          const sent = calls.map((call) => call.metadata.traceparent);
          const expected = rpcs.map((rpc) => `00-${rpc.spanContext().traceId}-${rpc.spanContext().spanId}-01`);
          expect(new Set(sent)).to.deep.equal(new Set(expected));
          const retriedParent = `00-${retried[0].spanContext().traceId}-${retried[0].spanContext().spanId}-01`;
          expect(sent.filter((value) => value === retriedParent)).to.have.length(2);
        } finally {
          await stop();
        }
      });

      it('ends an RPC span with ERROR and the code, and a wait span with the outcome failed', async () => {
        const { client, stop } = await startServerAndClient({ transport, client: { retry: false, polling: FAST_POLL } });
        try {
          const error = await client.operation('operations/missing').promise().then(() => undefined, (e: unknown) => e);
          expect(error).to.have.property('code', NOT_FOUND);
          const spans = exporter.getFinishedSpans();
          expect(spans.map((span) => span.name)).to.deep.equal([`${SERVICE}/GetOperation`, 'longrunning.wait']);
          const [rpc, wait] = spans as [ReadableSpan, ReadableSpan];
          expect(rpc.status.code).to.equal(SpanStatusCode.ERROR);
          expect(rpc.status.message).to.include('NOT_FOUND');
          expect(rpc.attributes).to.deep.include({ 'error.type': 'NOT_FOUND' });
          if (transport === 'grpc') expect(rpc.attributes).to.deep.include({ 'rpc.grpc.status_code': NOT_FOUND });
          else expect(rpc.attributes).to.deep.include({ 'http.response.status_code': 404 });
          expect(wait.attributes).to.deep.include({
            'longrunning.wait.outcome': 'failed', 'longrunning.status_code': NOT_FOUND, 'error.type': 'RpcError',
          });
          expect(wait.status.code).to.equal(SpanStatusCode.ERROR);
        } finally {
          await stop();
        }
      });
    });
  }

  it('ends a wait span with cancelled, timed_out and aborted', async () => {
    const { server, client, stop } = await startServerAndClient({ client: { polling: FAST_POLL } });
    try {
      const cancelled = server.createOperation();
      await client.cancelOperation({ name: cancelled });
      await client.operation(cancelled).promise().catch((e: unknown) => e);
      const running = server.createOperation();
      await client.operation(running, { polling: { ...FAST_POLL, totalTimeoutMs: 0 } }).promise().catch((e: unknown) => e);
      const controller = new AbortController();
      const aborted = client.operation(running).promise({ signal: controller.signal }).catch((e: unknown) => e);
      controller.abort(new Error('stop'));
      await aborted;
      // The run ends when its in-flight poll does, after the caller's promise rejected.
      const waits = () => exporter.getFinishedSpans().filter((span) => span.name === 'longrunning.wait');
      await until(() => waits().length === 3);
      const outcomes = waits().map((span) => [span.attributes['longrunning.wait.outcome'], span.status.code]);
      expect(outcomes).to.deep.equal([
        ['cancelled', SpanStatusCode.ERROR], ['timed_out', SpanStatusCode.ERROR], ['aborted', SpanStatusCode.UNSET],
      ]);
    } finally {
      await stop();
    }
  });

  it('records nothing and sends no traceparent once the SDK is unregistered', async () => {
    const { server, client, stop } = await startServerAndClient();
    try {
      trace.disable();
      const name = server.createOperation();
      server.complete(name);
      await client.operation(name).promise();
      expect(exporter.getFinishedSpans()).to.deep.equal([]);
      expect(server.calls.map((call) => call.metadata.traceparent)).to.deep.equal(server.calls.map(() => undefined));
    } finally {
      trace.setGlobalTracerProvider(provider);
      await stop();
    }
  });
});
