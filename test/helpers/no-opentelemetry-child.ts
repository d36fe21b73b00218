/**
 * A program run where `@opentelemetry/api` cannot be resolved (test/helpers/hide-opentelemetry.mjs):
 * a client over each transport waits for an operation, pages, retries, with no
 * telemetry. Prints one JSON line: what it saw.
 */
import { OperationsClient } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { openTelemetryFound } from '../../src/telemetry/otel-api.js';
import { connectionTo, TRANSPORTS } from './server-and-client.js';

const apiImport = await import('@opentelemetry/api').then(() => 'resolved', (error: unknown) => (error as { code?: string }).code);
const server = await InMemoryOperationsServer.start({ http: true });
const results: Record<string, unknown> = { apiImport };
try {
  for (const transport of TRANSPORTS) {
    const client = new OperationsClient({ ...connectionTo(server, transport), polling: { strategy: 'poll', initialDelayMs: 1, jitter: 0 },
      retry: { retries: 2, initialDelayMs: 1, jitter: 0 } });
    try {
      const name = server.createOperation();
      server.failNext('GetOperation', { code: 14, message: 'try again', details: [] });
      setTimeout(() => server.complete(name), 20);
      const states: boolean[] = [];
      const op = client.operation(name);
      op.state$.subscribe((state) => states.push(state.done));
      await op.promise();
      results[transport] = { done: states.at(-1), listed: (await client.listOperations({ name: 'operations' })).operations.length };
    } finally {
      await client.close();
    }
  }
} finally {
  await server.stop();
}
results.found = openTelemetryFound();
console.log(JSON.stringify(results));
