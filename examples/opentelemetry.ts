// OpenTelemetry: with an SDK registered, the client records a span per RPC call and a
// span per wait of a handle, without any option. This prints the trace of one awaited
// operation (which makes progress and rides out one UNAVAILABLE answer) as a tree.
// Needs `npm install @opentelemetry/api` plus an SDK; nothing here leaves the machine.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

// An SDK, as an app's tracing set-up registers it (NodeSDK does all three); spans are
// kept in memory here instead of being exported.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncHooksContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const server = await InMemoryOperationsServer.start();
const types = TypeRegistry.empty();
const percent = (value: number) => types.pack('google.protobuf.Struct', { percent: value });
const name = server.createOperation({ metadata: percent(0) });
server.script(name, [
  { afterMs: 150, metadata: percent(50) },
  { afterMs: 150, done: true, metadata: percent(100), response: types.pack('google.protobuf.Struct', { rows: 42 }) },
]);
server.failNext('GetOperation', { code: 14, message: 'try again', details: [] });

const client = new OperationsClient({ address: server.address, insecure: true, polling: { strategy: 'poll', maxDelayMs: 100 } });
const result = await trace.getTracer('example').startActiveSpan('export report', async (span) => {
  try {
    return await client.operation(name).promise();
  } finally {
    span.end();
  }
});
console.log('result:', JSON.stringify(result));
console.log('server saw traceparent:', server.calls.every((call) => call.metadata.traceparent !== undefined));
await client.close();
await server.stop();

// The trace as a tree: each span with its attributes of interest, its events, its children.
const spans = exporter.getFinishedSpans();
const children = (parent: ReadableSpan | undefined) => spans
  .filter((span) => span.parentSpanContext?.spanId === parent?.spanContext().spanId)
  .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
const shown = ['longrunning.wait.outcome', 'rpc.grpc.status_code', 'longrunning.operation.progress', 'longrunning.operation.done',
  'longrunning.retry.delay_ms', 'error.type'];
const describe = (attributes: Record<string, unknown> = {}) => shown
  .filter((key) => attributes[key] !== undefined).map((key) => `${key}=${String(attributes[key])}`).join(' ');
const print = (span: ReadableSpan, depth: number) => {
  console.log(`${'  '.repeat(depth)}${span.name} ${describe(span.attributes)}`.trimEnd());
  for (const event of span.events) console.log(`${'  '.repeat(depth + 1)}- ${event.name} ${describe(event.attributes)}`);
  for (const child of children(span)) print(child, depth + 1);
};
for (const root of children(undefined)) print(root, 0);
await provider.shutdown();
